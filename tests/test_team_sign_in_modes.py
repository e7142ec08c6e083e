"""Who may sign in, and with what (issue #15, found by a tester): a workspace with accounts offers
sign-in on a plain `cipt serve --data DIR` — no --allow-writes, no bearer token —; --read-only
turns all of it off and writes nothing to the workspace; --allow-writes and the token stay for
other systems' imports. Also: the role names of the site are the command line's (lecteur,
éditeur, validateur / reader, editor, validator), and the sign-in limit says its wait in words.

Real `cipt serve` processes, accounts made with the real `cipt users`, real HTTP clients.
"""

from __future__ import annotations

import html
import re

import httpx
import pytest
from cipt_graph.i18n import typeset
import team_helpers as th
from conftest import run_cli
from serve_helpers import TOKEN, XLSX, serving, tree_digest_of, upload, writer_env

USERS = {"edith": ("editor", "editrice-secret-101", "Édith Moreau"),
         "victor": ("validator", "validateur-secret-202", "Victor Lenoir"),
         "rita": ("reader", "lectrice-secret-303", "Rita Lee")}
#: The role words every page and command uses, per language.
ROLE_WORDS = {"fr": {"reader": "lecteur", "editor": "éditeur", "validator": "validateur"},
              "en": {"reader": "reader", "editor": "editor", "validator": "validator"}}
FRENCH_LOG = {"LC_ALL": "fr_FR.UTF-8"}
#: One session-signing secret for every server of the module: a session of one is valid on another.
SECRET = {"CIPT_SESSION_SECRET": "secret-de-test-" + "x" * 40}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("modes") / "ws"
    done = run_cli("init", str(workspace))
    assert done.returncode == 0, done.stderr
    for user, (role, password, name) in USERS.items():
        th.add_user(workspace, user, role, password, name=name)
    return workspace


@pytest.fixture(scope="module")
def site(ws, tmp_path_factory):
    """`cipt serve --data ws`: no option, no CIPT_WRITE_TOKEN in its environment."""
    with serving(["--data", str(ws)], tmp_path_factory.mktemp("modes-log") / "serve.log",
                 {**FRENCH_LOG, **SECRET}) as server:
        yield server


def _header(page: str) -> str:
    return page.split("</header>", 1)[0]


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def test_accounts_alone_open_sign_in_and_editing_without_token(site, ws):
    assert typeset("connexion ouverte : 3 comptes", "fr") in site.log(), site.log()
    for lang, words in (("fr", "Se connecter"), ("en", "Sign in")):
        header = _header(httpx.get(f"{site.url}/matrix?lang={lang}", timeout=120).text)
        assert 'id="sign-in"' in header and words in _text(header), header
    editor = th.sign_in(site, "edith", USERS["edith"][1])
    before = len(th.versions(ws))
    th.propose(editor, "M04", "BC02-C1", level="R")
    assert th.link(ws, "M04", "BC02-C1")["level"] == "R"
    recorded = th.versions(ws)
    assert len(recorded) > before and recorded[-1]["agent"] == "Édith Moreau"
    # A validator validates it from the browser too (four eyes: not their own proposal).
    validator = th.sign_in(site, "victor", USERS["victor"][1])
    assert th.decide(validator, "M04", "BC02-C1", "validate", "vu").status_code == 303
    assert th.link(ws, "M04", "BC02-C1")["status"] == "validated"
    # Roles still hold: a reader may not edit; an anonymous client may not either.
    reader = th.sign_in(site, "rita", USERS["rita"][1])
    refused = reader.post("/edit/link", data={"csrftoken": th.token(reader.get("/review").text), "kind": "competency",
                                              "module": "M04", "target": "BC02-C2", "level": "I"})
    assert refused.status_code == 403 and th.link(ws, "M04", "BC02-C2") is None
    anonymous = httpx.Client(base_url=site.url, follow_redirects=False, timeout=60)
    token = th.token(anonymous.get("/login").text)
    assert anonymous.post("/edit/link", data={"csrftoken": token, "kind": "competency", "module": "M04",
                                              "target": "BC02-C2", "level": "I"}).status_code == 401
    # The bearer-token imports stay off: they are for other systems, with --allow-writes.
    digest = tree_digest_of(ws / "mapping")
    response = upload(site.url, "/api/imports/matrix", b"PK", XLSX)
    assert response.status_code == 403 and "--allow-writes" in response.json()["message"]
    assert tree_digest_of(ws / "mapping") == digest
    for client in (editor, validator, reader, anonymous):
        client.close()


def test_read_only_turns_sign_in_off_and_writes_nothing(site, ws, tmp_path):
    """--read-only: no sign-in link, /login says why, a valid session of the writable service
    (same signing secret) is worth nothing, and not one file of the workspace changes."""
    editor = th.sign_in(site, "edith", USERS["edith"][1])  # a live session of the writable service
    token = th.token(editor.get("/review").text)
    cookies = dict(editor.cookies)
    editor.close()
    before = tree_digest_of(ws)
    with serving(["--data", str(ws), "--read-only"], tmp_path / "ro.log", {**FRENCH_LOG, **SECRET}) as server:
        assert "lecture seule stricte (--read-only)" in server.log()
        for lang, word in (("fr", "Se connecter"), ("en", "Sign in")):
            header = _header(httpx.get(f"{server.url}/matrix?lang={lang}", timeout=120).text)
            assert 'id="sign-in"' not in header and word not in _text(header)
        login = httpx.get(f"{server.url}/login", timeout=60)
        assert login.status_code == 404 and "lecture seule stricte (--read-only)" in th.alert(login.text)
        english = httpx.get(f"{server.url}/login?lang=en", timeout=60)
        assert english.status_code == 404 and "strictly read-only (--read-only)" in th.alert(english.text)
        client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60, cookies=cookies)
        assert "Édith Moreau" not in _header(client.get("/review").text)
        answer = client.post("/edit/link", data={"csrftoken": token, "kind": "competency", "module": "M05",
                                                 "target": "BC01-C1", "level": "M"})
        assert answer.status_code == 401, answer.status_code  # past the CSRF check: refused as not signed in
        signing = client.post("/login", data={"csrftoken": token, "username": "edith",
                                              "password": USERS["edith"][1]})
        assert signing.status_code == 404
        client.close()
    # Without a secret in the environment either, --read-only given as CIPT_READ_ONLY=1: nothing
    # written (no .session-secret made).
    fresh = tmp_path / "fresh"
    assert run_cli("init", str(fresh)).returncode == 0
    th.add_user(fresh, "edith", "editor", USERS["edith"][1])
    untouched = tree_digest_of(fresh)
    with serving(["--data", str(fresh)], tmp_path / "ro2.log", {"CIPT_READ_ONLY": "1"}) as server:  # (its variable)
        assert httpx.get(f"{server.url}/login", timeout=60).status_code == 404
        assert httpx.get(f"{server.url}/matrix", timeout=120).status_code == 200
    assert tree_digest_of(fresh) == untouched and not (fresh / ".session-secret").exists()
    assert tree_digest_of(ws) == before, "a --read-only service wrote to the workspace"


def test_read_only_and_allow_writes_contradict(ws):
    done = run_cli("serve", "--data", str(ws), "--read-only", "--allow-writes", "--port", "0",
                   env={"CIPT_WRITE_TOKEN": TOKEN})
    assert done.returncode == 2
    assert "--read-only et --allow-writes se contredisent" in done.stderr, done.stderr
    # --allow-writes alone still needs its token, and says the team's sign-in does not.
    done = run_cli("serve", "--data", str(ws), "--allow-writes", "--port", "0")
    assert done.returncode == 2 and "CIPT_WRITE_TOKEN" in done.stderr
    assert "les personnes qui se connectent avec un compte n'ont besoin ni de l'un ni de l'autre" in done.stderr
    # Several workers, each with its own copy of the data, would not see one another's changes.
    done = run_cli("serve", "--data", str(ws), "--workers", "2", "--port", "0")
    assert done.returncode == 2 and "des comptes dans l'espace de travail, avec plusieurs --workers" in done.stderr
    assert "--read-only" in done.stderr, done.stderr


def test_an_unreadable_accounts_file_stops_the_start_unless_read_only(tmp_path):
    """The owner opted in but the file does not read: said before serving (exit 2, the file
    named), not found out by a sign-in page that never comes; --read-only never reads it."""
    root = tmp_path / "ws"
    assert run_cli("init", str(root)).returncode == 0
    (root / "accounts.json").write_text('{"accounts": [', encoding="utf-8")
    done = run_cli("serve", "--data", str(root), "--port", "0")
    assert done.returncode == 2 and "accounts.json" in done.stderr
    assert "le fichier des comptes n'est pas valide" in done.stderr, done.stderr
    with serving(["--data", str(root), "--read-only"], tmp_path / "ro.log") as server:
        assert httpx.get(f"{server.url}/login", timeout=60).status_code == 404


def test_allow_writes_adds_the_imports_to_sign_in(ws, tmp_path):
    with serving(["--data", str(ws), "--allow-writes"], tmp_path / "rw.log", {**writer_env(), **FRENCH_LOG}) as server:
        assert typeset("connexion ouverte : 3 comptes, modifications depuis le navigateur, et imports", "fr") in server.log()
        assert upload(server.url, "/api/imports/matrix", b"PK", XLSX, token="wrong-token-0123456789").status_code == 401
        client = th.sign_in(server, "edith", USERS["edith"][1])
        assert client.get("/edit/upload").status_code == 200
        client.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_site_and_the_command_line_name_roles_alike(site, ws, lang):
    listed = run_cli("users", "list", "--data", str(ws), "--lang", lang)
    assert listed.returncode == 0, listed.stderr
    for user, (role, password, name) in USERS.items():
        word = ROLE_WORDS[lang][role]
        line = next(line for line in listed.stdout.splitlines() if line.startswith(user + " "))
        assert line.split()[1] == word, line
        client = th.sign_in(site, user, password)
        header = _text(_header(client.get(f"/matrix?lang={lang}").text))
        assert f"({word})" in " ".join(header.split()), header
        client.close()
    reader = th.sign_in(site, "rita", USERS["rita"][1])
    refused = reader.post("/edit/link", data={"csrftoken": th.token(reader.get("/review").text), "kind": "competency",
                                              "module": "M04", "target": "BC02-C2", "level": "I", "lang": lang})
    reader.close()
    assert refused.status_code == 403
    wanted = typeset("rôle « éditeur » requis", "fr") if lang == "fr" else "the editor role is needed"
    assert wanted in th.alert(refused.text), th.alert(refused.text)
    for old in ("édition", "« validation »", "(validation)", "(lecture seule)"):
        assert old not in th.alert(refused.text)


@pytest.mark.parametrize("lang, words", [("fr", "réessayez dans {n} minutes."), ("en", "try again in {n} minutes.")])
def test_the_sign_in_limit_says_its_wait_in_minutes(site, lang, words):
    client = httpx.Client(base_url=site.url, follow_redirects=False, timeout=60)
    token = th.token(client.get("/login").text)
    name = f"nobody-{lang}"
    for i in range(5):
        answer = client.post("/login", data={"csrftoken": token, "username": name, "password": f"faux-{i}-xxxxxx",
                                             "lang": lang})
        assert answer.status_code == 401
    limited = client.post("/login", data={"csrftoken": token, "username": name, "password": "encore-faux-xx",
                                          "lang": lang})
    client.close()
    assert limited.status_code == 429
    seconds = int(limited.headers["retry-after"])  # seconds, as HTTP says (RFC 9110 §10.2.3)
    assert 120 < seconds <= 300  # the 5-minute window, less the time the five tries took
    message = th.alert(limited.text).replace("\u00a0", " ").replace("\u202f", " ")
    # Whole minutes, rounded up (never promising less than the wait): 295 s → "5 minutes".
    assert message.endswith(words.format(n=-(-seconds // 60))), (seconds, message)
    assert not re.search(r"\d+ ?s\b", message), message
