"""Dereferenceable IRIs: every IRI minted under cid: resolves at /id/… on a real `cipt serve`,
as HTML (French by default), Turtle or JSON-LD, with Link headers; the vocabulary at /ontology
(issue #3)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS, XSD


from cipt_graph.namespaces import CID, CIPT, GRAPH_LEVELS

OWN_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o . FILTER(!isBlank(?o)) }"
MINTED = f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o . FILTER(STRSTARTS(STR(?s), "{CID}")) }} ORDER BY ?s'


@pytest.fixture(scope="module")
def client(server_url):
    # Generous: a page links /audit, which runs the SHACL validation (tens of seconds on a busy machine).
    with httpx.Client(base_url=server_url, timeout=180) as c:
        yield c


def path_of(iri: str) -> str:
    return "/id/" + iri[len(str(CID)):]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if attrs.get("id"):
            self.ids.add(attrs["id"])


def parse_links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def test_every_minted_subject_resolves_with_its_triples(store, client):
    subjects = [sol["s"].value for sol in store.raw_query(MINTED)]
    assert len(subjects) > 100
    for iri in subjects:
        r = client.get(path_of(iri), headers={"Accept": "text/turtle"})
        assert r.status_code == 200, iri
        got = Graph().parse(data=r.text, format="turtle")
        for sol in store.raw_query(OWN_TRIPLES, substitutions={"s": ox.NamedNode(iri)}):
            p, o = sol["p"], sol["o"]
            plain = o.language or o.datatype.value == str(XSD.string) if isinstance(o, ox.Literal) else True
            obj = URIRef(o.value) if isinstance(o, ox.NamedNode) else Literal(
                o.value, lang=o.language or None, datatype=None if plain else URIRef(o.datatype.value))
            assert (URIRef(iri), URIRef(p.value), obj) in got, (iri, p, o)


def test_html_page_in_french_by_default_with_links_to_neighbours(store, client):
    r = client.get("/id/module/M01", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in r.text
    labels = {lit.language: lit.value for lit in (sol["l"] for sol in store.raw_query(
        f"SELECT ?l WHERE {{ <{CID['module/M01']}> <{SKOS.prefLabel}> ?l }}"))}
    assert f"<h1>{labels['fr']}</h1>" in r.text and labels["en"] not in r.text
    hrefs = parse_links(r.text).hrefs
    covered = [sol["c"].value for sol in store.raw_query(
        f"SELECT ?c WHERE {{ <{CID['module/M01']}> <{CIPT.coversCompetency}> ?c }}")]
    assert covered
    for competency in covered:
        assert f"{path_of(competency)}?lang=fr" in hrefs
    # Incoming links too: the coverage nodes that point at the module.
    assert any(h.startswith("/id/coverage/M01--") for h in hrefs)
    english = client.get("/id/module/M01?lang=en", headers={"Accept": "text/html"})
    assert '<html lang="en">' in english.text and f"<h1>{labels['en']}</h1>" in english.text


def test_blank_nodes_shown_once_in_the_page_language(store, client):
    org = str(CID["org/universite-paris-1"])
    (row,) = list(store.raw_query(
        f"""SELECT ?street ?fr ?en WHERE {{ <{org}> <https://schema.org/address> ?a .
            ?a <https://schema.org/streetAddress> ?street ; <https://schema.org/contactType> ?fr, ?en .
            FILTER(LANG(?fr) = "fr" && LANG(?en) = "en") }}"""))
    page = client.get(path_of(org), params={"lang": "en"}, headers={"Accept": "text/html"}).text
    assert page.count(row["street"].value) == 1
    assert row["en"].value in page and row["fr"].value not in page
    turtle = client.get(path_of(org) + ".nt").text.splitlines()
    assert len(turtle) == len(set(turtle)), "each triple once"


def test_links_of_a_page_resolve(client):
    r = client.get("/id/module/M01")
    local = {h.split("#")[0] for h in parse_links(r.text).hrefs if h.startswith("/")}
    assert any(h.startswith("/ontology") for h in local)
    for href in sorted(local):
        if href == "/":  # the dashboard's, another part of the service
            continue
        assert client.get(href).status_code == 200, href


def test_types_link_to_the_vocabulary_anchors(client):
    page = client.get("/id/module/M01").text
    assert "/ontology?lang=fr#Module" in page
    vocabulary = client.get("/ontology", headers={"Accept": "text/html"})
    assert vocabulary.status_code == 200
    ids = parse_links(vocabulary.text).ids
    assert {"Module", "Competency", "coversCompetency", "hours"} <= ids


@pytest.mark.parametrize("accept,media,fmt", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html", None),
    ("*/*", "text/html", None),
])
def test_conneg_and_link_headers(client, accept, media, fmt):
    r = client.get("/id/competency/RNCP38175-BC05-C1", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
    assert "Accept" in r.headers["vary"]
    if fmt:
        g = Graph().parse(data=r.content, format=fmt)
        assert (URIRef(CID["competency/RNCP38175-BC05-C1"]), SKOS.notation, Literal("BC05-C1")) in g
    alternates = re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', r.headers["link"])
    assert {t for _, t in alternates} >= {"text/html", "text/turtle", "application/ld+json"}
    for url, kind in alternates:
        followed = client.get(url)
        assert followed.status_code == 200 and followed.headers["content-type"].split(";")[0] == kind


def test_head_answers_like_get_without_a_body(client):
    got, head = client.get("/id/module/M01"), client.head("/id/module/M01")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"] and head.headers["link"] == got.headers["link"]
    assert client.head("/id/module/M99").status_code == 404


def test_named_graph_iri_resolves_to_its_content(store, client):
    r = client.get(path_of(str(GRAPH_LEVELS)), headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    want = list(store.raw_query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                                substitutions={"g": ox.NamedNode(str(GRAPH_LEVELS))}))
    assert len(Graph().parse(data=r.text, format="nt")) == len(want) > 0


def test_minted_iri_with_a_dot_resolves(store, client):
    sources = [sol["s"].value for sol in store.raw_query(
        f'SELECT DISTINCT ?s WHERE {{ ?x ?p ?s . FILTER(STRSTARTS(STR(?s), "{CID}source/mapping/")) }}')]
    assert sources, "the builder names the mapping files as sources"
    for iri in sources:
        assert client.get(path_of(iri), headers={"Accept": "text/turtle"}).status_code == 200, iri


@pytest.mark.parametrize("path", ["/id/module/M99", "/id/nothing/at/all", "/id/module/M99.ttl", "/id/"])
def test_unknown_iri_is_404(client, path):
    r = client.get(path)  # French by default (issue #15), English on request
    assert r.status_code == 404 and "le graphe ne contient rien sur" in r.text
    r = client.get(path, headers={"Accept-Language": "en"})
    assert r.status_code == 404 and "the graph holds nothing about" in r.text


def test_ontology_as_rdf(client):
    for url, fmt in (("/ontology.ttl", "turtle"), ("/ontology.jsonld", "json-ld")):
        r = client.get(url)
        assert r.status_code == 200
        g = Graph().parse(data=r.content, format=fmt)
        assert (URIRef(CIPT.Module), RDFS.label, Literal("Module", lang="fr")) in g
    english = client.get("/ontology?lang=en", headers={"Accept": "text/html"})
    assert '<html lang="en">' in english.text
