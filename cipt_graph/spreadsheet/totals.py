"""The « Totaux » / « Totals » sheet of the editable workbook (``cipt export-matrix``): what the
HTML matrix shows beside the levels — modules and hours per competency, hours per block,
competencies per module — with the uncovered competencies hatched red, in this sheet and in the
matrix sheet's headers.

Read-only for the import: ``cipt import-matrix`` reads the matrix and rationale sheets and
ignores this one. Hours follow the rule of the ``hours_per_competency`` and ``hours_per_block``
named queries: a link with stated hours counts them; the rest of the module's hours are shared
equally among its links without stated hours.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from ..cells import put
from .model import COL_MODULE, FIRST_COMPETENCY_COL, FIRST_DATA_ROW, ROW_CODES, SHEET_MATRIX, MatrixModel

SHEET_TOTALS = {"fr": "Totaux", "en": "Totals"}
GAP = PatternFill("lightUp", fgColor="B42318", bgColor="FDE8E8")
_BOLD = Font(bold=True)
_TEXT = {
    "fr": {"competency": "Compétence", "label": "Intitulé", "block": "Bloc", "modules": "Modules",
           "hours": "Heures", "block_hours": "Heures du bloc", "module": "Module", "competencies": "Compétences",
           "gap": "Lacune", "uncovered": "compétence non couverte", "empty": "ne couvre aucune compétence",
           "total": "Total des heures des modules", "note": "Feuille de lecture : l'import l'ignore."},
    "en": {"competency": "Competency", "label": "Title", "block": "Block", "modules": "Modules",
           "hours": "Hours", "block_hours": "Block hours", "module": "Module", "competencies": "Competencies",
           "gap": "Gap", "uncovered": "uncovered competency", "empty": "covers no competency",
           "total": "Total hours of the modules", "note": "Reading sheet: the import ignores it."},
}


def _hours(text: str) -> float | None:
    try:
        return float(Decimal(text.strip().replace(",", "."))) if text and text.strip() else None
    except InvalidOperation:
        return None


def link_hours(model: MatrixModel) -> dict[tuple[str, str], float]:
    """(module, competency) → hours of each link, by the rule of ``hours_per_competency``."""
    module_hours = {m.code: float(m.hours or 0) for m in model.modules}
    by_module: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
    for row in model.rows:
        module, comp = row["module"].strip(), row["competency"].strip()
        if module and comp and (model.level_of(row["level"]) or row["level"].strip()):
            by_module[module].append((comp, _hours(row.get("hours", ""))))
    out = {}
    for module, links in by_module.items():
        stated = sum(h for _, h in links if h is not None)
        free = [c for c, h in links if h is None]
        share = max(module_hours.get(module, 0.0) - stated, 0.0) / len(free) if free else 0.0
        for comp, h in links:
            out[(module, comp)] = h if h is not None else share
    return out


def write_totals(wb: Workbook, model: MatrixModel) -> None:
    """Add the totals sheet to ``wb`` and hatch the uncovered competencies in the matrix sheet."""
    t = _TEXT[model.lang]
    hours = link_hours(model)
    per_comp: dict[str, list[str]] = defaultdict(list)
    per_module: dict[str, list[str]] = defaultdict(list)
    for module, comp in hours:
        per_comp[comp].append(module)
        per_module[module].append(comp)
    ws = wb.create_sheet(SHEET_TOTALS[model.lang])
    put(ws, 1, 1, t["note"]).font = Font(italic=True, color="666666")
    for col, title in enumerate((t["block"], t["competency"], t["label"], t["modules"], t["hours"],
                                 t["block_hours"], t["gap"]), start=1):
        put(ws, 3, col, title).font = _BOLD
    row = 4
    for block in model.blocks:
        block_hours = sum(hours[key] for key in hours if key[1] in {c.code for c in block.competencies})
        for i, comp in enumerate(block.competencies):
            values = (block.code, comp.code, comp.label, len(per_comp[comp.code]),
                      round(sum(hours[(m, comp.code)] for m in per_comp[comp.code]), 2),
                      round(block_hours, 2) if i == 0 else None,
                      None if per_comp[comp.code] else t["uncovered"])
            for col, value in enumerate(values, start=1):
                put(ws, row, col, value)
            if not per_comp[comp.code]:
                for col in range(1, 8):
                    ws.cell(row, col).fill = GAP
            row += 1
    row += 1
    matrix_sheet = wb[SHEET_MATRIX]
    module_rows = {str(matrix_sheet.cell(r, COL_MODULE).value): r
                   for r in range(FIRST_DATA_ROW, matrix_sheet.max_row + 1) if matrix_sheet.cell(r, COL_MODULE).value}
    for col, title in enumerate((t["module"], t["label"], t["hours"], t["competencies"], t["gap"]), start=1):
        put(ws, row, col, title).font = _BOLD
    row += 1
    for module in model.modules:
        covered = per_module[module.code]
        # A module covering no competency is marked and hatched, as the HTML matrix and the
        # dashboard show it (``modules_without_competency``: an assessment session is no gap).
        gap = not covered and module.code not in model.assessment_sessions
        for col, value in enumerate((module.code, module.label, module.hours, len(covered),
                                     t["empty"] if gap else None), start=1):
            put(ws, row, col, value)
        if gap:
            for col in range(1, 6):
                ws.cell(row, col).fill = GAP
            if module.code in module_rows:
                matrix_sheet.cell(module_rows[module.code], COL_MODULE).fill = GAP
        row += 1
    put(ws, row, 2, t["total"]).font = _BOLD
    put(ws, row, 3, sum(float(m.hours or 0) for m in model.modules)).font = _BOLD
    for letter, width in (("A", 10), ("B", 12), ("C", 60), ("D", 12), ("E", 10), ("F", 14), ("G", 28)):
        ws.column_dimensions[letter].width = width
    matrix = wb[SHEET_MATRIX]
    for col, comp in enumerate(model.competencies, start=FIRST_COMPETENCY_COL):
        if not per_comp[comp.code]:
            matrix.cell(ROW_CODES, col).fill = GAP
