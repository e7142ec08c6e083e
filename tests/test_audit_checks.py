"""The checks of issue #14, each on a deliberately broken copy of the data: impossible link
hours, activities and objectives without a module, jobs on unprepared activities,
taught-but-not-assessed and assessed-but-not-taught competencies.

Each copy is the shipped data (`cipt init`) with one defect; what the check must return is
computed from the edited files, independently of the package.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from cipt_graph.audit.report import check_queries
from cipt_graph.build import build_store
from cipt_graph.errors import InputError
from cipt_graph.paths import init_workspace
from cipt_graph.queries import get_query, load_queries, run_query
from cipt_graph.store import iter_records


def read_rows(ws: Path, name: str) -> list[dict[str, str]]:
    with (ws / "mapping" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(ws: Path, rows: list[dict[str, str]], name: str) -> None:
    path = ws / "mapping" / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def copy_of(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    init_workspace(ws)
    return ws


def rows_of(ws: Path, name: str) -> list[dict]:
    return list(iter_records(run_query(build_store(ws), name, {"lang": "fr"})))


def module_hours(ws: Path) -> dict[str, int]:
    text = (ws / "programme.ttl").read_text(encoding="utf-8")
    return {m: int(h) for m, h in re.findall(r'schema:courseCode "(M\d+)" ;\s*cipt:hours (\d+) ;', text)}


@pytest.mark.parametrize("name, severity", [
    ("impossible_link_hours", "violation"), ("activities_without_module", "warning"),
    ("objectives_without_module", "warning"), ("jobs_with_unprepared_activities", "warning"),
    ("taught_not_assessed", "warning"), ("assessed_not_taught", "warning"),
])
def test_checks_are_run_by_the_audit_with_their_severity(name, severity):
    assert name in {q.name for q in check_queries(load_queries())}
    assert get_query(name).header["severity"] == severity


def test_shipped_data_has_no_impossible_hours_and_every_activity_and_objective_has_a_module(data_dir):
    ws = data_dir
    for name in ("impossible_link_hours", "activities_without_module", "objectives_without_module",
                 "jobs_with_unprepared_activities", "taught_not_assessed"):
        assert rows_of(ws, name) == [], name


# --- impossible hours -----------------------------------------------------------------------------

def test_link_hours_above_the_module_are_a_violation(tmp_path):
    ws = copy_of(tmp_path)
    rows = read_rows(ws, "module_competency")
    hours = module_hours(ws)
    target = rows[0]
    target["hours"] = "500"  # 500 h on a 20 h module: the case of the issue
    write_rows(ws, rows, "module_competency")
    found = rows_of(ws, "impossible_link_hours")
    assert [(r["module_code"], r["problem"], r["competency_code"]) for r in found] == \
        [(target["module"], "link", target["competency"])] + (
            [] if sum(1 for r in rows if r["module"] == target["module"] and r["hours"]) < 2 else [])
    assert found[0]["link_hours"] == 500 and found[0]["module_hours"] == hours[target["module"]] < 500


def test_link_hours_summing_above_the_module_are_a_violation(tmp_path):
    ws = copy_of(tmp_path)
    rows = read_rows(ws, "module_competency")
    hours = module_hours(ws)
    module = next(m for m in sorted({r["module"] for r in rows}) if sum(r["module"] == m for r in rows) >= 2)
    links = [r for r in rows if r["module"] == module]
    each = hours[module] * 0.75  # each link fits, the sum does not
    for r in links[:2]:
        r["hours"] = f"{each:g}"
    write_rows(ws, rows, "module_competency")
    found = rows_of(ws, "impossible_link_hours")
    assert [(r["module_code"], r["problem"]) for r in found] == [(module, "sum")]
    assert found[0]["link_hours"] == pytest.approx(2 * each) and 2 * each > hours[module]


# --- gaps along the chain -------------------------------------------------------------------------

def test_activity_without_module_and_jobs_resting_on_it(tmp_path):
    ws = copy_of(tmp_path)
    rows = read_rows(ws, "module_activity")
    victim = rows[0]["activity"]
    write_rows(ws, [r for r in rows if r["activity"] != victim], "module_activity")
    assert [r["activity_code"] for r in rows_of(ws, "activities_without_module")] == [victim]
    text = (ws / "programme.ttl").read_text(encoding="utf-8")
    jobs = set()
    for job, body in re.findall(r"<job/(J\d)>(.*?) \.\n\n", text, flags=re.S):
        if f"<activity/{victim}>" in body.split("cipt:involvesActivity", 1)[-1].split(";", 1)[0] or \
                re.search(rf"cipt:involvesActivity[^;]*<activity/{victim}>", body, flags=re.S):
            jobs.add(job)
    assert jobs, "the test needs an activity some job involves"
    found = rows_of(ws, "jobs_with_unprepared_activities")
    assert {(r["job_code"], r["activity_code"]) for r in found} == {(j, victim) for j in jobs}


def test_objective_without_module(tmp_path):
    ws = copy_of(tmp_path)
    rows = read_rows(ws, "module_objective")
    victim = rows[0]["objective"]
    write_rows(ws, [r for r in rows if r["objective"] != victim], "module_objective")
    assert [r["objective_code"] for r in rows_of(ws, "objectives_without_module")] == [victim]


# --- taught beside assessed -----------------------------------------------------------------------

def test_taught_but_not_assessed(tmp_path):
    ws = copy_of(tmp_path)
    path = ws / "assessment.ttl"
    text, n = re.subn(r"^\s*cipt:assessesBlock <block/RNCP38175-BC05> ;\n", "", path.read_text(encoding="utf-8"),
                      flags=re.M)
    assert n == 1, "the shipped assessment.ttl changed: adapt the edit"
    path.write_text(text, encoding="utf-8")
    taught = {r["competency"] for r in read_rows(ws, "module_competency") if r["competency"].startswith("BC05-")}
    found = rows_of(ws, "taught_not_assessed")
    assert {r["competency_code"] for r in found} == taught and taught
    assert all(r["modules"] >= 1 for r in found)


def test_assessed_but_not_taught(tmp_path):
    ws = copy_of(tmp_path)
    rows = read_rows(ws, "module_competency")
    before = {r["competency_code"] for r in rows_of(ws, "assessed_not_taught")}
    victim = "BC06-C1"  # assessed through its block's defence
    write_rows(ws, [r for r in rows if r["competency"] != victim], "module_competency")
    found = {r["competency_code"]: r for r in rows_of(ws, "assessed_not_taught")}
    assert set(found) == before | {victim}
    assert found[victim]["problem"] == "untaught"


def test_foreign_language_half_is_reported_as_partly_untaught(data_dir):
    found = {r["competency_code"]: r for r in rows_of(data_dir, "assessed_not_taught")}
    assert found["BC03-C2"]["problem"] == "partly" and "langue étrangère" in found["BC03-C2"]["untaught_aspect"]


def test_impossible_hours_fail_validation_and_count_once_in_the_audit(tmp_path):
    """500 h on a link of a 20 h module: `cipt validate` reports it (a violation of
    ModuleLinkHoursShape) and the audit counts it once, with the check query (issue #14)."""
    from cipt_graph.audit import build_audit_report
    from cipt_graph.validate import validate_store

    ws = copy_of(tmp_path)
    rows = read_rows(ws, "module_competency")
    rows[0]["hours"] = "500"
    write_rows(ws, rows, "module_competency")
    store = build_store(ws)
    found = [f for f in validate_store(store).findings if f.shape.endswith("#ModuleLinkHoursShape")]
    assert [f.focus.rsplit("/", 1)[-1] for f in found] == [rows[0]["module"]]
    assert found[0].severity == "Violation" and "500" in found[0].message("fr")
    report = build_audit_report(store)
    query = next(c for c in report.checks if c.source.name == "impossible_link_hours")
    shape = next(c for c in report.checks if c.source.name == "ModuleLinkHoursShape")
    assert query.rows and shape.rows and shape.duplicate_of == "impossible_link_hours"
    shipped = build_audit_report(build_store())
    assert report.counts()["violation"] == shipped.counts()["violation"] + len(query.rows)
    assert report.verdict.status == "provisoire"
