"""The interchange page in a real headless Chromium (Debian's, driven by Playwright), served by a
real uvicorn server, every request outside the app blocked (issue #17): it shows each export,
switches language, and each download link gives its file."""

from __future__ import annotations

import json

import pytest
from cipt_graph.i18n import typeset

from test_views_browser import Watched, browser, server  # noqa: F401 (fixtures)

pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")


@pytest.fixture
def served(browser, server):  # noqa: F811
    watched = Watched(browser, server.url + "/")
    yield watched
    watched.close()


def test_interchange_page_in_a_browser(served, server):  # noqa: F811
    page = served.open(server.url + "/interchange")
    assert page.locator("h1").inner_text() == "Échanges avec d'autres systèmes"
    assert page.locator("section.export h2").all_inner_texts() == [
        "1EdTech CASE 1.0", typeset("Moodle : référentiel de compétences", "fr"), "Europass / ELM 3", "Contexte JSON-LD"]
    assert page.locator("nav a[aria-current='page']").inner_text() == "Échanges"
    files = {}
    for link in page.locator("a.download").all():
        href = link.get_attribute("href")
        response = page.request.get(server.url + href)
        assert response.ok, href
        files[href.split("?")[0]] = response.body()
    assert json.loads(files["/interchange/case.json"])["CFDocument"]["language"] == "fr"
    assert files["/interchange/moodle.csv"].decode("utf-8").startswith("Parent ID number,ID number")
    assert "learningOutcome" in json.loads(files["/interchange/elm.jsonld"])
    page.locator("#lang-switch").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Interchange with other systems"
    english = page.locator("a.download").first.get_attribute("href")
    assert json.loads(page.request.get(server.url + english).body())["CFDocument"]["language"] == "en"
    served.assert_clean()
