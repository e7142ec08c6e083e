"""Review rules (issue #15), against a real `cipt serve` on a workspace with accounts:

- rejecting a link needs a comment (the author is told why);
- a validator may not validate a link they proposed (four eyes), neither from the review page
  nor with a workbook, unless the workspace's ``team.toml`` says ``allow_self_validation = true``;
- in Chromium, the validator's own proposals show no "Valider" button and "Rejeter" without a
  comment is not sent.
"""

from __future__ import annotations

import html
import io
import json
import re

import httpx
import openpyxl
import pytest
import team_helpers
from conftest import run_cli
from serve_helpers import serving, writer_env
from team_helpers import MAPPING, decide, propose
from team_helpers import alert as _alert
from team_helpers import link as _link

PASSWORDS = {"vera": "validatrice-secret-1", "vince": "validateur-secret-2", "ed": "editeur-secret-33"}
ROLES = {"vera": "validator", "vince": "validator", "ed": "editor"}


def _versions(workspace) -> int:
    return len(team_helpers.versions(workspace))


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, password in PASSWORDS.items():
        done = run_cli("users", "add", user, "--role", ROLES[user], "--password-stdin", "--data", str(workspace),
                       input=password + "\n")
        assert done.returncode == 0, done.stderr
    with serving(["--data", str(workspace), "--allow-writes"], root / "serve.log", writer_env()) as server:
        yield server, workspace, root


def sign_in(server, user: str) -> httpx.Client:
    return team_helpers.sign_in(server, user, PASSWORDS[user])


def test_a_rejection_needs_a_comment(team):
    server, workspace, _ = team
    propose(sign_in(server, "ed"), "M03", "BC01-C1")
    before, count = (workspace / "mapping" / MAPPING).read_bytes(), _versions(workspace)
    vera = sign_in(server, "vera")
    for comment, lang, words in (("", "fr", "commentaire\u00a0: il est obligatoire"), ("  \n ", "fr", "rejeter un lien"),
                                 ("", "en", "comment: it is required")):
        answer = decide(vera, "M03", "BC01-C1", "reject", comment, lang)
        assert answer.status_code == 400, answer.text[:500]
        assert words in _alert(answer.text), _alert(answer.text)
    assert (workspace / "mapping" / MAPPING).read_bytes() == before and _versions(workspace) == count
    done = decide(vera, "M03", "BC01-C1", "reject", "Le module n'aborde pas ce point")
    assert done.status_code == 303 and _link(workspace, "M03", "BC01-C1") is None


def test_a_validator_does_not_validate_their_own_proposal(team):
    server, workspace, _ = team
    vera, vince = sign_in(server, "vera"), sign_in(server, "vince")
    propose(vera, "M04", "BC02-C1")
    assert _link(workspace, "M04", "BC02-C1")["asserted_by"] == "vera"
    before, count = (workspace / "mapping" / MAPPING).read_bytes(), _versions(workspace)
    for lang, words in (("fr", "proposé par vous (vera)\u00a0: un autre validateur doit le valider"),
                        ("en", "was proposed by you (vera): another validator must validate it")):
        refused = decide(vera, "M04", "BC02-C1", "validate", "", lang)
        assert refused.status_code == 403, refused.text[:500]
        assert words in _alert(refused.text) and "allow_self_validation" in _alert(refused.text)
    assert (workspace / "mapping" / MAPPING).read_bytes() == before and _versions(workspace) == count
    # The review page shows it as hers, without the button.
    page = vera.get("/review?module=M04").text
    row = page[page.index('id="link-M04-BC02-C1"'):]
    row = row[:row.index("</tr>")]
    assert "Proposé par vous" in row and 'value="validate"' not in row and 'value="reject"' in row
    # Another validator may.
    assert 'value="validate"' in vince.get("/review?module=M04").text.split('id="link-M04-BC02-C1"')[1].split("</tr>")[0]
    done = decide(vince, "M04", "BC02-C1", "validate", "Vu")
    assert done.status_code == 303
    link = _link(workspace, "M04", "BC02-C1")
    assert (link["status"], link["asserted_by"]) == ("validated", "vera")


def test_a_workbook_does_not_validate_the_uploaders_own_proposals(team):
    server, workspace, root = team
    vera, vince = sign_in(server, "vera"), sign_in(server, "vince")
    propose(vera, "M05", "BC01-C2")
    data = vera.get("/edit/workbook.xlsx")
    assert data.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(data.content))
    sheet = wb["Justifications"]
    row = next(r for r in range(2, sheet.max_row + 1)
               if (sheet.cell(r, 1).value, sheet.cell(r, 2).value) == ("M05", "BC01-C2"))
    sheet.cell(row, 4).value = "validated"
    path = root / "self.xlsx"
    wb.save(path)
    before = (workspace / "mapping" / MAPPING).read_bytes()

    def upload(client):
        return team_helpers.upload(client, path, "statuts")

    refused = upload(vera)
    assert refused.status_code == 403, refused.text[:800]
    assert "M05 → BC01-C2" in html.unescape(refused.text) and "quatre yeux" in html.unescape(refused.text)
    assert (workspace / "mapping" / MAPPING).read_bytes() == before
    accepted = upload(vince)
    assert accepted.status_code == 200, accepted.text[:800]
    assert _link(workspace, "M05", "BC01-C2")["status"] == "validated"


def test_a_one_person_team_may_allow_it_in_team_toml(team):
    server, workspace, _ = team
    vera = sign_in(server, "vera")
    propose(vera, "M06", "BC01-C1")
    settings = workspace / "team.toml"
    try:
        settings.write_text("allow_self_validation = true\n", encoding="utf-8")
        page = vera.get("/review?module=M06").text
        assert 'value="validate"' in page.split('id="link-M06-BC01-C1"')[1].split("</tr>")[0]
        assert decide(vera, "M06", "BC01-C1", "validate").status_code == 303
        assert _link(workspace, "M06", "BC01-C1")["status"] == "validated"
        propose(vera, "M06", "BC01-C1", level="M")  # a change: proposed again, by vera
        settings.write_text("allow_self_validation = 'oui'\n", encoding="utf-8")
        broken = decide(vera, "M06", "BC01-C1", "validate")
        assert broken.status_code == 400 and "team.toml\u00a0: allow_self_validation vaut true ou false" in _alert(broken.text)
        assert _link(workspace, "M06", "BC01-C1")["status"] == "proposed"
    finally:
        settings.unlink(missing_ok=True)
    assert decide(vera, "M06", "BC01-C1", "validate").status_code == 403


pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
from test_views_browser import browser  # noqa: F401  (the shared Chromium fixture)


def test_in_the_browser_own_links_wait_and_a_rejection_asks_why(browser, team):
    server, workspace, _ = team
    propose(sign_in(server, "vera"), "M07", "BC02-C2")
    propose(sign_in(server, "ed"), "M08", "BC02-C2")
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.url) else r.abort())
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{server.url}/login")
        page.fill("#username", "vera")
        page.fill("#password", PASSWORDS["vera"])
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(f"{server.url}/review")
        page.goto(f"{server.url}/review?block=BC02")
        own = page.locator("#link-M07-BC02-C2")
        assert own.locator("button[value=validate]").count() == 0
        assert "Proposé par vous" in own.inner_text()
        other = page.locator("#link-M08-BC02-C2")
        assert other.locator("button[value=validate]").count() == 1
        # "Rejeter" with no comment: the browser does not send it (the field is required).
        before = (workspace / "mapping" / MAPPING).read_bytes()
        other.locator("button[value=reject]").click()
        assert other.locator("input[name=comment]").evaluate("e => !e.validity.valid")
        page.wait_for_timeout(300)
        assert (workspace / "mapping" / MAPPING).read_bytes() == before
        # With a comment it is.
        other.locator("input[name=comment]").fill("Hors du champ du module")
        other.locator("button[value=reject]").click()
        page.wait_for_selector(".flash")
        assert "rejeté" in page.locator(".flash").inner_text()
        assert _link(workspace, "M08", "BC02-C2") is None
        last = json.loads(run_cli("versions", "--format", "json", "--data", str(workspace)).stdout)[-1]
        assert (last["agent"], last["kind"]) == ("vera", "review") and "Hors du champ du module" in last["message"]
    finally:
        context.close()


def _team_foreign(lang: str) -> set[str]:
    """Patterns of the other language's strings (the site's catalogs, the audit's words and the
    team pages' own, ``cipt_graph.api.team_text``) whose text never occurs in ``lang``'s."""
    from test_site_browser import _audit_texts, _patterns, _texts

    from cipt_graph.api.team_text import TEXT
    from cipt_graph.visualize.catalog import CATALOGS

    other = "en" if lang == "fr" else "fr"

    def strings(code: str) -> list[str]:
        team = [v for v in TEXT[code].values() if isinstance(v, str)]
        return _texts(CATALOGS[code]) + _audit_texts(code) + team

    mine = "\n".join(strings(lang))
    return {p for t in strings(other) for p in _patterns(t) if not re.search(p.replace(r"\d[\d\s.,]*", r"{n}"), mine)}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_team_pages_signed_in_are_entirely_in_the_chosen_language(browser, team, lang):  # noqa: F811
    """What a signed-in validator sees (review with its forms, cell editor, upload, versions, a
    diff, a refusal) holds no string of the other language."""
    from test_site_browser import PROPER_NAMES, VISIBLE_TEXT

    server, workspace, _ = team
    foreign = _team_foreign(lang)
    assert len(foreign) > 150
    propose(sign_in(server, "ed"), "M09", "BC01-C1")  # (a version at least, and a proposed link)
    versions = json.loads(run_cli("versions", "--format", "json", "--data", str(workspace)).stdout)
    assert len(versions) >= 2
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.url) else r.abort())
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{server.url}/login?lang={lang}")
        text = page.evaluate(VISIBLE_TEXT)
        assert not sorted(p for p in foreign if re.search(p, text)), "/login"
        page.fill("#username", "vera")
        page.fill("#password", PASSWORDS["vera"])
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_load_state("load")
        for path in ("/review", "/review?kind=activity&status=proposed", "/review?kind=objective",
                     "/edit/cell?module=M01&competency=BC01-C1", "/edit/upload", "/versions",
                     f"/versions/diff?a={versions[0]['id']}&b={versions[-1]['id']}", "/matrix"):
            page.goto(f"{server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang, path
            # (rationales and the versions' messages are data, written in whatever language: not UI)
            text = page.evaluate(VISIBLE_TEXT.replace(
                "'script, style", "'.rationale, textarea[name=rationale], td.message, script, style"))
            for name in PROPER_NAMES:
                text = text.replace(name, "")
            left = sorted(p for p in foreign if re.search(p, text))
            assert left == [], f"{path} ({lang}) shows strings of the other language: {left}"
    finally:
        context.close()
