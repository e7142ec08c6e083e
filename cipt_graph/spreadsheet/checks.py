"""The checks of an edited workbook's two main sheets (the matrix, the rationales): every bad cell
becomes a :class:`~.edit.CellError` with its sheet, cell and message in French and English."""

from __future__ import annotations

from decimal import Decimal

from .. import i18n
from ..mapping import STATUSES
from ..text import clean_code, quoted
from .edit import MAX_TEXT, CellError, EditedLink, MatrixEdit
from .model import (
    COL_HOURS, COL_LABEL, COL_MODULE, COL_PERIOD, FIRST_COMPETENCY_COL, FIRST_DATA_ROW, ROW_BLOCKS, ROW_CODES,
    SHEET_MATRIX, SHEET_RATIONALE, MatrixModel, row_key, status_error,
)
from .values import _as_written, _code, _decimal, _formula_text, _is_formula, _text, exported_rationale


def _check_matrix(ws, model: MatrixModel, text: dict, edit: MatrixEdit, errors: list[CellError]) -> None:
    from openpyxl.utils import get_column_letter

    name = ws.title
    comps = model.competencies
    last_col = FIRST_COMPETENCY_COL + len(comps) - 1
    expected_merges = set()
    col = FIRST_COMPETENCY_COL
    block_start: dict[int, str] = {}
    for block in model.blocks:
        block_start[col] = block.code
        if len(block.competencies) > 1:
            expected_merges.add(f"{get_column_letter(col)}{ROW_BLOCKS}:"
                                f"{get_column_letter(col + len(block.competencies) - 1)}{ROW_BLOCKS}")
        col += len(block.competencies)
    merged = {str(r) for r in ws.merged_cells.ranges}
    for extra in sorted(merged - expected_merges):
        errors.append(CellError(name, extra, "cellules fusionnées non prévues : défusionnez-les (en-têtes déplacés ?)",
                                "unexpected merged cells: unmerge them (headers moved?)"))
    for gone in sorted(expected_merges - merged):
        errors.append(CellError(name, gone, "l'en-tête de bloc n'est plus fusionné sur ses compétences "
                                "(colonnes déplacées ?) : réexportez la matrice",
                                "the block header is no longer merged over its competencies (columns moved?): "
                                "export the matrix again"))
    for col, code in block_start.items():
        value = _code(ws.cell(ROW_BLOCKS, col).value)
        if not value.startswith(clean_code(code)):
            errors.append(CellError(name, f"{get_column_letter(col)}{ROW_BLOCKS}",
                                    f"en-tête de bloc déplacé : attendu {quoted(code)}, trouvé {quoted(value)}",
                                    f"block header moved: expected {code!r}, found {value!r}"))
    for col, title in zip((COL_PERIOD, COL_MODULE, COL_LABEL, COL_HOURS), text["matrix_headers"]):
        value = _code(ws.cell(ROW_CODES, col).value)
        if value != title:
            errors.append(CellError(name, f"{get_column_letter(col)}{ROW_CODES}",
                                    f"en-tête déplacé ou modifié : attendu {quoted(title)}, trouvé {quoted(value)}",
                                    f"header moved or changed: expected {title!r}, found {value!r}"))
    for col, comp in enumerate(comps, start=FIRST_COMPETENCY_COL):
        value = _code(ws.cell(ROW_CODES, col).value)
        if value != clean_code(comp.code):
            known = any(value == c.code for c in comps)
            errors.append(CellError(name, f"{get_column_letter(col)}{ROW_CODES}",
                                    f"en-tête de compétence {'déplacé' if known else 'inconnu'} : attendu "
                                    f"{quoted(comp.code)}, trouvé {quoted(value)}",
                                    f"competency header {'moved' if known else 'unknown'}: expected "
                                    f"{comp.code!r}, found {value!r}"))
    for col in range(last_col + 1, ws.max_column + 1):
        for row in range(1, ws.max_row + 1):
            if _text(ws.cell(row, col).value):
                errors.append(CellError(name, f"{get_column_letter(col)}{row}",
                                        f"colonne inattendue (après la dernière compétence {comps[-1].code}) : "
                                        "retirez ce contenu",
                                        f"unexpected column (after the last competency {comps[-1].code}): "
                                        "remove this content"))
                break
    modules = {m.code: m for m in model.modules}
    periods = {m.period for m in model.modules}
    seen: dict[str, int] = {}
    for row in range(FIRST_DATA_ROW, ws.max_row + 1):
        cells = [ws.cell(row, c) for c in range(1, last_col + 1)]
        if not any(_text(c.value) for c in cells):
            continue
        code = _code(ws.cell(row, COL_MODULE).value)
        level_cells = cells[FIRST_COMPETENCY_COL - 1:]
        if not code:
            if _text(ws.cell(row, COL_PERIOD).value) in periods and not any(_text(c.value) for c in level_cells):
                continue  # a period heading row
            errors.append(CellError(name, f"B{row}", "code module manquant sur une ligne remplie",
                                    "module code missing on a filled row"))
            continue
        module = modules.get(code)
        if module is None:
            errors.append(CellError(name, f"B{row}", f"module inconnu {quoted(code)}", f"unknown module {code!r}"))
            continue
        if code in seen:
            errors.append(CellError(name, f"B{row}", f"module {code} en double (déjà ligne {seen[code]})",
                                    f"module {code} twice (already row {seen[code]})"))
            continue
        seen[code] = row
        edit.modules_read.add(code)
        for col, expected in ((COL_PERIOD, module.period), (COL_LABEL, module.label), (COL_HOURS, str(module.hours))):
            expected = _as_written(expected)
            if _text(ws.cell(row, col).value) != expected:
                errors.append(CellError(name, f"{get_column_letter(col)}{row}",
                                        f"valeur en lecture seule modifiée : attendu {quoted(expected)}, trouvé "
                                        f"{quoted(_text(ws.cell(row, col).value))} (elle vient des données du programme)",
                                        f"read-only value changed: expected {expected!r}, found "
                                        f"{_text(ws.cell(row, col).value)!r} (it comes from the programme's data)"))
        for col, (comp, cell) in enumerate(zip(comps, level_cells), start=FIRST_COMPETENCY_COL):
            ref = f"{get_column_letter(col)}{row}"
            if _is_formula(cell):
                errors.append(CellError(name, ref, "formule non acceptée : saisissez un niveau",
                                        "formula not accepted: type a level"))
                edit.cells_refused.add((code, comp.code))
                continue
            raw = _text(cell.value)
            if not raw:
                continue
            level = model.level_of(raw)
            if level is None:
                errors.append(CellError(name, ref, f"{quoted(raw)} n'est pas un niveau de l'échelle "
                                                   f"({', '.join(model.level_codes)})",
                                        f"{raw!r} is not a level of the scale ({', '.join(model.level_codes)})"))
                edit.cells_refused.add((code, comp.code))
                continue
            edit.links[(code, comp.code)] = EditedLink(level=level, cell=ref)
    for code in modules:
        if code not in seen:
            errors.append(CellError(name, "B:B", f"module {code} absent de la matrice (ligne supprimée ?) : "
                                                 "réexportez la matrice",
                                    f"module {code} missing from the matrix (row deleted?): export the matrix again"))


def _check_rationale(ws, model: MatrixModel, text: dict, edit: MatrixEdit, errors: list[CellError]) -> None:
    from openpyxl.utils import get_column_letter

    name = ws.title
    headers = text["rationale_headers"]
    for col, title in enumerate(headers, start=1):
        value = _text(ws.cell(1, col).value)
        if value != title:
            errors.append(CellError(name, f"{get_column_letter(col)}1", f"en-tête déplacé ou modifié : attendu {quoted(title)}, "
                                                               f"trouvé {quoted(value)}",
                                    f"header moved or changed: expected {title!r}, found {value!r}"))
    for col in range(len(headers) + 1, ws.max_column + 1):
        if any(_text(ws.cell(r, col).value) for r in range(1, ws.max_row + 1)):
            letter = get_column_letter(col)
            errors.append(CellError(name, f"{letter}:{letter}",
                                    "colonne inattendue : retirez ce contenu", "unexpected column: remove this content"))
    modules = {m.code for m in model.modules}
    comps = {c.code for c in model.competencies}
    before = {row_key(r): exported_rationale(r.get("rationale")) for r in model.rows}
    seen: dict[tuple[str, str], int] = {}
    stated_hours: dict[str, list[tuple[int, Decimal]]] = {}
    for row in range(2, ws.max_row + 1):
        values = [ws.cell(row, c).value for c in range(1, len(headers) + 1)]
        if not any(_text(v) for v in values):
            continue
        formula = False
        for col in range(1, len(headers) + 1):
            if _is_formula(ws.cell(row, col)):
                errors.append(CellError(name, f"{get_column_letter(col)}{row}", "formule non acceptée : saisissez "
                                        "du texte", "formula not accepted: type text"))
                formula = True
        module, comp = _code(values[0]), _code(values[1])
        bad = False
        if module not in modules:
            errors.append(CellError(name, f"A{row}", f"module inconnu {quoted(module)}", f"unknown module {module!r}"))
            bad = True
        if comp not in comps:
            errors.append(CellError(name, f"B{row}", f"compétence inconnue {quoted(comp)}",
                                    f"unknown competency {comp!r}"))
            bad = True
        if bad:
            continue
        key = (module, comp)
        if key in seen:
            errors.append(CellError(name, f"A{row}", f"lien {module} → {comp} en double (déjà ligne {seen[key]})",
                                    f"link {module} → {comp} twice (already row {seen[key]})"))
            continue
        seen[key] = row
        link = edit.links.get(key)
        if link is None and (module not in edit.modules_read or key in edit.cells_refused):
            continue  # its matrix row, or its matrix cell, is already reported
        if link is None:
            errors.append(CellError(name, f"A{row}", f"le lien {module} → {comp} n'a pas de niveau dans la feuille "
                                                     f"{SHEET_MATRIX} : donnez-lui un niveau ou supprimez cette ligne",
                                    f"the link {module} → {comp} has no level in the {SHEET_MATRIX} sheet: give it "
                                    "a level or delete this row"))
            continue
        try:
            link.hours = _decimal(values[2])
        except ValueError:
            errors.append(CellError(name, f"C{row}", f"{quoted(_text(values[2]))} n'est pas un nombre d'heures ≥ 0",
                                    f"{_text(values[2])!r} is not a number of hours ≥ 0"))
        if link.hours is not None:
            stated_hours.setdefault(module, []).append((row, link.hours))
        status = _code(values[3])
        if status and status.casefold() not in STATUSES:
            errors.append(CellError(name, f"D{row}", *status_error(status)))
        link.status = status.casefold() or None
        rationale = _text(values[6])
        if formula:
            continue
        if _formula_text(ws.cell(row, 7), rationale, before.get(key)):
            errors.append(CellError(name, f"G{row}", "justification qui commence par « = » : un tableur la prendrait "
                                    "pour une formule ; reformulez-la (ou précédez-la d'une apostrophe dans Excel)",
                                    "rationale starting with '=': a spreadsheet would take it for a formula; "
                                    "reword it (or start it with an apostrophe in Excel)"))
        elif not rationale:
            errors.append(CellError(name, f"G{row}", f"justification vide pour le lien {module} → {comp}",
                                    f"empty rationale for the link {module} → {comp}"))
        elif len(rationale) > MAX_TEXT:
            errors.append(CellError(name, f"G{row}", f"justification trop longue ({len(rationale)} caractères)",
                                    f"rationale too long ({len(rationale)} characters)"))
        link.rationale = rationale
    errors.extend(_impossible_hours(name, model, stated_hours))
    for key, link in edit.links.items():
        if key not in seen:
            errors.append(CellError(SHEET_MATRIX, link.cell,
                                    f"le lien {key[0]} → {key[1]} n'a pas de justification : ajoutez une ligne "
                                    f"dans la feuille {SHEET_RATIONALE}",
                                    f"the link {key[0]} → {key[1]} has no rationale: add a row in the "
                                    f"{SHEET_RATIONALE} sheet"))

def _impossible_hours(sheet: str, model, stated: dict[str, list[tuple[int, Decimal]]]) -> list[CellError]:
    """Link hours a module cannot hold (issue #14): one link above the module's hours, or the
    stated hours of its links summing above them. Cells ``C<row>`` of the rationale sheet."""
    out = []
    for module in model.modules:
        cells = stated.get(module.code, [])
        limit = {lang: i18n.hours(module.hours, lang) for lang in ("fr", "en")}  # "20 h", each locale's
        for row, hours in cells:
            if hours > module.hours:
                out.append(CellError(sheet, f"C{row}", f"{i18n.hours(hours, 'fr')} sur un lien du module {module.code}, "
                                                       f"qui n'a que {limit['fr']}",
                                     f"{i18n.hours(hours, 'en')} on a link of the module {module.code}, which has only "
                                     f"{limit['en']}"))
        total = sum((h for _, h in cells), Decimal(0))
        if len(cells) > 1 and total > module.hours:
            rows = ", ".join(f"C{row}" for row, _ in cells)
            out.append(CellError(sheet, f"C{cells[0][0]}", f"les heures des liens du module {module.code} ({rows}) "
                                                         f"totalisent {i18n.hours(total, 'fr')}, plus que ses {limit['fr']}",
                                 f"the hours of the links of the module {module.code} ({rows}) add up to "
                                 f"{i18n.hours(total, 'en')}, more than its {limit['en']}"))
    return out
