"""The SPARQL 1.1 Protocol endpoint, served by a real `cipt serve` and queried with real clients
written by others (httpx, SPARQLWrapper, rdflib's SPARQLStore); results are compared with the same
query run in-process (issue #3)."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import xml.etree.ElementTree as ET

import httpx
import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper

from cipt_graph.namespaces import CID, GRAPH_LEVELS, SCHEMA
from cipt_graph.queries import get_query
from conftest import STORE_MODE, VIRTUOSO_QUERY_DEVIATIONS

SR = "{http://www.w3.org/2005/sparql-results#}"
MODULES = f"""
PREFIX schema: <{SCHEMA}>
SELECT ?module ?code ?label WHERE {{
  ?module schema:courseCode ?code ;
    <http://www.w3.org/2004/02/skos/core#prefLabel> ?label .
}} ORDER BY ?code LANG(?label) STR(?label)
"""
CONSTRUCT = f"""
PREFIX schema: <{SCHEMA}>
CONSTRUCT {{ ?module schema:courseCode ?code ; ?p ?o . }}
WHERE {{ ?module schema:courseCode ?code ; ?p ?o . FILTER(isLiteral(?o)) }}
"""  # durations included: the remote store reads Virtuoso's (kept as seconds) back as xsd:duration
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def client(server_url):
    with httpx.Client(base_url=server_url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def endpoint(server_url):
    return f"{server_url}/sparql"


# --- normalising results from every side to comparable tuples ---------------------------------

def ox_key(term):
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode",)
    return ("literal", term.value, term.language or "", "" if term.language else term.datatype.value)


def in_process(store, query, **kwargs) -> list[tuple]:
    results = store.raw_query(query, **kwargs)
    names = [v.value for v in results.variables]
    return [tuple(ox_key(sol[v]) for v in names) for sol in results]


def json_key(binding):
    if binding is None:
        return None
    if binding["type"] == "uri":
        return ("uri", binding["value"])
    if binding["type"] == "bnode":
        return ("bnode",)
    lang = binding.get("xml:lang", "")
    return ("literal", binding["value"], lang,
            "" if lang else binding.get("datatype", "http://www.w3.org/2001/XMLSchema#string"))


def from_json(data: dict) -> list[tuple]:
    names = data["head"]["vars"]
    return [tuple(json_key(b.get(v)) for v in names) for b in data["results"]["bindings"]]


def from_xml(root: ET.Element) -> list[tuple]:
    names = [v.get("name") for v in root.iter(f"{SR}variable")]
    rows = []
    for result in root.iter(f"{SR}result"):
        cells = {}
        for binding in result.findall(f"{SR}binding"):
            node = binding[0]
            kind = node.tag[len(SR):]
            if kind == "uri":
                cells[binding.get("name")] = ("uri", node.text or "")
            elif kind == "bnode":
                cells[binding.get("name")] = ("bnode",)
            else:
                lang = node.get("{http://www.w3.org/XML/1998/namespace}lang", "")
                dt = "" if lang else node.get("datatype", "http://www.w3.org/2001/XMLSchema#string")
                cells[binding.get("name")] = ("literal", node.text or "", lang, dt)
        rows.append(tuple(cells.get(n) for n in names))
    return rows


def rdflib_key(term):
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("uri", str(term))
    if isinstance(term, BNode):
        return ("bnode",)
    assert isinstance(term, Literal)
    lang = term.language or ""
    return ("literal", str(term), lang, "" if lang else str(term.datatype or "http://www.w3.org/2001/XMLSchema#string"))


def concat_vars(sparql: str) -> set[str]:
    """Variables bound by GROUP_CONCAT, whose order SPARQL leaves undefined (compare as sets)."""
    return set(re.findall(r"GROUP_CONCAT\((?:[^()]|\([^()]*\))*\)\s+AS\s+\?(\w+)", sparql, re.I))


def graph_in_process(store, query) -> Graph:
    g = Graph()
    g.parse(data=ox.serialize(list(store.raw_query(query)), format=ox.RdfFormat.N_TRIPLES), format="nt")
    return g


# --- real clients against in-process results ----------------------------------------------------

@pytest.mark.parametrize("method", ["GET", POST, POSTDIRECTLY])
def test_sparqlwrapper_json_equals_in_process(store, endpoint, method):
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(MODULES)
    sw.setReturnFormat(JSON)
    if method == POSTDIRECTLY:
        sw.setMethod(POST)
        sw.setRequestMethod(POSTDIRECTLY)
    elif method == POST:
        sw.setMethod(POST)
    got = from_json(sw.query().convert())
    assert got == in_process(store, MODULES)
    assert len(got) >= 50  # 25 modules, French and English labels


def test_sparqlwrapper_xml_equals_in_process(store, endpoint):
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(MODULES)
    sw.setReturnFormat(XML)
    document = sw.query().convert()  # an xml.dom.minidom document
    root = ET.fromstring(document.toxml())
    assert from_xml(root) == in_process(store, MODULES)


def test_sparqlwrapper_csv_equals_in_process(store, endpoint):
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(MODULES)
    sw.setReturnFormat(CSV)
    rows = list(csv.reader(io.StringIO(sw.query().convert().decode("utf-8"))))
    assert rows[0] == ["module", "code", "label"]
    assert rows[1:] == [[cell[1] for cell in row] for row in in_process(store, MODULES)]


def test_sparqlwrapper_construct_turtle_equals_in_process(store, endpoint):
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(CONSTRUCT)
    sw.setReturnFormat(TURTLE)
    got = Graph().parse(data=sw.query().convert(), format="turtle")
    want = graph_in_process(store, CONSTRUCT)
    assert len(want) > 100 and isomorphic(got, want)


def test_sparqlwrapper_ask(store, endpoint):
    for query, want in (("ASK { ?m <https://schema.org/courseCode> \"M01\" }", True),
                        ("ASK { ?m <https://schema.org/courseCode> \"M99\" }", False)):
        sw = SPARQLWrapper(endpoint)
        sw.setQuery(query)
        sw.setReturnFormat(JSON)
        assert sw.query().convert()["boolean"] is want is bool(store.raw_query(query))


def test_rdflib_sparqlstore_select_and_construct(store, endpoint):
    remote = Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    rows = [tuple(rdflib_key(t) for t in row) for row in remote.query(MODULES)]
    assert rows == in_process(store, MODULES)
    xml_remote = Graph(store=SPARQLStore(endpoint))  # SPARQL XML results, the store's default
    assert [tuple(rdflib_key(t) for t in row) for row in xml_remote.query(MODULES)] == rows
    constructed = Graph()
    for triple in remote.query(CONSTRUCT):
        constructed.add(triple)
    assert isomorphic(constructed, graph_in_process(store, CONSTRUCT))


def test_every_named_query_runs_over_the_endpoint_as_in_process(store, client):
    """The named queries, as the query page offers them (parameters in a VALUES block), give
    over HTTP the rows `run_query` gives in-process."""
    from cipt_graph.api.named_queries import example_sparql
    from cipt_graph.queries import load_queries, run_query

    for name, query in load_queries().items():
        if STORE_MODE == "virtuoso" and name in VIRTUOSO_QUERY_DEVIATIONS:
            continue  # the server's deviation, named in conftest
        text = example_sparql(store, query)
        r = client.post("/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 200, (name, r.text)
        want = run_query(store, query, query.example)
        concat = {i for i, v in enumerate(want.variables) if v in concat_vars(query.text)}

        def norm(row):  # a list in any order; an item's sort keys (ordered_lists.py: "key\t…\ttext") dropped
            return tuple(frozenset(item.split("\t")[-1] for item in c[1].split(" ")) if i in concat and c else c
                         for i, c in enumerate(row))

        got = [norm(row) for row in from_json(r.json())]
        assert got == [norm(tuple(ox_key(t) for t in row)) for row in want.rows], name


# --- content negotiation ------------------------------------------------------------------------

SOLUTION_CASES = [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/xml", "application/xml"),
    ("text/csv", "text/csv; charset=utf-8"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/*", "text/csv; charset=utf-8"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/xml"),
]
GRAPH_CASES = [
    (None, "text/turtle; charset=utf-8"),
    ("*/*", "text/turtle; charset=utf-8"),
    ("text/turtle", "text/turtle; charset=utf-8"),
    ("application/n-triples", "application/n-triples"),
    ("text/plain", "text/plain; charset=utf-8"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json", "application/ld+json"),
    ("application/sparql-results+xml, application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json;q=0.9, text/turtle;q=0.5", "application/ld+json"),
]
RDFLIB_FORMAT = {"text/turtle": "turtle", "application/n-triples": "nt", "text/plain": "nt",
                 "application/rdf+xml": "xml", "application/ld+json": "json-ld"}


def parse_solutions(media: str, body: bytes) -> list[tuple]:
    if media.endswith("json"):
        return from_json(json.loads(body))
    if media.endswith("xml"):
        return from_xml(ET.fromstring(body))
    if media == "text/csv":
        return [tuple(row) for row in csv.reader(io.StringIO(body.decode()))][1:]
    rows = [line.split("\t") for line in body.decode().splitlines()]
    return [tuple(row) for row in rows[1:]]


@pytest.mark.parametrize("accept,expected", SOLUTION_CASES)
def test_conneg_select(store, client, accept, expected):
    headers = {"Accept": accept} if accept else {}
    r = client.get("/sparql", params={"query": MODULES}, headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == expected
    assert "Accept" in r.headers["vary"]
    media = expected.split(";")[0]
    want = in_process(store, MODULES)
    got = parse_solutions(media, r.content)
    if media == "text/csv":
        want = [tuple(cell[1] for cell in row) for row in want]
    elif media == "text/tab-separated-values":
        want = [tuple(str(t) for t in ox_row) for ox_row in
                ([sol[v] for v in ("module", "code", "label")] for sol in store.raw_query(MODULES))]
    assert got == want


@pytest.mark.parametrize("accept,expected", GRAPH_CASES)
def test_conneg_construct(store, client, accept, expected):
    headers = {"Accept": accept} if accept else {}
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == expected
    got = Graph().parse(data=r.content, format=RDFLIB_FORMAT[expected.split(";")[0]])
    assert isomorphic(got, graph_in_process(store, CONSTRUCT))


@pytest.mark.parametrize("query,accept,expected", [
    (MODULES, "image/png", "application/sparql-results+json"),
    (CONSTRUCT, "application/sparql-results+json", "text/turtle; charset=utf-8"),
    ("ASK {}", "text/turtle", "application/sparql-results+json"),
])
def test_conneg_nothing_acceptable_gives_the_default(client, query, accept, expected):
    """As common servers do (RFC 9110 allows it instead of 406): rdflib's SPARQLStore asks for a
    results format even for CONSTRUCT and parses what the Content-Type says."""
    r = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"] == expected


@pytest.mark.parametrize("accept,expected", [("application/sparql-results+xml", "<boolean>true</boolean>"),
                                             ("text/csv", "true"), ("application/json", '"boolean": true')])
def test_conneg_ask(client, accept, expected):
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": accept})
    assert r.status_code == 200 and expected in r.text


# --- the dataset: default-graph-uri, named-graph-uri, FROM --------------------------------------

def count(client, **params) -> int:
    r = client.get("/sparql", params=params)
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_default_graph_uri_selects_a_graph(store, client):
    levels = str(GRAPH_LEVELS)
    want = int(next(iter(store.raw_query(COUNT, default_graph=[levels])))["n"].value)
    assert 0 < want < len(store)
    assert count(client, query=COUNT, **{"default-graph-uri": levels}) == want
    assert count(client, query=COUNT) == int(next(iter(store.raw_query(COUNT)))["n"].value)


def test_named_graph_uri_limits_the_named_graphs(client):
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = client.get("/sparql", params={"query": q, "named-graph-uri": str(GRAPH_LEVELS)})
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [str(GRAPH_LEVELS)]
    # Only named graphs given: the default graph is empty, as the protocol says.
    assert count(client, query=COUNT, **{"named-graph-uri": str(GRAPH_LEVELS)}) == 0


def test_unknown_graph_is_empty_and_never_fetched(client):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.3)
        graph = f"http://127.0.0.1:{listener.getsockname()[1]}/data.ttl"
        assert count(client, query=COUNT, **{"default-graph-uri": graph}) == 0
        with pytest.raises(socket.timeout):
            listener.accept()


def test_query_from_clause_is_honoured_and_protocol_overrides_it(store, client):
    levels = str(GRAPH_LEVELS)
    q = f"SELECT (COUNT(*) AS ?n) FROM <{levels}> WHERE {{ ?s ?p ?o }}"
    want = int(next(iter(store.raw_query(COUNT, default_graph=[levels])))["n"].value)
    assert count(client, query=q) == want
    assert count(client, query=q, **{"default-graph-uri": str(CID["graph/nothing"])}) == 0


# --- protocol errors ----------------------------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
ERROR_CASES = [
    ("GET", "/sparql?query=SELEC", None, {}, 400, "syntax", "erreur de syntaxe"),
    ("POST", "/sparql", b"SELECT * WHERE { ?s ?p }", DIRECT, 400, "syntax", "erreur de syntaxe"),
    ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, 400, "2 'query' parameters", "2 paramètres"),
    ("POST", "/sparql", b"query=ASK%7B%7D&query=ASK%7B%7D", FORM, 400, "2 'query' parameters", "2 paramètres"),
    ("POST", "/sparql?query=ASK%7B%7D", b"query=ASK%7B%7D", FORM, 400, "both the URL and the body", "une dans le corps"),
    ("POST", "/sparql?query=ASK%7B%7D", b"ASK {}", DIRECT, 400, "URL of a direct POST", "POST direct"),
    ("POST", "/sparql", b"default-graph-uri=x", FORM, 400, "missing 'query'", "absent du corps"),
    ("GET", "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%22%FF%22%7D", None, {}, 400, "not valid UTF-8", "pas de l'UTF-8 valide"),
    ("POST", "/sparql", b'ASK { ?s ?p "\xff" }', DIRECT, 400, "not valid UTF-8", "pas de l'UTF-8 valide"),
    ("POST", "/sparql", b"query=ASK%7B%3Fs%20%3Fp%20%22%FF%22%7D", FORM, 400, "not valid UTF-8", "pas de l'UTF-8 valide"),
    ("GET", "/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri", None, {}, 400, "not an absolute IRI", "pas une IRI absolue"),
    ("POST", "/sparql", b"ASK {}", {}, 415, "unsupported media type", "non pris en charge"),
    ("POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"}, 415, "unsupported media type", "non pris en charge"),
    ("POST", "/sparql", b'{"query": "ASK {}"}', {"Content-Type": "application/json"}, 415, "unsupported media type", "non pris en charge"),
    ("PUT", "/sparql", b"ASK {}", DIRECT, 405, "use GET or POST", "utilisez GET ou POST"),
    ("DELETE", "/sparql", None, {}, 405, "use GET or POST", "utilisez GET ou POST"),
    ("PATCH", "/sparql", b"ASK {}", DIRECT, 405, "use GET or POST", "utilisez GET ou POST"),
]


@pytest.mark.parametrize("method,url,body,headers,status,message,french", ERROR_CASES)
def test_protocol_errors(client, method, url, body, headers, status, message, french):
    """Each refusal in English when asked (``Accept-Language: en``), and in French — the
    service's language — when the client names none, as every other message of the service."""
    r = client.request(method, url, content=body, headers={**headers, "Accept-Language": "en"})
    assert r.status_code == status, r.text
    assert message in r.text
    assert "Traceback" not in r.text and 'File "' not in r.text
    if status == 405:
        assert set(r.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    default = client.request(method, url, content=body, headers=headers)
    assert default.status_code == status and french in default.text, default.text
    assert message == "syntax" or message not in default.text, default.text


# --- refusals that protect the service; the server keeps answering -----------------------------

def assert_still_answering(client):
    r = client.get("/api/queries/stats")
    assert r.status_code == 200 and r.json()[0]["modules"] > 0


@pytest.mark.parametrize("request_kwargs", [
    {"method": "POST", "url": "/sparql", "content": b"update=INSERT%20DATA%20%7B%3Ca%3E%20%3Cb%3E%20%3Cc%3E%7D",
     "headers": FORM},
    {"method": "POST", "url": "/sparql", "content": b"INSERT DATA { <a> <b> <c> }",
     "headers": {"Content-Type": "application/sparql-update"}},
    {"method": "GET", "url": "/sparql?update=DROP%20ALL"},
], ids=["form-update", "sparql-update", "get-update"])
def test_update_is_refused(store, client, request_kwargs):
    before = count(client, query=COUNT)
    r = client.request(**request_kwargs)
    assert r.status_code == 403 and "lecture seule" in r.text
    assert count(client, query=COUNT) == before
    assert_still_answering(client)


def test_update_sent_as_a_query_is_a_syntax_error(client):
    """Not a query (400, SPARQL 1.1 Protocol §2.1.4), and the answer says why: the endpoint is
    read-only (issue #15), in the language asked for."""
    r = client.post("/sparql", data={"query": "DELETE WHERE { ?s ?p ?o }"}, headers={"Accept-Language": "en"})
    assert r.status_code == 400 and "read-only" in r.text and "(DELETE)" in r.text
    r = client.post("/sparql", data={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert r.status_code == 400 and "lecture seule" in r.text and "(DELETE)" in r.text
    assert count(client, query=COUNT) > 0


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <{target}> { ?s ?p ?o } }",
    "select * where { service silent <{target}> { ?s ?p ?o } }",
    "SELECT * WHERE {\n  ?x ?y ?z .\n  SeRvIcE\n<{target}> { ?s ?p ?o }\n}",
    "SELECT * WHERE { BIND(<{target}> AS ?e) SERVICE ?e { ?s ?p ?o } }",
])
def test_service_is_refused_and_nothing_is_fetched(client, query):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.3)
        target = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        r = client.post("/sparql", data={"query": query.replace("{target}", target)})
        assert r.status_code == 400 and "SERVICE" in r.text
        with pytest.raises(socket.timeout):
            listener.accept()
    assert_still_answering(client)


def test_service_in_a_string_or_comment_is_not_a_service_call(client):
    q = 'SELECT ?x WHERE { BIND("SERVICE <http://example.org/>" AS ?x) } # SERVICE <http://example.org/>'
    r = client.get("/sparql", params={"query": q})
    assert r.status_code == 200
    assert r.json()["results"]["bindings"][0]["x"]["value"].startswith("SERVICE")


def test_over_long_query_is_refused(client):
    long_query = "ASK {} #" + "x" * 9000  # the test server accepts 8000 characters
    r = client.get("/sparql", params={"query": long_query}, headers={"Accept-Language": "en"})
    assert r.status_code == 414 and "at most 8000" in r.text
    r = client.post("/sparql", content=long_query.encode(), headers=DIRECT)
    assert r.status_code == 413 and "au plus 8\u202f000" in r.text, r.text  # French by default
    assert_still_answering(client)


def test_over_large_body_is_refused(client):
    body = b"query=ASK%7B%7D%23" + b"x" * 70_000  # the test server accepts 65536 bytes
    r = client.post("/sparql", content=body, headers=FORM)
    assert r.status_code == 413 and "65536 octets" in r.text  # French by default (issue #15)
    r = client.post("/sparql", content=body, headers={**FORM, "Accept-Language": "en"})
    assert r.status_code == 413 and "65536 bytes" in r.text and r.headers["content-language"] == "en"
    r = client.post("/api/queries/stats", content=body, headers=FORM)
    assert r.status_code == 413 and r.json()["status"] == 413
    # Without a Content-Length (chunked): refused while reading.
    r = client.post("/sparql", content=iter([body[:40_000], body[40_000:]]), headers=FORM)
    assert r.status_code == 413 and "65536 octets" in r.text
    assert_still_answering(client)


def test_too_many_rows_is_refused(store, client):
    triples = int(next(iter(store.raw_query(COUNT)))["n"].value)
    copies = 5000 // triples + 2  # the test server's limit is 5000 rows
    values = " ".join(str(i) for i in range(copies))
    r = client.get("/sparql", params={"query": f"SELECT * WHERE {{ VALUES ?k {{ {values} }} ?s ?p ?o }}"},
                   headers={"Accept-Language": "en"})
    assert r.status_code == 413 and "more than 5000 rows" in r.text and "LIMIT" in r.text
    r = client.get("/sparql", params={"query": f"SELECT * WHERE {{ VALUES ?k {{ {values} }} ?s ?p ?o }} LIMIT 5000"})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 5000
    assert_still_answering(client)


def test_query_past_the_timeout_is_stopped(client):
    # 27 billion triples of triples: hours of work, far past the test server's 5 s limit; killed at it.
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    r = client.get("/sparql", params={"query": slow}, headers={"Accept-Language": "en"})
    assert r.status_code == 503
    assert "time limit of 5 s" in r.text and r.headers.get("retry-after")
    assert r.elapsed.total_seconds() < 50
    # A client naming no language reads the refusal in French, the service's language.
    r = client.get("/sparql", params={"query": slow})
    assert r.status_code == 503 and "limite de temps de 5 s" in r.text and "arrêtée" in r.text, r.text
    assert_still_answering(client)


# --- service description ------------------------------------------------------------------------

def test_service_description(store, client, endpoint):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    rows = list(g.query("""
        PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        SELECT ?lang ?name WHERE {
          ?service a sd:Service ; sd:endpoint ?endpoint ; sd:supportedLanguage ?lang ;
            sd:defaultDataset/sd:namedGraph/sd:name ?name .
        }""", initBindings={"endpoint": URIRef(endpoint)}))
    assert {str(lang) for lang, _ in rows} == {"http://www.w3.org/ns/sparql-service-description#SPARQL11Query"}
    assert sorted({str(name) for _, name in rows}) == store.graph_names()


def test_query_page_offers_every_named_query(client):
    from cipt_graph.queries import load_queries

    r = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in r.text and "Requêtes nommées" in r.text
    data = json.loads(r.text.split('<script type="application/json" id="page-data">')[1].split("</script>")[0])
    assert [e["name"] for e in data["examples"]] == list(load_queries())
    assert all(e["sparql"] and e["summary"] and e["summary_lang"] == "fr" for e in data["examples"]), \
        "every named query has a French title on the French page"
    english = client.get("/sparql?lang=en", headers={"Accept": "text/html"})
    assert '<html lang="en">' in english.text and "Named queries" in english.text
    data = json.loads(english.text.split('<script type="application/json" id="page-data">')[1].split("</script>")[0])
    assert get_query("coverage_matrix").summary in {e["summary"] for e in data["examples"]}
    assert all(e["sparql"] and e["description"] for e in data["examples"])
    for asset in ("/api/static/query.js", "/api/static/style.css"):
        assert asset in r.text and client.get(asset).status_code == 200
