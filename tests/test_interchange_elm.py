"""Europass / ELM 3 export (issue #17): the JSON-LD parsed by two JSON-LD processors (rdflib,
pyld), validated with the ELM LOQ SHACL constraints through pySHACL, and checked for content.

Shapes: tests/schemas/elm-loq-qualification-shapes.ttl (source and licence in its header). With
``CIPT_ELM_SHAPES`` pointing at the European Commission's own LOQ-constraints.ttl, the test
validates against that file too."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pyld import jsonld
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from cipt_graph.interchange import load_referential

ELM = Namespace("http://data.europa.eu/snb/model/elm/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SHAPES = Path(__file__).parent / "schemas" / "elm-loq-qualification-shapes.ttl"
CERT = URIRef("https://w3id.org/cipt-graph/id/certification/RNCP38175")


@pytest.fixture(scope="module")
def document(cli):
    done = cli("export-elm")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def graph(document) -> Graph:
    return Graph().parse(data=json.dumps(document), format="json-ld")


def shacl(graph: Graph, shapes: Path = SHAPES) -> tuple[bool, str]:
    conforms, _, text = validate(graph, shacl_graph=Graph().parse(shapes))
    return conforms, text


def test_conforms_to_the_elm_shapes(graph):
    conforms, text = shacl(graph)
    assert conforms, text


@pytest.mark.skipif(not os.environ.get("CIPT_ELM_SHAPES"), reason="CIPT_ELM_SHAPES (the EC's LOQ-constraints.ttl) not given")
def test_conforms_to_the_official_shapes_file(graph):
    conforms, text = shacl(graph, Path(os.environ["CIPT_ELM_SHAPES"]))
    assert conforms, text


def test_two_json_ld_processors_read_the_same_graph(document, graph):
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    assert isomorphic(Graph().parse(data=nquads, format="nt"), graph)


def test_content(graph, store):
    ref = load_referential(store)
    assert (CERT, RDF.type, ELM.Qualification) in graph
    assert graph.value(CERT, ELM.EQFLevel) == URIRef("http://data.europa.eu/snb/eqf/7")
    assert graph.value(CERT, ELM.volumeOfLearning) == Literal("PT487H", datatype=XSD.duration)
    assert graph.value(CERT, ELM.ISCEDFCode) == URIRef("http://data.europa.eu/snb/isced-f/0312")
    ident = graph.value(CERT, ADMS.identifier)
    assert graph.value(ident, SKOS.notation) == Literal("RNCP38175")
    outcomes = set(graph.objects(CERT, ELM.learningOutcome))
    assert outcomes == {URIRef(i.iri) for i in ref.items if i.kind == "competency"}
    for item in ref.items:
        titles = {(str(t), t.language) for t in graph.objects(URIRef(item.iri), DCTERMS.title)}
        assert titles == {(item.label_fr, "fr"), (item.label_en, "en")}
    parts = set(graph.objects(CERT, ELM.hasPart))
    assert parts == {URIRef(b.iri) for b in ref.blocks}
    for block in ref.blocks:
        assert graph.value(URIRef(block.iri), ELM.isPartialQualification) == Literal(True)
        assert set(graph.objects(URIRef(block.iri), ELM.learningOutcome)) == {URIRef(c.iri) for c in ref.competencies_of(block.iri)}


def test_awarded_by_the_university_in_france(graph, store):
    ref = load_referential(store)
    opportunity = graph.value(CERT, ELM.awardingOpportunity)
    assert graph.value(opportunity, ELM.learningAchievementSpecification) == CERT
    body = graph.value(opportunity, ELM.awardingBody)
    assert str(graph.value(body, URIRef("http://www.w3.org/ns/regorg#legalName"))) == ref.provider
    address = graph.value(graph.value(body, ELM.location), ELM.address)
    assert graph.value(address, ELM.countryCode) == URIRef("http://publications.europa.eu/resource/authority/country/FRA")


@pytest.mark.parametrize("breakage", ["no EQF level", "two titles in French", "unknown property", "body without a name"])
def test_the_shapes_catch_a_broken_qualification(document, breakage):
    doc = json.loads(json.dumps(document))
    if breakage == "no EQF level":
        del doc["EQFLevel"]
    elif breakage == "two titles in French":
        doc["title"]["fr"] = [doc["title"]["fr"], "Autre titre"]
    elif breakage == "body without a name":
        del doc["awardingOpportunity"][0]["awardingBody"][0]["legalName"]
    else:
        doc["@context"] = {**doc["@context"], "colour": "http://data.europa.eu/snb/model/elm/colour"}
        doc["colour"] = "blue"
    conforms, _ = shacl(Graph().parse(data=json.dumps(doc), format="json-ld"))
    assert not conforms
