"""The site's layout as testers found it (issue #15), in Debian's Chromium through Playwright,
against a real `cipt serve` on a workspace with accounts: the header on one line at 1280 px when
signed in (and whole, wrapped, narrower); the « Ajouter un lien » form inside its card; the
/jobs marks explained in words; the site's icon served and linked from every page.
"""

from __future__ import annotations

import re

import httpx
import pytest
import team_helpers as th
from conftest import run_cli
from serve_helpers import serving, writer_env

from cipt_graph.i18n import plural
from cipt_graph.visualize.catalog import CATALOGS

pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
from test_views_browser import browser  # noqa: E402,F401  (the shared Chromium fixture)

USERS = {"edith": ("editor", "edith-secret-0001", "Édith Moreau"),
         "victor": ("validator", "victor-secret-0002", "Victor Lenoir"),
         "mf": ("validator", "mf-secret-0003", "Marie-Françoise de La Tour d'Auvergne-Lauraguais")}
PAGES = ("/", "/graph", "/matrix", "/jobs", "/audit", "/versions", "/review", "/interchange", "/sparql", "/docs",
         "/ontology", "/id/module/M01", "/programmes", "/login", "/nulle/part")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("layout")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, (role, password, name) in USERS.items():
        th.add_user(workspace, user, role, password, name=name)
    with serving(["--data", str(workspace), "--allow-writes"], root / "serve.log", writer_env()) as server:
        yield server


def _page(browser, site, width=1280, height=720):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(site.url) else r.abort())
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def _sign_in(page, site, user: str) -> None:
    page.goto(f"{site.url}/login")
    page.fill("#username", user)
    page.fill("#password", USERS[user][1])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{site.url}/review")


#: The header's parts (brand, navigation, account, language switch) and the navigation's links,
#: as boxes in the window, and how wide the page is.
HEADER = """() => {
  const header = document.querySelector('header.top');
  const box = e => { const r = e.getBoundingClientRect(); return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  return {parts: [...header.children].filter(e => e.getBoundingClientRect().width > 0).map(box),
          links: [...header.querySelectorAll('nav a')].map(box),
          width: document.documentElement.scrollWidth, window: window.innerWidth};
}"""


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("user", ["victor", "edith"])
def test_the_signed_in_header_fits_on_one_line_at_1280_and_wraps_whole_narrower(browser, site, user, lang):  # noqa: F811
    context, page = _page(browser, site)
    try:
        _sign_in(page, site, user)
        for path in ("/", "/review", "/graph", "/id/module/M01"):
            page.goto(f"{site.url}{path}?lang={lang}")
            got = page.evaluate(HEADER)
            assert len(got["links"]) == 10, got["links"]
            assert len({round(link["t"]) for link in got["links"]}) == 1, f"{path}: the navigation wraps"
            # Every part of the header on one row: each overlaps every other vertically.
            assert max(p["t"] for p in got["parts"]) < min(p["b"] for p in got["parts"]), (path, got["parts"])
            assert got["width"] <= got["window"], f"{path}: the page is wider than the window"
            assert USERS[user][2] in page.inner_text("header.top")
            # The name and the role are whole (a longer name is cut, whole on hover).
            assert page.evaluate("() => { const e = document.getElementById('signed-in'); "
                                 "return e.scrollWidth <= e.clientWidth + 1; }"), path
        # Narrower, the navigation wraps under the brand, every link whole and on screen.
        page.set_viewport_size({"width": 900, "height": 720})
        page.goto(f"{site.url}/review?lang={lang}")
        got = page.evaluate(HEADER)
        assert got["width"] <= 900
        assert all(0 <= link["l"] and link["r"] <= 900 for link in got["links"])
        assert all(link["b"] - link["t"] < 40 for link in got["links"]), "each link on one line"
    finally:
        context.close()


#: The header's box and its parts' rows (see HEADER), with the account's name and role.
HEADER_BOX = """() => {
  const header = document.querySelector('header.top').getBoundingClientRect();
  const who = document.querySelector('#signed-in .who'), role = document.querySelector('#signed-in .role');
  const fits = e => e && e.scrollWidth <= e.clientWidth + 1 && e.getBoundingClientRect().right <= window.innerWidth;
  return {height: header.height, left: header.left, width: header.width, client: document.documentElement.clientWidth,
          whoCut: who ? who.scrollWidth > who.clientWidth + 1 : null, roleWhole: role ? fits(role) : null,
          title: document.getElementById('signed-in') ? document.getElementById('signed-in').title : null};
}"""


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("user", [None, "mf"])
def test_every_page_has_the_same_one_line_header_at_1280(browser, site, user, lang):  # noqa: F811
    """/audit (a document of its own, in an A4 column) gets the header of every other page: the
    window's width, one line, the same height; a long display name is cut with an ellipsis (whole
    in the title) and the role stays visible."""
    context, page = _page(browser, site)
    try:
        if user:
            _sign_in(page, site, user)
        heights = {}
        for path in ("/", "/audit", "/graph", "/review", "/versions", "/sparql", "/docs", "/id/module/M01"):
            page.goto(f"{site.url}{path}?lang={lang}")
            got, box = page.evaluate(HEADER), page.evaluate(HEADER_BOX)
            assert len({round(link["t"]) for link in got["links"]}) == 1, (path, got["parts"], got["links"])
            assert max(p["t"] for p in got["parts"]) < min(p["b"] for p in got["parts"]), (path, got["parts"])
            assert box["left"] == 0 and abs(box["width"] - box["client"]) <= 1, (path, box)
            heights[path] = round(box["height"])
            if user:
                name = USERS[user][2]
                assert box["whoCut"] and box["roleWhole"], (path, box)
                assert box["title"] == f'{name} ({CATALOGS[lang]["account.role." + USERS[user][0]]})', box["title"]
        assert len(set(heights.values())) == 1 and heights["/"] < 60, heights
    finally:
        context.close()


#: The fields of the « Ajouter un lien » form, and its card, as boxes.
ADD_FORM = """() => {
  const card = document.querySelector('form.edit.card');
  const box = e => { const r = e.getBoundingClientRect(); return {name: e.name, l: r.left, r: r.right}; };
  return {card: box(card), fields: [...card.querySelectorAll('select, input:not([type=hidden]), textarea, button')].map(box)};
}"""


@pytest.mark.parametrize("kind", ["competency", "activity", "objective"])
def test_the_add_link_form_stays_inside_its_card(browser, site, kind):  # noqa: F811
    context, page = _page(browser, site)
    try:
        _sign_in(page, site, "edith")
        page.goto(f"{site.url}/review?kind={kind}")
        got = page.evaluate(ADD_FORM)
        assert {f["name"] for f in got["fields"]} >= {"module", "target", "rationale"}
        outside = [f["name"] for f in got["fields"] if f["l"] < got["card"]["l"] or f["r"] > got["card"]["r"]]
        assert outside == [], f"fields overflowing the card: {outside}"
        # Every option keeps its whole text (the select is cut on screen, not the choices).
        options = page.eval_on_selector_all("form.edit.card select[name=target] option", "os => os.map(o => o.text)")
        assert options and max(len(o) for o in options) > 40
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_jobs_marks_are_explained_in_words(browser, site, lang):  # noqa: F811
    """/jobs marks each job ✗ (uncovered), ~ (below the top level) or ✓: a legend says what each
    means, and each mark carries its meaning as text for screen readers (the symbol is hidden
    from them)."""
    catalog = CATALOGS[lang]
    context, page = _page(browser, site)
    try:
        page.goto(f"{site.url}/jobs?lang={lang}")
        legend = page.inner_text("#jobs-legend")
        assert catalog["jobs.legend"] in legend and catalog["jobs.legend_ok"] in legend
        assert catalog["jobs.legend_uncovered"] in legend
        assert catalog["jobs.legend_below"].split("{top}")[0] in legend
        flags = page.eval_on_selector_all("ul.toc .flag", """fs => fs.map(f => ({
            symbol: f.querySelector('[aria-hidden=true]').textContent, text: f.querySelector('.sr-only').textContent,
            title: f.title}))""")
        assert len(flags) == page.locator("section.job").count() > 0
        for flag in flags:
            assert flag["text"] == flag["title"] and flag["text"]
            symbol = flag["symbol"]
            if symbol.endswith("✗"):
                n = int(symbol.split()[0])
                assert flag["text"] == plural(lang, n, catalog["jobs.flag_uncovered"])
            elif symbol.endswith("~"):
                n = int(symbol.split()[0])
                assert flag["text"].startswith(plural(lang, n, catalog["jobs.flag_below"]).split("{top}")[0])
            else:
                assert symbol == "✓" and flag["text"] == catalog["jobs.flag_ok"]
        # The symbols are not what a screen reader reads: the accessible text of the list holds words.
        names = page.locator("ul.toc li").all_inner_texts()
        assert all(re.search(r"\w{4,}", n) for n in names)
    finally:
        context.close()


def test_the_site_icon_is_served_and_linked_from_every_page(site):
    with httpx.Client(base_url=site.url, timeout=120) as client:
        icon = client.get("/favicon.ico")
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
        assert icon.content[:4] == b"\x00\x00\x01\x00" and 1000 < len(icon.content) < 20_000  # an ICO, small
        for lang in ("fr", "en"):
            for path in PAGES:
                page = client.get(path, params={"lang": lang}, headers={"Accept": "text/html"})
                assert page.status_code in (200, 404), (path, page.status_code)
                assert re.search(r'<link rel="icon" href="/favicon.ico"', page.text), path


def test_a_browser_finds_the_icon(browser, site):  # noqa: F811
    context, page = _page(browser, site)
    try:
        page.goto(f"{site.url}/")
        href = page.evaluate("document.querySelector('link[rel=icon]').href")
        assert href == f"{site.url}/favicon.ico"
        answer = page.request.get(href)
        assert answer.status == 200 and answer.body()[:4] == b"\x00\x00\x01\x00"
    finally:
        context.close()


def test_long_unbroken_text_never_widens_the_versions_and_resource_pages(browser, site):  # noqa: F811
    """A message and a rationale made of one 400-character word (a pasted URL) wrap inside their
    cells: /versions and the link's own page stay as wide as the window at 1280 px."""
    word = "https://example.org/?q=" + "TresLongCheminSansEspace" * 16
    client = th.sign_in(site, "edith", USERS["edith"][1])
    token = th.token(client.get("/review").text)
    saved = client.post("/edit/link", data={"csrftoken": token, "kind": "competency", "module": "M05",
                                            "target": "BC01-C1", "level": "R", "rationale": word, "message": word,
                                            "loaded": th.loaded(client, "M05", "BC01-C1")})
    assert saved.status_code == 303, saved.text
    client.close()
    context, page = _page(browser, site)
    try:
        for path in ("/versions", "/id/coverage/M05--BC01-C1", "/review?module=M05"):
            for lang in ("fr", "en"):
                page.goto(f"{site.url}{path}{'&' if '?' in path else '?'}lang={lang}")
                assert word[:60] in page.inner_text("main"), path
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 1280, f"{path} ({lang}) is {width} px wide"
    finally:
        context.close()

