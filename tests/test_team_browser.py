"""The team's flows in a real browser (Debian's Chromium driven by Playwright) against a real
`cipt serve --data ws` on a workspace with accounts (issue #15; no --allow-writes and no bearer
token: the accounts alone open sign-in): sign in, edit a cell, upload a workbook
with an error and see it named by cell, upload a valid one, validate a link, see it in the
versions page and the diff, sign out; an anonymous reader reaches no write; a POST without the
CSRF token is refused.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from conftest import run_cli
from serve_helpers import serving

USERS = {"edith": ("editor", "edith-secret-0001"), "victor": ("validator", "victor-secret-0002")}

pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
from test_views_browser import browser  # noqa: E402,F401  (the shared Chromium fixture)


def _rows(workspace: Path) -> list[dict[str, str]]:
    text = (workspace / "mapping" / "module_competency.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _locate(ws, module: str, competency: str) -> tuple[int, int]:
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == competency)
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value == module)
    return row, col


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("team-browser")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, (role, password) in USERS.items():
        done = run_cli("users", "add", user, "--role", role, "--password-stdin", "--data", str(workspace),
                       input=password + "\n")
        assert done.returncode == 0, done.stderr
    with serving(["--data", str(workspace)], root / "serve.log") as server:  # (no CIPT_WRITE_TOKEN)
        yield server, workspace, root


def _page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR", accept_downloads=True)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.url) else r.abort())
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def _sign_in(page, server, user: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", user)
    page.fill("#password", USERS[user][1])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{server.url}/review")
    assert user in page.locator(".team-account").inner_text()


def test_anonymous_reader_sees_no_write_and_is_sent_to_sign_in(browser, site):
    server, workspace, _ = site
    context, page = _page(browser, server)
    try:
        page.goto(f"{server.url}/review")
        assert page.locator("form[action='/edit/link']").count() == 0
        assert page.locator("form[action='/review/decision']").count() == 0
        assert page.locator("a[href^='/login']").count() == 1
        page.goto(f"{server.url}/edit/upload")
        assert page.url.startswith(f"{server.url}/login")
        page.goto(f"{server.url}/edit/cell?module=M01&competency=BC03-C2")
        assert page.url.startswith(f"{server.url}/login")
        before = _files(workspace)
        answer = page.request.post(f"{server.url}/edit/link", form={
            "kind": "competency", "module": "M01", "target": "BC03-C2", "level": "M", "rationale": "x"})
        assert answer.status in (401, 403)
        # Every write the site has, each with a valid form token from this browser's session (so
        # that the refusal is the reader's, not the token's): each refused, nothing written.
        page.goto(f"{server.url}/login")
        csrf = page.locator("input[name=csrftoken]").first.get_attribute("value")
        workbook = {"name": "matrice.xlsx", "mimeType": XLSX, "buffer": page.request.get(
            f"{server.url}/matrix.xlsx").body()}
        link = {"csrftoken": csrf, "kind": "competency", "module": "M01", "target": "BC03-C2", "level": "M",
                "rationale": "anonyme", "loaded": "new"}
        writes = {
            "/edit/link": dict(form=link),
            "/review/decision": dict(form={**link, "decision": "validate", "comment": "anonyme"}),
            "/edit/upload": dict(multipart={"csrftoken": csrf, "message": "anonyme", "workbook": workbook}),
            "/api/imports/matrix": dict(data=workbook["buffer"], headers={"Content-Type": XLSX}),
            "/api/imports/rncp": dict(data=b"<FICHES/>", headers={"Content-Type": "application/xml"}),
            "/sparql": dict(data=b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                            headers={"Content-Type": "application/sparql-update"}),
        }
        for path, request in writes.items():
            answer = page.request.post(f"{server.url}{path}", max_redirects=0, **request)
            assert answer.status in (400, 401, 403, 415), (path, answer.status, answer.text()[:300])
        assert page.request.get(f"{server.url}/sparql?update=DROP%20ALL").status in (400, 403)
        assert _files(workspace) == before
    finally:
        context.close()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _files(workspace: Path) -> dict[str, bytes]:
    """Every file of the workspace and its bytes (what a write would change)."""
    return {str(p.relative_to(workspace)): p.read_bytes() for p in sorted(workspace.rglob("*")) if p.is_file()}


def test_editor_edits_a_cell_uploads_workbooks_and_signs_out(browser, site):
    server, workspace, root = site
    context, page = _page(browser, server)
    try:
        _sign_in(page, server, "edith")
        # A POST from this signed-in browser without the form's CSRF token is refused.
        refused = page.request.post(f"{server.url}/edit/link", form={
            "kind": "competency", "module": "M01", "target": "BC03-C2", "level": "M", "rationale": "forgé"})
        assert refused.status == 403

        # Edit a cell: M01 → BC05-C1 to level R with hours and a rationale.
        page.goto(f"{server.url}/review?module=M01")
        row = page.locator("tr#link-M01-BC05-C1")
        row.locator("summary").click()
        row.locator("select[name=level]").select_option("R")
        row.locator("input[name=hours]").fill("2,5")
        row.locator("textarea[name=rationale]").fill("Aborde la parole institutionnelle en séance.")
        row.locator("form.edit button[type=submit]").click()
        page.wait_for_selector(".flash")
        assert "M01 → BC05-C1" in page.locator(".flash").inner_text()
        link = next(r for r in _rows(workspace) if (r["module"], r["competency"]) == ("M01", "BC05-C1"))
        assert (link["level"], link["hours"], link["asserted_by"], link["status"]) == ("R", "2.5", "edith", "proposed")

        # Download the editable workbook from the page.
        page.goto(f"{server.url}/review")
        with page.expect_download() as info:
            page.click("a[href^='/edit/workbook.xlsx']")
        workbook_path = root / "downloaded.xlsx"
        info.value.save_as(workbook_path)

        # Upload it with an error: the cell is named on the page, nothing is applied.
        existing = next(r for r in _rows(workspace) if r["module"] == "M02")
        new_level = "M" if existing["level"] != "M" else "R"
        wb = openpyxl.load_workbook(workbook_path)
        bad_cell = wb["Matrice"].cell(*_locate(wb["Matrice"], "M02", existing["competency"]))
        bad_cell.value = "Z"
        bad = root / "bad.xlsx"
        wb.save(bad)
        before = (workspace / "mapping" / "module_competency.csv").read_bytes()
        page.goto(f"{server.url}/edit/upload")
        page.set_input_files("#workbook", str(bad))
        page.click("form[action='/edit/upload'] button[type=submit]")
        page.wait_for_load_state("load")
        assert page.locator(".error").count(), page.content()[:3000]
        assert f"Matrice!{bad_cell.coordinate}" in page.locator(".error").inner_text()
        assert (workspace / "mapping" / "module_competency.csv").read_bytes() == before

        # Upload a valid one: applied, a version recorded with the signed-in editor.
        bad_cell.value = new_level
        good = root / "good.xlsx"
        wb.save(good)
        page.goto(f"{server.url}/edit/upload")
        page.fill("#message", "Relecture du bloc 1")
        page.set_input_files("#workbook", str(good))
        page.click("form[action='/edit/upload'] button[type=submit]")
        page.wait_for_load_state("load")
        assert page.locator(".flash").count(), page.locator("main").inner_text()
        assert "appliqué" in page.locator(".flash").inner_text()
        link = next(r for r in _rows(workspace) if (r["module"], r["competency"]) == ("M02", existing["competency"]))
        assert link["level"] == new_level and link["asserted_by"] == "edith"

        # Sign out: the session ends, the edit forms are gone.
        page.goto(f"{server.url}/review")
        page.click(".team-account button[type=submit]")
        page.wait_for_selector(".flash")
        page.goto(f"{server.url}/review")
        assert page.locator("form[action='/edit/link']").count() == 0
    finally:
        context.close()


def test_validator_validates_and_sees_it_in_versions_and_diff(browser, site):
    server, workspace, _ = site
    context, page = _page(browser, server)
    try:
        _sign_in(page, server, "victor")
        page.goto(f"{server.url}/review?status=proposed&module=M03")
        row = page.locator("tr[id^='link-M03-']").first
        target = row.get_attribute("id").split("-", 2)[2]
        # Each row's controls are named after their link (a screen reader lists "Valider M03 → …").
        link = f"M03 → {target}"
        assert page.get_by_role("button", name=f"Rejeter {link}", exact=True).count() == 1
        assert page.get_by_role("button", name="Valider", exact=True).count() == 0
        page.get_by_role("textbox", name=f"Commentaire sur {link}", exact=True).fill("Conforme à l'intitulé")
        page.get_by_role("button", name=f"Valider {link}", exact=True).click()
        page.wait_for_selector(".flash")
        assert "validé" in page.locator(".flash").inner_text()
        link = next(r for r in _rows(workspace) if (r["module"], r["competency"]) == ("M03", target))
        assert link["status"] == "validated"

        page.goto(f"{server.url}/versions")
        first = page.locator("tbody tr").first
        assert "victor" in first.inner_text() and "Conforme à l'intitulé" in first.inner_text()
        first.locator("a", has_text="différences").click()
        page.wait_for_url(f"{server.url}/versions/diff**")
        assert "M03" in page.locator("main").inner_text() and target in page.locator("main").inner_text()
    finally:
        context.close()


def test_editor_edits_a_cell_on_the_matrix_page(browser, site):
    server, workspace, _ = site
    context, page = _page(browser, server)
    try:
        _sign_in(page, server, "edith")
        page.goto(f"{server.url}/matrix")
        existing = next(r for r in _rows(workspace) if r["module"] == "M04")
        new_level = "M" if existing["level"] != "M" else "I"
        cell = page.locator(f"td[data-module='M04'][data-competency='{existing['competency']}']")
        assert cell.get_attribute("data-level") == existing["level"]
        cell.locator("a.cell-edit").click()
        page.wait_for_url(f"{server.url}/edit/cell**")
        # A refused value first: named beside its field, nothing written.
        page.select_option("#level", new_level)
        page.fill("#hours", "-3")
        page.fill("#message", "Niveau revu en réunion")
        page.click("#cell-form button[type=submit]")
        page.wait_for_selector("#err-hours")
        assert "heures" in page.locator("#err-hours").inner_text()
        assert page.locator("#hours").input_value() == "-3"
        # Then a good one: back on the matrix, at the cell, with its new level.
        page.fill("#hours", "3,5")
        page.fill("#rationale", "Mise en situation complète.")
        page.click("#cell-form button[type=submit]")
        page.wait_for_url(f"{server.url}/matrix**")
        assert page.url.endswith(f"#cell-M04-{existing['competency']}")
        cell = page.locator(f"td[data-module='M04'][data-competency='{existing['competency']}']")
        assert cell.get_attribute("data-level") == new_level and cell.inner_text().strip() == new_level
        assert cell.get_attribute("data-status") == "proposed"
        assert "M04 → " + existing["competency"] in page.locator(".flash").inner_text()

        page.goto(f"{server.url}/versions")
        first = page.locator("tbody tr").first
        assert "edith" in first.inner_text() and "Niveau revu en réunion" in first.inner_text()
    finally:
        context.close()


def test_versions_page_gives_paris_time_and_credits_the_initial_state_to_no_one(browser, site):
    """Found by testers: times were in UTC, and version 1 (the state `cipt init` made) was credited
    to whoever made the first change. Times are Paris time in the page's language (Babel); the
    initial state names its origin (`cipt init`, when) and no author."""
    import datetime as dt
    import json
    from zoneinfo import ZoneInfo

    import team_helpers as th

    from cipt_graph import i18n

    server, workspace, _ = site
    th.propose(th.sign_in(server, "edith", USERS["edith"][1]), "M07", "BC02-C2")
    versions = th.versions(workspace)
    assert versions[0]["kind"] == "baseline" and versions[0]["agent"] == "cipt-graph"
    assert versions[0]["source"] == "cipt init" and "edith" in {v["agent"] for v in versions[1:]}
    origin = json.loads((workspace / ".cipt-origin.json").read_text(encoding="utf-8"))
    context, page = _page(browser, server)
    try:
        for lang, nobody, date_head, init_words in (("fr", "aucun\u00a0: état initial", "Date (heure de Paris)", "cipt init (copie"),
                                                    ("en", "none: initial state", "Date (Paris time)", "cipt init (copy")):
            page.goto(f"{server.url}/versions?lang={lang}")
            assert page.get_by_role("columnheader", name=date_head).count() == 1
            first = page.locator("tr[data-version='v1']")
            cells = first.locator("td")
            assert cells.nth(1).inner_text() == nobody
            assert "edith" not in first.inner_text() and "victor" not in first.inner_text()
            assert cells.nth(3).inner_text().startswith(init_words)
            assert i18n.local_datetime(origin["created"], lang, zone=False) in cells.nth(3).inner_text()
            for v in versions:
                shown = page.locator(f"tr[data-version='{v['id']}'] time").inner_text()
                utc = dt.datetime.fromisoformat(v["created"].replace("Z", "+00:00"))
                paris = utc.astimezone(ZoneInfo("Europe/Paris"))
                assert shown.endswith(paris.strftime(", %H:%M")) and "UTC" not in shown, shown
                assert paris.strftime("%H:%M") != utc.strftime("%H:%M")  # (Paris is never at UTC)
                assert shown == i18n.local_datetime(v["created"], lang, zone=False)
        assert "déc." in i18n.local_datetime("2026-12-01T10:00:00Z", "fr", zone=False)  # Babel's French month
    finally:
        context.close()


def test_the_matrix_page_leads_an_editor_to_the_workbook_and_back(browser, site):
    """The matrix page links an editor to the editable workbook and to the upload page; the
    workbook's instructions name that page by its address, and its statuses are French words."""
    server, _, _ = site
    context, page = _page(browser, server)
    try:
        _sign_in(page, server, "edith")
        page.goto(f"{server.url}/matrix")
        with page.expect_download() as waiting:
            page.get_by_role("link", name="Télécharger le classeur modifiable").click()
        wb = openpyxl.load_workbook(io.BytesIO(Path(waiting.value.path()).read_bytes()))
        text = "\n".join(str(c.value) for c in wb["Instructions"]["A"] if c.value)
        assert f"{server.url}/edit/upload" in text, text[:600]
        just = wb["Justifications"]
        assert {just.cell(r, 4).value for r in range(2, just.max_row + 1) if just.cell(r, 1).value} <= {"proposé", "validé"}
        page.get_by_role("link", name="Déposer un classeur modifié").click()
        page.wait_for_url(f"{server.url}/edit/upload**")
        assert page.locator("form[action='/edit/upload'] input[type=file]").count() == 1
    finally:
        context.close()


@pytest.fixture(scope="module")
def fresh_site(tmp_path_factory):
    """A site of its own: what the other tests' people typed (comments, messages: data, in French)
    is not on its pages."""
    root = tmp_path_factory.mktemp("team-browser-languages")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, (role, password) in USERS.items():
        assert run_cli("users", "add", user, "--role", role, "--password-stdin", "--data", str(workspace),
                       input=password + "\n").returncode == 0
    with serving(["--data", str(workspace)], root / "serve.log") as server:
        yield server, workspace, root


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_signed_in_pages_are_entirely_in_the_chosen_language(browser, fresh_site, lang):
    """The pages only a signed-in person sees (the review with its forms, the cell editor, the
    upload page, the versions and a diff), and the sign-in page, hold no UI string of the other
    language (the same comparison of both languages' strings as test_site_browser's walk)."""
    import re

    import team_helpers as th
    from test_site_browser import VISIBLE_TEXT, foreign_strings

    server, workspace, _ = fresh_site
    th.propose(th.sign_in(server, "edith", USERS["edith"][1]), "M04", "BC01-C1")  # a version to compare
    first = th.versions(workspace)[0]["id"]
    foreign = foreign_strings(lang)
    assert len(foreign) > 100
    context, page = _page(browser, server)
    try:
        page.goto(f"{server.url}/login?lang={lang}")
        pages = {"/login": page.evaluate(VISIBLE_TEXT)}
        _sign_in(page, server, "victor")
        for path in ("/review", "/review?kind=activity", "/edit/upload", "/edit/cell?module=M01&competency=BC05-C1",
                     "/versions", f"/versions/diff?a={first}&b=current", "/matrix"):
            page.goto(f"{server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang, path
            assert page.locator("form[action='/logout'], .team-account").count(), path  # signed in
            pages[path] = page.evaluate(VISIBLE_TEXT)
        for path, text in pages.items():
            left = sorted(p for p in foreign if re.search(p, text))
            assert left == [], f"{path} ({lang}) shows strings of the other language: {left}"
    finally:
        context.close()
