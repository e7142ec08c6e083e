"""Hostile workbooks (issue #13): refused before openpyxl builds them, in bounded time and memory.

The kinds of ``../shared/cases/hostile/`` (merged_full, cells_550000rows, sst_5000000) and their
relatives, generated from an exported matrix by tests/xlsx_forge.py; each refusal names the
limit, its setting and the place, leaves the workspace byte-identical, and is measured (time,
and peak memory of a real `cipt import-matrix` process).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import httpx
import pytest
from serve_helpers import XLSX, serving, upload, writer_env
from xlsx_forge import (big_sheet, flood_shared_strings, hyperlinked, merged, tree_digest, with_sheet_xml,
                        write_parts, parts)

from cipt_graph.paths import init_workspace
from cipt_graph.spreadsheet import LimitError, MatrixModel, SheetLimits, inspect_workbook, write_matrix_xlsx

#: Generous bounds (the refusals take ~0.1 s of inspection and ~3 s of process start-up; the
#: failures they replace took minutes and gigabytes).
SECONDS = 60
INSPECT_SECONDS = 30  # ~0.3 s on an idle machine for the largest (100,000 shared strings)
PEAK_MB = 700
INSPECT_PEAK_MB = 64

_MEASURED = """
import resource, sys, time
from cipt_graph.cli import main
start = time.monotonic()
code = main(sys.argv[1:])
print(f"MEASURE {time.monotonic() - start:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    ws = init_workspace(folder / "ws0")
    path = folder / "base.xlsx"
    path.write_bytes(write_matrix_xlsx(MatrixModel.from_workspace(ws)))
    return path


@pytest.fixture()
def ws(tmp_path):
    return init_workspace(tmp_path / "ws")


def measured_import(path: Path, ws, env: dict | None = None) -> tuple[subprocess.CompletedProcess, float, float]:
    """`cipt import-matrix` in a real process: (result, seconds, peak resident MB)."""
    import os

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")} | (env or {})
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _MEASURED, "import-matrix", str(path), "--data", str(ws.root),
                           "--author", "T"], capture_output=True, text=True, timeout=600, env=full_env)
    wall = time.monotonic() - start
    line = next(line for line in done.stderr.splitlines() if line.startswith("MEASURE "))
    peak_mb = int(line.split()[2]) / 1024
    return done, wall, peak_mb


def inspect_measured(path: Path, limits: SheetLimits | None = None) -> tuple[LimitError, float, float]:
    """The inspection's refusal, its time, and (in a second, traced run) its peak Python memory in MB."""
    start = time.monotonic()
    with pytest.raises(LimitError) as caught:
        inspect_workbook(path, limits or SheetLimits())
    seconds = time.monotonic() - start
    tracemalloc.start()
    try:
        with pytest.raises(LimitError):
            inspect_workbook(path, limits or SheetLimits())
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return caught.value, seconds, peak


def assert_refused(path: Path, ws, limit: str, place: str, env: dict | None = None) -> None:
    before = tree_digest(ws.root)
    done, wall, peak = measured_import(path, ws, env)
    assert done.returncode == 2, done.stderr
    assert f"CIPT_XLSX_{limit.upper()}" in done.stderr and place in done.stderr and "Traceback" not in done.stderr
    assert wall < SECONDS and peak < PEAK_MB, (wall, peak)
    assert tree_digest(ws.root) == before


# --- merged_full.xlsx and hyperlink ranges ------------------------------------------------------


def test_merge_over_the_whole_sheet_is_refused_before_loading(base, ws, tmp_path):
    book = with_sheet_xml(base, tmp_path / "merged_full.xlsx", "Matrice", merged("A1:XFD1048576"))
    assert book.stat().st_size < 40_000
    error, seconds, peak = inspect_measured(book)
    assert (error.limit, error.place) == ("max_columns", "Matrice!A1:XFD1048576")
    assert seconds < INSPECT_SECONDS and peak < INSPECT_PEAK_MB
    assert_refused(book, ws, "max_columns", "Matrice!A1:XFD1048576")


def test_merge_over_every_row_is_refused(base, tmp_path):
    book = with_sheet_xml(base, tmp_path / "merged_rows.xlsx", "Justifications", merged("A1:G1048576"))
    error, _, _ = inspect_measured(book)
    assert (error.limit, error.found, error.place) == ("max_rows", 1048576, "Justifications!A1:G1048576")


def test_too_many_merged_ranges_or_cells(base, tmp_path):
    book = with_sheet_xml(base, tmp_path / "many_merges.xlsx", "Niveaux", merged("A1:B2", count=1001))
    assert inspect_measured(book)[0].limit == "max_merged_ranges"
    book = with_sheet_xml(base, tmp_path / "big_merge.xlsx", "Niveaux", merged("A1:T4999"))
    assert inspect_measured(book)[0].limit == "max_merged_cells"


def test_hyperlink_over_the_whole_sheet_is_refused(base, ws, tmp_path):
    book = with_sheet_xml(base, tmp_path / "links.xlsx", "Justifications", hyperlinked("A1:XFD1048576"))
    error, seconds, peak = inspect_measured(book)
    assert (error.limit, error.place) == ("max_columns", "Justifications!A1:XFD1048576")
    book = with_sheet_xml(base, tmp_path / "links2.xlsx", "Justifications", hyperlinked("A1:SF4000"))
    assert inspect_measured(book)[0].limit == "max_hyperlink_cells"
    assert_refused(book, ws, "max_hyperlink_cells", "Justifications!A1:SF4000")


# --- cells_550000rows.xlsx and sst_5000000.xlsx ---------------------------------------------------


def test_550000_rows_are_refused_at_the_row_limit_while_streaming(base, ws, tmp_path):
    book = big_sheet(base, tmp_path / "rows.xlsx", "Matrice", rows=550_000)
    members = {n: len(d) for n, d in parts(book).items()}
    assert sum(members.values()) < SheetLimits().max_unzipped_bytes  # so the rows are what is counted
    error, seconds, peak = inspect_measured(book)
    assert (error.limit, error.place) == ("max_rows", "Matrice!A5001")
    assert seconds < INSPECT_SECONDS and peak < INSPECT_PEAK_MB
    assert_refused(book, ws, "max_rows", "Matrice!A5001")


def test_unzipped_size_is_checked_from_the_zip_directory(base, ws, tmp_path):
    book = big_sheet(base, tmp_path / "cells.xlsx", "Matrice", rows=550_000, cells_per_row=3)
    assert book.stat().st_size < SheetLimits().max_bytes  # small enough to pass the file-size limit
    error, seconds, _ = inspect_measured(book)
    assert error.limit == "max_unzipped_bytes" and error.place.startswith("xl/worksheets/") and seconds < 1
    assert_refused(book, ws, "max_unzipped_bytes", "xl/worksheets/")


def test_shared_string_floods_are_refused(base, ws, tmp_path):
    book = flood_shared_strings(base, tmp_path / "sst5m.xlsx", 5_000_000)
    assert book.stat().st_size < 1_000_000
    assert inspect_measured(book)[0].limit == "max_unzipped_bytes"
    book = flood_shared_strings(base, tmp_path / "sst300k.xlsx", 300_000)
    error, seconds, peak = inspect_measured(book)
    assert (error.limit, error.found) == ("max_shared_strings", 100_001)
    assert seconds < INSPECT_SECONDS and peak < INSPECT_PEAK_MB
    assert_refused(book, ws, "max_shared_strings", "xl/sharedStrings.xml")


def test_cells_and_characters_per_cell(base, tmp_path):
    book = big_sheet(base, tmp_path / "cells.xlsx", "Niveaux", rows=3000, cells_per_row=40)
    error, _, _ = inspect_measured(book)
    assert error.limit == "max_cells" and error.place.startswith("Niveaux!")
    long_text = "é" * 40_000
    book = with_sheet_xml(base, tmp_path / "long.xlsx", "Niveaux", lambda xml: xml.replace(
        "</sheetData>", f'<row r="90"><c r="B90" t="inlineStr"><is><t>{long_text}</t></is></c></row></sheetData>'))
    error, _, _ = inspect_measured(book)
    assert (error.limit, error.place) == ("max_cell_chars", "Niveaux!B90")
    members = parts(base)
    members["xl/styles.xml"] = members["xl/styles.xml"].replace(b"</styleSheet>", b" " * 5_000_000 + b"</styleSheet>")
    book = write_parts(tmp_path / "styles.xlsx", members)
    error, _, _ = inspect_measured(book)
    assert (error.limit, error.place) == ("max_part_bytes", "xl/styles.xml")


def test_limits_are_settings(base, ws, tmp_path):
    assert SheetLimits.from_env({"CIPT_XLSX_MAX_CELLS": "500"}).max_cells == 500
    with pytest.raises(Exception, match="CIPT_XLSX_MAX_ROWS"):
        SheetLimits.from_env({"CIPT_XLSX_MAX_ROWS": "many"})
    assert_refused(base, ws, "max_cells", "!", env={"CIPT_XLSX_MAX_CELLS": "500"})
    assert_refused(base, ws, "max_bytes", "", env={"CIPT_XLSX_MAX_BYTES": "1000"})
    assert_refused(base, ws, "max_sheets", "", env={"CIPT_XLSX_MAX_SHEETS": "2"})


def test_an_ordinary_export_is_well_within_the_limits(base):
    found = inspect_workbook(base, SheetLimits())
    limits = SheetLimits()
    assert found.cells * 20 < limits.max_cells and len(found.sheets) * 4 <= limits.max_sheets
    assert base.stat().st_size * 100 < limits.max_bytes


# --- over HTTP: 413 / 400 naming the limit, the lock free for the next import --------------------


def test_http_import_refuses_hostile_workbooks_and_stays_writable(base, ws, tmp_path):
    merged_full = with_sheet_xml(base, tmp_path / "mf.xlsx", "Matrice", merged("A1:XFD1048576"))
    sst = flood_shared_strings(base, tmp_path / "sst.xlsx", 5_000_000)
    valid = base.read_bytes()
    with serving(["--data", str(ws.root), "--allow-writes"], tmp_path / "serve.log", writer_env()) as server:
        before = tree_digest(ws.root)  # after start-up (the service keeps its own files, e.g. .session-secret)
        start = time.monotonic()
        response = upload(server.url, "/api/imports/matrix", merged_full.read_bytes(), XLSX)
        assert response.status_code == 400, response.text
        body = response.json()
        assert (body["limit"], body["place"], body["value"]) == ("CIPT_XLSX_MAX_COLUMNS", "Matrice!A1:XFD1048576", 500)
        assert "/tmp" not in body["message"] and "cipt-upload" not in body["message"]
        response = upload(server.url, "/api/imports/matrix", sst.read_bytes(), XLSX)
        assert response.status_code == 413 and response.json()["limit"] == "CIPT_XLSX_MAX_UNZIPPED_BYTES"
        assert time.monotonic() - start < SECONDS
        assert tree_digest(ws.root) == before
        response = upload(server.url, "/api/imports/matrix", valid, XLSX, dry_run="true")
        assert response.status_code == 200 and response.json()["valid"] is True  # the write path is free
        assert httpx.get(f"{server.url}/api/modules", timeout=30).status_code == 200
    assert tree_digest(ws.root) == before


# --- the team's reference files themselves, when ../shared is there (read, never copied) ----------


@pytest.mark.parametrize("name, limit", [("merged_full.xlsx", "max_columns"),
                                         ("cells_550000rows.xlsx", "max_unzipped_bytes"),
                                         ("sst_5000000.xlsx", "max_unzipped_bytes")])
def test_reference_hostile_workbooks_are_refused(shared_dir, name, limit):
    error, seconds, peak = inspect_measured(shared_dir / "cases" / "hostile" / name)
    assert error.limit == limit and seconds < INSPECT_SECONDS and peak < INSPECT_PEAK_MB


def test_reference_text_workbooks_and_leading_space(shared_dir, ws, tmp_path):
    from cipt_graph.spreadsheet import MatrixError, import_matrix

    before = tree_digest(ws.root)
    with pytest.raises(MatrixError) as caught:
        import_matrix(ws, shared_dir / "cases" / "hostile" / "leading_space.xlsx", author="T", force=True)
    assert {e.sheet + "!" + e.cell for e in caught.value.errors} >= {"Justifications!G2"}
    assert tree_digest(ws.root) == before
    for name in ("05_rationale_with_line_break.xlsx", "06_rationale_with_unicode_line_separator.xlsx",
                 "07b_rationale_x000D_in_sharedStrings.xlsx"):
        fresh = init_workspace(tmp_path / name)  # each case against the shipped data, not the previous case
        result = import_matrix(fresh, shared_dir / "cases" / "text" / name, author="T", force=True)
        # The cases edit the rationale of M01 → BC03-C2, a link the mapping review has since removed
        # from the shipped data: it comes back as an added row, or a changed one on older data.
        rows = list(result.added) + [c | {"rationale": c["after"].get("rationale")} for c in result.changed]
        (rationale,) = [r["rationale"] for r in rows if (r["module"], r["competency"]) == ("M01", "BC03-C2")]
        assert rationale.startswith("Initie aux formes de la parole institutionnelle.\n")
        assert "_x000D_" not in rationale and "\u2028" not in rationale and "\r" not in rationale
