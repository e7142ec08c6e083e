"""The editable workbook speaks to people (issue #15, found by testers): its instructions say how to
bring it back on the site (the upload page, by its address when the site is known), its statuses
are words of its language (``proposé``/``validé`` in French, ``proposed``/``validated`` in
English), and the import reads those words and the codes alike. The real `cipt` in a subprocess.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from cipt_graph.i18n import typeset

from conftest import run_cli

STATUSES = {"fr": {"proposé", "validé"}, "en": {"proposed", "validated"}}
SHEETS = {"Justifications": "module_competency.csv", "Activités": "module_activity.csv",
          "Objectifs": "module_objective.csv"}


@pytest.fixture()
def workspace(tmp_path) -> Path:
    ws = tmp_path / "ws"
    assert run_cli("init", str(ws)).returncode == 0
    return ws


def _export(workspace: Path, out: Path, *extra: str, env: dict | None = None) -> openpyxl.Workbook:
    done = run_cli("export-matrix", "--data", str(workspace), "--out", str(out), *extra, env=env)
    assert done.returncode == 0, done.stderr
    return openpyxl.load_workbook(out)


def _instructions(wb) -> str:
    return "\n".join(str(c.value) for c in wb["Instructions"]["A"] if c.value)


def _rows(workspace: Path, name: str) -> list[dict[str, str]]:
    text = (workspace / "mapping" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_statuses_are_words_of_the_workbooks_language(workspace, tmp_path, lang):
    mapping = workspace / "mapping" / "module_competency.csv"
    text = mapping.read_text(encoding="utf-8")
    assert ",validated," not in text
    first, rest = text.split(",proposed,", 1)  # one link validated (the shipped ones are all proposed)
    mapping.write_text(first + ",validated," + rest, encoding="utf-8")
    wb = _export(workspace, tmp_path / "m.xlsx", "--lang", lang)
    for sheet, name in SHEETS.items():
        ws = wb[sheet]
        shown = [ws.cell(r, 4).value for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value]
        assert len(shown) == len(_rows(workspace, name)) and set(shown) <= STATUSES[lang], (sheet, set(shown))
        lists = [dv.formula1 for dv in ws.data_validations.dataValidation if "D2" in str(dv.sqref)]
        assert lists == ['"proposé,validé"' if lang == "fr" else '"proposed,validated"'], (sheet, lists)
    assert {wb["Justifications"].cell(r, 4).value for r in range(2, wb["Justifications"].max_row + 1)} \
        >= STATUSES[lang]


def test_instructions_name_the_upload_page_and_the_status_words(workspace, tmp_path):
    text = _instructions(_export(workspace, tmp_path / "m.xlsx"))
    assert "/edit/upload" in text and "Déposer un classeur modifié" in text and "cipt import-matrix" in text
    assert "« proposé » ou « validé »" in text
    assert "« proposed » et « validated » sont acceptés" in text
    # With the site's address (as `cipt serve` is given it), the page is named by its URL, as a link.
    site = "https://cipt.example.org/equipe"
    wb = _export(workspace, tmp_path / "site.xlsx", env={"CIPT_BASE_URL": site + "/"})
    assert f"{site}/edit/upload" in _instructions(wb)
    links = [c.hyperlink.target for c in wb["Instructions"]["A"] if c.hyperlink]
    assert links == [f"{site}/edit/upload"]
    english = _instructions(_export(workspace, tmp_path / "en.xlsx", "--lang", "en", env={"CIPT_BASE_URL": site}))
    assert f"Bring it back on the team's site: {site}/edit/upload?lang=en" in english
    assert "Status: proposed or validated (the French proposé and validé are read too)" in english


def test_the_import_reads_the_words_and_the_codes(workspace, tmp_path):
    book = tmp_path / "m.xlsx"
    wb = _export(workspace, book)
    just = wb["Justifications"]
    proposed = [r for r in range(2, just.max_row + 1) if just.cell(r, 4).value == "proposé"]
    assert len(proposed) >= 2
    chosen = {}
    for r, value in zip(proposed[:2], ("Validé", "validated")):  # a person's word (any case), and the code
        just.cell(r, 4).value = value
        chosen[(just.cell(r, 1).value, just.cell(r, 2).value)] = value
    wb.save(book)
    done = run_cli("import-matrix", str(book), "--data", str(workspace), "--author", "Alice", "--format", "json")
    assert done.returncode == 0, done.stderr
    after = {(r["module"], r["competency"]): r for r in _rows(workspace, "module_competency.csv")}
    assert {after[k]["status"] for k in chosen} == {"validated"}
    assert json.loads(done.stdout)["version"]["kind"] == "matrix-import"
    # The same workbook exported again reads back unchanged (the words round-trip).
    again = tmp_path / "again.xlsx"
    _export(workspace, again)
    same = run_cli("import-matrix", str(again), "--data", str(workspace), "--author", "Alice", "--format", "json")
    assert same.returncode == 0, same.stderr
    assert json.loads(same.stdout)["version"] is None


def test_a_status_of_neither_kind_is_named_by_cell(workspace, tmp_path):
    book = tmp_path / "m.xlsx"
    wb = _export(workspace, book)
    wb["Objectifs"].cell(2, 4).value = "accepté"
    wb.save(book)
    before = (workspace / "mapping" / "module_objective.csv").read_bytes()
    done = run_cli("import-matrix", str(book), "--data", str(workspace))
    assert done.returncode == 2
    assert "Objectifs!D2" in done.stderr and typeset("statut « accepté » inconnu : proposé ou validé", "fr") in done.stderr, done.stderr
    assert (workspace / "mapping" / "module_objective.csv").read_bytes() == before


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_view_workbook_says_it_is_a_view_and_where_the_editable_one_is(lang):
    """/matrix.xlsx is the matrix as the page shows it, not the round-trip workbook: its last
    sheet says so and names the editable workbook and the upload page."""
    from cipt_graph.build import build_store
    from cipt_graph.visualize.catalog import CATALOGS
    from cipt_graph.visualize.matrix import matrix_xlsx

    wb = openpyxl.load_workbook(io.BytesIO(matrix_xlsx(build_store(), lang)))
    assert wb.sheetnames[-1] == CATALOGS[lang]["matrix.readme_sheet"]
    text = "\n".join(str(c.value) for c in wb.worksheets[-1]["A"] if c.value)
    assert "/edit/workbook.xlsx" in text and "/edit/upload" in text and "cipt import-matrix" in text
    assert CATALOGS[lang]["matrix.upload_workbook"] in text
