"""Tests of the SHACL shapes (one valid and one invalid example per shape) and of the vocabulary."""
from functools import lru_cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_FILE = ROOT / "ontology" / "cipt.ttl"
SHAPES_FILES = {
    SH.Violation: ROOT / "ontology" / "shapes-violations.ttl",
    SH.Warning: ROOT / "ontology" / "shapes-warnings.ttl",
}
EXAMPLES = ROOT / "tests" / "shapes"
CIPT = Namespace("https://w3id.org/cipt-graph/ontology#")
CIPTSH = Namespace("https://w3id.org/cipt-graph/shapes#")


@lru_cache(maxsize=None)
def ontology_graph() -> Graph:
    return Graph().parse(ONTOLOGY_FILE)


@lru_cache(maxsize=None)
def shapes_graph() -> Graph:
    graph = Graph()
    for path in SHAPES_FILES.values():
        graph.parse(path)
    return graph


def named_shapes(graph: Graph) -> list[URIRef]:
    """Every IRI typed sh:NodeShape or sh:PropertyShape."""
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape))
    return sorted(shape for shape in shapes if isinstance(shape, URIRef))


SHAPES = named_shapes(Graph().parse(SHAPES_FILES[SH.Violation]) + Graph().parse(SHAPES_FILES[SH.Warning]))
SHAPE_SEVERITY = {
    shape: severity
    for severity, path in SHAPES_FILES.items()
    for shape in named_shapes(Graph().parse(path))
}


def local_name(shape: URIRef) -> str:
    return str(shape).removeprefix(str(CIPTSH))


def source_shapes(data_file: Path) -> set:
    """Validate one example file and return the sh:sourceShape of every result."""
    _, report, _ = validate(
        Graph().parse(data_file),
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    assert isinstance(report, Graph), report
    return set(report.objects(None, SH.sourceShape))


def languages(graph: Graph, subject, predicate) -> set:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


def test_shapes_are_found():
    assert len(SHAPES) >= 25
    assert all(str(shape).startswith(str(CIPTSH)) for shape in SHAPES)


@pytest.mark.parametrize("shape", SHAPES, ids=local_name)
def test_valid_example_passes(shape):
    example = EXAMPLES / f"{local_name(shape)}-valid.ttl"
    assert example.is_file(), f"missing {example.name}"
    assert shape not in source_shapes(example)


@pytest.mark.parametrize("shape", SHAPES, ids=local_name)
def test_invalid_example_fails(shape):
    example = EXAMPLES / f"{local_name(shape)}-invalid.ttl"
    assert example.is_file(), f"missing {example.name}"
    assert shape in source_shapes(example)


@pytest.mark.parametrize("shape", SHAPES, ids=local_name)
def test_shape_is_documented(shape):
    graph = shapes_graph()
    assert graph.value(shape, SH.severity) == SHAPE_SEVERITY[shape], "severity must match the file"
    assert {"fr", "en"} <= languages(graph, shape, SH.message)
    assert {"fr", "en"} <= languages(graph, shape, SH.description)


def test_no_orphan_examples():
    names = {local_name(shape) for shape in SHAPES}
    for example in EXAMPLES.glob("*.ttl"):
        assert example.stem.rsplit("-", 1)[0] in names, f"{example.name} names no shape"


def test_hours_gap_is_a_warning():
    """The brochure's 487 h against 457 h of listed modules must be reported, as a warning."""
    data = Graph().parse(
        data=f"""
        @prefix cipt: <{CIPT}> .
        @prefix schema: <https://schema.org/> .
        <urn:p> a cipt:Programme ; cipt:declaredHours 487 ; schema:hasCourse <urn:m1> , <urn:m2> .
        <urn:m1> a cipt:Module ; cipt:hours 400 .
        <urn:m2> a cipt:Module ; cipt:hours 57 .
        """,
        format="turtle",
    )
    _, report, text = validate(
        data, shacl_graph=shapes_graph(), ont_graph=ontology_graph(),
        inference="none", advanced=True, allow_warnings=True,
    )
    results = [r for r in report.subjects(SH.sourceShape, CIPTSH.ProgrammeHoursSumShape)]
    assert len(results) == 1
    assert report.value(results[0], SH.resultSeverity) == SH.Warning
    assert "457" in text and "487" in text


def vocabulary_terms() -> list[URIRef]:
    graph = ontology_graph()
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, SKOS.ConceptScheme)
    terms = {s for kind in kinds for s in graph.subjects(RDF.type, kind)}
    terms |= {s for s, _, o in graph.triples((None, RDF.type, None)) if str(o).startswith(str(CIPT))}
    return sorted(t for t in terms if isinstance(t, URIRef) and str(t).startswith(str(CIPT)))


def is_individual(term: URIRef) -> bool:
    return any(str(o).startswith(str(CIPT)) or o == SKOS.ConceptScheme for o in ontology_graph().objects(term, RDF.type))


@pytest.mark.parametrize("term", vocabulary_terms(), ids=lambda t: str(t).removeprefix(str(CIPT)))
def test_term_has_bilingual_label_and_definition(term):
    graph = ontology_graph()
    assert {"fr", "en"} <= languages(graph, term, RDFS.label)
    assert {"fr", "en"} <= languages(graph, term, SKOS.definition)
    if is_individual(term):
        assert {"fr", "en"} <= languages(graph, term, SKOS.prefLabel)


def test_ontology_header():
    graph = ontology_graph()
    ontology = URIRef("https://w3id.org/cipt-graph/ontology")
    assert (ontology, RDF.type, OWL.Ontology) in graph
    assert graph.value(ontology, OWL.versionInfo) is not None
    assert graph.value(ontology, URIRef("http://purl.org/dc/terms/license")) is not None


def test_model_terms_are_defined():
    """Every cipt: term named in docs/model.md is defined in the ontology."""
    import re

    named = set(re.findall(r"`cipt:(\w+)`", (ROOT / "docs" / "model.md").read_text(encoding="utf-8")))
    defined = {str(t).removeprefix(str(CIPT)) for t in vocabulary_terms()}
    assert named - defined == set()
