"""Every named query: its header parses, it runs with its example, its parameters are used,
and its results agree with the mapping files read independently (issue #2)."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF, SKOS

from cipt_graph.errors import QueryError
from cipt_graph.queries import get_query, load_queries, run_query
from cipt_graph.store import iter_records

CIPT = Namespace("https://w3id.org/cipt-graph/ontology#")
SCHEMA = Namespace("https://schema.org/")
QUERIES = sorted(load_queries())


@pytest.fixture(scope="session")
def facts(data_dir):
    """Module hours/periods, competency → block, levels, read from the Turtle with rdflib."""
    g = Graph()
    for path in data_dir.glob("*.ttl"):
        g.parse(path)
    modules = {}
    for m in g.subjects(RDF.type, CIPT.Module):
        code = str(g.value(m, SCHEMA.courseCode))
        period = g.value(m, CIPT.period)
        modules[code] = {"hours": int(g.value(m, CIPT.hours)), "period": str(g.value(period, SKOS.notation))}
    competencies = {}
    for c in g.subjects(RDF.type, CIPT.Competency):
        competencies[str(g.value(c, SKOS.notation))] = str(g.value(g.value(c, SKOS.broader), SKOS.notation))
    ranks = {str(g.value(l, SKOS.notation)): int(g.value(l, CIPT.rank)) for l in g.subjects(CIPT.rank, None)}
    return {"modules": modules, "competencies": competencies, "ranks": ranks}


def allocated_hours(mapping, facts):
    """The rule stated in hours_per_*: stated hours count, the rest is shared equally."""
    links = defaultdict(list)
    for row in mapping["module_competency"]:
        links[row["module"]].append(row)
    out = defaultdict(Fraction)
    for module, rows in links.items():
        explicit = sum(Fraction(Decimal(r["hours"])) for r in rows if r["hours"].strip())
        unspecified = [r for r in rows if not r["hours"].strip()]
        rest = max(Fraction(facts["modules"][module]["hours"]) - explicit, 0)
        for r in rows:
            share = Fraction(Decimal(r["hours"])) if r["hours"].strip() else rest / len(unspecified)
            out[r["competency"]] += share
    return out


def records(store, name, **params):
    return list(iter_records(run_query(store, name, params)))


# --- checks of each query against the mapping files -------------------------------------------

def check_coverage_matrix(store, mapping, facts):
    got = {(r["module_code"], r["competency_code"], r["level_code"]) for r in records(store, "coverage_matrix")}
    want = {(r["module"], r["competency"], r["level"]) for r in mapping["module_competency"]}
    assert got == want
    en = records(store, "coverage_matrix", lang="en")
    assert len(en) == len(want)


def check_modules_for_competency(store, mapping, facts):
    for code in facts["competencies"]:
        got = {r["module_code"] for r in records(store, "modules_for_competency", competency=code)}
        assert got == {r["module"] for r in mapping["module_competency"] if r["competency"] == code}, code


def check_competencies_for_module(store, mapping, facts):
    for code in facts["modules"]:
        got = {(r["competency_code"], r["level_code"]) for r in records(store, "competencies_for_module", module=code)}
        want = {(r["competency"], r["level"]) for r in mapping["module_competency"] if r["module"] == code}
        assert got == want, code


def check_uncovered_competencies(store, mapping, facts):
    covered = {r["competency"] for r in mapping["module_competency"]}
    got = {r["competency_code"] for r in records(store, "uncovered_competencies")}
    assert got == set(facts["competencies"]) - covered


def check_uncovered_blocks(store, mapping, facts):
    covered = {facts["competencies"][r["competency"]] for r in mapping["module_competency"]}
    got = {r["block_code"] for r in records(store, "uncovered_blocks")}
    assert got == set(facts["competencies"].values()) - covered


def check_modules_without_competency(store, mapping, facts):
    linked = {r["module"] for r in mapping["module_competency"]}
    got = {r["module_code"] for r in records(store, "modules_without_competency")}
    assert got == set(facts["modules"]) - linked


def check_hours_per_competency(store, mapping, facts):
    want = allocated_hours(mapping, facts)
    for r in records(store, "hours_per_competency"):
        assert r["hours"] == pytest.approx(float(want.get(r["competency_code"], 0)), abs=0.01), r


def check_hours_per_block(store, mapping, facts):
    per_comp = allocated_hours(mapping, facts)
    want = defaultdict(Fraction)
    for comp, hours in per_comp.items():
        want[facts["competencies"][comp]] += hours
    got = records(store, "hours_per_block")
    assert {r["block_code"] for r in got} == set(facts["competencies"].values())
    for r in got:
        assert r["hours"] == pytest.approx(float(want[r["block_code"]]), abs=0.01), r
        assert r["competencies"] == sum(1 for b in facts["competencies"].values() if b == r["block_code"])
    linked_modules = {r["module"] for r in mapping["module_competency"]}
    total = sum(facts["modules"][m]["hours"] for m in linked_modules)
    assert sum(r["hours"] for r in got) == pytest.approx(total, abs=0.1)


def check_hours_declared_vs_listed(store, mapping, facts):
    (row,) = records(store, "hours_declared_vs_listed")
    assert row["listed"] == sum(m["hours"] for m in facts["modules"].values()) == 457
    assert row["declared"] == 487 and row["difference"] == 30 and row["modules"] == 25


def check_job_paths(store, mapping, facts):
    rows = records(store, "job_paths")
    assert {r["job_code"] for r in rows} == {"J1", "J2", "J3", "J4", "J5"}
    covering = defaultdict(set)
    for r in mapping["module_competency"]:
        covering[r["competency"]].add(r["module"])
    by_comp = defaultdict(set)
    for r in rows:
        if r["module_code"]:
            by_comp[r["competency_code"]].add(r["module_code"])
    for comp, modules in by_comp.items():
        assert modules == covering[comp], comp
    one = records(store, "job_paths", job="J1")
    assert one and {r["job_code"] for r in one} == {"J1"}


def check_competency_progression(store, mapping, facts):
    links = defaultdict(list)
    for r in mapping["module_competency"]:
        links[r["competency"]].append((facts["modules"][r["module"]]["period"], facts["ranks"][r["level"]]))
    top = max(facts["ranks"].values())
    rows = records(store, "competency_progression")
    assert {r["competency_code"] for r in rows} == set(links)
    for r in rows:
        pairs = links[r["competency_code"]]
        assert r["max_rank"] == max(rank for _, rank in pairs)
        assert r["reaches_top"] == (r["max_rank"] == top)
        in_order = not any(p2 > p1 and r2 < r1 for p1, r1 in pairs for p2, r2 in pairs)
        assert r["in_order"] == in_order, r["competency_code"]


def check_stats(store, mapping, facts):
    (row,) = records(store, "stats")
    assert row["modules"] == len(facts["modules"])
    assert row["competencies"] == len(facts["competencies"])
    assert row["coverage_links"] == len(mapping["module_competency"])
    assert row["triples"] > 1000


CHECKS = {name[len("check_"):]: func for name, func in globals().items() if name.startswith("check_")}


# --- data-driven tests over every query file ---------------------------------------------------

@pytest.mark.parametrize("name", QUERIES)
def test_header_parses(name):
    q = get_query(name)
    assert q.summary and q.description, "summary and description are required"
    assert re.search(r"^SELECT|^\s*SELECT", q.text, re.M)


@pytest.mark.parametrize("name", QUERIES)
def test_runs_with_its_example(store, name):
    q = get_query(name)
    result = run_query(store, q, q.example)
    assert result.variables == [v for v in result.variables if re.match(r"^[a-z][a-z0-9_]*$", v)], "snake_case"
    if "check" not in q.tags:
        assert len(result) > 0, "a non-check query returns rows on the shipped data"


@pytest.mark.parametrize("name", QUERIES)
def test_every_declared_parameter_is_used(name):
    q = get_query(name)
    body = "\n".join(line for line in q.text.splitlines() if not line.startswith("#"))
    for p in q.params:
        assert re.search(rf"\?{p.name}\b", body), f"parameter {p.name} is declared but not used"
        projection = body[body.index("SELECT"):body.index("WHERE")]
        assert re.search(rf"\?{p.name}\b", projection), f"parameter {p.name} must be projected (it is bound by substitution)"
    for p in q.params:
        if p.required:
            assert p.name in q.example, f"required parameter {p.name} has no example"


@pytest.mark.parametrize("name", QUERIES)
def test_results_agree_with_mapping_files(store, mapping, facts, name):
    assert name in CHECKS, f"query {name} has no check against the mapping files in this module"
    CHECKS[name](store, mapping, facts)


def test_unknown_query_lists_known_ones():
    with pytest.raises(QueryError, match="coverage_matrix"):
        get_query("no_such_query")


def test_unknown_parameter_is_refused(store):
    with pytest.raises(QueryError, match="no parameter 'nope'"):
        run_query(store, "coverage_matrix", {"nope": "1"})


def test_missing_required_parameter(store):
    with pytest.raises(QueryError, match="needs the parameter 'competency'"):
        run_query(store, "modules_for_competency", {})


def test_unknown_code_is_refused(store):
    with pytest.raises(QueryError, match="BC99"):
        run_query(store, "modules_for_competency", {"competency": "BC99-C9"})


def test_injected_text_cannot_change_a_query(store):
    """Parameters are bound as terms, never pasted into the text."""
    rows = records(store, "coverage_matrix", lang='fr") } UNION { ?a ?b ?c')
    assert rows == []
