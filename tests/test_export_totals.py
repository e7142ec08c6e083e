"""The editable workbook (`cipt export-matrix`) carries the totals of the HTML matrix and shows
the gaps (issue #15), and still imports back unchanged."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from cipt_graph.queries import run_query
from cipt_graph.spreadsheet.totals import SHEET_TOTALS
from cipt_graph.store import iter_records


def records(store, name, **params):
    return list(iter_records(run_query(store, name, params)))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_export_matrix_has_totals_equal_to_the_queries_and_imports_back(cli, tmp_path, store, lang):
    ws_dir = tmp_path / "ws"
    assert cli("init", str(ws_dir)).returncode == 0
    out = tmp_path / "matrice.xlsx"
    done = cli("export-matrix", "--data", str(ws_dir), "--out", str(out), "--lang", lang)
    assert done.returncode == 0, done.stderr
    wb = load_workbook(out)
    sheet = wb[SHEET_TOTALS[lang]]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    comps = {r[1]: r for r in rows if r[1] and str(r[1]).startswith("BC") and r[4] is not None}
    want = {r["competency_code"]: r for r in records(store, "hours_per_competency")}
    assert set(comps) == set(want)
    for code, r in want.items():
        assert comps[code][3] == r["modules"], code
        assert comps[code][4] == pytest.approx(float(r["hours"]), abs=0.01), code
    blocks = {r[0]: r[5] for r in rows if r[5] is not None}
    assert blocks == {r["block_code"]: pytest.approx(float(r["hours"]), abs=0.02)
                      for r in records(store, "hours_per_block")}
    modules = {r[0]: r for r in rows if r[0] and str(r[0]).startswith("M") and len(str(r[0])) == 3}
    assert {code: r[3] for code, r in modules.items()} == {m["module_code"]: m["competencies"]
                                                          for m in records(store, "modules")}
    # Hatched: exactly the uncovered competencies, and the modules covering none (as the HTML matrix).
    hatched = {row[1].value for row in sheet.iter_rows(min_row=4)
               if row[0].fill.fill_type == "lightUp" and str(row[0].value).startswith("BC")}
    assert hatched == {r["competency_code"] for r in records(store, "uncovered_competencies")}
    empty = {row[0].value for row in sheet.iter_rows(min_row=4)
             if row[0].fill.fill_type == "lightUp" and not str(row[0].value).startswith("BC")}
    assert empty == {r["module_code"] for r in records(store, "modules_without_competency")}
    check = cli("import-matrix", str(out), "--data", str(ws_dir), "--dry-run")
    assert check.returncode == 0, check.stdout + check.stderr


def _modules_covering_nothing(cli, ws_dir, out) -> set[str]:
    """The modules marked as covering nothing in the totals sheet of a fresh export."""
    assert cli("export-matrix", "--data", str(ws_dir), "--out", str(out)).returncode == 0
    sheet = load_workbook(out)[SHEET_TOTALS["fr"]]
    return {r[0].value for r in sheet.iter_rows(min_row=4) if isinstance(r[0].value, str)
            and r[0].value.startswith("M") and len(r[0].value) == 3 and r[4].value == "ne couvre aucune compétence"}


def test_gaps_are_hatched_in_the_totals_and_the_matrix(cli, tmp_path):
    ws_dir = tmp_path / "ws"
    assert cli("init", str(ws_dir)).returncode == 0
    mapping = ws_dir / "mapping" / "module_competency.csv"
    lines = mapping.read_text(encoding="utf-8").splitlines(keepends=True)
    before = _modules_covering_nothing(cli, ws_dir, tmp_path / "before.xlsx")  # the assessment sessions
    kept = [lines[0]] + [line for line in lines[1:] if ",BC01-C1," not in line and not line.startswith("M12,")]
    mapping.write_text("".join(kept), encoding="utf-8")
    out = tmp_path / "m.xlsx"
    done = cli("export-matrix", "--data", str(ws_dir), "--out", str(out))
    assert done.returncode == 0, done.stderr
    wb = load_workbook(out)
    totals = wb[SHEET_TOTALS["fr"]]
    hatched = {row[1].value for row in totals.iter_rows() if row[0].fill.fill_type == "lightUp"}
    assert "BC01-C1" in hatched
    # M12 covers nothing: marked and hatched as in the HTML matrix, as are the modules marked before.
    module_rows = [row for row in totals.iter_rows() if isinstance(row[0].value, str)
                   and row[0].value.startswith("M") and len(row[0].value) == 3]
    marked = {row[0].value for row in module_rows if row[0].fill.fill_type == "lightUp"}
    assert marked == before | {"M12"}
    m12 = next(row for row in module_rows if row[0].value == "M12")
    assert m12[3].value == 0 and m12[4].value == "ne couvre aucune compétence"
    assert all((row[4].value is None) == (row[0].value not in marked) for row in module_rows)
    comp_rows = [row for row in totals.iter_rows() if row[1].value == "BC01-C1"]
    assert comp_rows and comp_rows[0][3].value == 0 and "non couverte" in comp_rows[0][6].value
    from cipt_graph.spreadsheet.model import ROW_CODES, SHEET_MATRIX

    matrix = wb[SHEET_MATRIX]
    header = next(c for c in matrix[ROW_CODES] if c.value == "BC01-C1")
    assert header.fill.fill_type == "lightUp"
    hatched_modules = {row[1].value for row in matrix.iter_rows(min_row=4) if row[1].fill.fill_type == "lightUp"}
    assert hatched_modules == before | {"M12"}
