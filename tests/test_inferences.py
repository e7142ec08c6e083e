"""Every statement built on an inference carries its status, machine-readably (issue #14).

The brochure states labels, hours and lists. What the project builds on top of them — how jobs,
activities and competencies relate, the ROME codes, the periods, the block codes, the
assessments, FORMASUP's role, the contact's e-mail, what the workplace period builds — must
carry a status per statement: a ``cipt:StatementStatus`` node (a reified ``rdf:Statement``) with
``cipt:dataStatus`` Inferred or Judgement and a reason in French and English. The kinds of
statements are listed here, from the review of the data, independently of the package.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from cipt_graph.queries import run_query
from cipt_graph.store import iter_records

CIPT = Namespace("https://w3id.org/cipt-graph/ontology#")
SCHEMA = Namespace("https://schema.org/")

#: (class of the subject, property): statements the brochure never makes as such.
INFERRED_KINDS = [
    (CIPT.TargetJob, SCHEMA.occupationalCategory),  # ROME codes of J1–J5
    (CIPT.TargetJob, SKOS.closeMatch),  # J5's close ROME matches
    (CIPT.TargetJob, CIPT.involvesActivity),
    (CIPT.Activity, CIPT.requiresCompetency),
    (CIPT.Module, CIPT.period),
    (CIPT.CompetencyBlock, SKOS.notation),
    (CIPT.Competency, SKOS.notation),
    (CIPT.CompetencyBlock, CIPT.assessment),
    (CIPT.Programme, CIPT.partner),  # FORMASUP PARIS IDF as the CFA partner
    (CIPT.Person, SCHEMA.email),  # the generic contact address attached to a person
    (CIPT.Person, SCHEMA.worksFor),
    (CIPT.Assessment, CIPT.assessesBlock),
    (CIPT.Assessment, CIPT.assessesCompetency),
    (CIPT.Assessment, CIPT.heldDuring),
    (CIPT.WorkplaceComponent, CIPT.developsCompetency),
    (CIPT.WorkplaceComponent, CIPT.exercisesActivity),
    (CIPT.WorkplaceComponent, CIPT.workplaceShare),
]
#: Resources whose existence itself is an inference.
INFERRED_RESOURCES = [CIPT.TeachingPeriod, CIPT.Assessment]
STATUSES = {CIPT.Inferred, CIPT.Judgement, CIPT.Official}


@pytest.fixture(scope="module")
def graph(data_dir: Path) -> Graph:
    g = Graph()
    for path in sorted(data_dir.glob("*.ttl")):
        g.parse(path, publicID="https://w3id.org/cipt-graph/id/")
    return g


def marks(g: Graph) -> dict[tuple, list[URIRef]]:
    out: dict[tuple, list[URIRef]] = {}
    for mark in g.subjects(RDF.type, CIPT.StatementStatus):
        key = (g.value(mark, RDF.subject), g.value(mark, RDF.predicate), g.value(mark, RDF.object))
        out.setdefault(key, []).append(mark)
    return out


def same(a, b) -> bool:
    return a == b or (isinstance(a, Literal) and isinstance(b, Literal) and a.eq(b) and a.datatype == b.datatype)


@pytest.mark.parametrize("cls, prop", INFERRED_KINDS, ids=lambda v: str(v).rsplit("#", 1)[-1].rsplit("/", 1)[-1])
def test_every_statement_of_an_inferred_kind_is_marked(graph, cls, prop):
    found = marks(graph)
    statements = [(s, prop, o) for s in graph.subjects(RDF.type, cls) for o in graph.objects(s, prop)]
    assert statements, "the shipped data has statements of this kind"
    unmarked = [t for t in statements if not any(same(k[2], t[2]) for k in found if k[:2] == t[:2])]
    assert unmarked == []


def test_every_mark_names_an_existing_triple_with_status_and_reason(graph):
    for (s, p, o), nodes in marks(graph).items():
        assert len(nodes) == 1, f"one mark per statement: {s} {p} {o}"
        assert any(same(o, x) for x in graph.objects(s, p)), f"the marked statement is not in the data: {s} {p} {o}"
        (node,) = nodes
        assert graph.value(node, CIPT.dataStatus) in STATUSES - {CIPT.Official}
        notes = {n.language for n in graph.objects(node, SKOS.editorialNote)}
        assert {"fr", "en"} <= notes, node


def test_inferred_resources_carry_their_status(graph):
    for cls in INFERRED_RESOURCES:
        for resource in graph.subjects(RDF.type, cls):
            assert graph.value(resource, CIPT.dataStatus) in STATUSES, resource
            assert {n.language for n in graph.objects(resource, SKOS.editorialNote)} >= {"fr", "en"}, resource


def test_j5_rome_code_is_a_judgement_and_its_label_stated(graph):
    job = next(j for j in graph.subjects(RDF.type, CIPT.TargetJob) if str(graph.value(j, SKOS.notation)) == "J5")
    assert graph.value(job, CIPT.dataStatus) == CIPT.Stated
    category = graph.value(job, SCHEMA.occupationalCategory)
    (node,) = marks(graph)[(job, SCHEMA.occupationalCategory, category)]
    assert graph.value(node, CIPT.dataStatus) == CIPT.Judgement


def test_referential_is_declared_an_extract(graph):
    certification = next(graph.subjects(CIPT.rncpNumber, Literal("RNCP38175")))
    assert graph.value(certification, CIPT.referentialExtent) == CIPT.BrochureExtract


def test_query_lists_every_mark(store, graph):
    rows = list(iter_records(run_query(store, "inferred_statements", {"lang": "en"})))
    statements = [r for r in rows if r["statement_kind"] == "statement"]
    assert len(statements) == sum(len(v) for v in marks(graph).values())
    assert all(r["reason"] and r["status_code"] in ("inferred", "judgement") for r in rows)
    resources = {r["subject"] for r in rows if r["statement_kind"] == "resource"}
    assert resources == {str(s) for s, st in graph.subject_objects(CIPT.dataStatus)
                         if st in (CIPT.Inferred, CIPT.Judgement) and (s, RDF.type, CIPT.StatementStatus) not in graph}


@pytest.mark.parametrize("lang, inferred, judgement", [("fr", "déduit", "jugement"), ("en", "inferred", "judgement")])
def test_jobs_page_shows_the_status_where_the_statement_appears(store, lang, inferred, judgement):
    """The /jobs view shows each job's ROME code with its status, and says the job → activity →
    competency links are inferred and the hours estimates (issue #14)."""
    import re

    from cipt_graph.visualize.jobs import render_jobs
    from cipt_graph.visualize.page import Links

    html = render_jobs(store, lang, Links())
    shown = dict(re.findall(r'<span class="rome" data-status="(\w+)">ROME (\w+) \(', html)[i][::-1]
                 for i in range(len(re.findall(r'<span class="rome"', html))))
    rows = {r["job_code"]: r for r in iter_records(run_query(store, "job_paths", {"lang": lang}))}
    want = {r["rome_code"]: r["rome_status"] for r in rows.values()}
    assert shown == want and set(want.values()) == {"inferred", "judgement"}
    assert f"(K1809 ({judgement})" not in html and f"K1809 ({judgement})" in html and f"K1423 ({inferred})" in html
    assert html.count('<p class="note" data-status="inferred">') == len(rows)
