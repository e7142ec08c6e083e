"""In a real Chromium (Debian's, driven by Playwright): a workspace full of `javascript:`, `data:`
and `vbscript:` IRIs and labels holding HTML, served by a real `cipt serve` and written by
`cipt viz`; every link of every page is clicked, and no script of the data runs; no page reports a
Content-Security-Policy violation (issue #13).

Never `playwright install`: the browser is the system's /usr/bin/chromium (`.ci/run` installs it).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hostile_web import add_hostile_data
from serve_helpers import serving

CHROMIUM = os.environ.get("CIPT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PAGES = ["/", "/graph", "/matrix", "/jobs", "/sparql", "/docs", "/ontology", "/audit", "/versions",
         "/id/module/M01", "/id/programme/m2-cipt", "/id/period/P1", "/?lang=en", "/matrix?lang=en"]
#: Watches what a page's scripts do: script of the data would set ``window.__xss`` or the title,
#: or open a dialog; the policy's refusals are recorded as they are reported.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
});
"""

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)", pytrace=False)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def hostile_ws(tmp_path_factory, cli):
    ws = tmp_path_factory.mktemp("hostile-browser") / "ws"
    assert cli("init", str(ws)).returncode == 0
    add_hostile_data(ws)
    return ws


@pytest.fixture(scope="module")
def hostile_server(hostile_ws, tmp_path_factory):
    with serving(["--data", str(hostile_ws)], tmp_path_factory.mktemp("hostile-browser-log") / "serve.log") as server:
        yield server.url


class Tab:
    """A page whose navigations away are answered 204 once loaded (a click on an http(s) link then
    stays on the page, while a javascript: link would run in it), and whose dialogs, errors and
    policy violations are recorded."""

    def __init__(self, browser, allowed: str) -> None:
        self.context = browser.new_context(viewport={"width": 1500, "height": 1000})
        self.context.add_init_script(WATCH)
        self.loaded = False
        self.dialogs: list[str] = []
        self.errors: list[str] = []

        def route(r):
            request = r.request
            if self.loaded and request.is_navigation_request():
                r.fulfill(status=204)  # "No Content": the browser stays on the page (HTML, navigate)
            elif request.url.startswith((allowed, "data:", "about:", "blob:")):
                r.continue_()
            else:
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.set_default_navigation_timeout(120000)  # the audit page on a busy machine
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def open(self, url: str):
        self.loaded = False
        self.page.goto(url, wait_until="load")
        if self.page.locator("#network").count():
            self.page.wait_for_selector("#network[data-ready='1']", timeout=30000)
        self.loaded = True
        return self.page

    def click_every_link(self) -> int:
        """Click every link of the page with the mouse; of links identical in their markup (same
        attributes, same content: /jobs repeats each module's link under every job), one is
        clicked, since a click on its twin does the same. Returns how many links were clicked."""
        links = self.page.locator("a[href]")
        markup = links.evaluate_all("els => els.map(e => e.outerHTML)")
        firsts = sorted({m: i for i, m in reversed(list(enumerate(markup)))}.values())
        for i in firsts:
            link = links.nth(i)
            try:
                link.click(timeout=2000, no_wait_after=True, force=True, modifiers=[])
            except sync_api.Error:
                link.dispatch_event("click")
        return len(firsts)

    def ran(self) -> list[str]:
        found = []
        if self.page.evaluate("typeof window.__xss !== 'undefined'"):
            found.append(f"window.__xss = {self.page.evaluate('String(window.__xss)')}")
        if "XSS" in self.page.title():
            found.append(f"title {self.page.title()!r}")
        return found + [f"dialog {d!r}" for d in self.dialogs]

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__csp")

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_link_of_the_data_runs_a_script(browser, hostile_server, path):
    tab = Tab(browser, hostile_server)
    try:
        page = tab.open(hostile_server + path)
        assert page.url.startswith(hostile_server)
        clicked = tab.click_every_link()
        assert clicked > 3
        page.wait_for_timeout(300)
        assert tab.ran() == [], path
        assert tab.violations() == [], path
        assert not [e for e in tab.errors if "Content Security Policy" in e or "Refused" in e], tab.errors
    finally:
        tab.close()


def test_network_details_never_link_a_hostile_iri(browser, hostile_server):
    from hostile_web import HOSTILE_IRIS

    tab = Tab(browser, hostile_server)
    try:
        page = tab.open(hostile_server + "/graph")
        for iri in (*HOSTILE_IRIS, "https://w3id.org/cipt-graph/id/module/M01"):
            # The page's own click handler, as vis-network calls it for a click on that node.
            page.evaluate("id => { network.body.emitter.emit('click', {nodes: [id], edges: []}); return null; }", iri)
            page.wait_for_selector(f'#details[data-node="{iri}"]', timeout=5000)
            hrefs = page.eval_on_selector_all("#details a[href]", "els => els.map(e => e.getAttribute('href'))")
            if iri.startswith("https:"):
                assert any(h.startswith("/id/module/M01?lang=") for h in hrefs), hrefs
            else:
                assert hrefs == [] and page.locator("#details .iri-text").inner_text() == iri
            tab.click_every_link()
        assert tab.ran() == [] and tab.violations() == []
    finally:
        tab.close()


def test_sparql_results_never_link_a_hostile_iri(browser, hostile_server):
    tab = Tab(browser, hostile_server)
    try:
        page = tab.open(hostile_server + "/sparql")
        query = ("PREFIX schema: <https://schema.org/> SELECT ?m ?u WHERE { "
                 "<https://w3id.org/cipt-graph/id/module/M01> schema:url ?u . BIND(?u AS ?m) }")
        if page.locator(".cm-content").count():
            _set_editor(page, query)
        else:
            page.fill("#query", query)
            page.click("#run")
        page.wait_for_selector("#results table", timeout=30000)
        cells = page.eval_on_selector_all("#results td", "els => els.map(e => e.textContent)")
        assert any(c.startswith("javascript:") for c in cells), cells
        hrefs = page.eval_on_selector_all("#results a[href]", "els => els.map(e => e.getAttribute('href'))")
        assert hrefs == [], hrefs
        tab.click_every_link()
        page.eval_on_selector_all("#results .iri, #results .iri-text", "els => els.forEach(e => e.click())")
        assert tab.ran() == [] and tab.violations() == []
    finally:
        tab.close()


def _set_editor(page, query: str) -> None:
    """Put ``query`` into the CodeMirror editor (select all, type), then run it."""
    page.click(".cm-content")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(query)
    page.click("#run")


def test_viz_files_never_link_a_hostile_iri(browser, hostile_ws, tmp_path, cli):
    out = tmp_path / "viz"
    done = cli("viz", "--out", str(out), "--data", str(hostile_ws))
    assert done.returncode == 0, done.stderr
    tab = Tab(browser, "file://")
    try:
        for name in ("index.html", "graph.html", "matrix.html", "jobs.html"):
            assert 'http-equiv="Content-Security-Policy"' in (out / name).read_text(encoding="utf-8")
            tab.open((out / name).as_uri())
            assert tab.click_every_link() > 3
            tab.page.wait_for_timeout(200)
            assert tab.ran() == [], name
            assert tab.violations() == [], name  # its own inline files are allowed by hash
            if name == "graph.html":
                assert tab.page.evaluate("typeof vis") == "object"  # the network's script ran
    finally:
        tab.close()
