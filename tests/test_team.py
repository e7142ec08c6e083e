"""Sign-in, roles, CSRF, editing and review over HTTP, against a real `cipt serve` (issue #15).

Accounts are made with the real `cipt users` command; every request goes through a real HTTP
client; what the pages say is checked against the workspace's files and the versions recorded.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import stat

import httpx
import pytest
import team_helpers
from conftest import run_cli
from serve_helpers import TOKEN, serving, writer_env
from team_helpers import rows as _rows
from team_helpers import token as _token

PASSWORDS = {"vera": "validatrice-secret-1", "ed": "editeur-secret-22", "rita": "lectrice-secret-333",
             "lucie": "lectrice-secret-4444"}
ROLES = {"vera": "validator", "ed": "editor", "rita": "reader", "lucie": "reader"}


def _alert(html: str) -> str:
    found = re.search(r'role="alert"><p>([^<]+)', html)
    return found.group(1) if found else ""


def _flash(html: str) -> str:
    found = re.search(r'role="status">([^<]+)', html)
    return found.group(1) if found else ""


@pytest.fixture(scope="module")
def team_ws(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("team") / "ws"
    done = run_cli("init", str(workspace))
    assert done.returncode == 0, done.stderr
    for user, password in PASSWORDS.items():
        done = run_cli("users", "add", user, "--role", ROLES[user], "--password-stdin", "--data", str(workspace),
                       input=password + "\n")
        assert done.returncode == 0, done.stderr
    return workspace


@pytest.fixture(scope="module")
def team_server(team_ws, tmp_path_factory):
    log = tmp_path_factory.mktemp("team-log") / "serve.log"
    with serving(["--data", str(team_ws), "--allow-writes"], log, writer_env()) as server:
        yield server


def sign_in(server, user: str, password: str | None = None) -> httpx.Client:
    return team_helpers.sign_in(server, user, password or PASSWORDS[user])


def test_users_command_stores_hashes_only_readable_by_owner(team_ws):
    path = team_ws / "accounts.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    for password in PASSWORDS.values():
        assert password not in text
    assert text.count("$argon2id$") == len(PASSWORDS)
    listed = json.loads(run_cli("users", "list", "--format", "json", "--data", str(team_ws)).stdout)
    assert {a["username"]: a["role"] for a in listed} == ROLES
    assert all("password_hash" not in a for a in listed)


def test_users_command_refuses_bad_input(team_ws):
    short = run_cli("users", "add", "zoe", "--password-stdin", "--data", str(team_ws), input="court\n")
    assert short.returncode == 2 and "le mot de passe doit avoir au moins" in short.stderr
    again = run_cli("users", "add", "vera", "--password-stdin", "--data", str(team_ws), input="x" * 12 + "\n")
    assert again.returncode == 2 and "existe déjà" in again.stderr
    shipped = run_cli("users", "list")
    assert shipped.returncode == 2 and "espace de travail" in shipped.stderr


def test_session_cookie_is_httponly_and_samesite(team_server):
    client = httpx.Client(base_url=team_server.url, follow_redirects=False, timeout=60)
    page = client.get("/login")
    answer = client.post("/login", data={"csrftoken": _token(page.text), "username": "ed",
                                         "password": PASSWORDS["ed"], "next": "/review"})
    cookie = answer.headers["set-cookie"].lower()
    assert "cipt_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http on 127.0.0.1; Secure is set behind an https --base-url


def test_wrong_password_is_refused_and_rate_limited(team_server):
    client = httpx.Client(base_url=team_server.url, follow_redirects=False, timeout=60)
    token = _token(client.get("/login").text)
    statuses = [client.post("/login", data={"csrftoken": token, "username": "lucie", "password": f"wrong-{i}-xxxxx"}).status_code
                for i in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    limited = client.post("/login", data={"csrftoken": token, "username": "lucie", "password": PASSWORDS["lucie"]})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    other = sign_in(team_server, "ed")  # another account is not locked out by lucie's failures
    assert other.get("/review").status_code == 200


def test_post_without_csrf_token_is_refused(team_server, team_ws):
    before = (team_ws / "mapping" / "module_competency.csv").read_bytes()
    client = sign_in(team_server, "ed")
    data = {"kind": "competency", "module": "M02", "target": "BC01-C1", "level": "R", "hours": "",
            "rationale": "Sans jeton"}
    refused = client.post("/edit/link", data=data)
    assert refused.status_code == 403 and "CSRF" in refused.text
    forged = client.post("/edit/link", data={**data, "csrftoken": "forged"})
    assert forged.status_code == 403
    # A browser gets the site's page (header, navigation), in its language.
    page = client.post("/edit/link", data=data, headers={"Accept": "text/html", "Accept-Language": "fr"})
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="fr"' in page.text and "CSRF" in page.text and "<nav" in page.text
    assert (team_ws / "mapping" / "module_competency.csv").read_bytes() == before


def test_anonymous_and_reader_cannot_write(team_server, team_ws):
    before = (team_ws / "mapping" / "module_competency.csv").read_bytes()
    anonymous = httpx.Client(base_url=team_server.url, follow_redirects=False, timeout=60)
    page = anonymous.get("/review")
    assert page.status_code == 200 and "Valider" not in page.text and 'action="/edit/link"' not in page.text
    token = _token(anonymous.get("/login").text)
    data = {"csrftoken": token, "kind": "competency", "module": "M02", "target": "BC01-C1", "level": "R",
            "rationale": "Anonyme"}
    assert anonymous.post("/edit/link", data=data).status_code == 401
    assert anonymous.post("/review/decision", data={**data, "decision": "validate"}).status_code == 401
    assert anonymous.get("/edit/upload").status_code == 303  # to the sign-in page
    assert anonymous.get("/edit/workbook.xlsx").status_code == 303
    reader = sign_in(team_server, "rita")
    token = _token(reader.get("/review").text)
    assert reader.post("/edit/link", data={**data, "csrftoken": token}).status_code == 403
    assert reader.post("/review/decision", data={**data, "csrftoken": token, "decision": "validate"}).status_code == 403
    editor = sign_in(team_server, "ed")
    token = _token(editor.get("/review").text)
    assert editor.post("/review/decision", data={**data, "csrftoken": token, "decision": "validate"}).status_code == 403
    assert (team_ws / "mapping" / "module_competency.csv").read_bytes() == before


def test_edit_then_validate_is_recorded_with_who_and_why(team_server, team_ws):
    editor = sign_in(team_server, "ed")
    token = _token(editor.get("/review").text)
    saved = editor.post("/edit/link", data={
        "csrftoken": token, "kind": "competency", "module": "M04", "target": "BC02-C1", "level": "R",
        "hours": "3,5", "rationale": "Première ligne\r\nseconde ligne", "back": "/review?module=M04",
        "loaded": team_helpers.loaded(editor, "M04", "BC02-C1")})
    assert saved.status_code == 303 and saved.headers["location"] == "/review?module=M04"
    row = next(r for r in _rows(team_ws) if (r["module"], r["competency"]) == ("M04", "BC02-C1"))
    assert (row["level"], row["hours"], row["status"], row["asserted_by"]) == ("R", "3.5", "proposed", "ed")
    assert row["rationale"] == "Première ligne\nseconde ligne"
    shown = editor.get("/review?module=M04")
    assert "M04 → BC02-C1" in _flash(shown.text)
    served = httpx.get(f"{team_server.url}/api/queries/coverage_matrix", headers={"Accept": "application/json"},
                       timeout=60).json()
    link = [r for r in served if (r["module_code"], r["competency_code"]) == ("M04", "BC02-C1")]
    assert link and link[0]["level_code"] == "R"  # the served store was refreshed after the edit

    validator = sign_in(team_server, "vera")
    token = _token(validator.get("/review").text)
    done = validator.post("/review/decision", data={
        "csrftoken": token, "kind": "competency", "module": "M04", "target": "BC02-C1", "decision": "validate",
        "comment": "Conforme à l'intitulé du module", "back": "/review",
        "loaded": team_helpers.loaded(validator, "M04", "BC02-C1")})
    assert done.status_code == 303
    row = next(r for r in _rows(team_ws) if (r["module"], r["competency"]) == ("M04", "BC02-C1"))
    assert row["status"] == "validated" and row["asserted_by"] == "ed"

    versions = json.loads(run_cli("versions", "--format", "json", "--data", str(team_ws)).stdout)
    edit, review = versions[-2], versions[-1]
    assert (edit["kind"], edit["agent"]) == ("edit", "ed")
    assert (review["kind"], review["agent"]) == ("review", "vera")
    assert "Conforme à l'intitulé du module" in review["message"]
    page = httpx.get(f"{team_server.url}/versions", timeout=60).text
    assert "Conforme à l'intitulé du module" in html.unescape(page) and 'data-kind="review">relecture<' in page \
        and ">vera<" in page, \
        page[page.find("<tbody>"):][:700]
    assert f'href="/versions/diff?a={edit["parent"]}&amp;b={edit["id"]}"' in page
    diff = httpx.get(f"{team_server.url}/versions/diff", params={"a": edit["parent"], "b": review["id"]}, timeout=60)
    assert diff.status_code == 200 and "M04" in diff.text and "BC02-C1" in diff.text


def test_edit_refusals_name_the_field_and_write_nothing(team_server, team_ws):
    before = (team_ws / "mapping" / "module_competency.csv").read_bytes()
    count = len(json.loads(run_cli("versions", "--format", "json", "--data", str(team_ws)).stdout))
    editor = sign_in(team_server, "ed")
    token = _token(editor.get("/review").text)
    base = {"csrftoken": token, "kind": "competency", "module": "M01", "target": "BC03-C2", "level": "R",
            "hours": "", "rationale": "Une justification", "loaded": team_helpers.loaded(editor, "M01", "BC03-C2")}
    cases = [({"hours": "500"}, "heures"), ({"hours": "-2"}, "heures"), ({"hours": "abc"}, "heures"),
             ({"level": "Z"}, "niveau"), ({"rationale": "  "}, "justification"), ({"module": "M99"}, "module"),
             ({"target": "BC99-C9"}, "compétence inconnue"), ({"kind": "autre"}, "type de lien")]
    for change, word in cases:
        answer = editor.post("/edit/link", data={**base, **change})
        assert answer.status_code == 400, change
        assert word in _alert(answer.text), (change, _alert(answer.text))
    assert (team_ws / "mapping" / "module_competency.csv").read_bytes() == before
    assert len(json.loads(run_cli("versions", "--format", "json", "--data", str(team_ws)).stdout)) == count


def test_reject_removes_the_link_and_keeps_it_in_the_versions(team_server, team_ws):
    editor = sign_in(team_server, "ed")
    token = _token(editor.get("/review").text)
    editor.post("/edit/link", data={"csrftoken": token, "kind": "objective", "module": "M05", "target": "O5",
                                    "rationale": "Objectif à rejeter",
                                    "loaded": team_helpers.loaded(editor, "M05", "O5", "objective")})
    assert any((r["module"], r["objective"]) == ("M05", "O5") for r in _rows(team_ws, "module_objective.csv"))
    validator = sign_in(team_server, "vera")
    token = _token(validator.get("/review?kind=objective").text)
    done = validator.post("/review/decision", data={"csrftoken": token, "kind": "objective", "module": "M05",
                                                   "target": "O5", "decision": "reject", "comment": "Hors sujet",
                                                   "loaded": team_helpers.loaded(validator, "M05", "O5", "objective")})
    assert done.status_code == 303
    assert not any((r["module"], r["objective"]) == ("M05", "O5") for r in _rows(team_ws, "module_objective.csv"))
    last = json.loads(run_cli("versions", "--format", "json", "--data", str(team_ws)).stdout)[-1]
    assert last["kind"] == "review" and "rejeté" in last["message"] and "Hors sujet" in last["message"]


def test_removed_account_loses_its_session_at_once(team_server, team_ws):
    done = run_cli("users", "add", "temp", "--role", "editor", "--password-stdin", "--data", str(team_ws),
                   input="temporaire-secret-9\n")
    assert done.returncode == 0, done.stderr
    client = sign_in(team_server, "temp", "temporaire-secret-9")
    assert "temp (éditeur)" in client.get("/review").text
    assert run_cli("users", "remove", "temp", "--data", str(team_ws)).returncode == 0
    page = client.get("/review")
    assert "temp (éditeur)" not in page.text and 'action="/edit/link"' not in page.text


def test_bearer_token_imports_are_unaffected_by_csrf(team_server, team_ws, tmp_path):
    exported = tmp_path / "m.xlsx"
    assert run_cli("export-matrix", "--data", str(team_ws), "--out", str(exported)).returncode == 0
    answer = httpx.post(f"{team_server.url}/api/imports/matrix", content=exported.read_bytes(), params={"dry_run": "true"},
                        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type":
                                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                 "Cookie": "csrftoken=whatever"}, timeout=120)
    assert answer.status_code == 200, answer.text


def test_labels_and_rationales_are_escaped_on_the_team_pages(team_server, team_ws):
    editor = sign_in(team_server, "ed")
    token = _token(editor.get("/review").text)
    hostile = '<script>alert(1)</script> & "quotes" <img src=x onerror=alert(2)>'
    saved = editor.post("/edit/link", data={"csrftoken": token, "kind": "activity", "module": "M06", "target": "A01",
                                            "rationale": hostile, "message": "<b>message</b>",
                                            "loaded": team_helpers.loaded(editor, "M06", "A01", "activity")})
    assert saved.status_code == 303
    for page in (editor.get("/review?kind=activity&module=M06").text, httpx.get(f"{team_server.url}/versions", timeout=60).text):
        assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>message</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in editor.get("/review?kind=activity&module=M06").text


def test_workbook_upload_without_csrf_token_is_refused(team_server, team_ws, tmp_path):
    exported = tmp_path / "m.xlsx"
    assert run_cli("export-matrix", "--data", str(team_ws), "--out", str(exported)).returncode == 0
    before = (team_ws / "mapping" / "module_competency.csv").read_bytes()
    editor = sign_in(team_server, "ed")
    files = {"workbook": ("m.xlsx", exported.read_bytes(), "application/octet-stream")}
    for data in ({}, {"csrftoken": "forged"}):
        refused = editor.post("/edit/upload", data=data, files=files)
        assert refused.status_code == 403 and "CSRF" in _alert(refused.text)
    assert (team_ws / "mapping" / "module_competency.csv").read_bytes() == before


def test_serving_a_workspace_without_accounts_writes_nothing_into_it(tmp_path):
    from serve_helpers import tree_digest_of

    workspace = tmp_path / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    before = tree_digest_of(workspace)
    with serving(["--data", str(workspace), "--allow-writes"], tmp_path / "serve.log", writer_env()) as server:
        assert httpx.get(f"{server.url}/review", timeout=60).status_code == 200
        assert httpx.get(f"{server.url}/login", timeout=60).status_code == 404
    assert tree_digest_of(workspace) == before


def test_a_stranger_s_failures_do_not_lock_the_account_owner_out(team_server, team_ws):
    """Wrong passwords for an account from one address lock that address out of the account, not
    the person signing in from another (OWASP: lockout as a denial of service); a guess spread
    over many addresses stays limited per account (SignInLimiter.per_account)."""
    def client_from(address: str) -> httpx.Client:
        return httpx.Client(base_url=team_server.url, follow_redirects=False, timeout=60,
                            transport=httpx.HTTPTransport(local_address=address))

    password = "olga-secret-66666"
    done = run_cli("users", "add", "olga", "--role", "editor", "--password-stdin", "--data", str(team_ws),
                   input=password + "\n")
    assert done.returncode == 0, done.stderr
    stranger = client_from("127.0.0.2")
    token = _token(stranger.get("/login").text)
    statuses = [stranger.post("/login", data={"csrftoken": token, "username": "olga", "password": f"guess-{i}-xxxxx"}).status_code
                for i in range(6)]
    assert statuses == [401] * 5 + [429], statuses
    owner = client_from("127.0.0.3")
    token = _token(owner.get("/login").text)
    signed = owner.post("/login", data={"csrftoken": token, "username": "olga", "password": password})
    assert signed.status_code == 303, signed.text
    assert owner.get("/review").status_code == 200
    again = stranger.post("/login", data={"csrftoken": _token(stranger.get("/login").text), "username": "olga",
                                          "password": password})
    assert again.status_code == 429 and int(again.headers["retry-after"]) > 0  # still locked for the stranger
    # Fifty failures for one account from ten addresses: it is then limited from an eleventh too.
    for host in range(10, 20):
        guesser = client_from(f"127.0.1.{host}")
        token = _token(guesser.get("/login").text)
        for i in range(5):
            r = guesser.post("/login", data={"csrftoken": token, "username": "olga", "password": f"spread-{i}-xxxxx"})
            assert r.status_code in (401, 429), r.status_code
    late = client_from("127.0.2.1")
    refused = late.post("/login", data={"csrftoken": _token(late.get("/login").text), "username": "olga",
                                         "password": password})
    assert refused.status_code == 429, refused.status_code


def test_sign_in_limit_counts_every_spelling_of_a_name_as_one_account(team_server, team_ws):
    """Five wrong passwords for " noe", "NOE\\t"… lock noe: the limiter normalises names as the
    account store does (found by a tester: whitespace variants were separate counters)."""
    done = run_cli("users", "add", "noe", "--password-stdin", "--data", str(team_ws), input="lecteur-secret-55555\n")
    assert done.returncode == 0, done.stderr
    client = httpx.Client(base_url=team_server.url, follow_redirects=False, timeout=60)
    for spelling in (" noe", "noe ", "NOE\t", "\u2003noe", "Noe"):
        page = client.get("/login")
        answer = client.post("/login", data={"csrftoken": _token(page.text), "username": spelling,
                                             "password": "mauvais-mot-de-passe"})
        assert answer.status_code == 401, answer.status_code
    page = client.get("/login")
    locked = client.post("/login", data={"csrftoken": _token(page.text), "username": "noe\t",
                                         "password": "lecteur-secret-55555"})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0


def test_an_editor_workbook_cannot_validate_links_a_validator_one_can(team_server, team_ws, tmp_path):
    import openpyxl

    def upload(client, book_path):
        token = _token(client.get("/edit/upload").text)
        with open(book_path, "rb") as handle:
            return client.post("/edit/upload", data={"csrftoken": token, "message": "statuts"},
                               files={"workbook": ("w.xlsx", handle, "application/octet-stream")})

    editor, validator = sign_in(team_server, "ed"), sign_in(team_server, "vera")
    exported = tmp_path / "exported.xlsx"
    exported.write_bytes(editor.get("/edit/workbook.xlsx").content)
    before = {p.name: p.read_bytes() for p in (team_ws / "mapping").glob("*.csv")}
    for sheet in ("Justifications", "Activités"):
        book = openpyxl.load_workbook(exported)
        rows = book[sheet]
        status_col = [c.value for c in rows[1]].index("Statut") + 1
        row = next(r for r in range(2, rows.max_row + 1) if rows.cell(r, status_col).value == "proposé")
        pair = f"{rows.cell(row, 1).value} → {rows.cell(row, 2).value}"
        rows.cell(row, status_col).value = "validé"  # the French workbook's word (the code is read too)
        book.save(tmp_path / f"{sheet}.xlsx")
        refused = upload(editor, tmp_path / f"{sheet}.xlsx")
        assert refused.status_code == 403 and pair in html_unescape(_alert(refused.text)), refused.text[:1500]
        assert {p.name: p.read_bytes() for p in (team_ws / "mapping").glob("*.csv")} == before
    done = upload(validator, tmp_path / "Justifications.xlsx")
    assert done.status_code == 200, done.text[:1500]
    # The version names the file the person sent (a safe form of its name), not a server-side one.
    recorded = json.loads(run_cli("versions", "--format", "json", "--data", str(team_ws)).stdout)[-1]
    assert recorded["source"] == "w.xlsx", recorded
    assert sum(r["status"] == "validated" for r in _rows(team_ws)) == \
        sum(r["status"] == "validated" for r in _csv_text(before["module_competency.csv"])) + 1


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def _csv_text(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_a_copied_cookie_is_refused_after_sign_out_and_after_a_new_password(team_server, team_ws):
    """Found by a tester: the cookie is signed, not stored, so a copy kept before sign-out (or a
    password change) still edited. Sign-out now revokes the session id; a new password ends the
    sessions opened with the old one."""
    done = run_cli("users", "add", "ines", "--role", "editor", "--password-stdin", "--data", str(team_ws),
                   input="editrice-secret-666666\n")
    assert done.returncode == 0, done.stderr
    first = sign_in(team_server, "ines", "editrice-secret-666666")
    copied = dict(first.cookies)
    assert first.get("/edit/upload").status_code == 200
    token = _token(first.get("/edit/upload").text)
    assert first.post("/logout", data={"csrftoken": token}).status_code == 303
    thief = httpx.Client(base_url=team_server.url, cookies=copied, follow_redirects=False, timeout=60)
    assert thief.get("/edit/upload").status_code in (302, 303, 307)  # sent to sign in: the session is gone

    second = sign_in(team_server, "ines", "editrice-secret-666666")
    assert second.get("/edit/upload").status_code == 200
    done = run_cli("users", "add", "ines", "--role", "editor", "--replace", "--password-stdin", "--data",
                   str(team_ws), input="nouveau-secret-7777777\n")
    assert done.returncode == 0, done.stderr
    assert second.get("/edit/upload").status_code in (302, 303, 307)
    assert sign_in(team_server, "ines", "nouveau-secret-7777777").get("/edit/upload").status_code == 200
