"""The graph holds the brochure's facts (issue #2)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cipt_graph.queries import run_query
from cipt_graph.store import iter_records, select

PREFIXES = """
PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""


def rows(store, sparql):
    return list(iter_records(select(store, PREFIXES + sparql)))


def count(store, cls):
    return rows(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {cls} }}")[0]["n"]


@pytest.mark.parametrize(
    "cls, expected",
    [("cipt:Module", 25), ("cipt:CompetencyBlock", 6), ("cipt:Competency", 16), ("cipt:Activity", 8),
     ("cipt:TargetJob", 5), ("cipt:LearningObjective", 5), ("cipt:Programme", 1)],
)
def test_brochure_counts(store, cls, expected):
    assert count(store, cls) == expected


def test_hours_listed_and_declared(store):
    stats = next(iter(iter_records(run_query(store, "stats"))))
    assert stats["hours_listed"] == 457
    assert stats["hours_declared"] == 487


def test_both_retour_d_experience_modules(store):
    found = rows(store, """
        SELECT ?m ?h ?period WHERE {
          ?m a cipt:Module ; skos:prefLabel "Retour d'expérience professionnelle"@fr ; cipt:hours ?h ;
             cipt:period/skos:notation ?period .
        } ORDER BY DESC(?h)""")
    assert [(r["h"], r["period"]) for r in found] == [(20, "P1"), (15, "P2")]
    assert found[0]["m"] != found[1]["m"]


def test_module_hours_are_the_brochures(store):
    """Spot checks against the brochure's list (issue #2)."""
    hours = {r["label"]: r["h"] for r in rows(store, """
        SELECT ?label ?h WHERE { ?m a cipt:Module ; skos:prefLabel ?label ; cipt:hours ?h FILTER(LANG(?label) = "fr") }""")}
    assert hours["Management et ressources humaines en communication"] == 30
    assert hours["Evaluation/Soutenances"] == 7
    assert hours["La transition numérique et l'IA"] == 15
    assert hours["Communication publique"] == 20


def test_block_codes_are_marked_inferred(store):
    found = rows(store, """
        SELECT ?code ?status WHERE { ?b a cipt:CompetencyBlock ; skos:notation ?code ; cipt:dataStatus ?status }
        ORDER BY ?code""")
    assert [r["code"] for r in found] == [f"BC0{i}" for i in range(1, 7)]
    assert {r["status"] for r in found} == {"https://w3id.org/cipt-graph/ontology#Inferred"}


def test_block_competency_counts(store):
    found = rows(store, """
        SELECT ?code (COUNT(?c) AS ?n) WHERE { ?c skos:broader ?b . ?b a cipt:CompetencyBlock ; skos:notation ?code }
        GROUP BY ?code ORDER BY ?code""")
    assert [r["n"] for r in found] == [2, 3, 2, 3, 3, 3]


def test_rome_codes_and_judgement(store):
    # The status is the statement's (job → ROME code), not the job's: the job's label is stated.
    found = rows(store, """
        SELECT ?job ?code ?status WHERE {
          ?job a cipt:TargetJob ; schema:occupationalCategory ?category .
          ?category schema:codeValue ?code .
          OPTIONAL { ?mark <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?job ;
                           <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> schema:occupationalCategory ;
                           <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?category ;
                           cipt:dataStatus ?status } }""")
    codes = {r["code"] for r in found}
    assert {"K1423", "E1109", "E1112", "E1103", "K1809"} <= codes
    judged = {r["job"] for r in found if r["status"] == "https://w3id.org/cipt-graph/ontology#Judgement"}
    assert len(judged) == 1
    assert all(r["status"] for r in found), "every ROME code of a job is marked inferred or judgement"


def test_certification_facts(store):
    found = rows(store, """
        SELECT ?number ?level WHERE { ?p a cipt:Programme ; cipt:certification ?c .
                                  ?c cipt:rncpNumber ?number ; cipt:qualificationLevel ?level }""")
    assert found == [{"number": "RNCP38175", "level": 7}]


def test_programme_dates(store):
    found = rows(store, """
        SELECT ?start ?end WHERE { ?p a cipt:Programme ; schema:startDate ?start ; schema:endDate ?end }""")
    assert found == [{"start": "2025-09-01", "end": "2026-09-14"}]


def test_every_data_label_is_bilingual(store):
    """Every resource with a French label also has an English one and vice versa (issue #2)."""
    missing = rows(store, """
        SELECT ?s ?lang WHERE {
          GRAPH ?g { ?s skos:prefLabel ?l }
          FILTER(?g != <https://w3id.org/cipt-graph/id/graph/ontology>)
          VALUES ?lang { "fr" "en" }
          FILTER NOT EXISTS { ?s skos:prefLabel ?other FILTER(LANG(?other) = ?lang) }
        }""")
    assert missing == []


def test_english_labels_marked_as_translations(store):
    """An English label that differs from the French one is ours: marked as a translation (issue #2)."""
    unmarked = rows(store, """
        SELECT ?s WHERE {
          GRAPH <https://w3id.org/cipt-graph/id/graph/programme> { ?s skos:prefLabel ?l FILTER(LANG(?l) = "en") }
          FILTER NOT EXISTS { ?s cipt:enLabelStatus cipt:ProjectTranslation }
          FILTER NOT EXISTS { ?s cipt:dataStatus cipt:Official }
          FILTER NOT EXISTS { ?s skos:prefLabel ?fr FILTER(LANG(?fr) = "fr" && STR(?fr) = STR(?l)) }
        }""")
    assert unmarked == []


def test_every_ontology_term_is_bilingual(store):
    """Every class and property of the vocabulary has fr and en labels and definitions (issue #2)."""
    missing = rows(store, """
        SELECT ?term ?what ?lang WHERE {
          GRAPH <https://w3id.org/cipt-graph/id/graph/ontology> {
            VALUES ?type { owl:Class owl:ObjectProperty owl:DatatypeProperty }
            ?term a ?type .
          }
          FILTER(STRSTARTS(STR(?term), "https://w3id.org/cipt-graph/ontology#"))
          VALUES ?what { rdfs:label skos:definition }
          VALUES ?lang { "fr" "en" }
          FILTER NOT EXISTS { ?term ?what ?v FILTER(LANG(?v) = ?lang) }
        }""")
    assert missing == []


def test_every_coverage_node_has_provenance(store):
    missing = rows(store, """
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?c WHERE {
          ?c a ?kind .
          VALUES ?kind { cipt:CompetencyCoverage cipt:ActivityCoverage cipt:ObjectiveCoverage }
          FILTER NOT EXISTS { ?c prov:wasAttributedTo ?who ; prov:generatedAtTime ?when ; dcterms:source ?src ;
                              cipt:mappingStatus ?status ; cipt:rationale ?why }
        }""")
    assert missing == []
