"""The /sparql page in a real Chromium (Debian's, through Playwright) at 1280×720 (issue #15): a
CodeMirror editor with SPARQL highlighting shipped with the package, the named queries as
examples, results as a table that never widens the page (IRIs shown by short forms), and
downloads in every format."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rdflib import Graph

from cipt_graph.api.query_page import FORMATS
from cipt_graph.queries import run_query
from test_views import LiveServer
from test_views_browser import Watched, browser  # noqa: F401  (the module's browser fixture)

CONSTRUCT = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
             "CONSTRUCT { ?m skos:notation ?code } WHERE { ?m a <https://w3id.org/cipt-graph/ontology#Module> ; "
             "skos:notation ?code }")


@pytest.fixture(scope="module")
def site(store):
    from cipt_graph.api.app import create_app

    with LiveServer(create_app(store)) as live:
        yield live


@pytest.fixture
def page(browser, site):  # noqa: F811
    watched = Watched(browser, site.url + "/")
    watched.context.set_default_timeout(60_000)
    watched.page.set_viewport_size({"width": 1280, "height": 720})
    yield watched
    watched.close()


def _set_query(page, text: str) -> None:
    page.click(".cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def test_editor_highlights_sparql_and_results_never_widen_the_page(page, site, store):
    p = page.page
    p.goto(f"{site.url}/sparql?lang=fr")
    p.wait_for_selector("#editor[data-editor='codemirror'] .cm-content")
    assert p.is_hidden("#query"), "the editor replaces the plain textarea"
    # Highlighting: the keyword SELECT is drawn in another colour than the variables around it.
    colours = p.evaluate("""() => {
        const spans = [...document.getElementById('editor').shadowRoot.querySelectorAll('.cm-content span')];
        const kw = spans.find(s => s.textContent === 'SELECT');
        const other = spans.find(s => s.textContent.startsWith('?'));
        return [kw && getComputedStyle(kw).color, other && getComputedStyle(other).color];
    }""")
    assert colours[0] and colours[1] and colours[0] != colours[1]
    p.click("button[data-name='coverage_matrix']")
    p.click("button.run")
    p.wait_for_selector("#results tbody tr")  # (wait_for_function would need eval, which the CSP forbids)
    assert p.locator("#results tbody tr").count() == len(run_query(store, "coverage_matrix", {}))
    assert p.evaluate("document.documentElement.scrollWidth") <= 1280, "the results widen the page"
    first = p.locator("#results a.iri").first
    assert first.inner_text() != first.get_attribute("title") and first.get_attribute("title").startswith("https://")
    assert "/" in first.inner_text() and len(first.inner_text()) < 40
    p.check("#full-iris")
    assert p.locator("#results a.iri").first.inner_text().startswith("https://")
    assert p.evaluate("document.documentElement.scrollWidth") <= 1280
    assert "lignes" in p.inner_text("#status")
    # Ctrl+Enter runs the query from the editor.
    p.click("button[data-name='modules_without_competency']")
    p.click(".cm-content")
    p.keyboard.press("Control+Enter")
    n = len(run_query(store, "modules_without_competency", {}))
    assert n != len(run_query(store, "coverage_matrix", {}))
    p.wait_for_selector(f"#status:text-matches('^{n} lignes? [(]')")
    page.assert_clean()


@pytest.mark.parametrize("media", sorted(FORMATS))
def test_results_download_in_every_format(page, site, store, media):
    p = page.page
    p.goto(f"{site.url}/sparql?lang=fr")
    p.wait_for_selector("#editor[data-editor='codemirror'] .cm-content")
    graph_format = media in ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
    if graph_format:
        _set_query(p, CONSTRUCT)
    else:
        p.click("button[data-name='modules']")
    p.select_option("#accept", media)
    with p.expect_download() as info:
        p.click("#download")
    data = open(info.value.path(), "rb").read().decode("utf-8")
    modules = len(run_query(store, "modules", {}))
    if media == "application/sparql-results+json":
        assert len(json.loads(data)["results"]["bindings"]) == modules
    elif media == "application/sparql-results+xml":
        assert data.count("<result>") == modules
    elif media in ("text/csv", "text/tab-separated-values"):
        rows = list(csv.reader(io.StringIO(data), delimiter="," if media == "text/csv" else "\t"))
        assert len(rows) == modules + 1
    else:
        fmt = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
               "application/rdf+xml": "xml"}[media]
        assert len(Graph().parse(data=data, format=fmt)) == modules
    assert info.value.suggested_filename == "results." + EXTENSIONS[media]
    page.assert_clean()


EXTENSIONS = {"application/sparql-results+json": "srj", "application/sparql-results+xml": "srx", "text/csv": "csv",
              "text/tab-separated-values": "tsv", "text/turtle": "ttl", "application/ld+json": "jsonld",
              "application/n-triples": "nt", "application/rdf+xml": "rdf"}
GRAPH_FORMATS = {"text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"}


def test_only_the_formats_that_fit_the_query_can_be_downloaded(page, site):
    """SELECT and ASK offer the results formats, CONSTRUCT and DESCRIBE the graph formats; a
    chosen format that no longer fits gives way, and the file is named after what came."""
    p = page.page
    p.goto(f"{site.url}/sparql?lang=fr")
    p.wait_for_selector("#editor[data-editor='codemirror'] .cm-content")

    def enabled():
        return set(p.eval_on_selector_all("#accept option:not([disabled])", "os => os.map(o => o.value)"))

    def wait_for(kind):  # the page updates the choices as the query changes
        other = "text/csv" if kind == "graph" else "text/turtle"
        p.wait_for_selector(f"#accept option[value='{other}']:disabled", state="attached")

    results = set(EXTENSIONS) - GRAPH_FORMATS
    p.click("button[data-name='modules']")
    wait_for("results")
    assert enabled() == results
    _set_query(p, "# a comment naming CONSTRUCT\nPREFIX ex: <http://example.org/DESCRIBE#x>\nASK { ?s ?p ?o }")
    p.wait_for_timeout(1000)  # (the choices stay those of results)
    assert enabled() == results
    _set_query(p, CONSTRUCT)
    wait_for("graph")
    assert enabled() == GRAPH_FORMATS
    assert p.eval_on_selector("#accept", "s => s.value") in GRAPH_FORMATS  # SPARQL JSON gave way
    p.select_option("#accept", "application/n-triples")
    _set_query(p, "DESCRIBE <https://w3id.org/cipt-graph/id/module/M01>")
    p.wait_for_timeout(1000)  # (the choices stay those of a graph)
    assert enabled() == GRAPH_FORMATS and p.eval_on_selector("#accept", "s => s.value") == "application/n-triples"
    _set_query(p, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3")
    wait_for("results")
    assert enabled() == results
    assert p.eval_on_selector("#accept", "s => s.value") == "application/sparql-results+json"
    with p.expect_download() as info:
        p.click("#download")
    assert info.value.suggested_filename == "results.srj"
    assert len(json.loads(open(info.value.path(), "rb").read())["results"]["bindings"]) == 3
    page.assert_clean()


@pytest.mark.parametrize("lang, find, error", [("fr", "Rechercher", "erreur de syntaxe SPARQL"),
                                               ("en", "Find", "SPARQL syntax error")])
def test_editor_words_and_endpoint_errors_follow_the_page_language(page, site, lang, find, error):
    """Issue #15: the editor's own search panel (Ctrl+F) and the endpoint's error for a bad query
    are in the page's language, whatever the browser's Accept-Language."""
    p = page.page
    p.goto(f"{site.url}/sparql?lang={lang}")
    p.wait_for_selector("#editor[data-editor='codemirror'] .cm-content")
    _set_query(p, "SELECT WHERE {")
    p.keyboard.press("Control+f")
    panel = p.wait_for_selector("#editor >> .cm-search")
    assert find in (panel.get_attribute("aria-label") or "") + " " + panel.inner_html(), panel.inner_html()[:500]
    p.keyboard.press("Escape")
    p.click("#query-form button[type=submit]")
    p.wait_for_selector("#results .error")
    shown = p.inner_text("#results .error")
    other = "SPARQL syntax error" if lang == "fr" else "erreur de syntaxe SPARQL"
    # On a remote store (Oxigraph server, Virtuoso) the server's own refusal is relayed, in the page's words.
    relayed = "le serveur SPARQL a refusé la requête" if lang == "fr" else "the SPARQL server refused the request"
    assert (error in shown or relayed in shown) and other not in shown, shown


@pytest.fixture(scope="module")
def small_site(store):
    """The site with a short query limit (200 characters), to meet the 413 from the page."""
    from cipt_graph.api.app import create_app
    from cipt_graph.api.settings import Settings

    with LiveServer(create_app(store, Settings(max_query_length=200))) as live:
        yield live


@pytest.mark.parametrize("lang, words, english", [
    ("fr", {"update": "lecture seule", "long": "caractères", "empty": "la requête est vide"},
     ("read-only", "characters", "Forbidden", "Content Too Large", "Bad Request")),
    ("en", {"update": "read-only", "long": "characters", "empty": "the query is empty"},
     ("lecture seule", "caractères", "vide"))])
def test_protocol_refusals_in_the_page_language(browser, small_site, lang, words, english):  # noqa: F811
    """Issue #15: an update typed in the query page is refused as such (the endpoint is read-only;
    400, not a query), a query over the length limit (413) and
    an empty one (400) are told in the page's words, without HTTP's English reason phrase."""
    watched = Watched(browser, small_site.url + "/")
    watched.context.set_default_timeout(60_000)
    p = watched.page
    p.set_viewport_size({"width": 1280, "height": 720})
    try:
        p.goto(f"{small_site.url}/sparql?lang={lang}")
        p.wait_for_selector("#editor[data-editor='codemirror'] .cm-content")
        cases = [("update", "PREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }", "400"),
                 ("long", "SELECT * WHERE { ?s ?p ?o } # " + "x" * 300, "413"),
                 ("empty", "   ", "400")]
        for key, text, status in cases:
            _set_query(p, text)
            p.click("#query-form button[type=submit]")
            p.wait_for_selector("#results .error")
            shown = p.inner_text("#results .error")
            assert words[key] in shown, (key, shown)
            assert not any(word in shown for word in english), (key, shown)
            assert status in p.inner_text("#status"), p.inner_text("#status")
    finally:
        watched.close()


def test_update_refused_by_the_endpoint_with_the_protocol_status(small_site):
    """An update sent as a query, by any of the protocol's query routes, is refused as not a query
    (400) saying the endpoint is read-only; `update=` is the read-only refusal (403); in the
    language asked for, French when none is; a query whose words merely include INSERT (in a
    string, a variable) is a query."""
    import httpx

    update = "PREFIX ex: <http://example.org/>\n# a comment\nDELETE WHERE { ?s ?p ?o }"
    with httpx.Client(base_url=small_site.url, timeout=60, headers={"Accept-Language": "en"}) as c:
        answers = [c.post("/sparql", content=update, headers={"Content-Type": "application/sparql-query"}),
                   c.post("/sparql", data={"query": update}),
                   c.get("/sparql", params={"query": update})]
        for r in answers:
            assert r.status_code == 400 and "read-only" in r.text and "(DELETE)" in r.text, (r.status_code, r.text)
        r = c.post("/sparql", data={"update": update})
        assert r.status_code == 403 and "read-only" in r.text
    with httpx.Client(base_url=small_site.url, timeout=60) as c:
        for path, headers in (("/sparql", {"Accept-Language": "fr-FR,fr;q=0.9"}), ("/sparql?lang=fr", {}),
                              ("/sparql", {})):
            french = c.post(path, content=update, headers={"Content-Type": "application/sparql-query", **headers})
            assert french.status_code == 400 and "lecture seule" in french.text, french.text
        ok = c.post("/sparql", content='SELECT ?insert WHERE { BIND("INSERT" AS ?insert) }',
                    headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        assert ok.status_code == 200, ok.text


def test_editor_examples_carry_no_comment_of_another_language(site):
    """The examples' text in the editor: the title line in the page's language, and on the French
    page none of the query files' own (English) comment lines."""
    import re

    import httpx

    from cipt_graph.queries import load_queries

    commented = [q for q in load_queries().values()
                 if any(line.lstrip().startswith("#") and not line.startswith("#+") for line in q.text.splitlines())]
    assert commented, "some query file has a comment in its body"
    for lang in ("fr", "en"):
        html = httpx.get(f"{site.url}/sparql?lang={lang}", headers={"Accept": "text/html"}, timeout=60).text
        data = json.loads(re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S).group(1))
        examples = {e["name"]: e for e in data["examples"]}
        for q in load_queries().values():
            lines = examples[q.name]["sparql"].splitlines()
            assert lines[0].startswith("# ") and lines[0] == "# " + " ".join(examples[q.name]["summary"].split())
            if lang == "fr" and q.summary != q.summary_fr:
                assert lines[0] != "# " + " ".join(q.summary.split()), lines[0]
            comments = [line for line in lines[1:] if line.lstrip().startswith("#")]
            if lang == "fr":
                assert not comments, (q.name, comments)
        if lang == "en":
            assert any(len([line for line in examples[q.name]["sparql"].splitlines() if line.lstrip().startswith("#")]) > 1
                       for q in commented)


#: Literals in both languages and the mapping's status words, as the named queries give them.
LITERALS = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "SELECT ?fr ?en ?status ?rome_status WHERE {\n"
            "  <https://w3id.org/cipt-graph/id/module/M01> skos:prefLabel ?fr, ?en .\n"
            "  FILTER(LANG(?fr) = 'fr' && LANG(?en) = 'en')\n"
            "  VALUES (?status ?rome_status) { ('validated' 'inferred') ('proposed' 'stated') }\n"
            "} ORDER BY DESC(?status)")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_results_show_literals_as_text_and_statuses_as_words(page, site, store, lang):
    """Found by testers: the table showed « Communication publique@fr » and raw codes (validated,
    proposed). A literal reads as text; one in another language than the page's carries a small
    tag; a status is its label in the page's language; downloads stay raw."""
    from cipt_graph.visualize.catalog import CATALOGS

    words = CATALOGS[lang]
    p = page.page
    p.goto(f"{site.url}/sparql?lang={lang}")
    p.wait_for_selector("#editor[data-editor='codemirror'] .cm-content")
    _set_query(p, LITERALS)
    p.click("button.run")
    p.wait_for_selector("#results tbody tr")
    cells = p.eval_on_selector_all("#results tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")
    assert len(cells) == 2
    same, other = ("fr", "en") if lang == "fr" else ("en", "fr")
    column = {"fr": 0, "en": 1}
    labels = {"fr": "Communication publique", "en": "Public communication"}
    for row in cells:
        assert row[column[same]] == labels[same], row  # no tag in the page's language
        assert row[column[other]] == f"{labels[other]} {other}", row  # a small tag: the other language
    tags = p.eval_on_selector_all("#results .lang-tag", "ts => ts.map(t => t.textContent)")
    assert tags == [other, other]
    spans = p.eval_on_selector_all(f"#results span[lang='{other}']", "ss => ss.map(s => s.textContent)")
    assert spans == [labels[other]] * 2
    assert [row[2] for row in cells] == [words["status.validated"], words["status.proposed"]]
    assert [row[3] for row in cells] == [words["status.inferred"], words["status.stated"]]
    # The downloads stay raw: the codes and the language tags of the data.
    p.select_option("#accept", "application/sparql-results+json")
    with p.expect_download() as info:
        p.click("#download")
    data = json.loads(open(info.value.path(), "rb").read().decode("utf-8"))
    rows = data["results"]["bindings"]
    assert [r["status"]["value"] for r in rows] == ["validated", "proposed"]
    assert rows[0]["fr"]["xml:lang"] == "fr" and rows[0]["en"]["xml:lang"] == "en"
    page.assert_clean()


#: Statuses under column names that say nothing of them: concepts' IRIs, codes as plain literals;
#: the same words tagged with a language or typed otherwise are text, not statuses.
UNRELATED = ("PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>\n"
             "SELECT ?etat ?code ?texte ?n WHERE {\n"
             "  VALUES (?etat ?code ?texte ?n) {\n"
             "    (cipt:Validated 'proposed' 'validated'@en 1) (cipt:Proposed 'judgement' 'déjà validé' 2)\n"
             "    (cipt:Inferred 'stated' 'proposed'@fr 3) (cipt:Stated 'inferred' 'validated later' 4)\n"
             "    (cipt:Judgement 'validated' 'judgement'^^<urn:x:code> 5) (cipt:Module 'Validated' 'x' 6) }\n"
             "} ORDER BY ?n")
#: A query of the mapping's own links: their status concept, in a column named « x ».
MAPPING = ("PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>\n"
           "SELECT ?link ?x WHERE { ?link cipt:mappingStatus ?x } ORDER BY ?link LIMIT 5")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_statuses_are_words_whatever_the_column_is_named(page, site, store, lang):
    """Found by testers: a status showed as a word only in a column named status (or *_status). It
    is known by its value: the status concept's IRI (a link to its page, the IRI on hover) or its
    code as a plain literal; words with a language tag or another datatype stay text."""
    from cipt_graph.visualize.catalog import CATALOGS

    words = CATALOGS[lang]
    p = page.page
    p.goto(f"{site.url}/sparql?lang={lang}")
    p.wait_for_selector("#editor[data-editor='codemirror'] .cm-content")
    _set_query(p, UNRELATED)
    p.click("button.run")
    p.wait_for_selector("#results tbody tr")
    cells = p.eval_on_selector_all("#results tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")
    say = lambda *codes: [words[f"status.{c}"] for c in codes]  # noqa: E731
    assert [row[0] for row in cells[:5]] == say("validated", "proposed", "inferred", "stated", "judgement"), cells
    assert cells[5][0] == "cipt:Module"  # another IRI of the ontology keeps its short form
    assert [row[1] for row in cells[:5]] == say("proposed", "judgement", "stated", "inferred", "validated"), cells
    assert cells[5][1] == "Validated"  # not a code (codes are lower case)
    texts = [row[2] for row in cells]
    assert texts[1] == "déjà validé" and texts[3] == "validated later" and texts[5] == "x"
    assert texts[0].split()[0] == "validated" and texts[2].split()[0] == "proposed" and texts[4] == "judgement"
    links = p.eval_on_selector_all("#results tbody tr td:first-child a", "as => as.map(a => [a.title, a.getAttribute('href')])")
    assert links[0][0] == "https://w3id.org/cipt-graph/ontology#Validated" and links[0][1], links
    # Shown as full IRIs on request, as every IRI is.
    p.check("#full-iris")
    assert p.inner_text("#results tbody tr:first-child td:first-child") == "https://w3id.org/cipt-graph/ontology#Validated"
    p.uncheck("#full-iris")
    # The mapping's own links, their status in a column named « x ».
    _set_query(p, MAPPING)
    p.click("button.run")
    p.wait_for_function("() => document.querySelector('#results thead th:last-child')?.textContent === 'x'")
    shown = p.eval_on_selector_all("#results tbody tr td:last-child", "tds => tds.map(td => td.innerText)")
    expected = {r["x"].value.rsplit("#", 1)[1].lower() for r in store.raw_query(MAPPING)}
    assert shown and set(shown) == {words[f"status.{code}"] for code in expected}, (shown, expected)
    page.assert_clean()


def test_status_concepts_of_the_ontology_are_the_page_s(store):
    """Every status concept of the ontology (its schemes of mapping and data statuses) is known to
    the page by its IRI and its code, with the word of its preferred label in each language."""
    from cipt_graph.api.query_page import STATUS_CONCEPTS, status_words

    sparql = ("PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>\n"
              "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
              "SELECT ?concept ?code ?label WHERE { VALUES ?scheme { cipt:MappingStatusScheme cipt:DataStatusScheme }\n"
              "  ?concept skos:inScheme ?scheme ; skos:notation ?code ; skos:prefLabel ?label }")
    found = [(r["concept"].value, r["code"].value, r["label"].value, r["label"].language) for r in store.raw_query(sparql)]
    assert {code: iri for iri, code, _, _ in found} == {code: str(iri) for code, iri in STATUS_CONCEPTS.items()}
    for iri, code, label, lang in found:
        assert status_words(lang)[code] == label, (iri, lang, label)


@pytest.mark.parametrize("lang, want", [
    ("fr", ["1,23456789", "12\u202f345,678", "1\u202f234\u202f567", "0,1", "-3,5", "0,000123456789"]),
    ("en", ["1.23456789", "12,345.678", "1,234,567", "0.1", "-3.5", "0.000123456789"]),
])
def test_numbers_in_the_results_keep_their_digits(page, site, lang, want):
    """The results table writes numbers in the page's locale without rounding them (the endpoint's
    canonical digits): only the grouping and the decimal sign change."""
    p = page.page
    p.goto(f"{site.url}/sparql?lang={lang}")
    p.wait_for_selector("#editor[data-editor='codemirror'] .cm-content")
    _set_query(p, "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
                  "SELECT ?x WHERE { VALUES (?n ?x) { (1 1.23456789) (2 \"12345.678\"^^xsd:decimal) (3 1234567) "
                  "(4 0.1) (5 \"-3.50\"^^xsd:decimal) (6 0.000123456789) } } ORDER BY ?n")
    p.click("button.run")
    p.wait_for_selector("#results tbody tr")
    assert p.eval_on_selector_all("#results tbody td", "ts => ts.map(t => t.textContent)") == want
    page.assert_clean()



@pytest.mark.parametrize("lang,words", [("fr", "ouvrir dans l’éditeur SPARQL"), ("en", "open in the SPARQL editor")])
def test_the_audit_opens_its_queries_in_the_editor(page, site, lang, words):
    """An auditor's click on a figure's query: the /sparql page with that text in its editor (with
    the parameters as VALUES), giving the rows the protocol link gives."""
    import html as html_lib
    import re

    import httpx

    audit = httpx.get(f"{site.url}/audit", params={"lang": lang}, timeout=60).text
    pairs = re.findall(r'<a href="([^"]+)">[^<]+</a> · <a href="([^"]+)">' + re.escape(words) + "</a>", audit)
    assert pairs, "no link to the editor in the audit"
    protocol, editor_link = next((html_lib.unescape(a), html_lib.unescape(b)) for a, b in pairs if "VALUES" in html_lib.unescape(b)
                                 or "%20VALUES%20" in b)
    assert "#query=" in editor_link and f"lang={lang}" in editor_link
    want = httpx.get(protocol, headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
    p = page.page
    p.goto(editor_link)
    p.wait_for_selector("#editor[data-editor='codemirror'] .cm-content")
    shown = p.inner_text("#editor .cm-content") if p.locator("#editor .cm-content").count() else ""
    assert "VALUES" in shown, shown[:300]
    p.click("button.run")
    n = len(want["results"]["bindings"])
    if n:
        p.wait_for_selector("#results tbody tr")
        assert p.locator("#results tbody tr").count() == n
    else:
        p.wait_for_selector("#status:text-matches('^0 ')")
    page.assert_clean()
