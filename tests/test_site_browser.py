"""The whole site in a real Chromium (Debian's, through Playwright), in French and in English
(issue #15): every page has the same header and navigation, every internal link keeps the
language, and no UI string of the other language is left on any page.

The check compares the UI strings of both languages: the site's catalogs
(``cipt_graph/visualize/catalog``) and the audit report's words (``cipt_graph/audit/labels``).
A string that reads the same in both languages (« Module », « SPARQL ») says nothing and is
skipped; text inside an element that declares another language (the switch « English », the
OpenAPI description of ``/docs`` marked ``lang="en"``, technical detail of an error) is allowed,
and so is code (SPARQL text, identifiers, elements marked ``translate="no"``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from cipt_graph.audit.labels import PLURALS as AUDIT_PLURALS
from cipt_graph.audit.labels import TEXT as AUDIT_TEXT
from cipt_graph.visualize.catalog import CATALOGS
from cipt_graph.visualize.page import EXTRAS
from test_views import LiveServer
from test_views_browser import Watched, browser  # noqa: F401  (the module's browser fixture)

PAGES = ["/", "/graph", "/matrix", "/jobs", "/sparql", "/audit", "/docs", "/versions", "/review", "/interchange",
         "/ontology", "/programmes",
         "/id/module/M01", "/id/coverage/M01--BC05-C1", "/id/competency/RNCP38175-BC03-C2", "/no/such/page"]
NAV = ["/", "/graph", "/matrix", "/jobs", *(f"/{name}" for name in EXTRAS)]


@pytest.fixture(scope="module")
def site(tmp_path_factory, store):
    from cipt_graph.api.app import create_app
    from cipt_graph.paths import init_workspace
    from cipt_graph.versions import ensure_baseline

    workspace = init_workspace(tmp_path_factory.mktemp("site") / "ws")
    ensure_baseline(workspace, agent="Équipe pédagogique")
    app = create_app(store)
    app.state.workspace = workspace
    with LiveServer(app) as live:
        yield live


def _texts(catalog: dict) -> list[str]:
    out = []
    for value in catalog.values():
        out += list(value.values()) if isinstance(value, dict) else [value]
    return out


def _audit_texts(lang: str) -> list[str]:
    """The audit report's words in ``lang``: its sentences (each plural form) and counted nouns."""
    out = []
    for value in AUDIT_TEXT[lang].values():
        out += [v for k, v in value.items() if k != "by"] if isinstance(value, dict) else [value]
    return out + [form for forms in AUDIT_PLURALS[lang].values() for form in forms.values()]


_TRIM = " :·—()«»“”,."


def _patterns(text: str) -> list[str]:
    """Regular expressions for the literal pieces of a UI string around its placeholders (long
    enough to mean something); a count ``{n}`` stays attached to its word (« 3 lignes »)."""
    out = []
    for piece in re.split(r"{(?!n})\w+}", text):
        words = piece.strip(_TRIM)
        if len(words.replace("{n}", "").strip()) < 4:
            continue
        pattern = r"(?<!\w)" + re.escape(words).replace(re.escape("{n}"), r"\d[\d\s.,]*") + r"(?!\w)"
        out.append(pattern)
    return out


def _site_texts(lang: str) -> list[str]:
    """Every UI string of the site in ``lang``: the views' catalog, the audit's words, the team
    pages' and the university overview's."""
    from cipt_graph.api.team_text import TEXT as TEAM_TEXT
    from cipt_graph.visualize.overview import _TEXT as OVERVIEW_TEXT

    texts = _texts(CATALOGS[lang]) + _audit_texts(lang) + _texts(TEAM_TEXT[lang]) + _texts(OVERVIEW_TEXT[lang])
    return [t for t in texts if isinstance(t, str)]


def foreign_strings(lang: str) -> set[str]:
    """Patterns of the other language's UI strings whose text never occurs in ``lang``'s strings."""
    other = "en" if lang == "fr" else "fr"
    mine = "\n".join(_site_texts(lang))
    theirs = _site_texts(other)
    return {p for t in theirs for p in _patterns(t) if not re.search(p.replace(r"\d[\d\s.,]*", r"{n}"), mine)}


#: Code, not UI: SPARQL text, identifiers, results, and the audit appendix's headings, which quote
#: each named query's own summary (its ``#+ summary``, English like the code; the audit's issue #14
#: owns that appendix); and the vocabulary's definitions, which are data of the graph in the page's
#: language (they name « France Compétences » in English too).
SKIP = 'script, style, noscript, textarea, code, pre, [translate="no"], #appendix .query h3, p.definition'

#: Proper names that contain a UI word of the other language.
PROPER_NAMES = ("CASE Network", "France Compétences")

#: Titles that hold data, not UI: a matrix cell's rationale (the graph states rationales in French only).
SKIP_ATTR = 'td[data-level]'

VISIBLE_TEXT = """() => {
  const SKIP = '""" + SKIP.replace("'", "\\'") + """';
  const SKIP_ATTR = '""" + SKIP_ATTR + """';
  const page = document.documentElement.lang;
  const out = [];
  const foreign = el => { const l = el.closest('[lang]'); return l && l.getAttribute('lang') !== page; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest(SKIP) || foreign(el)) continue;
    out.push(walker.currentNode.textContent);
  }
  document.querySelectorAll('[title], [aria-label], [placeholder], [alt]').forEach(el => {
    if (foreign(el) || el.closest(SKIP_ATTR)) return;
    ['title', 'aria-label', 'placeholder', 'alt'].forEach(a => {
      const v = el.getAttribute(a);
      // an IRI or a CURIE (cipt:rationale) in a title is an identifier, not UI
      if (v && !/^https?:\\/\\//.test(v) && !/^[a-z][\\w-]*:[\\w.-]+$/i.test(v)) out.push(v);
    });
  });
  return out.join('\\n');
}"""


def _open(watched, url):
    page = watched.page
    page.goto(url, wait_until="load", timeout=180_000)
    if page.locator("#network").count():
        page.wait_for_selector("#network[data-ready='1']", timeout=30000)
    if page.locator("#swagger-ui").count():
        page.wait_for_selector("#swagger-ui .info", timeout=30000)
    return page


#: The audit report's body belongs to issue #14: its tables name the named queries by their
#: English summaries. Checked apart (expected to fail until then); its header is checked with the rest.
AUDIT = "/audit"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_is_entirely_in_the_chosen_language(browser, site, lang):  # noqa: F811
    _check_language(browser, site, lang, [p for p in PAGES if p != AUDIT])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_audit_report_is_entirely_in_the_chosen_language(browser, site, lang):  # noqa: F811
    _check_language(browser, site, lang, [AUDIT])


def _check_language(browser, site, lang, pages):  # noqa: F811
    foreign = foreign_strings(lang)
    assert len(foreign) > 100, "the comparison needs the UI strings of both languages"
    watched = Watched(browser, site.url + "/")
    try:
        for path in pages:
            page = _open(watched, f"{site.url}{path}?lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang, path
            text = page.evaluate(VISIBLE_TEXT)
            for name in PROPER_NAMES:
                text = text.replace(name, "")
            left = sorted(p for p in foreign if re.search(p, text))
            assert left == [], f"{path} ({lang}) shows strings of the other language: {left}"
        # The one console error is the browser noting the 404 status of /no/such/page.
        assert watched.blocked == [] and [e for e in watched.errors if "404 (Not Found)" not in e] == []
    finally:
        watched.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_has_the_same_header_and_links_keep_the_language(browser, site, lang):  # noqa: F811
    watched = Watched(browser, site.url + "/")
    try:
        for path in PAGES:
            page = _open(watched, f"{site.url}{path}?lang={lang}")
            nav = page.eval_on_selector_all("header.top nav a", "els => els.map(e => e.getAttribute('href'))")
            assert [urlsplit(h).path for h in nav] == NAV, path
            hrefs = page.eval_on_selector_all("a[href]:not(#lang-switch)", "els => els.map(e => e.getAttribute('href'))")
            for href in hrefs:
                parts = urlsplit(href)
                if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith(
                        ("/api/", "/openapi")) or re.search(r"\.(ttl|jsonld|json|nt|rdf|csv|tsv|xlsx|xml|zip|md|pdf)$", parts.path) or parts.path.startswith("/ims/"):
                    continue
                assert parse_qs(parts.query).get("lang") == [lang], f"{path}: link {href} loses the language"
            other = "en" if lang == "fr" else "fr"
            switch = page.get_attribute("#lang-switch", "href")
            assert urlsplit(switch).path == urlsplit(path).path and parse_qs(urlsplit(switch).query)["lang"] == [other]
    finally:
        watched.close()


def test_accept_language_picks_the_default_and_clicks_keep_the_choice(browser, site):  # noqa: F811
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(f"{site.url}/matrix")
        assert page.locator("html").get_attribute("lang") == "en"
        page.click("#lang-switch")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "fr"
        for name in ("Réseau", "Métiers", "SPARQL", "Audit", "Versions", "API", "Tableau de bord"):
            page.click(f"header.top nav a:text-is('{name}')")
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == "fr", name
        page.goto(f"{site.url}/no/such/page")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.inner_text("h1").startswith("404") and "Page not found" in page.inner_text("h1")
    finally:
        context.close()


def test_the_404_page_is_a_page_of_the_site_in_french(browser, site):  # noqa: F811
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        response = page.goto(f"{site.url}/nulle/part")
        assert response.status == 404
        assert page.inner_text("h1") == "404 · Page introuvable"
        assert "Il n'y a rien à l'adresse /nulle/part." in page.inner_text("main")
        assert page.locator("header.top nav a").count() == len(NAV)
    finally:
        context.close()
