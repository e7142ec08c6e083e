"""JSON-LD done properly (issue #17): the published @context served and shipped, every JSON-LD
answer compacted with it (and expanding, with two processors, to the same triples as the
Turtle), the JSON API's documents linked to their RDF, and the interchange page."""

from __future__ import annotations

import json
import re
from importlib import resources

import httpx
import pyoxigraph as ox
import pytest
from pyld import jsonld
from rdflib import Graph
from rdflib.compare import isomorphic

from cipt_graph.jsonld import compact_triples


@pytest.fixture(scope="module")
def http(server_url):
    with httpx.Client(base_url=server_url, timeout=60) as client:
        yield client


def shipped_context() -> dict:
    return json.loads(resources.files("cipt_graph").joinpath("context.jsonld").read_text(encoding="utf-8"))


def expand_both(document: dict) -> tuple[Graph, Graph]:
    by_rdflib = Graph().parse(data=json.dumps(document), format="json-ld")
    by_pyld = Graph().parse(data=jsonld.to_rdf(document, {"format": "application/n-quads"}), format="nt")
    return by_rdflib, by_pyld


def test_context_is_served_and_shipped(http):
    r = http.get("/context.jsonld")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    assert r.json() == shipped_context()
    assert r.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("path", ["/id/module/M01", "/id/competency/RNCP38175-BC05-C1", "/id/block/RNCP38175-BC01",
                                  "/ontology"])
def test_resource_answers_are_compacted_with_the_context(http, path):
    r = http.get(path, headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    assert doc["@context"] == shipped_context()["@context"]
    assert all(not key.startswith("http") for node in doc["@graph"] for key in node), "a property left uncompacted"
    turtle = Graph().parse(data=http.get(path, headers={"Accept": "text/turtle"}).text, format="turtle")
    for graph in expand_both(doc):
        assert isomorphic(graph, turtle)


def test_labels_are_language_maps(http):
    doc = http.get("/id/module/M01.jsonld").json()
    (node,) = [n for n in doc["@graph"] if n["id"] == "cid:module/M01"]
    assert node["prefLabel"] == {"fr": "Communication publique", "en": "Public communication"}
    assert node["hours"] == "20" and node["courseCode"] == "M01"
    assert node["type"] == "cipt:Module"


def test_sparql_construct_answers_are_compacted(http):
    query = ("PREFIX cipt: <https://w3id.org/cipt-graph/ontology#> "
             "CONSTRUCT { ?m cipt:coversCompetency ?c } WHERE { ?m cipt:coversCompetency ?c }")
    r = http.post("/sparql", data={"query": query}, headers={"Accept": "application/ld+json"})
    assert r.status_code == 200
    doc = r.json()
    assert doc["@context"] == shipped_context()["@context"]
    assert all(isinstance(n.get("coversCompetency"), (str, list)) for n in doc["@graph"])
    nt = http.post("/sparql", data={"query": query}, headers={"Accept": "application/n-triples"}).text
    for graph in expand_both(doc):
        assert isomorphic(graph, Graph().parse(data=nt, format="nt"))


def test_whole_dataset_round_trips(store):
    triples = list(dict.fromkeys(store.raw_query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")))
    doc = compact_triples(triples)
    nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()
    for graph in expand_both(doc):
        assert isomorphic(graph, Graph().parse(data=nt, format="nt"))


def test_json_api_documents_link_their_rdf(http):
    for path in ("/api/modules/M01", "/api/competencies/BC05-C1", "/api/blocks/BC05", "/api/jobs/J1"):
        r = http.get(path)
        iri = r.json()["iri"]
        links = dict((rel_type, url) for url, rel_type in
                     re.findall(r'<([^>]+)>; rel="describedby"; type="([^"]+)"', r.headers["link"]))
        turtle = http.get(links["text/turtle"])
        assert turtle.status_code == 200
        assert any(str(s) == iri for s in Graph().parse(data=turtle.text, format="turtle").subjects())
        assert http.get(links["application/ld+json"]).json()["@graph"]


@pytest.mark.parametrize("lang, title", [("fr", "Échanges avec d'autres systèmes"), ("en", "Interchange with other systems")])
def test_interchange_page_lists_each_export_with_a_download(http, lang, title):
    r = http.get("/interchange", params={"lang": lang})
    assert r.status_code == 200 and title in r.text.replace("&#x27;", "'")
    sections = re.findall(r'<section class="export" id="(\w+)">(.*?)</section>', r.text, re.S)
    assert [s[0] for s in sections] == ["case", "moodle", "elm", "context"]
    for key, body in sections:
        (href,) = re.findall(r'<a class="download" href="([^"]+)"', body)
        got = http.get(href.replace("&amp;", "&"))
        assert got.status_code == 200 and got.content, href
        if key != "context":
            assert f"cipt export-{key}" in body
    assert 'href="/interchange' in http.get("/", params={"lang": lang}).text


def test_cli_build_jsonld_is_compacted_and_keeps_the_graphs(cli, tmp_path, store):
    out = tmp_path / "dataset.jsonld"
    done = cli("build", "--format", "jsonld", "--out", str(out))
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["@context"] == shipped_context()["@context"]
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    from rdflib import Dataset
    from rdflib.compare import isomorphic as iso

    got, want = Dataset(), Dataset()
    got.parse(data=nquads, format="nquads")
    want.parse(data=store.dump(ox.RdfFormat.N_QUADS), format="nquads")
    names = lambda ds: {str(g.identifier) for g in ds.graphs() if len(g)}  # noqa: E731
    assert names(got) == names(want)
    for name in names(want):
        assert iso(got.graph(name), want.graph(name)), name
