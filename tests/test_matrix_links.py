"""Module → activity and module → objective links in the editable workbook (issue #15): exported as
the sheets Activités and Objectifs, read back by `cipt import-matrix` with every bad cell named
(sheet!cell), applied all or nothing, recorded as a version."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from cipt_graph.paths import init_workspace
from cipt_graph.versions import list_versions


def _rows(workspace, name: str) -> list[dict[str, str]]:
    text = (workspace.mapping_dir / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _files(workspace) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(workspace.mapping_dir.glob("*.csv"))}


@pytest.fixture()
def workspace(tmp_path):
    return init_workspace(tmp_path / "ws")


def _export(cli, workspace, out: Path, *extra: str) -> Path:
    done = cli("export-matrix", "--data", str(workspace.root), "--out", str(out), *extra)
    assert done.returncode == 0, done.stderr
    return out


def _import(cli, workspace, path: Path, *extra: str):
    done = cli("import-matrix", str(path), "--data", str(workspace.root), "--format", "json", "--author", "Alice",
               *extra)
    return done, (json.loads(done.stdout) if done.stdout.strip() else None)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_sheets_hold_every_link_and_round_trip_unchanged(workspace, cli, tmp_path, lang):
    before = _files(workspace)
    wb = openpyxl.load_workbook(_export(cli, workspace, tmp_path / "m.xlsx", "--lang", lang))
    for sheet, name, column in (("Activités", "module_activity.csv", "activity"),
                                ("Objectifs", "module_objective.csv", "objective")):
        rows = _rows(workspace, name)
        ws = wb[sheet]
        shown = [(ws.cell(r, 1).value, ws.cell(r, 2).value, ws.cell(r, 4).value) for r in range(2, ws.max_row + 1)
                 if ws.cell(r, 1).value]
        label = {"fr": {"proposed": "proposé", "validated": "validé"}}.get(lang, {})  # people's words, read back
        assert shown == [(r["module"], r[column], label.get(r["status"], r["status"])) for r in rows]
        assert rows and all(ws.cell(r, 3).value for r in range(2, len(rows) + 2))  # the targets' titles
    done, report = _import(cli, workspace, tmp_path / "m.xlsx")
    assert done.returncode == 0, done.stderr
    assert report["summary"] == {"added": 0, "removed": 0, "changed": 0}
    assert _files(workspace) == before


def test_edits_of_activity_and_objective_links_are_applied(workspace, cli, tmp_path):
    competencies = (workspace.mapping_dir / "module_competency.csv").read_bytes()
    path = _export(cli, workspace, tmp_path / "m.xlsx")
    activities, objectives = _rows(workspace, "module_activity.csv"), _rows(workspace, "module_objective.csv")
    wb = openpyxl.load_workbook(path)
    act, obj = wb["Activités"], wb["Objectifs"]
    act.cell(2, 7).value = "Justification revue en conseil de perfectionnement."  # changed rationale
    obj.cell(2, 4).value = "validated"                                            # validated
    removed = (obj.cell(3, 1).value, obj.cell(3, 2).value)
    obj.delete_rows(3)                                                            # removed
    linked = {(r["module"], r["activity"]) for r in activities}
    codes = sorted({r["activity"] for r in activities})
    new = next((m, a) for m in ("M02", "M03", "M04", "M05") for a in codes if (m, a) not in linked)
    last = act.max_row + 1
    act.cell(last, 1).value, act.cell(last, 2).value, act.cell(last, 7).value = new[0], new[1], "Nouveau lien."
    wb.save(path)
    done, report = _import(cli, workspace, path, "-m", "liens activités et objectifs")
    assert done.returncode == 0, done.stderr
    assert report["applied"] and report["summary"] == {"added": 1, "removed": 1, "changed": 2}
    after_act = {(r["module"], r["activity"]): r for r in _rows(workspace, "module_activity.csv")}
    after_obj = {(r["module"], r["objective"]): r for r in _rows(workspace, "module_objective.csv")}
    first = (activities[0]["module"], activities[0]["activity"])
    assert after_act[first]["rationale"] == "Justification revue en conseil de perfectionnement."
    assert (after_act[first]["status"], after_act[first]["asserted_by"]) == ("proposed", "Alice")
    assert after_act[new]["status"] == "proposed" and after_act[new]["rationale"] == "Nouveau lien."
    kept = (objectives[0]["module"], objectives[0]["objective"])
    assert after_obj[kept]["status"] == "validated" and after_obj[kept]["rationale"] == objectives[0]["rationale"]
    assert removed not in after_obj and len(after_obj) == len(objectives) - 1
    assert (workspace.mapping_dir / "module_competency.csv").read_bytes() == competencies  # untouched
    version = list_versions(workspace)[-1]
    assert (version.kind, version.agent, version.message) == ("matrix-import", "Alice", "liens activités et objectifs")
    diff = cli("diff", version.parent, version.id, "--data", str(workspace.root))
    assert diff.returncode == 0 and new[1] in diff.stdout and removed[1] in diff.stdout
    # The exported workbook now shows the applied state, and imports back unchanged.
    again = openpyxl.load_workbook(_export(cli, workspace, tmp_path / "again.xlsx"))
    assert any(again["Activités"].cell(r, 2).value == new[1] and again["Activités"].cell(r, 1).value == new[0]
               for r in range(2, again["Activités"].max_row + 1))
    assert _import(cli, workspace, tmp_path / "again.xlsx")[1]["summary"] == {"added": 0, "removed": 0, "changed": 0}


def test_bad_cells_are_named_and_nothing_is_applied(workspace, cli, tmp_path):
    before = _files(workspace)
    path = _export(cli, workspace, tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(path)
    act, obj = wb["Activités"], wb["Objectifs"]
    act.cell(2, 2).value = "A99"           # unknown activity
    act.cell(3, 1).value = "M77"           # unknown module
    act.cell(4, 7).value = None            # empty rationale
    obj.cell(2, 4).value = "peut-être"     # unknown status
    obj.cell(3, 7).value = "=1+1"          # a formula
    dup = obj.max_row + 1
    for col in (1, 2, 7):                  # a duplicate of row 4
        obj.cell(dup, col).value = obj.cell(4, col).value
    obj["A1"] = "Cours"                    # a header changed
    wb.save(path)
    done, report = _import(cli, workspace, path)
    assert done.returncode == 2
    found = {f'{e["sheet"]}!{e["cell"]}': e["message"] for e in report["errors"]}
    assert "A99" in found["Activités!B2"] and "M77" in found["Activités!A3"]
    assert "justification vide" in found["Activités!G4"]
    assert "peut-être" in found["Objectifs!D2"] and "formule" in found["Objectifs!G3"]
    assert "en double" in found[f"Objectifs!A{dup}"] and "Module" in found["Objectifs!A1"]
    assert _files(workspace) == before and not workspace.versions_dir.exists()


def test_workbook_without_the_sheets_leaves_those_links_alone(workspace, cli, tmp_path):
    """A workbook exported before the sheets existed still imports: its matrix applies, the
    activity and objective links stay as they are."""
    activities = (workspace.mapping_dir / "module_activity.csv").read_bytes()
    objectives = (workspace.mapping_dir / "module_objective.csv").read_bytes()
    path = _export(cli, workspace, tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(path)
    del wb["Activités"], wb["Objectifs"]
    ws = wb["Justifications"]
    ws.cell(2, 7).value = "Autre justification."
    wb.save(path)
    done, report = _import(cli, workspace, path)
    assert done.returncode == 0, done.stderr
    assert report["summary"] == {"added": 0, "removed": 0, "changed": 1}
    assert (workspace.mapping_dir / "module_activity.csv").read_bytes() == activities
    assert (workspace.mapping_dir / "module_objective.csv").read_bytes() == objectives
