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
        modules[code] = {"hours": int(g.value(m, CIPT.hours)), "period": str(g.value(period, SKOS.notation)),
                         "assessment": (m, RDF.type, CIPT.AssessmentSession) in g}
    competencies = {}
    for c in g.subjects(RDF.type, CIPT.Competency):
        competencies[str(g.value(c, SKOS.notation))] = str(g.value(g.value(c, SKOS.broader), SKOS.notation))
    ranks = {str(g.value(l, SKOS.notation)): int(g.value(l, CIPT.rank)) for l in g.subjects(CIPT.rank, None)}
    return {"modules": modules, "competencies": competencies, "ranks": ranks, "graph": g}


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
    teaching = {code for code, m in facts["modules"].items() if not m["assessment"]}
    assert got == teaching - linked


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
    # Hours along the chain (issue #14): the module's hours, the competency's estimate.
    want = allocated_hours(mapping, facts)
    for r in rows:
        assert r["competency_hours"] == pytest.approx(float(want.get(r["competency_code"], 0)), abs=0.01), r
        if r["module_code"]:
            assert r["module_hours"] == facts["modules"][r["module_code"]]["hours"]
        assert r["activity_status"] == "inferred" and r["competency_status"] == "inferred"


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


def check_modules(store, mapping, facts):
    """The matrix rows: every module, its hours, period and number of competencies (issue #4)."""
    linked = defaultdict(set)
    for r in mapping["module_competency"]:
        linked[r["module"]].add(r["competency"])
    rows = records(store, "modules")
    assert {r["module_code"] for r in rows} == set(facts["modules"])
    for r in rows:
        fact = facts["modules"][r["module_code"]]
        assert (r["module_hours"], r["period_code"]) == (fact["hours"], fact["period"]), r
        assert r["competencies"] == len(linked[r["module_code"]]), r
    assert [r["period_code"] for r in rows] == sorted(r["period_code"] for r in rows)
    assert {r["period_label"] for r in records(store, "modules", lang="en")} <= {"Period 1", "Period 2"}


def check_coverage_levels(store, mapping, facts):
    """The legend of the coverage views: the scale, lowest first (issue #4)."""
    rows = records(store, "coverage_levels")
    assert [(r["level_code"], r["level_rank"]) for r in rows] == sorted(facts["ranks"].items(), key=lambda kv: kv[1])
    assert all(r["level_label"] and r["level_definition"] for r in rows)


# --- the audit's queries (issue #5) -----------------------------------------------------------

LINK_KINDS = {"module_competency": "CompetencyCoverage", "module_activity": "ActivityCoverage",
              "module_objective": "ObjectiveCoverage"}


def max_rank_by_competency(mapping, facts):
    out = defaultdict(int)
    for r in mapping["module_competency"]:
        out[r["competency"]] = max(out[r["competency"]], facts["ranks"][r["level"]])
    return out


def check_programme_identity(store, mapping, facts):
    g = facts["graph"]
    (programme,) = g.subjects(RDF.type, CIPT.Programme)
    certification = g.value(programme, CIPT.certification)
    (row,) = records(store, "programme_identity")
    assert row["declared_hours"] == int(g.value(programme, CIPT.declaredHours)) == 487
    assert row["rncp_number"] == str(g.value(certification, CIPT.rncpNumber))
    assert row["qualification_level"] == int(g.value(certification, CIPT.qualificationLevel))
    assert row["diploma_code"] == str(g.value(certification, CIPT.diplomaCode))
    assert row["replaces_rncp"] == str(g.value(g.value(certification, CIPT.replaces), CIPT.rncpNumber))
    assert row["registration_end_date"] == str(g.value(certification, CIPT.registrationEndDate))
    labels = {l.language: str(l) for l in g.objects(programme, SKOS.prefLabel)}
    assert row["programme_label"] == labels["fr"]
    assert records(store, "programme_identity", lang="en")[0]["programme_label"] == labels["en"]


def check_blocks_without_assessment(store, mapping, facts):
    g = facts["graph"]
    blocks = {str(g.value(b, SKOS.notation)): b for b in g.subjects(RDF.type, CIPT.CompetencyBlock)}
    want = {code for code, b in blocks.items()
            if not any((a, RDF.type, CIPT.Assessment) in g for a in g.objects(b, CIPT.assessment))}
    assert {r["block_code"] for r in records(store, "blocks_without_assessment")} == want
    assert len(blocks) == 6


def check_competencies_below_top_level(store, mapping, facts):
    top = max(facts["ranks"].values())
    reached = max_rank_by_competency(mapping, facts)
    rows = records(store, "competencies_below_top_level")
    assert {r["competency_code"] for r in rows} == {c for c, rank in reached.items() if rank < top}
    for r in rows:
        assert (r["max_rank"], r["top_rank"]) == (reached[r["competency_code"]], top)


def check_progression_out_of_order(store, mapping, facts):
    links = [(r["competency"], r["module"], facts["modules"][r["module"]]["period"], facts["ranks"][r["level"]])
             for r in mapping["module_competency"]]
    want = {(c1, m1, m2) for c1, m1, p1, r1 in links for c2, m2, p2, r2 in links
            if c1 == c2 and p2 > p1 and r2 < r1}
    got = {(r["competency_code"], r["earlier_module_code"], r["later_module_code"])
           for r in records(store, "progression_out_of_order")}
    assert got == want


def check_jobs_on_weak_competencies(store, mapping, facts):
    g = facts["graph"]
    top = max(facts["ranks"].values())
    reached = max_rank_by_competency(mapping, facts)
    code = lambda node: str(g.value(node, SKOS.notation))  # noqa: E731
    want = {(code(j), code(a), code(c)) for j in g.subjects(RDF.type, CIPT.TargetJob)
            for a in g.objects(j, CIPT.involvesActivity) for c in g.objects(a, CIPT.requiresCompetency)
            if reached.get(code(c), 0) < top}
    rows = records(store, "jobs_on_weak_competencies")
    assert {(r["job_code"], r["activity_code"], r["competency_code"]) for r in rows} == want
    assert all(r["max_rank"] == reached.get(r["competency_code"], 0) for r in rows)


def _status_counts(mapping):
    out = {}
    for stem, kind in LINK_KINDS.items():
        rows = mapping.get(stem, [])
        proposed = sum(1 for r in rows if r["status"].strip().casefold() in ("proposed", "proposé"))
        validated = sum(1 for r in rows if r["status"].strip().casefold() in ("validated", "validé"))
        if rows:
            out[kind] = (len(rows), proposed, validated)
    return out


def check_mapping_status(store, mapping, facts):
    want = _status_counts(mapping)
    rows = {r["link_kind"]: r for r in records(store, "mapping_status")}
    assert set(rows) == set(want) | {"all"}
    total = [sum(v[i] for v in want.values()) for i in range(3)]
    for kind, (links, proposed, validated) in [*want.items(), ("all", tuple(total))]:
        r = rows[kind]
        assert (r["links"], r["proposed"], r["validated"]) == (links, proposed, validated), kind
        assert r["proposed_percent"] == pytest.approx(100 * proposed / links, abs=0.01)


def check_mapping_links_proposed(store, mapping, facts):
    want = {kind: v for kind, v in _status_counts(mapping).items() if v[1] > 0}
    rows = records(store, "mapping_links_proposed")
    assert {r["link_kind"]: (r["links"], r["proposed"]) for r in rows} == {k: v[:2] for k, v in want.items()}


def check_competencies(store, mapping, facts):
    rows = records(store, "competencies")
    assert {r["competency_code"]: r["block_code"] for r in rows} == facts["competencies"]
    for r in rows:
        links = [m for m in mapping["module_competency"] if m["competency"] == r["competency_code"]]
        assert r["modules"] == len({m["module"] for m in links}), r["competency_code"]
        assert r["max_rank"] == (max(facts["ranks"][m["level"]] for m in links) if links else None)
    in_block = {r["competency_code"] for r in records(store, "competencies", block="BC05")}
    assert in_block == {c for c, b in facts["competencies"].items() if b == "BC05"}
    (one,) = records(store, "competencies", competency="BC05-C1", lang="en")
    assert one["competency_code"] == "BC05-C1"


def check_referential_items(store, mapping, facts):
    g = facts["graph"]
    rows = records(store, "referential_items")
    competencies = {(r["code"], r["parent_code"]) for r in rows if r["kind"] == "competency"}
    assert competencies == set(facts["competencies"].items())
    blocks = {r["code"] for r in rows if r["kind"] == "block"}
    assert blocks == {str(g.value(b, SKOS.notation)) for b in g.subjects(RDF.type, CIPT.CompetencyBlock)}
    for r in rows:
        labels = {l.language: str(l) for l in g.objects(_iri(r["item"]), SKOS.prefLabel)}
        assert (r["label_fr"], r["label_en"]) == (labels["fr"], labels["en"]), r["code"]


def _iri(value):
    from rdflib import URIRef
    return URIRef(value)


def check_jobs(store, mapping, facts):
    g = facts["graph"]
    want = {str(g.value(j, SKOS.notation)): len(set(g.objects(j, CIPT.involvesActivity)))
            for j in g.subjects(RDF.type, CIPT.TargetJob)}
    rows = records(store, "jobs")
    assert {r["job_code"]: r["activities"] for r in rows} == want
    assert all(r["rome_code"] and r["rome_label"] for r in rows)
    (one,) = records(store, "jobs", job="J2")
    assert one["job_code"] == "J2"


def check_certification_blocks(store, mapping, facts):
    """Shipped data: the brochure's blocks of RNCP38175 (no fiche imported, so no official code);
    imported fiches are checked against their files in test_import_rncp.py (issue #6)."""
    rows = records(store, "certification_blocks", certification="RNCP38175")
    want = defaultdict(int)
    for block in facts["competencies"].values():
        want[block] += 1
    assert {r["block_code"]: r["competencies"] for r in rows} == dict(want)
    assert {(r["source"], r["official_code"]) for r in rows} == {("brochure", None)}
    g = facts["graph"]
    status = {str(g.value(b, SKOS.notation)): str(g.value(b, CIPT.dataStatus))
              for b in g.subjects(RDF.type, CIPT.CompetencyBlock)}
    assert {r["block_code"]: r["data_status"] for r in rows} == status
    assert records(store, "certification_blocks", certification="RNCP00000") == []


def check_inferred_statements(store, mapping, facts):
    g = facts["graph"]
    rows = records(store, "inferred_statements")
    marked = set(g.subjects(RDF.type, CIPT.StatementStatus))
    assert {r["mark"] for r in rows if r["statement_kind"] == "statement"} == {str(m) for m in marked}


def _code(g, node):
    return str(g.value(node, SKOS.notation))


def _assessed(g):
    """Competency codes assessed directly, and through their block (issue #14)."""
    direct = {_code(g, c) for c in g.objects(None, CIPT.assessesCompetency)}
    blocks = set(g.objects(None, CIPT.assessesBlock))
    via_block = {_code(g, c) for c in g.subjects(RDF.type, CIPT.Competency) if g.value(c, SKOS.broader) in blocks}
    return direct, via_block


def _taught(mapping, facts):
    return {r["competency"] for r in mapping["module_competency"] if not facts["modules"][r["module"]]["assessment"]}


def check_assessment_per_competency(store, mapping, facts):
    rows = records(store, "assessment_per_competency")
    assert {r["competency_code"] for r in rows} == set(facts["competencies"]) and len(rows) == len(facts["competencies"])
    direct, via_block = _assessed(facts["graph"])
    for r in rows:
        modules = {row["module"] for row in mapping["module_competency"] if row["competency"] == r["competency_code"]
                   and not facts["modules"][row["module"]]["assessment"]}
        assert r["teaching_modules"] == len(modules), r
        assert {s.split(" ")[0] for s in (r["taught_by"] or "").split(" / ") if s} == modules, r
        assert bool(r["assessed_by"]) == (r["competency_code"] in direct | via_block), r
        assert bool(r["named_by_assessment"]) == (r["competency_code"] in direct), r


def check_taught_not_assessed(store, mapping, facts):
    direct, via_block = _assessed(facts["graph"])
    got = {r["competency_code"] for r in records(store, "taught_not_assessed")}
    assert got == _taught(mapping, facts) - direct - via_block


def check_assessed_not_taught(store, mapping, facts):
    g = facts["graph"]
    direct, via_block = _assessed(g)
    partly = {_code(g, c) for c in g.subjects(CIPT.untaughtAspect, None)}
    rows = records(store, "assessed_not_taught")
    want = {c for c in direct | via_block if c not in _taught(mapping, facts) or c in partly}
    assert {r["competency_code"] for r in rows} == want
    assert all((r["problem"] == "partly") == (r["competency_code"] in _taught(mapping, facts)) for r in rows)


def check_activities_without_module(store, mapping, facts):
    g = facts["graph"]
    activities = {_code(g, a) for a in g.subjects(RDF.type, CIPT.Activity)}
    got = {r["activity_code"] for r in records(store, "activities_without_module")}
    assert got == activities - {r["activity"] for r in mapping["module_activity"]}


def check_objectives_without_module(store, mapping, facts):
    g = facts["graph"]
    objectives = {_code(g, o) for o in g.subjects(RDF.type, CIPT.LearningObjective)}
    got = {r["objective_code"] for r in records(store, "objectives_without_module")}
    assert got == objectives - {r["objective"] for r in mapping["module_objective"]}


def check_jobs_with_unprepared_activities(store, mapping, facts):
    g = facts["graph"]
    prepared = {r["activity"] for r in mapping["module_activity"]}
    want = {(_code(g, j), _code(g, a)) for j in g.subjects(RDF.type, CIPT.TargetJob)
            for a in g.objects(j, CIPT.involvesActivity) if _code(g, a) not in prepared}
    got = {(r["job_code"], r["activity_code"]) for r in records(store, "jobs_with_unprepared_activities")}
    assert got == want


def check_impossible_link_hours(store, mapping, facts):
    stated = defaultdict(list)
    for r in mapping["module_competency"]:
        if r["hours"].strip():
            stated[r["module"]].append((r["competency"], Decimal(r["hours"].replace(",", "."))))
    want = set()
    for module, links in stated.items():
        hours = facts["modules"][module]["hours"]
        want |= {(module, "link", c) for c, h in links if h > hours}
        if len(links) > 1 and sum(h for _, h in links) > hours:
            want.add((module, "sum", None))
    got = {(r["module_code"], r["problem"], r["competency_code"]) for r in records(store, "impossible_link_hours")}
    assert got == want


def check_data_version(store, mapping, facts):
    (row,) = records(store, "data_version")
    assert row["source_modified"] == "2025-09-08" and row["official_source_issued"] == "2025-01-31"
    dates = [r["asserted_on"] for rows in mapping.values() for r in rows]
    assert row["last_assertion"] == max(dates)
    assert row["links"] == sum(len(rows) for rows in mapping.values())
    assert row["triples"] > 1000


def check_hours_teaching_assessment(store, mapping, facts):
    (row,) = records(store, "hours_teaching_assessment")
    sessions = sum(m["hours"] for m in facts["modules"].values() if m["assessment"])
    assert row["listed"] == sum(m["hours"] for m in facts["modules"].values()) == 457
    assert (row["assessment_hours"], row["teaching_hours"]) == (sessions, 457 - sessions) == (7, 450)
    assert row["declared"] == 487 and float(row["workplace_share"]) == 75.0
def check_module_objectives(store, mapping, facts):
    rows = records(store, "module_objectives")
    got = {(r["module_code"], r["objective_code"], r["status"]) for r in rows if r["module"]}
    want = {(r["module"], r["objective"], {"proposé": "proposed", "validé": "validated"}.get(r["status"], r["status"]))
            for r in mapping["module_objective"]}
    assert got == want
    g = facts["graph"]
    objectives = {str(g.value(o, SKOS.notation)) for o in g.subjects(RDF.type, CIPT.LearningObjective)}
    assert {r["objective_code"] for r in rows} == objectives and all(r["objective_label"] for r in rows)


def check_programmes(store, mapping, facts):
    """The overview's figures (issue #16), each from the files read independently."""
    g = facts["graph"]
    links = mapping["module_competency"]
    (row,) = records(store, "programmes")
    (programme,) = g.subjects(RDF.type, CIPT.Programme)
    assert row["programme"] == str(programme)
    assert row["programme_code"] == "M2_CIPT" and row["rncp_number"] == "RNCP38175"
    assert row["declared"] == int(g.value(programme, CIPT.declaredHours))
    assert row["listed"] == sum(m["hours"] for m in facts["modules"].values())
    assert row["modules"] == len(facts["modules"])
    assert row["competencies"] == len(facts["competencies"])
    covered = {r["competency"] for r in links}
    assert row["covered"] == len(covered) and row["uncovered"] == len(facts["competencies"]) - len(covered)
    taught = {code for code, module in facts["modules"].items() if not module["assessment"]}
    assert row["empty_modules"] == len(taught - {r["module"] for r in links})  # assessment sessions apart
    assert row["links"] == len(links)
    validated = sum(r["status"] == "validated" for r in links)
    assert row["validated"] == validated
    assert row["validated_percent"] == pytest.approx(round(validated * 100 / len(links), 2))
    assert row["coverage_percent"] == pytest.approx(round(len(covered) * 100 / len(facts["competencies"]), 2))
    assert records(store, "programmes", programme="M2_CIPT") == [row]


def check_certification_coverage(store, mapping, facts):
    """Per block of the programme's certification: its competencies, how many the mapping covers."""
    rows = records(store, "certification_coverage")
    total, covered = defaultdict(int), defaultdict(set)
    for code, block in facts["competencies"].items():
        total[block] += 1
    for r in mapping["module_competency"]:
        covered[facts["competencies"][r["competency"]]].add(r["competency"])
    assert {r["block_code"]: (r["competencies"], r["covered"]) for r in rows} == \
        {b: (n, len(covered[b])) for b, n in total.items()}
    assert {(r["rncp_number"], r["programme_code"], r["programme_count"]) for r in rows} == {("RNCP38175", "M2_CIPT", 1)}


def check_module_links(store, mapping, facts):
    rows = records(store, "module_links")
    got = {(r["link_kind"], r["module_code"], r["target_code"], r["status"], r["rationale"]) for r in rows}
    want = {(kind, m["module"], m[kind], m["status"], m["rationale"])
            for kind in ("activity", "objective") for m in mapping[f"module_{kind}"]}
    assert got == want and len(rows) == len(want)
    assert all(r["module_label"] and r["target_label"] for r in records(store, "module_links", lang="en"))
    # Scoped by programme (issue #16): the shipped dataset's one programme has every link.
    assert records(store, "module_links", programme="M2_CIPT") == rows


def check_rncp_reconciliation(store, mapping, facts):
    """Shipped data: every certification block, none reconciled (no fiche imported); the
    reconciled case is checked through `cipt diff` in test_diff_kinds.py."""
    g = facts["graph"]
    want = {(str(number), str(g.value(block, SKOS.notation)))
            for cert, number in g.subject_objects(CIPT.rncpNumber) for block in g.objects(cert, CIPT.block)}
    rows = records(store, "rncp_reconciliation")
    assert {(r["certification"], r["block_code"]) for r in rows} == want and len(rows) == len(want)
    assert {(r["official_code"], r["fiche_number"], r["matched_competencies"]) for r in rows} == {(None, None, 0)}


def check_rncp_fiches(store, mapping, facts):
    g = facts["graph"]
    want = {str(g.value(cert, CIPT.rncpNumber)) for cert in g.objects(None, CIPT.certification)
            if g.value(cert, CIPT.rncpNumber) is not None}
    rows = records(store, "rncp_fiches")
    assert {r["number"] for r in rows} == want and len(rows) == len(want)
    assert all(r["fiche"] is None and r["awarded"] is True and r["blocks"] == 0 for r in rows)


CHECKS = {name[len("check_"):]: func for name, func in globals().items() if name.startswith("check_")}


# --- data-driven tests over every query file ---------------------------------------------------

@pytest.mark.parametrize("name", QUERIES)
def test_header_parses(name):
    q = get_query(name)
    assert q.summary and q.description, "summary and description are required"
    # Both languages (issue #15): `summary` in English, `summary_fr` in French, each one line.
    assert q.summary_fr, "every query has a French summary (#+ summary_fr)"
    assert q.summary_fr != q.summary or " " not in q.summary, "a French text, not the English copied (« Modules » is both)"
    assert "\n" not in q.summary + q.summary_fr
    assert q.summary_in("fr") == q.summary_fr and q.summary_in("en") == q.summary
    # Every parameter says what to pass in both languages (`description`, `description_fr`).
    for p in q.params:
        assert p.description and p.description_fr, f"parameter {p.name}: description and description_fr"
        assert p.description_fr != p.description, f"parameter {p.name}: a French text, not the English copied"
        assert p.description_in("fr") == p.description_fr and p.description_in("en") == p.description
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
