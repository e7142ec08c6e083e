"""Reading an edited matrix workbook back: untrusted input, every cell checked, every error listed.

The parts: :mod:`.container` opens the file (limits, format, defusedxml), :mod:`.values` reads a
cell, :mod:`.checks` checks the matrix and rationale sheets, :mod:`.links` the link sheets,
:mod:`.edit` holds what the workbook says and its errors. Their names are importable from here.
"""

from __future__ import annotations

from pathlib import Path

from .checks import _check_matrix, _check_rationale, _impossible_hours  # noqa: F401
from .container import check_container, open_workbook  # noqa: F401
from .edit import (  # noqa: F401
    MAX_ERRORS_SHOWN, MAX_TEXT, CellError, EditedLink, MatrixEdit, MatrixError, errors_text,
)
from ..text import quoted
from .inspection import SheetLimits
from .model import FORMAT, SHEET_MATRIX, SHEET_META, SHEET_RATIONALE, TEXT, MatrixModel
from .values import (  # noqa: F401
    _as_written, _code, _decimal, _formula_text, _is_formula, _text, exported_rationale,
)


def _read_meta(wb) -> dict[str, str]:
    if SHEET_META not in wb.sheetnames:
        return {}
    ws = wb[SHEET_META]
    return {_text(ws.cell(r, 1).value): _text(ws.cell(r, 2).value) for r in range(1, min(ws.max_row, 50) + 1)
            if _text(ws.cell(r, 1).value)}


def read_matrix(path: str | Path, model: MatrixModel) -> MatrixEdit:
    """Read and check an edited workbook against the workspace's matrix.

    Raises:
        InputError: the file is not a readable XLSX workbook.
        MatrixError: with every problem found, each with its sheet and cell.
    """
    path = Path(path)
    return check_workbook(open_workbook(path), model, where=str(path))


def workbook_programme(wb) -> str | None:
    """The IRI of the programme the workbook was exported for (its hidden meta sheet), when the
    workspace held several programmes; else None."""
    return _read_meta(wb).get("programme") or None


def workbook_lang(wb) -> str:
    """The language the workbook was exported in (its hidden meta sheet), ``fr`` by default."""
    lang = _read_meta(wb).get("lang", "fr")
    return lang if lang in TEXT else "fr"


def _is_matrix_view(wb) -> bool:
    """Whether ``wb`` is the matrix page's view (``/matrix.xlsx``, :mod:`..visualize.matrix`):
    its « Lisez-moi » / « Read me » sheet opens with the catalog's sentence that says so."""
    from ..visualize.catalog import CATALOGS

    def plain(text: object) -> str:
        return " ".join(str(text or "").replace("\u00a0", " ").replace("\u202f", " ").split())

    for catalog in CATALOGS.values():
        name = catalog.get("matrix.readme_sheet")
        if name in wb.sheetnames and plain(wb[name]["A1"].value) == plain(catalog.get("matrix.readme_view")):
            return True
    return False


def check_workbook(wb, model: MatrixModel, *, where: str) -> MatrixEdit:
    """Check an open workbook against the matrix ``model`` (built in the workbook's language).

    Raises:
        MatrixError: with every problem found, each with its sheet and cell.
    """
    errors: list[CellError] = []
    edit = MatrixEdit(meta=_read_meta(wb))
    if edit.meta and edit.meta.get("format") != FORMAT:
        errors.append(CellError(SHEET_META, "B1", f"format {quoted(edit.meta.get('format'))} inconnu (attendu {FORMAT})",
                                f"unknown format {edit.meta.get('format')!r} (expected {FORMAT})"))
    lang = edit.meta.get("lang") if edit.meta.get("lang") in TEXT else model.lang
    missing = [name for name in (SHEET_MATRIX, SHEET_RATIONALE) if name not in wb.sheetnames]
    if missing and _is_matrix_view(wb):
        raise MatrixError([CellError(
            "Classeur", "", "ce classeur est la vue de la matrice (« Classeur XLSX », /matrix.xlsx), pour la lecture "
            "et l'impression : il ne se réimporte pas. Partez du classeur modifiable (« Télécharger le classeur "
            "modifiable » sur la page Matrice, ou cipt export-matrix), reportez-y vos modifications, puis déposez-le",
            "this workbook is the view of the matrix (“XLSX workbook”, /matrix.xlsx), for reading and printing: it "
            "cannot be imported back. Start from the editable workbook (“Download the editable workbook” on the "
            "Matrix page, or cipt export-matrix), carry your changes over, then upload it")], where=where)
    if missing:
        errors += [CellError("Classeur", "", f"feuille {quoted(name)} absente (feuilles présentes : "
                             f"{', '.join(wb.sheetnames)}) : ce n'est pas une matrice exportée par cipt export-matrix",
                             f"sheet {name!r} missing (sheets found: {', '.join(wb.sheetnames)}): not a matrix "
                             "exported by cipt export-matrix")
                   for name in missing]
        raise MatrixError(errors, where=where)
    limits = SheetLimits.from_env()
    for name in (SHEET_MATRIX, SHEET_RATIONALE):
        ws = wb[name]
        if ws.max_row > limits.max_rows or ws.max_column > limits.max_columns:
            errors.append(CellError(name, "", f"feuille trop grande ({ws.max_row} lignes × {ws.max_column} colonnes)",
                                    f"sheet too large ({ws.max_row} rows × {ws.max_column} columns)"))
    if errors:
        raise MatrixError(errors, where=where)
    _check_matrix(wb[SHEET_MATRIX], model, TEXT[lang], edit, errors)
    _check_rationale(wb[SHEET_RATIONALE], model, TEXT[lang], edit, errors)
    if model.links is not None:
        from .links import read_link_sheets

        edit.others = read_link_sheets(wb, model.links, {m.code for m in model.modules}, lang, errors)
    if errors:
        raise MatrixError(errors, where=where)
    return edit
