"""Virtuoso 7.2's answers read as SPARQL 1.1 says (issue #16), in the default run.

The answers below are as Debian's Virtuoso 7.2 writes them (captured from the server the
CIPT_TEST_STORE=virtuoso run starts, where the whole store suite checks the same end to end):
each must parse into the terms the embedded Oxigraph store gives for the same data.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cipt_graph.stores.virtuoso import duration_from_number, fix_answer, is_system_graph

XSD = "http://www.w3.org/2001/XMLSchema#"


def oxigraph_term(lexical: str, datatype: str) -> ox.Literal:
    """The literal as the embedded store returns it (its canonical form)."""
    query = f'SELECT ?x WHERE {{ BIND(STRDT("{lexical}", <{XSD}{datatype}>) AS ?x) }}'
    return next(iter(ox.Store().query(query)))["x"]


@pytest.mark.parametrize("number, duration", [
    ("72000.0", "PT20H"), ("131400.0", "PT36H30M"), ("259200.0", "PT72H"), ("90061.25", "P1DT1H1M1.25S"),
    ("7.2e+04", "PT20H"), ("-60.0", "-PT1M"), ("0.5", "PT0.5S"), ("0", "P0D"),
    ("12", "P1Y"), ("14", "P1Y2M"), ("2", "P2M"),
])
def test_a_duration_written_as_a_number_is_read_back_as_the_embedded_store_gives_it(number, duration):
    assert duration_from_number(number) == oxigraph_term(duration, "duration").value


def test_not_a_number_is_left_alone():
    assert duration_from_number("PT20H") is None and duration_from_number("nan") is None


def test_json_results_durations_booleans_and_blank_nodes():
    body = ('{ "head": { "link": [], "vars": ["d", "b", "n", "i"] }, "results": { "distinct": false, '
            '"ordered": true, "bindings": [ { "d": { "type": "typed-literal", "datatype": '
            f'"{XSD}duration", "value": "72000.0" }}\t, "b": {{ "type": "typed-literal", "datatype": '
            f'"{XSD}boolean", "value": "1" }}\t, "n": {{ "type": "bnode", "value": "nodeID://b10000" }}'
            f'\t, "i": {{ "type": "typed-literal", "datatype": "{XSD}integer", "value": "1" }}}} ] }} }}')
    media = "application/sparql-results+json"
    (row,) = ox.parse_query_results(fix_answer(media, body.encode()), format=ox.QueryResultsFormat.JSON)
    assert row["d"] == oxigraph_term("PT20H", "duration")
    assert row["b"] == oxigraph_term("true", "boolean")
    assert row["n"] == ox.BlankNode("b10000")
    assert row["i"] == oxigraph_term("1", "integer")  # an integer stays one


def test_xml_results_and_n_triples():
    xml = (f'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="d"/>'
           f'<variable name="n"/></head><results distinct="false" ordered="true"><result>'
           f'<binding name="d"><literal datatype="{XSD}duration">12</literal></binding>'
           f'<binding name="n"><bnode>nodeID://b10001</bnode></binding></result></results></sparql>')
    (row,) = ox.parse_query_results(fix_answer("application/sparql-results+xml", xml.encode()),
                                    format=ox.QueryResultsFormat.XML)
    assert (row["d"], row["n"]) == (oxigraph_term("P1Y", "duration"), ox.BlankNode("b10001"))
    nt = (f'_:b10001\t<https://schema.org/timeRequired>\t"25200.0"^^<{XSD}duration> .\n'
          f'<http://e/x>\t<http://e/p>\t"0"^^<{XSD}boolean> .\n')
    triples = list(ox.parse(fix_answer("application/n-triples", nt.encode()), format=ox.RdfFormat.N_TRIPLES))
    assert [t.object for t in triples] == [oxigraph_term("PT7H", "duration"), oxigraph_term("false", "boolean")]
    assert triples[0].subject == ox.BlankNode("b10001")


def test_virtuoso_system_graphs():
    assert is_system_graph("http://www.openlinksw.com/schemas/virtrdf#")
    assert is_system_graph("http://localhost:8890/DAV/") and is_system_graph("http://127.0.0.1:8890/sparql")
    assert not is_system_graph("https://w3id.org/cipt-graph/id/graph/programme")
