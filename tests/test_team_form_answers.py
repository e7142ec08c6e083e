"""The pages that answer a form (issue #15): a refusal shown at a form's address
(``/review/decision``, ``/edit/link``: they only take a POST) never sends the person to that
address afterwards. Found by an attacker: a validator whose session ended while the review page
was open clicks « Valider », reads « Connectez-vous pour continuer », signs in with the header's
link and lands on « 405 · Méthode non autorisée »; signing out from a « lien a changé » answer
did the same. A real `cipt serve` on a workspace with accounts, Debian's Chromium (Playwright).
"""

from __future__ import annotations

import pytest

import team_helpers as th

pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
from test_views_browser import browser  # noqa: E402,F401  (the shared Chromium fixture)

USERS = {"vera": ("validator", "vera-secret-0001"), "emile": ("editor", "emile-secret-0002")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with th.team_site(tmp_path_factory.mktemp("form-answers"), USERS) as (server, workspace):
        yield server, workspace


def _sign_in(page, user: str) -> None:
    page.fill("#username", user)
    page.fill("#password", USERS[user][1])
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _other_tab_signs_out(context, server) -> None:
    """The session ends (signed out in another tab: the cookie is gone) while this page stays open."""
    other = context.new_page()
    other.goto(f"{server.url}/versions")
    other.locator(".team-account button[type=submit]").click()
    other.wait_for_load_state()
    other.close()


def _sign_in_again(page, user: str):
    """From a refusal asking to sign in: the header's sign-in link, then the form; the answer of
    the navigation it ends with."""
    page.click("#sign-in")
    page.wait_for_load_state()
    with page.expect_navigation() as nav:
        _sign_in(page, user)
    return nav.value


def test_signing_in_again_after_a_refused_decision_lands_on_a_page(browser, site):  # noqa: F811
    server, _ = site
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/login?next=/review%3Fmodule%3DM02")
        _sign_in(page, "vera")
        assert "/review" in page.url and page.locator("#signed-in").count() == 1
        _other_tab_signs_out(context, server)
        page.locator("tr[id^='link-M02-'] button[value=validate]").first.click()
        page.wait_for_load_state()
        assert page.url.endswith("/review/decision") and "Connectez-vous" in page.inner_text("main")
        answer = _sign_in_again(page, "vera")
        assert answer.status == 200, (page.url, page.inner_text("h1"))
        assert page.url.split("?")[0].endswith("/review") and page.locator("html").get_attribute("lang") == "fr"
    finally:
        context.close()


@pytest.mark.parametrize("lang, sign_out, module", [("fr", "Se déconnecter", "M03"), ("en", "Sign out", "M04")])
def test_signing_out_from_a_stale_decision_answer_lands_on_the_review(browser, site, lang, sign_out, module):  # noqa: F811
    server, _ = site
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/login?lang={lang}&next=/review%3Fmodule%3D{module}%26lang%3D{lang}")
        _sign_in(page, "vera")
        row = page.locator(f"tr[id^='link-{module}-']").first
        target = row.get_attribute("id").removeprefix(f"link-{module}-")
        level = row.locator("td").nth(2).inner_text().strip()
        # Someone else changes the link meanwhile: the decision is refused (409), nothing recorded.
        editor = th.sign_in(server, "emile", USERS["emile"][1])
        try:
            th.propose(editor, module, target, level="M" if level != "M" else "I")
        finally:
            editor.close()
        row.locator("button[value=validate]").click()
        page.wait_for_load_state()
        assert page.url.endswith("/review/decision")
        with page.expect_navigation() as nav:
            page.locator(".team-account").get_by_role("button", name=sign_out).click()
        assert nav.value.status == 200, (page.url, page.inner_text("h1"))
        assert page.url.split("?")[0].endswith("/review") and page.locator("html").get_attribute("lang") == lang
        assert page.locator("#sign-in").count() == 1
    finally:
        context.close()


def test_signing_in_again_after_a_refused_cell_lands_on_the_cell(browser, site):  # noqa: F811
    server, _ = site
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/login?next=/edit/cell%3Fmodule%3DM04%26competency%3DBC01-C1")
        _sign_in(page, "emile")
        assert "/edit/cell" in page.url
        _other_tab_signs_out(context, server)
        page.select_option("#level", "R")
        page.fill("#rationale", "Proposé en séance")
        page.locator("#cell-form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.url.endswith("/edit/link") and "Connectez-vous" in page.inner_text("main")
        answer = _sign_in_again(page, "emile")
        assert answer.status == 200, (page.url, page.inner_text("h1"))
        assert "/edit/cell" in page.url and "module=M04" in page.url and "competency=BC01-C1" in page.url
        assert page.locator("#cell-form").count() == 1
    finally:
        context.close()


@pytest.mark.parametrize("lang, words", [
    ("fr", ["vue de la matrice", "ne se réimporte pas", "Télécharger le classeur modifiable"]),
    ("en", ["view of the matrix", "cannot be imported back", "Download the editable workbook"])])
def test_the_matrix_view_workbook_uploaded_says_which_workbook_to_edit(browser, site, tmp_path, lang, words):  # noqa: F811
    """Found by an attacker of issue #15: the matrix page's « Classeur XLSX » (/matrix.xlsx, a
    view for reading) edited and uploaded was refused with « feuille « Justifications » absente
    … : ce n'est pas une matrice exportée par cipt export-matrix », a terminal's words. The
    refusal names the view and the workbook to start from, on the page, in the page's language;
    nothing is recorded."""
    import httpx

    server, workspace = site
    view = tmp_path / "matrice-vue.xlsx"
    view.write_bytes(httpx.get(f"{server.url}/matrix.xlsx?lang={lang}", timeout=60).content)
    before = len(th.versions(workspace))
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/login?lang={lang}&next=/edit/upload%3Flang%3D{lang}")
        _sign_in(page, "emile")
        page.set_input_files("input[type=file]", str(view))
        page.locator("form:has(input[type=file]) button[type=submit]").click()
        page.wait_for_load_state()
        shown = page.inner_text("main")
        for word in words:
            assert word in shown, (word, shown[:800])
        assert "Justifications" not in shown and "cipt export-matrix\n" not in shown
    finally:
        context.close()
    assert len(th.versions(workspace)) == before
