"""Every answer of a real `cipt serve` is well formed in its format and reads back, with an
independent parser, to the same value — or is refused clearly (issue #12): SPARQL results JSON,
XML, CSV, TSV; graphs as Turtle (rdflib, N3.js, rdflib.js), N-Triples, RDF/XML, JSON-LD; query
text with a byte-order mark; ``Accept: application/json`` on ``/id/…``."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.compare import isomorphic

JS_DIR = Path(__file__).resolve().parent / "js"
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
XML_FORBIDDEN = set(range(0x00, 0x09)) | {0x0B, 0x0C} | set(range(0x0E, 0x20)) | {0xFFFE, 0xFFFF}
GRAPH_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
                 "application/ld+json": "json-ld"}


@pytest.fixture(scope="module")
def client(server_url):
    with httpx.Client(base_url=server_url, timeout=60) as c:
        yield c


def post(client, query: str | bytes, accept: str, form: bool = False) -> httpx.Response:
    if form:
        return client.post("/sparql", data={"query": query}, headers={"Accept": accept})
    return client.post("/sparql", content=query if isinstance(query, bytes) else query.encode("utf-8"),
                       headers={"Content-Type": "application/sparql-query", "Accept": accept})


def sparql_string(text: str) -> str:
    """``text`` as a SPARQL string literal in pure ASCII (every other character as ``\\u`` escape)."""
    out = []
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch in " .,;:!?-_/()[]{}=+*@#$%&'<>|~^`"):
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04X}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08X}")
    return '"' + "".join(out) + '"'


def graph_of(response: httpx.Response, fmt: str) -> Graph:
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.content, format=fmt)


# --- case 01: RDF/XML and a predicate whose local part starts with a digit ------------------------

NUMERIC_PREDICATE = """PREFIX schema: <https://schema.org/>
CONSTRUCT { ?m <https://w3id.org/cipt-graph/id/2025> ?code }
WHERE { ?m schema:courseCode ?code } LIMIT 2"""


def test_rdf_xml_refuses_a_predicate_it_cannot_write(client):
    r = post(client, NUMERIC_PREDICATE, "application/rdf+xml")
    assert r.status_code == 406, r.text
    assert "https://w3id.org/cipt-graph/id/2025" in r.text and "text/turtle" in r.text


def test_rdf_xml_falls_back_to_the_next_format_the_client_accepts(client):
    r = post(client, NUMERIC_PREDICATE, "application/rdf+xml, text/turtle;q=0.5")
    assert r.headers["content-type"].startswith("text/turtle")
    assert len(graph_of(r, "turtle")) == 2


def test_rdf_xml_writes_predicates_it_can_split(client):
    query = NUMERIC_PREDICATE.replace("id/2025", "id/a/1b")
    xml_graph = graph_of(post(client, query, "application/rdf+xml"), "xml")
    nt_graph = graph_of(post(client, query, "application/n-triples"), "nt")
    assert len(xml_graph) == 2 and isomorphic(xml_graph, nt_graph)


# --- case 02: XML 1.0 and U+000B --------------------------------------------------------------------

CONTROL_CHAR = 'SELECT ?note WHERE { BIND("ligne 1\\u000Bligne 2" AS ?note) }'


def test_sparql_xml_refuses_a_character_xml_cannot_hold(client):
    r = post(client, CONTROL_CHAR, "application/sparql-results+xml")
    assert r.status_code == 406, r.text
    assert "U+000B" in r.text and "?note" in r.text and "application/sparql-results+json" in r.text


def test_other_formats_carry_the_control_character_exactly(client):
    j = post(client, CONTROL_CHAR, "application/sparql-results+json").json()
    assert j["results"]["bindings"][0]["note"]["value"] == "ligne 1\x0bligne 2"
    r = post(client, CONTROL_CHAR, "application/sparql-results+xml, text/csv;q=0.5")
    assert r.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(r.text, newline="")))[1] == ["ligne 1\x0bligne 2"]


# --- case 16: a query with a UTF-8 byte-order mark --------------------------------------------------

BOM_QUERY = "\ufeffPREFIX schema: <https://schema.org/>\nSELECT (COUNT(*) AS ?n) WHERE { ?m schema:courseCode ?c }"


@pytest.mark.parametrize("how", ["direct", "form", "get"])
def test_query_with_a_byte_order_mark_runs(client, how):
    if how == "get":
        r = client.get("/sparql", params={"query": BOM_QUERY}, headers={"Accept": "application/sparql-results+json"})
    else:
        r = post(client, BOM_QUERY, "application/sparql-results+json", form=how == "form")
    assert r.status_code == 200, r.text
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) >= 25


# --- linked data ----------------------------------------------------------------------------------

def test_accept_json_on_a_resource_gets_json_ld(client):
    r = client.get("/id/module/M01", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    as_json_ld = Graph().parse(data=r.content, format="json-ld")
    as_turtle = graph_of(client.get("/id/module/M01.ttl"), "turtle")
    assert len(as_json_ld) > 5 and isomorphic(as_json_ld, as_turtle)
    # A browser still gets the page.
    page = client.get("/id/module/M01", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")


WHOLE_GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
GRAPH_SOURCES = [("/id/module/M01", None), ("/id/programme/m2-cipt", None), ("/ontology", None),
                 ("/sparql", WHOLE_GRAPH)]


def fetch_graph(client, path: str, query: str | None, media: str) -> httpx.Response:
    if query:
        return post(client, query, media)
    return client.get(path, headers={"Accept": media})


@pytest.mark.parametrize("path, query", GRAPH_SOURCES)
def test_every_graph_format_reads_back_to_the_same_graph(client, path, query):
    reference = graph_of(fetch_graph(client, path, query, "application/n-triples"), "nt")
    assert len(reference) > 5
    for media, fmt in GRAPH_FORMATS.items():
        r = fetch_graph(client, path, query, media)
        assert r.headers["content-type"].startswith(media), (media, r.headers["content-type"])
        assert isomorphic(graph_of(r, fmt), reference), (path, media)


def test_turtle_never_escapes_a_local_name(client):
    text = post(client, WHOLE_GRAPH, "text/turtle").text
    assert "\\/" not in text and "cid:module" not in text
    assert "<https://w3id.org/cipt-graph/id/module/M01>" in text


# --- JavaScript parsers ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def js_parsers():
    """N3.js and rdflib.js, installed once into tests/js/node_modules by npm (test set-up only)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed to check Turtle with N3.js and rdflib.js (apt-get install nodejs npm)")
    modules = JS_DIR / "node_modules"
    if not ((modules / "n3").is_dir() and (modules / "rdflib").is_dir()):
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS_DIR,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"npm install in {JS_DIR} failed: {done.stderr[-2000:]}"

    def parse(turtle: bytes) -> dict:
        done = subprocess.run([node, str(JS_DIR / "parse_turtle.mjs")], input=turtle, capture_output=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return json.loads(done.stdout)

    return parse


@pytest.mark.parametrize("path, query", GRAPH_SOURCES + [("/id/module/M01.ttl", None)])
def test_turtle_answers_parse_in_n3_js_and_rdflib_js(client, js_parsers, path, query):
    r = fetch_graph(client, path, query, "text/turtle")
    expected = len(graph_of(r, "turtle"))
    assert js_parsers(r.content) == {"n3": expected, "rdflib": expected}


# --- any text, through every format ---------------------------------------------------------------

SPECIAL = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x01\x7f\x9f\ufeff\u00a0\u200b\t\"'\\<>&é\u0301𝄞"
TEXT = st.text(alphabet=st.one_of(st.sampled_from(SPECIAL),
                                  st.characters(min_codepoint=1, blacklist_categories=("Cs",))), max_size=30)


def read_tsv_value(text: str) -> str:
    """The literal of the one cell of a TSV answer (a Turtle literal), read by rdflib."""
    lines = text.split("\n")
    assert lines[0] == "?x" and lines[2] == "", lines
    g = Graph().parse(data=f"<http://a/s> <http://a/p> {lines[1]} .", format="nt")
    return str(next(iter(g.objects())))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(value=TEXT)
def test_any_text_reads_back_from_every_format(client, value):
    select = f"SELECT ?x WHERE {{ BIND({sparql_string(value)} AS ?x) }}"
    j = post(client, select, "application/sparql-results+json")
    assert j.status_code == 200, j.text
    assert j.json()["results"]["bindings"][0]["x"]["value"] == value
    x = post(client, select, "application/sparql-results+xml")
    if any(ord(c) in XML_FORBIDDEN for c in value):
        assert x.status_code == 406 and "XML 1.0" in x.text
    else:
        assert x.status_code == 200, x.text
        literal = ET.fromstring(x.content).find(f"{RESULTS_NS}results/{RESULTS_NS}result/{RESULTS_NS}binding/{RESULTS_NS}literal")
        assert (literal.text or "") == value
    c = post(client, select, "text/csv")
    assert list(csv.reader(io.StringIO(c.content.decode("utf-8"), newline="")))[1] == [value]
    assert read_tsv_value(post(client, select, "text/tab-separated-values").content.decode("utf-8")) == value

    construct = f"CONSTRUCT {{ <http://example.org/s> <http://example.org/p> ?x }} WHERE {{ BIND({sparql_string(value)} AS ?x) }}"
    for media, fmt in GRAPH_FORMATS.items():
        r = post(client, construct, media)
        if fmt == "xml" and any(ord(ch) in XML_FORBIDDEN for ch in value):
            assert r.status_code == 406 and "XML 1.0" in r.text
            continue
        objects = [str(o) for o in graph_of(r, fmt).objects()]
        expected = value
        assert objects == [expected], (media, r.text)
        # And Oxigraph, another parser, reads the same.
        assert [t.object.value for t in ox.parse(r.content, format={"turtle": ox.RdfFormat.TURTLE,
                "nt": ox.RdfFormat.N_TRIPLES, "xml": ox.RdfFormat.RDF_XML, "json-ld": ox.RdfFormat.JSON_LD}[fmt])] \
            == [expected]


# --- `cipt build`: the whole dataset in every format ----------------------------------------------

def test_cipt_build_formats_read_back_to_the_same_dataset(cli, tmp_path, js_parsers):
    from rdflib import Dataset

    outputs = {}
    for fmt in ("turtle", "ntriples", "nquads", "trig", "jsonld"):
        target = tmp_path / f"dataset.{fmt}"
        done = cli("build", "--format", fmt, "--out", str(target))
        assert done.returncode == 0, done.stderr
        outputs[fmt] = target.read_bytes()
    quads = Dataset().parse(data=outputs["nquads"], format="nquads")
    for fmt, parser in (("trig", "trig"), ("jsonld", "json-ld")):
        other = Dataset().parse(data=outputs[fmt], format=parser)
        names = {g.identifier for g in quads.graphs() if len(g)}
        assert names == {g.identifier for g in other.graphs() if len(g)}, fmt
        for name in names:
            assert isomorphic(other.graph(name), quads.graph(name)), (fmt, name)
    union = Graph().parse(data=outputs["ntriples"], format="nt")
    turtle = Graph().parse(data=outputs["turtle"], format="turtle")
    assert len(union) > 1000 and isomorphic(turtle, union)
    # The Turtle file reads the same in the JavaScript parsers.
    assert js_parsers(outputs["turtle"]) == {"n3": len(turtle), "rdflib": len(turtle)}
