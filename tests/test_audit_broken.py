"""The audit on deliberately broken copies of the data: each finding appears with the right
severity and exit status (issue #5).

Each workspace is a copy of the shipped data (`cipt init`) with one defect; what the report must
find is computed from the edited files, read here independently of the package.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF, SKOS

from cipt_graph.audit import build_audit_report
from cipt_graph.build import build_store
from cipt_graph.paths import init_workspace

CIPT = Namespace("https://w3id.org/cipt-graph/ontology#")
SCHEMA = Namespace("https://schema.org/")


# --- reading and editing a workspace, independently of the package ------------------------------

def read_rows(ws: Path, name: str = "module_competency") -> list[dict[str, str]]:
    with (ws / "mapping" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(ws: Path, rows: list[dict[str, str]], name: str = "module_competency") -> None:
    path = ws / "mapping" / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def programme_graph(ws: Path) -> Graph:
    g = Graph()
    for path in ws.glob("*.ttl"):
        g.parse(path)
    return g


def periods(g: Graph) -> dict[str, str]:
    return {str(g.value(m, SCHEMA.courseCode)): str(g.value(g.value(m, CIPT.period), SKOS.notation))
            for m in g.subjects(RDF.type, CIPT.Module)}


def ranks(g: Graph) -> dict[str, int]:
    return {str(g.value(level, SKOS.notation)): int(g.value(level, CIPT.rank)) for level in g.subjects(CIPT.rank, None)}


def audit(ws: Path):
    return build_audit_report(build_store(ws))


def check(report, name: str):
    (found,) = [c for c in report.checks if c.source.name == name]
    return found


def copy_of(tmp_path_factory, label: str) -> Path:
    ws = tmp_path_factory.mktemp(label) / "ws"
    init_workspace(ws)
    return ws


def cover_every_competency(ws: Path) -> list[str]:
    """Add a proposed link for each competency no row covers, so that the copy starts with no
    violation (the shipped data has one since the mapping review of #14: BC02-C3 is untaught).
    Returns the competencies that needed a link."""
    rows = read_rows(ws)
    g = programme_graph(ws)
    codes = sorted(str(g.value(c, SKOS.notation)) for c in g.subjects(RDF.type, CIPT.Competency))
    covered = {r["competency"] for r in rows}
    added = [c for c in codes if c not in covered]
    for code in added:
        rows.append({"module": "M04", "competency": code, "level": "R", "hours": "", "status": "proposed",
                     "asserted_by": "Test", "asserted_on": "2026-11-29",
                     "rationale": "Lien ajouté par le test : la copie part sans violation."})
    write_rows(ws, rows)
    return added


# --- a competency left uncovered ------------------------------------------------------------------

@pytest.fixture(scope="module")
def uncovered(tmp_path_factory):
    ws = copy_of(tmp_path_factory, "uncovered")
    rows = read_rows(ws)
    victim = rows[0]["competency"]
    write_rows(ws, [r for r in rows if r["competency"] != victim])
    return ws, victim, audit(ws)


def test_uncovered_competency_is_a_violation(uncovered):
    ws, victim, report = uncovered
    remaining = {r["competency"] for r in read_rows(ws)}
    g = programme_graph(ws)
    all_codes = {str(g.value(c, SKOS.notation)) for c in g.subjects(RDF.type, CIPT.Competency)}
    found = check(report, "uncovered_competencies")
    assert found.severity == "violation"
    assert {r["competency_code"] for r in found.rows} == all_codes - remaining
    assert victim in all_codes - remaining
    shape = check(report, "CompetencyCoveredShape")
    assert shape.severity == "violation"
    assert {r["focus"] for r in shape.rows} == {r["competency"] for r in found.rows}
    assert all(r["message"] for r in shape.rows)
    # the shape doubles the query (its `#+ shape:` header): its findings are counted once
    assert shape.duplicate_of == "uncovered_competencies" and not shape.counted
    assert report.exit_code == 1 and report.counts()["violation"] == len(found.rows)


def test_uncovered_competency_shows_in_its_block(uncovered):
    ws, victim, report = uncovered
    (comp,) = [c for b in report.blocks for c in b.competency_details if c.competency_code == victim]
    assert comp.modules == [] and comp.hours == 0 and comp.max_rank is None
    block = next(b for b in report.blocks if comp in b.competency_details)
    assert block.covered_competencies == block.competencies - 1


def test_cli_exit_1_on_violations(cli, uncovered):
    ws, victim, _ = uncovered
    result = cli("audit", "--format", "json", "--data", str(ws))
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["status"]["exit_code"] == 1 and data["status"]["violations"] >= 2
    rows = next(c for c in data["checks"] if c["source"]["name"] == "uncovered_competencies")["rows"]
    g = programme_graph(ws)
    all_codes = {str(g.value(c, SKOS.notation)) for c in g.subjects(RDF.type, CIPT.Competency)}
    assert {r["competency_code"] for r in rows} == all_codes - {r["competency"] for r in read_rows(ws)}
    assert victim in {r["competency_code"] for r in rows}


# --- a module with no link ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def unlinked(tmp_path_factory):
    ws = copy_of(tmp_path_factory, "unlinked")
    cover_every_competency(ws)
    rows = read_rows(ws)
    covering = defaultdict(set)
    for r in rows:
        covering[r["competency"]].add(r["module"])
    # A module whose competencies all have another module: removing it uncovers nothing.
    victim = next(m for m in sorted({r["module"] for r in rows})
                  if all(covering[r["competency"]] - {m} for r in rows if r["module"] == m))
    write_rows(ws, [r for r in rows if r["module"] != victim])
    return ws, victim, audit(ws)


def test_module_without_link_is_a_warning(unlinked):
    ws, victim, report = unlinked
    found = check(report, "modules_without_competency")
    assert found.severity == "warning"
    g = programme_graph(ws)
    linked = {r["module"] for r in read_rows(ws)}
    teaching = {str(g.value(m, SCHEMA.courseCode)) for m in g.subjects(RDF.type, CIPT.Module)
                if (m, RDF.type, CIPT.AssessmentSession) not in g}
    assert {r["module_code"] for r in found.rows} == teaching - linked
    assert victim in {r["module_code"] for r in found.rows}
    shape = check(report, "ModuleCoversCompetencyShape")
    assert shape.severity == "warning"
    assert {r["focus"] for r in shape.rows} == {r["module"] for r in found.rows}
    assert check(report, "uncovered_competencies").passed
    assert report.counts()["violation"] == 0 and report.exit_code == 0


def test_cli_exit_0_with_warnings_only(cli, unlinked):
    ws, victim, _ = unlinked
    result = cli("audit", "--format", "md", "--data", str(ws))
    assert result.returncode == 0, result.stderr
    assert f"| {victim} |" in result.stdout


# --- a level out of the scale ---------------------------------------------------------------------

LEVEL_OUT_OF_SCALE = """\
@prefix cid: <https://w3id.org/cipt-graph/id/> .
@prefix cipt: <https://w3id.org/cipt-graph/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

cid:level\\/expert
    a cipt:CoverageLevel ;
    skos:prefLabel "Expertise"@fr, "Expert"@en ;
    skos:notation "E" ;
    cipt:rank 4 .

cid:coverage\\/{module}--{competency}
    a cipt:CompetencyCoverage ;
    cipt:module cid:module\\/{module} ;
    cipt:competency <{competency_iri}> ;
    cipt:level cid:level\\/expert ;
    cipt:rationale "Niveau hors échelle, pour le test."@fr ;
    cipt:mappingStatus cipt:Proposed .

cid:module\\/{module} cipt:coversCompetency <{competency_iri}> .
"""


@pytest.fixture(scope="module")
def out_of_scale(tmp_path_factory):
    ws = copy_of(tmp_path_factory, "scale")
    rows = read_rows(ws)
    g = programme_graph(ws)
    module = rows[0]["module"]
    taken = {r["competency"] for r in rows if r["module"] == module}
    competency = next(c for c in sorted(g.subjects(RDF.type, CIPT.Competency))
                      if str(g.value(c, SKOS.notation)) not in taken)
    (ws / "extra.ttl").write_text(LEVEL_OUT_OF_SCALE.format(
        module=module, competency=str(g.value(competency, SKOS.notation)), competency_iri=competency),
        encoding="utf-8")
    return ws, module, competency, audit(ws)


def test_level_out_of_scale_is_a_violation(out_of_scale):
    ws, module, competency, report = out_of_scale
    shape = check(report, "CompetencyCoverageLevelSchemeShape")
    assert shape.severity == "violation" and len(shape.rows) == 1
    (finding,) = shape.rows
    assert finding["focus"].endswith(f"{module}--{programme_graph(ws).value(competency, SKOS.notation)}")
    assert finding["value"].endswith("level/expert") and "expert" in finding["message"]
    assert report.exit_code == 1


def test_level_unknown_in_the_csv_is_an_error(cli, tmp_path_factory):
    ws = copy_of(tmp_path_factory, "badlevel")
    rows = read_rows(ws)
    rows[2]["level"] = "Z"
    write_rows(ws, rows)
    out = ws / "audit.html"
    result = cli("audit", "--data", str(ws), "--out", str(out))
    assert result.returncode == 2
    assert "module_competency.csv" in result.stderr and "ligne 4, colonne level" in result.stderr
    assert "'Z'" in result.stderr and not out.exists()


# --- a block without assessment -------------------------------------------------------------------

@pytest.fixture(scope="module")
def unassessed(tmp_path_factory):
    ws = copy_of(tmp_path_factory, "unassessed")
    path = ws / "programme.ttl"
    text, n = re.subn(r"^\s*cipt:assessment\s+\S*BC03\S*\s*;\s*\n", "", path.read_text(encoding="utf-8"),
                      flags=re.M)
    assert n == 1, "the shipped programme.ttl changed: adapt the edit"
    path.write_text(text, encoding="utf-8")
    return ws, audit(ws)


def test_block_without_assessment_is_a_violation(unassessed):
    ws, report = unassessed
    g = programme_graph(ws)
    want = {str(g.value(b, SKOS.notation)) for b in g.subjects(RDF.type, CIPT.CompetencyBlock)
            if g.value(b, CIPT.assessment) is None}
    found = check(report, "blocks_without_assessment")
    assert found.severity == "violation"
    assert {r["block_code"] for r in found.rows} == want == {"BC03"}
    shape = check(report, "CompetencyBlockAssessmentShape")
    assert shape.severity == "violation"
    assert {r["focus"] for r in shape.rows} == {r["block"] for r in found.rows}
    assert [b.block_code for b in report.blocks if not b.assessed] == ["BC03"]
    assert report.exit_code == 1


# --- weak coverage: never mastered, progression out of order --------------------------------------

@pytest.fixture(scope="module")
def weak(tmp_path_factory):
    ws = copy_of(tmp_path_factory, "weak")
    cover_every_competency(ws)
    g = programme_graph(ws)
    rank, period = ranks(g), periods(g)
    top = max(rank, key=rank.get)
    below = sorted(rank, key=rank.get)[-2]
    rows = read_rows(ws)
    never = rows[0]["competency"]
    for r in rows:
        if r["competency"] == never and r["level"] == top:
            r["level"] = below
    # Another competency taught at the top level in the first period and the lowest in the last.
    shuffled = next(c for c in sorted({r["competency"] for r in rows}) if c != never
                    and len({period[r["module"]] for r in rows if r["competency"] == c}) > 1)
    links = [r for r in rows if r["competency"] == shuffled]
    first, last = min(period[r["module"]] for r in links), max(period[r["module"]] for r in links)
    for r in links:
        if period[r["module"]] == first:
            r["level"] = top
        elif period[r["module"]] == last:
            r["level"] = min(rank, key=rank.get)
    write_rows(ws, rows)
    return ws, never, shuffled, audit(ws)


def test_never_mastered_competency_is_a_warning(weak):
    ws, never, _, report = weak
    rank = ranks(programme_graph(ws))
    reached = defaultdict(int)
    for r in read_rows(ws):
        reached[r["competency"]] = max(reached[r["competency"]], rank[r["level"]])
    found = check(report, "competencies_below_top_level")
    assert found.severity == "warning"
    assert {r["competency_code"] for r in found.rows} == {c for c, v in reached.items() if v < max(rank.values())}
    assert never in {r["competency_code"] for r in found.rows}
    (comp,) = [c for b in report.blocks for c in b.competency_details if c.competency_code == never]
    assert comp.reaches_top is False


def test_jobs_on_weak_competencies_are_a_warning(weak):
    ws, never, _, report = weak
    g = programme_graph(ws)
    rank = ranks(g)
    reached = defaultdict(int)
    for r in read_rows(ws):
        reached[r["competency"]] = max(reached[r["competency"]], rank[r["level"]])
    code = lambda node: str(g.value(node, SKOS.notation))  # noqa: E731
    want = {(code(j), code(a), code(c)) for j in g.subjects(RDF.type, CIPT.TargetJob)
            for a in g.objects(j, CIPT.involvesActivity) for c in g.objects(a, CIPT.requiresCompetency)
            if reached[code(c)] < max(rank.values())}
    found = check(report, "jobs_on_weak_competencies")
    assert found.severity == "warning"
    assert {(r["job_code"], r["activity_code"], r["competency_code"]) for r in found.rows} == want
    assert any(c == never for _, _, c in want), "the test data must make some job rest on it"


def test_progression_out_of_order_is_a_warning(weak):
    ws, _, shuffled, report = weak
    g = programme_graph(ws)
    rank, period = ranks(g), periods(g)
    links = [(r["competency"], r["module"], period[r["module"]], rank[r["level"]]) for r in read_rows(ws)]
    want = {(c, m1, m2) for c, m1, p1, r1 in links for c2, m2, p2, r2 in links if c == c2 and p2 > p1 and r2 < r1}
    found = check(report, "progression_out_of_order")
    assert found.severity == "warning"
    assert {(r["competency_code"], r["earlier_module_code"], r["later_module_code"]) for r in found.rows} == want
    assert shuffled in {c for c, _, _ in want}
    (comp,) = [c for b in report.blocks for c in b.competency_details if c.competency_code == shuffled]
    assert comp.in_order is False
    assert report.exit_code == 0


# --- a validated mapping --------------------------------------------------------------------------

def test_validated_mapping_clears_the_proposed_warning(tmp_path_factory):
    ws = copy_of(tmp_path_factory, "validated")
    total = 0
    for name in ("module_competency", "module_activity", "module_objective"):
        rows = read_rows(ws, name)
        for r in rows:
            r["status"] = "validated"
        write_rows(ws, rows, name)
        total += len(rows)
    report = audit(ws)
    assert check(report, "mapping_links_proposed").passed
    (everything,) = [r for r in report.mapping_status.rows if r["link_kind"] == "all"]
    assert (everything["links"], everything["proposed"], everything["validated"]) == (total, 0, total)
    assert everything["proposed_percent"] == 0


# --- every link validated and every rule holding: "conforme" (issue #14) ------------------------

def test_conforme_only_when_rules_hold_on_validated_data(tmp_path_factory):
    """A copy where the team has validated every link, covered the untaught competency and
    confirmed the block assessments (now stated, not inferred): the verdict is "conforme";
    on the shipped data it is "provisoire"."""
    from cipt_graph.audit.render_html import render_html

    ws = copy_of(tmp_path_factory, "conforme")
    cover_every_competency(ws)
    for name in ("module_competency", "module_activity", "module_objective"):
        rows = read_rows(ws, name)
        for r in rows:
            r["status"] = "validated"
        write_rows(ws, rows, name)
    path = ws / "assessment.ttl"
    text, n = re.subn(r"(<assessment/RNCP38175-BC0\d>(?:(?!\n\n).)*?)cipt:dataStatus cipt:Inferred",
                      r"\1cipt:dataStatus cipt:Stated", path.read_text(encoding="utf-8"), flags=re.S)
    assert n == 6, "the shipped assessment.ttl changed: adapt the edit"
    path.write_text(text, encoding="utf-8")
    report = audit(ws)
    assert report.counts()["violation"] == 0
    assert report.verdict.status == "conforme" and report.verdict.reasons == []
    html = render_html(report)
    first = re.sub(r"<[^>]+>", " ", html.split('<nav class="toc">')[0])
    assert "Conforme" in first and "Provisoire" not in first
    assert report.evidence.validated == report.evidence.links > 0 and report.evidence.proposed == 0
