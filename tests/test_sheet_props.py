"""Arbitrary Unicode through the mapping CSV and the matrix workbook, read back through every
output (issues #12, #13): equal after the documented normalisation (docs/text.md), or refused with
its place; never a traceback, never a formula, the workspace unchanged after a refusal.

Outputs are read with independent parsers: the csv module, openpyxl (and the zip's XML), and the
named query's JSON (what `/api/queries/…` and `cipt query --format json` answer).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import unicodedata
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlsx_forge import tree_digest, with_shared_string

from cipt_graph.build import build_store
from cipt_graph.errors import InputError
from cipt_graph.output import to_csv
from cipt_graph.paths import init_workspace
from cipt_graph.queries import run_query
from cipt_graph.spreadsheet import MatrixError, MatrixModel, import_matrix, write_matrix_xlsx
from cipt_graph.store import iter_records
from cipt_graph.text import clean_line, clean_text

CSV_NAME = "module_competency.csv"
LINK = ("M01", "BC05-C1")  # the first mapping row: Justifications row 2

SPECIAL = list("\r\n\t\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00\x01\x08\x1b\x1f\x7f\x80\x9f\ufeff\u200b\u00a0"
               "\u202f\u00ad\ufffe\uffff=+-@ '\"&<>;,_") + ["_x000D_", "_x005F_", "_x0041_", "e\u0301", "&lt;p&gt;"]
TEXT = st.lists(st.one_of(st.sampled_from(SPECIAL), st.characters(exclude_categories=("Cs",))),
                max_size=30).map("".join)
LEADING = st.sampled_from(["", " ", "  ", "\t", "\n", "\u00a0"])
TRIGGER = st.sampled_from(["", "", "=", "+", "-", "@"])
FIELD = st.builds(lambda a, b, c: a + b + c, LEADING, TRIGGER, TEXT)

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")
PROPS = settings(max_examples=10, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# --- independent encoders and decoders (ECMA-376 ST_Xstring, as Excel writes cells) -------------


def excel_escape(text: str) -> str:
    """``text`` as Excel writes it in a ``<t>``: literal ``_xHHHH_`` protected, CR and the
    characters XML 1.0 cannot hold as ``_xHHHH_``, then XML-escaped."""
    text = _ESCAPE.sub(lambda m: "_x005F" + m.group(0), text)
    text = re.sub("[\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return escape(text)


def excel_unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def xlsx_visible(text: str) -> str:
    """What an XLSX cell written by the project holds for ``text`` (docs/text.md)."""
    return _XML_ILLEGAL.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def csv_as_written(text: str) -> set[str]:
    """The acceptable CSV cells for ``text``: itself, or ``'`` + itself when a spreadsheet would run it."""
    blank = " \t\r\n\u00a0\u202f\u2007\u2028\u2029\x0b\x0c\x85"
    runs = text[:1] in ("=", "+", "-", "@", "\t", "\r") or text.lstrip(blank)[:1] in ("=", "+", "-", "@")
    return {"'" + text} if runs else {text}


# --- fixtures and readers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A workspace whose first version (the baseline) is recorded, and its exported workbook: each
    example's import records only its own version (a refused import that writes no baseline is
    tests/test_sheet_faults.py's [no-version-yet] case)."""
    from cipt_graph.versions import ensure_baseline, list_versions

    root = tmp_path_factory.mktemp("props")
    ws = init_workspace(root / "ws")
    ensure_baseline(ws, agent="Prop")
    assert [v.kind for v in list_versions(ws)] == ["baseline"]
    (root / "base.xlsx").write_bytes(write_matrix_xlsx(MatrixModel.from_workspace(ws)))
    return root


def fresh(template: Path, tmp_path: Path):
    from cipt_graph.paths import resolve_workspace

    target = tmp_path / f"ws{len(list(tmp_path.glob('ws*')))}"
    shutil.copytree(template / "ws", target)
    return resolve_workspace(str(target))


def outputs(ws) -> dict[str, object]:
    store = build_store(ws)
    records = json.loads(json.dumps(list(iter_records(run_query(store, "coverage_matrix", {"lang": "fr"})))))
    api = next(r["rationale"] for r in records if (r["module_code"], r["competency_code"]) == LINK)
    rows = list(csv.DictReader(io.StringIO(to_csv(run_query(store, "coverage_matrix", {"lang": "fr"})), newline="")))
    query_csv = next(r["rationale"] for r in rows if (r["module_code"], r["competency_code"]) == LINK)
    with (ws.mapping_dir / CSV_NAME).open(encoding="utf-8-sig", newline="") as handle:
        mapping = next(r for r in csv.DictReader(handle) if (r["module"], r["competency"]) == LINK)
    data = write_matrix_xlsx(MatrixModel.from_workspace(ws))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert not any(re.search(rb"<f[ >]", archive.read(n)) for n in archive.namelist()
                       if n.startswith("xl/worksheets/")), "a formula in the export"
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Justifications"]
    assert (sheet["A2"].value, sheet["B2"].value) == LINK
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    return {"api": api, "query_csv": query_csv, "mapping": mapping, "xlsx_rationale": excel_unescape(sheet["G2"].value),
            "xlsx_author": excel_unescape(sheet["E2"].value or ""), "xlsx": data, "store": store}


# --- the workbook path -----------------------------------------------------------------------------


@PROPS
@given(text=FIELD)
def test_any_rationale_through_the_workbook(template, tmp_path, text):
    ws = fresh(template, tmp_path)
    book = with_shared_string(template / "base.xlsx", tmp_path / "edit.xlsx", "Justifications", "G2", excel_escape(text))
    before = tree_digest(ws.root)
    expected = clean_text(text)
    try:
        result = import_matrix(ws, book, author="Prop")
    except MatrixError as exc:
        assert [str(e).split(":")[0] for e in exc.errors] == ["Justifications!G2"], exc.errors
        assert expected == "" or expected.startswith("=") or len(expected) > 5000, (text, exc.errors)
        assert tree_digest(ws.root) == before
        return
    assert expected and not expected.startswith("=")
    seen = outputs(ws)
    assert seen["api"] == seen["mapping"]["rationale"] == expected
    assert seen["xlsx_rationale"] == xlsx_visible(expected)
    assert seen["query_csv"] in csv_as_written(expected)
    assert result.applied or result.empty


# --- the mapping CSV path ------------------------------------------------------------------------


@PROPS
@given(rationale=FIELD, author=FIELD, bom=st.booleans(), crlf=st.booleans())
def test_any_rationale_and_author_through_the_mapping_csv(template, tmp_path, rationale, author, bom, crlf):
    ws = fresh(template, tmp_path)
    path = ws.mapping_dir / CSV_NAME
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    rows[0]["rationale"], rows[0]["asserted_by"] = rationale, author
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n" if crlf else "\n",
                            quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    # Inside a quoted field the reader also reads CR LF / CR as LF (docs/text.md): so does clean_text.
    want_rationale, want_author = clean_text(rationale), clean_line(author)
    try:
        seen = outputs(ws)
    except InputError as exc:
        assert exc.where and exc.where.endswith(CSV_NAME) and "line 2, column " in exc.message, exc
        assert want_rationale == "" or want_author == "" or len(want_rationale) > 5000 or len(want_author) > 200
        return
    assert want_rationale and want_author
    assert seen["api"] == want_rationale
    assert seen["query_csv"] in csv_as_written(want_rationale)
    assert seen["xlsx_rationale"] == xlsx_visible(want_rationale)
    assert seen["xlsx_author"] == xlsx_visible(want_author)
    names = {s["name"].value for s in seen["store"].oxigraph.query(
        "SELECT ?name WHERE { GRAPH ?g { <https://w3id.org/cipt-graph/id/coverage/M01--BC05-C1> "
        "<http://www.w3.org/ns/prov#wasAttributedTo> ?a } GRAPH ?h { ?a <http://www.w3.org/2000/01/rdf-schema#label> "
        "?name } }")}
    assert want_author in names
    # The export of that mapping re-imports as "no change", byte for byte.
    book = tmp_path / "again.xlsx"
    book.write_bytes(seen["xlsx"])
    before = tree_digest(ws.root)
    try:
        assert import_matrix(ws, book, author="Prop").empty
    except MatrixError as exc:  # only a rationale that looks like a formula and changed: never
        pytest.fail(f"the unchanged export was refused: {exc.errors}")
    assert tree_digest(ws.root) == before


def test_nfd_and_nfc_read_the_same(template, tmp_path):
    ws = fresh(template, tmp_path)
    path = ws.mapping_dir / CSV_NAME
    text = path.read_text(encoding="utf-8")
    path.write_text(unicodedata.normalize("NFD", text), encoding="utf-8")
    seen = outputs(ws)
    assert seen["api"] == unicodedata.normalize("NFC", seen["api"])
    book = tmp_path / "again.xlsx"
    book.write_bytes(seen["xlsx"])
    assert import_matrix(ws, book, author="Prop").empty


# --- labels from the Turtle data, out through the workbook and the CSV matrix ---------------------


def turtle_string(text: str) -> str:
    """``text`` as a Turtle string literal, every character outside printable ASCII escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append(f"\\U{ord(ch):08X}")
    return '"' + "".join(out) + '"'


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(label=FIELD.filter(lambda t: t.strip() != ""))
def test_any_module_label_exports_and_reimports_unchanged(template, tmp_path, label):
    from cipt_graph.spreadsheet import write_matrix_csv

    ws = fresh(template, tmp_path)
    path = ws.root / "programme.ttl"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"Communication publique"@fr', turtle_string(label) + "@fr", 1), encoding="utf-8")
    model = MatrixModel.from_workspace(ws)
    data = write_matrix_xlsx(model)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Matrice"]
    row = next(r for r in range(4, sheet.max_row + 1) if sheet.cell(r, 2).value == "M01")
    assert sheet.cell(row, 3).data_type == "s"
    assert excel_unescape(sheet.cell(row, 3).value) == xlsx_visible(label)
    rows = list(csv.reader(io.StringIO(write_matrix_csv(model).decode("utf-8"), newline="")))
    assert next(r[2] for r in rows if r[1] == "M01") in csv_as_written(label)
    book = tmp_path / "labels.xlsx"
    book.write_bytes(data)
    before = tree_digest(ws.root)
    assert import_matrix(ws, book, author="Prop").empty
    assert tree_digest(ws.root) == before
