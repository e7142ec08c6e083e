"""The coverage matrix as a spreadsheet: export, checked import, lossless round trip (issue #6)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest

from cipt_graph.build import build_store
from cipt_graph.mapping import VALIDATION_COLUMNS
from cipt_graph.namespaces import GRAPH_MAPPING
from cipt_graph.paths import DATA_DIR, ORIGIN_FILE, init_workspace
from cipt_graph.queries import run_query
from cipt_graph.store import iter_records
from cipt_graph.versions import list_versions

CSV_NAME = "module_competency.csv"


@pytest.fixture()
def workspace(tmp_path):
    return init_workspace(tmp_path / "ws")


@pytest.fixture(scope="session")
def exported(tmp_path_factory, cli) -> Path:
    """The shipped mapping exported once by the CLI (same bytes as a fresh workspace's)."""
    out = tmp_path_factory.mktemp("export") / "matrice.xlsx"
    result = cli("export-matrix", "--format", "xlsx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def mapping_ntriples(workspace) -> bytes:
    """The mapping graph of a workspace as sorted N-Triples."""
    store = build_store(workspace)
    quads = store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(str(GRAPH_MAPPING)))
    lines = sorted(str(ox.Triple(q.subject, q.predicate, q.object)) for q in quads)
    return "\n".join(lines).encode()


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def copy_of(exported: Path, tmp_path: Path, name: str = "edit.xlsx") -> Path:
    target = tmp_path / name
    shutil.copy(exported, target)
    return target


def locate(ws, module: str, competency: str) -> tuple[int, int]:
    """(row, column) of a module × competency cell of the matrix sheet, found by its headers."""
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == competency)
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value == module)
    return row, col


def import_json(cli, workspace, path: Path, *extra: str):
    result = cli("import-matrix", str(path), "--data", str(workspace.root), "--format", "json", *extra)
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)


def run_main(capsys, *args: str):
    """The command line in-process (same code as the `cipt` script, faster than a subprocess)."""
    from cipt_graph.cli import main

    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def assert_untouched(workspace, before_csv: bytes, before_graph: bytes) -> None:
    shipped = {p.relative_to(DATA_DIR) for p in DATA_DIR.rglob("*") if "__pycache__" not in p.parts}
    shipped.add(Path(ORIGIN_FILE))  # what `cipt init` records of the workspace's making
    assert {p.relative_to(workspace.root) for p in workspace.root.rglob("*")} == shipped  # no file added
    assert (workspace.mapping_dir / CSV_NAME).read_bytes() == before_csv
    assert mapping_ntriples(workspace) == before_graph
    assert list_versions(workspace) == []


# --- export -----------------------------------------------------------------------------------


def test_workbook_has_the_sheets_headers_and_levels(exported, store, mapping):
    wb = openpyxl.load_workbook(exported)
    assert {"Instructions", "Matrice", "Justifications", "Niveaux"} <= set(wb.sheetnames)
    assert "cipt import-matrix" in "\n".join(str(c.value) for c in wb["Instructions"]["A"] if c.value)
    ws = wb["Matrice"]
    competencies = [r["competency_code"] for r in iter_records(run_query(store, "hours_per_competency"))]
    assert [ws.cell(2, c).value for c in range(5, 5 + len(competencies))] == competencies
    blocks = [r["block_code"] for r in iter_records(run_query(store, "hours_per_block"))]
    merged_heads = sorted(str(ws.cell(r.min_row, r.min_col).value)[:4] for r in ws.merged_cells.ranges)
    assert set(merged_heads) <= set(blocks) and len(merged_heads) >= len(blocks) - 1
    levels = [r["level_code"] for r in iter_records(run_query(store, "coverage_levels"))]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists == [f'"{",".join(levels)}"']
    for row in mapping["module_competency"]:
        r, c = locate(ws, row["module"], row["competency"])
        assert ws.cell(r, c).value == row["level"]
    filled = sum(1 for r in ws.iter_rows(min_row=4, min_col=5) for cell in r if cell.value)
    assert filled == len(mapping["module_competency"])
    # hours, status and provenance of each link are kept in the Justifications sheet
    just = wb["Justifications"]
    kept = [["" if just.cell(r, c).value is None else str(just.cell(r, c).value) for c in range(1, 8)]
            for r in range(2, just.max_row + 1)]
    assert all(isinstance(just.cell(r, 3).value, (int, float, type(None))) for r in range(2, just.max_row + 1))
    # (statuses in the workbook's language: proposé / validé in French; the import reads the codes too)
    french = {"proposed": "proposé", "validated": "validé"}
    assert kept == [[row["module"], row["competency"], row["hours"], french[row["status"]], row["asserted_by"],
                     row["asserted_on"], row["rationale"]] for row in mapping["module_competency"]]
    assert wb["_cipt"].sheet_state == "hidden"


def test_csv_export_is_the_matrix(cli, mapping, store):
    result = cli("export-matrix", "--format", "csv")
    assert result.returncode == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout)))
    competencies = [r["competency_code"] for r in iter_records(run_query(store, "hours_per_competency"))]
    assert table[0][4:] == competencies
    modules = [r["module_code"] for r in iter_records(run_query(store, "modules"))]
    assert [row[1] for row in table[1:]] == modules
    cells = {(row[1], code): level for row in table[1:] for code, level in zip(competencies, row[4:]) if level}
    assert cells == {(r["module"], r["competency"]): r["level"] for r in mapping["module_competency"]}


def test_xlsx_export_to_a_pipe_is_the_workbook(tmp_path):
    import sys

    done = subprocess.run([sys.executable, "-m", "cipt_graph.cli", "export-matrix"], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "piped.xlsx"
    path.write_bytes(done.stdout)
    assert "Matrice" in openpyxl.load_workbook(path).sheetnames


# --- round trip -------------------------------------------------------------------------------


def test_export_then_import_unchanged_changes_nothing(workspace, cli, tmp_path):
    before_csv = (workspace.mapping_dir / CSV_NAME).read_bytes()
    before_graph = mapping_ntriples(workspace)
    out = tmp_path / "m.xlsx"
    assert cli("export-matrix", "--data", str(workspace.root), "--out", str(out)).returncode == 0
    result, report = import_json(cli, workspace, out)
    assert result.returncode == 0, result.stderr
    assert report["applied"] is False and report["summary"] == {"added": 0, "removed": 0, "changed": 0}
    assert_untouched(workspace, before_csv, before_graph)
    assert not workspace.versions_dir.exists()


def test_english_workbook_round_trip_changes_nothing(workspace, cli, tmp_path):
    before_csv = (workspace.mapping_dir / CSV_NAME).read_bytes()
    before_graph = mapping_ntriples(workspace)
    out = tmp_path / "matrix-en.xlsx"
    assert cli("export-matrix", "--data", str(workspace.root), "--lang", "en", "--out", str(out)).returncode == 0
    assert openpyxl.load_workbook(out)["Matrice"]["C2"].value == "Module"
    assert openpyxl.load_workbook(out)["Justifications"]["G1"].value == "Rationale"
    result, report = import_json(cli, workspace, out)
    assert result.returncode == 0, result.stderr
    assert report["summary"] == {"added": 0, "removed": 0, "changed": 0}
    assert_untouched(workspace, before_csv, before_graph)


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice is not installed "
                    "(Debian: apt-get install libreoffice-calc-nogui)")
def test_libreoffice_round_trip_changes_nothing(workspace, exported, cli, tmp_path):
    before_csv = (workspace.mapping_dir / CSV_NAME).read_bytes()
    before_graph = mapping_ntriples(workspace)
    (tmp_path / "in").mkdir()
    src = copy_of(exported, tmp_path / "in")
    outdir = tmp_path / "lo"
    done = subprocess.run(
        ["libreoffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", "xlsx", "--outdir", str(outdir), str(src)],
        capture_output=True, text=True, timeout=180,
    )
    converted = outdir / src.name
    assert converted.exists(), done.stdout + done.stderr
    assert converted.read_bytes() != src.read_bytes()  # LibreOffice rewrote the workbook
    result, report = import_json(cli, workspace, converted)
    assert result.returncode == 0, result.stderr
    assert report["summary"] == {"added": 0, "removed": 0, "changed": 0}
    assert_untouched(workspace, before_csv, before_graph)


# --- edits ------------------------------------------------------------------------------------


def test_edits_are_applied_and_untouched_rows_kept(workspace, exported, cli, tmp_path, mapping):
    rows = mapping["module_competency"]
    changed, removed = rows[0], rows[1]
    new_module, new_comp = "M02", next(c for c in ("BC01-C1", "BC01-C2", "BC04-C1")
                                      if not any(r["module"] == "M02" and r["competency"] == c for r in rows))
    validated = rows[5]
    path = copy_of(exported, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws, just = wb["Matrice"], wb["Justifications"]
    new_level = "M" if changed["level"] != "M" else "I"
    ws.cell(*locate(ws, changed["module"], changed["competency"])).value = new_level.lower()  # case-insensitive
    ws.cell(*locate(ws, removed["module"], removed["competency"])).value = None
    ws.cell(*locate(ws, new_module, new_comp)).value = "Approfondissement"  # a level's label is accepted
    for r in range(2, just.max_row + 1):
        if (just.cell(r, 1).value, just.cell(r, 2).value) == (validated["module"], validated["competency"]):
            just.cell(r, 4).value = "validated"
    for r in range(2, just.max_row + 1):
        if (just.cell(r, 1).value, just.cell(r, 2).value) == (removed["module"], removed["competency"]):
            just.delete_rows(r)
            break
    last = just.max_row + 1
    for c, v in enumerate((new_module, new_comp, 3, None, None, None, "Nouveau lien ajouté pendant le test."), 1):
        just.cell(last, c).value = v
    wb.save(path)

    result, report = import_json(cli, workspace, path, "--author", "Marie Testeuse")
    assert result.returncode == 0, result.stderr
    assert report["applied"] is True
    assert report["summary"] == {"added": 1, "removed": 1, "changed": 2}
    today = dt.date.today().isoformat()
    after = {(r["module"], r["competency"]): r for r in csv_rows(workspace.mapping_dir / CSV_NAME)}
    assert (removed["module"], removed["competency"]) not in after
    got = after[(changed["module"], changed["competency"])]
    assert (got["level"], got["asserted_by"], got["asserted_on"], got["rationale"]) == \
        (new_level, "Marie Testeuse", today, changed["rationale"])
    assert got["status"] == "proposed"  # a changed judgement goes back to proposed
    got = after[(new_module, new_comp)]
    assert (got["level"], got["hours"], got["status"], got["asserted_by"]) == ("R", "3", "proposed", "Marie Testeuse")
    got = after[(validated["module"], validated["competency"])]
    assert (got["status"], got["level"], got["asserted_by"]) == ("validated", validated["level"], "Marie Testeuse")
    # The workbook validated it: its author is the validator, now (the validation columns, issue #15).
    assert (got["validated_by"], got["validated_by_account"], got["validation_comment"]) == ("Marie Testeuse", "", "")
    assert got["validated_at"].startswith(today), got
    untouched = [r for r in rows if r not in (changed, removed, validated)]
    for r in untouched:
        row = after[(r["module"], r["competency"])]
        assert {k: row[k] for k in r} == r and not any(row[k] for k in VALIDATION_COLUMNS)
    # untouched lines are kept, in their order: the same bytes, then the validation columns the
    # file gains (empty for them), as the header says
    original_lines = (DATA_DIR / "mapping" / CSV_NAME).read_text(encoding="utf-8").splitlines()
    new_lines = (workspace.mapping_dir / CSV_NAME).read_text(encoding="utf-8").splitlines()
    empty = "," * len(VALIDATION_COLUMNS)
    assert new_lines[0] == original_lines[0] + "," + ",".join(VALIDATION_COLUMNS)
    new_lines = [line[:-len(empty)] if line.endswith(empty) else line for line in new_lines[1:]]
    kept = [line for line in new_lines if line in original_lines]
    assert len(kept) == len(untouched)
    assert kept == [line for line in original_lines if line in kept]
    # the workspace builds, and a version was recorded after a baseline
    assert [v.kind for v in list_versions(workspace)] == ["baseline", "matrix-import"]
    assert list_versions(workspace)[-1].source == path.name
    assert list_versions(workspace)[-1].agent == "Marie Testeuse"


def test_dry_run_writes_nothing(workspace, exported, cli, tmp_path, mapping):
    path = copy_of(exported, tmp_path)
    wb = openpyxl.load_workbook(path)
    row = mapping["module_competency"][0]
    wb["Matrice"].cell(*locate(wb["Matrice"], row["module"], row["competency"])).value = \
        "R" if row["level"] != "R" else "I"
    wb.save(path)
    before_csv = (workspace.mapping_dir / CSV_NAME).read_bytes()
    before_graph = mapping_ntriples(workspace)
    result, report = import_json(cli, workspace, path, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert report["applied"] is False and report["summary"]["changed"] == 1
    assert_untouched(workspace, before_csv, before_graph)


def test_stale_workbook_is_refused_unless_forced(workspace, exported, cli, tmp_path, mapping):
    path = copy_of(exported, tmp_path)
    wb = openpyxl.load_workbook(path)
    row = mapping["module_competency"][0]
    wb["Matrice"].cell(*locate(wb["Matrice"], row["module"], row["competency"])).value = \
        "R" if row["level"] != "R" else "I"
    wb.save(path)
    csv_path = workspace.mapping_dir / CSV_NAME
    lines = csv_path.read_text(encoding="utf-8").splitlines(keepends=True)
    csv_path.write_text("".join(lines[:-1]), encoding="utf-8")  # the workspace changed since the export
    stale = csv_path.read_bytes()
    dry = cli("import-matrix", str(path), "--data", str(workspace.root), "--dry-run")
    assert dry.returncode == 2 and "réexportez" in dry.stderr.lower()  # a dry run answers as the real run would
    result = cli("import-matrix", str(path), "--data", str(workspace.root))
    assert result.returncode == 2
    assert "réexportez" in result.stderr.lower()
    assert csv_path.read_bytes() == stale
    forced = cli("import-matrix", str(path), "--data", str(workspace.root), "--force")
    assert forced.returncode == 0, forced.stderr
    assert csv_path.read_bytes() != stale


# --- errors: every cell checked, nothing applied ----------------------------------------------


def _edit_matrix(exported, tmp_path, change) -> Path:
    path = copy_of(exported, tmp_path)
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def _swap_headers(wb):
    ws = wb["Matrice"]
    ws["E2"].value, ws["F2"].value = ws["F2"].value, ws["E2"].value


def _unknown_competency(wb):
    wb["Matrice"]["E2"].value = "BC09-C9"


def _merge_cells(wb):
    wb["Matrice"].merge_cells("E6:F6")


def _level_off_scale(wb):
    ws = wb["Matrice"]
    row, col = locate(ws, "M03", "BC01-C1")
    ws.cell(row, col).value = "X"


def _unknown_module(wb):
    ws = wb["Matrice"]
    row, _ = locate(ws, "M04", "BC01-C1")
    ws.cell(row, 2).value = "M99"


def _wrong_sheet(wb):
    wb["Matrice"].title = "Feuil1"


def _unknown_in_rationale(wb):
    just = wb["Justifications"]
    just.cell(2, 2).value = "BC07-C1"


def _justification_rows(wb, module: str) -> list[int]:
    just = wb["Justifications"]
    return [r for r in range(2, just.max_row + 1) if just.cell(r, 1).value == module]


def _hours_above_module(wb):
    # 500 h on a link of a 20 h module (issue #14): refused, not only flagged by the audit.
    (row, *_) = _justification_rows(wb, "M01")
    wb["Justifications"].cell(row, 3).value = 500


def _hours_summing_above_module(wb):
    # Each link of the 30 h module fits, their sum does not.
    first, second, *_ = _justification_rows(wb, "M22")
    wb["Justifications"].cell(first, 3).value = 20.5
    wb["Justifications"].cell(second, 3).value = 20


@pytest.mark.parametrize("change, expected", [
    (_hours_above_module, ["500\u202fh sur un lien du module M01, qui n'a que 20\u202fh"]),
    # Hours written as the message's locale writes them (Babel): decimal comma in French.
    (_hours_summing_above_module, ["les heures des liens du module M22", "totalisent 40,5\u202fh, plus que ses 30\u202fh"]),
    (_swap_headers, ["Matrice!E2", "Matrice!F2", "déplacé"]),
    (_unknown_competency, ["Matrice!E2", "inconnu", "«\u00a0BC09-C9\u00a0»"]),
    (_merge_cells, ["Matrice!E6:F6", "fusionn"]),
    (_level_off_scale, ["«\u00a0X\u00a0» n'est pas un niveau de l'échelle (I, R, M)"]),
    (_unknown_module, ["module inconnu «\u00a0M99\u00a0»", "module M04 absent"]),
    (_wrong_sheet, ["feuille «\u00a0Matrice\u00a0» absente"]),
    (_unknown_in_rationale, ["Justifications!B2", "compétence inconnue «\u00a0BC07-C1\u00a0»"]),
], ids=["hours-above-module", "hours-summing-above-module", "moved-headers", "unknown-competency", "merged-cells", "level-off-scale", "unknown-module",
        "wrong-sheet", "unknown-in-rationale"])
def test_invalid_workbook_lists_errors_and_applies_nothing(workspace, exported, capsys, tmp_path, change, expected):
    before_csv = (workspace.mapping_dir / CSV_NAME).read_bytes()
    before_graph = mapping_ntriples(workspace)
    path = _edit_matrix(exported, tmp_path, change)
    result = run_main(capsys, "import-matrix", str(path), "--data", str(workspace.root), "--format", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 2
    assert report["valid"] is False and report["errors"]
    listed = result.stderr
    for text in expected:
        assert text in listed, listed
    for error in report["errors"]:
        assert error["sheet"] and error["message"]
    assert_untouched(workspace, before_csv, before_graph)


def test_hours_in_english_errors_are_written_the_english_way(workspace, exported, capsys, tmp_path):
    path = _edit_matrix(exported, tmp_path, _hours_summing_above_module)
    result = run_main(capsys, "--lang", "en", "import-matrix", str(path), "--data", str(workspace.root))
    assert result.returncode == 2
    assert "add up to 40.5\u202fh, more than its 30\u202fh" in result.stderr, result.stderr


def test_all_errors_are_listed_at_once(workspace, exported, cli, tmp_path):
    def many(wb):
        ws = wb["Matrice"]
        for module in ("M01", "M05", "M09"):
            row, col = locate(ws, module, "BC02-C2")
            ws.cell(row, col).value = "Z"
    path = _edit_matrix(exported, tmp_path, many)
    result, report = import_json(cli, workspace, path)
    assert result.returncode == 2
    cells = [e["cell"] for e in report["errors"] if "«\u00a0Z\u00a0»" in e["message"]]
    assert len(cells) == 3


def test_new_link_without_rationale_is_refused(workspace, exported, cli, tmp_path, mapping):
    linked = {(r["module"], r["competency"]) for r in mapping["module_competency"]}
    module, comp = next((m, c) for m in ("M01", "M02", "M03") for c in ("BC01-C1", "BC01-C2", "BC04-C2")
                        if (m, c) not in linked)

    def add(wb):
        ws = wb["Matrice"]
        ws.cell(*locate(ws, module, comp)).value = "I"
    path = _edit_matrix(exported, tmp_path, add)
    result, report = import_json(cli, workspace, path)
    assert result.returncode == 2
    assert any("justification" in e["message"] and e["sheet"] == "Matrice" for e in report["errors"])


# --- untrusted files ---------------------------------------------------------------------------


def _billion_laughs(path: Path, exported: Path) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
            + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    with zipfile.ZipFile(exported) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = bomb.encode()
            dst.writestr(item, data)


@pytest.mark.parametrize("kind, message", [
    ("csv", "ce n'est pas un classeur .xlsx"),
    ("xls", "Excel 97-2003"),
    ("ods", "OpenDocument"),
    ("zip", "n'est pas un classeur .xlsx"),
    ("bomb", "entités XML"),
    ("big", "trop gros"),
    ("missing", "fichier illisible"),
])
def test_untrusted_files_are_refused(workspace, exported, capsys, tmp_path, kind, message):
    path = tmp_path / f"file-{kind}.xlsx"
    if kind == "csv":
        path.write_text("module,competency\nM01,BC01-C1\n", encoding="utf-8")
    elif kind == "xls":
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    elif kind == "ods":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            z.writestr("content.xml", "<x/>")
    elif kind == "zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hello.txt", "hello")
    elif kind == "bomb":
        _billion_laughs(path, exported)
    elif kind == "big":
        with open(path, "wb") as handle:
            handle.write(b"PK\x03\x04")
            handle.truncate(11 * 1024 * 1024)
    before_csv = (workspace.mapping_dir / CSV_NAME).read_bytes()
    before_graph = mapping_ntriples(workspace)
    result = run_main(capsys, "import-matrix", str(path), "--data", str(workspace.root))
    assert result.returncode == 2
    assert message in result.stderr, result.stderr
    assert str(path) in result.stderr
    assert_untouched(workspace, before_csv, before_graph)


def test_import_needs_a_workspace(exported, cli):
    result = cli("import-matrix", str(exported))
    assert result.returncode == 2
    assert "cipt init" in result.stderr
