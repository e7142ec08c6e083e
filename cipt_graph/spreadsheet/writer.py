"""Writing the coverage matrix: an XLSX workbook for the team to edit, or a CSV matrix."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..cells import csv_cell, put, xlsx_text
from ..text import clean_code, clean_line, clean_text
from .totals import write_totals
from .model import (
    COL_HOURS, COL_LABEL, COL_MODULE, COL_PERIOD, FIRST_COMPETENCY_COL, FIRST_DATA_ROW, FORMAT,
    INSTRUCTIONS_EN, INSTRUCTIONS_FR, ROW_BLOCKS, ROW_CODES, ROW_LABELS, SHEET_INSTRUCTIONS, SHEET_LEVELS,
    SHEET_MATRIX, SHEET_META, SHEET_RATIONALE, STATUS_LABELS, TEXT, MatrixModel, row_key, status_label,
)

_BOLD = Font(bold=True)
_GREY = Font(color="666666")
_HEAD_FILL = PatternFill("solid", fgColor="DDE4EE")
_PERIOD_FILL = PatternFill("solid", fgColor="F2F2F2")
_BLOCK_FILLS = ("E8F0FA", "FBEFE3")
_THIN = Side(style="thin", color="999999")
_CENTER = Alignment(horizontal="center", vertical="center")
_WRAP = Alignment(wrap_text=True, vertical="top")


def matrix_cells(model: MatrixModel) -> dict[tuple[str, str], str]:
    """(module, competency) → level notation, from the mapping rows."""
    out = {}
    for row in model.rows:
        out[row_key(row)] = model.level_of(row["level"]) or row["level"]
    return out


def _write_matrix(wb: Workbook, model: MatrixModel) -> None:
    text = TEXT[model.lang]
    ws = wb.create_sheet(SHEET_MATRIX)
    put(ws, ROW_BLOCKS, COL_LABEL, text["blocks"]).font = _BOLD
    for col, title in zip((COL_PERIOD, COL_MODULE, COL_LABEL, COL_HOURS), text["matrix_headers"]):
        cell = put(ws, ROW_CODES, col, title)
        cell.font, cell.fill = _BOLD, _HEAD_FILL
    put(ws, ROW_LABELS, COL_LABEL, text["labels_row"]).font = _GREY
    col = FIRST_COMPETENCY_COL
    for i, block in enumerate(model.blocks):
        first, last = col, col + len(block.competencies) - 1
        fill = PatternFill("solid", fgColor=_BLOCK_FILLS[i % 2])
        head = put(ws, ROW_BLOCKS, first, f"{block.code} — {block.label}")
        head.font, head.fill, head.alignment = _BOLD, fill, Alignment(horizontal="center", wrap_text=True)
        if last > first:
            ws.merge_cells(start_row=ROW_BLOCKS, start_column=first, end_row=ROW_BLOCKS, end_column=last)
        for comp in block.competencies:
            code = put(ws, ROW_CODES, col, comp.code)
            code.font, code.fill, code.alignment = _BOLD, fill, _CENTER
            label = put(ws, ROW_LABELS, col, comp.label)
            label.alignment, label.font = Alignment(wrap_text=True, vertical="top", text_rotation=0), _GREY
            ws.column_dimensions[get_column_letter(col)].width = 14
            col += 1
    last_col = col - 1
    ws.row_dimensions[ROW_BLOCKS].height = 45
    ws.row_dimensions[ROW_LABELS].height = 120
    for letter, width in (("A", 9), ("B", 12), ("C", 42), ("D", 8)):
        ws.column_dimensions[letter].width = width

    levels = ",".join(model.level_codes)
    shown = ", ".join(f"{l.code} = {l.label}" for l in model.levels)
    validation = DataValidation(type="list", formula1=f'"{levels}"', allow_blank=True, showErrorMessage=True,
                                showInputMessage=True, errorTitle="Niveau" if model.lang == "fr" else "Level",
                                error=text["level_error"].format(levels=shown),
                                promptTitle="Niveau" if model.lang == "fr" else "Level",
                                prompt=text["level_prompt"].format(levels=shown)[:255])
    ws.add_data_validation(validation)
    cells = matrix_cells(model)
    row = FIRST_DATA_ROW
    period = None
    for module in model.modules:
        if module.period != period:
            period = module.period
            put(ws, row, COL_PERIOD, module.period).font = _BOLD
            heading = put(ws, row, COL_LABEL, module.period_label or module.period)
            heading.font = _BOLD
            for c in range(COL_PERIOD, last_col + 1):
                ws.cell(row, c).fill = _PERIOD_FILL
            row += 1
        put(ws, row, COL_PERIOD, module.period)
        put(ws, row, COL_MODULE, module.code).font = _BOLD
        put(ws, row, COL_LABEL, module.label)
        put(ws, row, COL_HOURS, module.hours)
        ws.row_dimensions[row].outlineLevel = 1
        for c, comp in enumerate(model.competencies, start=FIRST_COMPETENCY_COL):
            cell = put(ws, row, c, cells.get((module.code, comp.code)))
            cell.alignment, cell.border = _CENTER, Border(_THIN, _THIN, _THIN, _THIN)
        validation.add(f"{get_column_letter(FIRST_COMPETENCY_COL)}{row}:{get_column_letter(last_col)}{row}")
        row += 1
    ws.sheet_properties.outlinePr.summaryBelow = False
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, FIRST_COMPETENCY_COL)


def _number(text: str) -> int | float | str | None:
    """Hours as a number cell (the CSV keeps its own spelling; the import compares values)."""
    text = text.strip()
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return text
    return int(value) if value == value.to_integral_value() else float(value)


def _write_rationale(wb: Workbook, model: MatrixModel) -> None:
    text = TEXT[model.lang]
    ws = wb.create_sheet(SHEET_RATIONALE)
    for col, title in enumerate(text["rationale_headers"], start=1):
        cell = put(ws, 1, col, title)
        cell.font, cell.fill = _BOLD, _HEAD_FILL
    labels = {m.code: m.label for m in model.modules} | {c.code: c.label for c in model.competencies}
    for r, row in enumerate(model.rows, start=2):
        # Normalised as the mapping reader normalises them (docs/text.md): the workbook shows what the graph holds.
        values = (clean_code(row["module"]), clean_code(row["competency"]), _number(row["hours"]),
                  status_label(clean_code(row["status"]), model.lang), clean_line(row["asserted_by"]),
                  clean_code(row["asserted_on"]),
                  clean_text(row["rationale"]))
        for col, value in enumerate(values, start=1):
            cell = put(ws, r, col, value)
            if col in (5, 6):
                cell.font = _GREY
        ws.cell(r, 7).alignment = _WRAP
        for col, code in ((1, row["module"]), (2, row["competency"])):
            if code in labels:
                ws.cell(r, col).comment = Comment(xlsx_text(labels[code]), "cipt-graph", width=240, height=60)
    hours = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           showInputMessage=True, prompt=text["hours_prompt"])
    # The labels of the workbook's language in the list; the codes typed by hand are read too
    # (no error message: the import checks every cell).
    status = DataValidation(type="list", formula1='"' + ",".join(STATUS_LABELS[model.lang].values()) + '"',
                            allow_blank=True, showInputMessage=True, prompt=text["status_prompt"])
    ws.add_data_validation(hours)
    ws.add_data_validation(status)
    last = max(len(model.rows) + 1, 2) + 200  # room for new links
    hours.add(f"C2:C{last}")
    status.add(f"D2:D{last}")
    for letter, width in (("A", 10), ("B", 12), ("C", 10), ("D", 12), ("E", 20), ("F", 12), ("G", 100)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:G{len(model.rows) + 1}"


def _write_levels(wb: Workbook, model: MatrixModel) -> None:
    ws = wb.create_sheet(SHEET_LEVELS)
    for col, title in enumerate(TEXT[model.lang]["levels_headers"], start=1):
        put(ws, 1, col, title).font = _BOLD
    for r, level in enumerate(model.levels, start=2):
        for col, value in enumerate((level.code, level.label, level.rank, level.definition), start=1):
            put(ws, r, col, value).alignment = _WRAP
    ws.column_dimensions["B"].width = 20
    ws.column_dimensions["D"].width = 90


#: Where the upload page is when the workbook does not know the site's address.
_UPLOAD_PAGE = {"fr": "la page « Déposer un classeur modifié », à l'adresse du site suivie de {path}",
                "en": "the “Upload an edited workbook” page, at the site's address followed by {path}"}
UPLOAD_PAGE_PATH = "/edit/upload"


def _write_instructions(wb: Workbook, model: MatrixModel, upload_url: str | None) -> None:
    ws = wb.create_sheet(SHEET_INSTRUCTIONS, 0)
    shown = ", ".join(f"{l.code} ({l.label})" for l in model.levels)

    def upload(lang: str) -> str:
        return upload_url or _UPLOAD_PAGE[lang].format(path=UPLOAD_PAGE_PATH)

    # The workbook's language only (issue #15): an English workbook has no French instructions.
    text = (INSTRUCTIONS_EN if model.lang == "en" else INSTRUCTIONS_FR).format(levels=shown, upload=upload(model.lang),
                                                                           name=f" — {model.name}" if model.name else "")
    for r, line in enumerate(text.splitlines(), start=1):
        cell = put(ws, r, 1, line or None)
        if r == 1 or (line and not line.startswith(("•", " ")) and len(line) < 40):
            cell.font = _BOLD
        if upload_url and upload_url in (line or ""):
            cell.hyperlink = upload_url
    ws.column_dimensions["A"].width = 120


def _write_meta(wb: Workbook, model: MatrixModel) -> None:
    ws = wb.create_sheet(SHEET_META)
    ws.sheet_state = "hidden"
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    rows = [("format", FORMAT), ("lang", model.lang), ("exported_at", now),
            ("mapping_sha256", model.mapping_sha256), ("levels", ",".join(model.level_codes)),
            *((f"{kind}_sha256", model.links.sha256(kind)) for kind in (model.links.data if model.links else ()))]
    if model.programme is not None:  # several programmes in the workspace: the one this matrix is about
        rows.append(("programme", model.programme))
    for r, (key, value) in enumerate(rows, start=1):
        put(ws, r, 1, key)
        put(ws, r, 2, value)


def write_matrix_xlsx(model: MatrixModel, *, upload_url: str | None = None) -> bytes:
    """The workbook: Instructions, Matrice (levels), Justifications (hours, status, provenance,
    rationale of each link), Activités and Objectifs (the module → activity and → objective
    links, :mod:`.links`), Totaux, Niveaux (the scale) and a hidden sheet of metadata.

    Statuses are written as people of the workbook's language read them (``proposé``/``validé``
    in French, ``proposed``/``validated`` in English); the import reads both and the codes.

    Args:
        upload_url: the address of the site's upload page (``https://…/edit/upload``), named by
            the instructions as the way back; None: they name the page and its path.
    """
    wb = Workbook()
    wb.remove(wb.active)
    _write_matrix(wb, model)
    _write_rationale(wb, model)
    if model.links is not None:
        from .links import write_link_sheets

        write_link_sheets(wb, model.links, model.lang)
    write_totals(wb, model)
    _write_levels(wb, model)
    _write_instructions(wb, model, upload_url)
    _write_meta(wb, model)
    wb.active = wb.sheetnames.index(SHEET_MATRIX)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == SHEET_MATRIX
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_matrix_csv(model: MatrixModel) -> bytes:
    """The same matrix as CSV: one row per module, one column per competency code, levels in the cells.

    Text cells are neutralised against formula injection (:func:`cipt_graph.cells.csv_cell`).

    The long format (one row per link, with hours, status, provenance and rationale) is the
    workspace's ``mapping/module_competency.csv`` itself.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    head = ["period", "module", "module_label", "module_hours"] if model.lang == "en" else \
        ["periode", "module", "intitule", "heures"]
    writer.writerow([csv_cell(v) for v in head + [c.code for c in model.competencies]])
    cells = matrix_cells(model)
    for m in model.modules:
        row = [m.period, m.code, m.label, m.hours] + [cells.get((m.code, c.code), "") for c in model.competencies]
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")
