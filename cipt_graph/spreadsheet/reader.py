"""Reading an edited matrix workbook back: untrusted input, every cell checked, every error listed."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..cells import decode_ooxml, xlsx_text
from ..errors import InputError, os_reason
from ..mapping import MAX_RATIONALE_CHARS, STATUSES
from ..text import clean_code, clean_text
from .inspection import Inspection, LimitError, SheetLimits, inspect_workbook
from .model import (
    COL_HOURS, COL_LABEL, COL_MODULE, COL_PERIOD, FIRST_COMPETENCY_COL, FIRST_DATA_ROW, FORMAT, ROW_BLOCKS,
    ROW_CODES, SHEET_MATRIX, SHEET_META, SHEET_RATIONALE, TEXT, MatrixModel, row_key,
)

#: Longest rationale (characters); the limits on the file itself are :class:`.inspection.SheetLimits`.
MAX_TEXT = MAX_RATIONALE_CHARS
MAX_ERRORS_SHOWN = 200


@dataclass(frozen=True)
class CellError:
    """One problem in the workbook: sheet, cell reference (``F7``, ``B:B``, or empty) and what."""

    sheet: str
    cell: str
    message: str
    en: str = ""  # the message in English (the command line's and the site's English)

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{where}: {self.message}"

    def text(self, lang: str = "fr") -> str:
        """The message in ``lang`` (French unless ``en`` and an English text is known)."""
        return self.en if lang == "en" and self.en else self.message

    def show(self, lang: str = "fr") -> str:
        """``sheet!cell: message`` in ``lang``."""
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{where}: {self.text(lang)}"

    def as_dict(self) -> dict[str, str]:
        return {"sheet": self.sheet, "cell": self.cell, "message": self.message}


class MatrixError(InputError):
    """The workbook is not a valid matrix: ``errors`` lists every problem found."""

    def __init__(self, errors: list[CellError], *, where: str | None = None) -> None:
        self.errors = errors
        shown = [str(e) for e in errors[:MAX_ERRORS_SHOWN]]
        if len(errors) > MAX_ERRORS_SHOWN:
            shown.append(f"… et {len(errors) - MAX_ERRORS_SHOWN} autre(s)")
        super().__init__(f"{len(errors)} erreur(s), rien n'a été appliqué :\n  " + "\n  ".join(shown), where=where)


@dataclass
class EditedLink:
    """A link as the workbook states it."""

    level: str
    hours: Decimal | None = None
    status: str | None = None
    rationale: str | None = None
    cell: str = ""


@dataclass
class MatrixEdit:
    """The workbook's content once checked: links by (module, competency), and its metadata."""

    links: dict[tuple[str, str], EditedLink] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    modules_read: set[str] = field(default_factory=set)
    #: (module, competency) of the matrix cells refused (a formula, a level off the scale): already
    #: reported, so their Justifications row is not reported again as "a link without a level".
    cells_refused: set[tuple[str, str]] = field(default_factory=set)
    #: The activity and objective links of the sheets the workbook has (:func:`.links.read_link_sheets`).
    others: dict[str, dict] = field(default_factory=dict)

    @property
    def base_sha256(self) -> str | None:
        return self.meta.get("mapping_sha256")


def check_container(path: Path, limits: SheetLimits | None = None) -> Inspection:
    """Refuse what is not a plain XLSX workbook within ``limits``, before openpyxl parses any XML.

    Returns the :class:`~.inspection.Inspection` (sheets, counts, exact shared-string texts).

    Raises:
        LimitError: past a limit (file or unzipped bytes, members, sheets, rows, columns, cells,
            merged or hyperlinked ranges, shared strings, characters per cell), with its place.
        InputError: missing, another format (xls, ods, csv…), a macro workbook, damaged.
    """
    limits = limits or SheetLimits.from_env()
    where = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"fichier illisible : {os_reason(exc, 'fr')}", where=where,
                         en=f"unreadable file: {os_reason(exc, 'en')}") from exc
    if size > limits.max_bytes:
        raise LimitError("max_bytes", limits.max_bytes, "fichier trop gros (octets)", found=size, where=where)
    with open(path, "rb") as handle:
        magic = handle.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError("format Excel 97-2003 (.xls) non pris en charge : enregistrez le classeur au format .xlsx",
                         where=where, en="Excel 97-2003 format (.xls) not supported: save the workbook as .xlsx")
    if not magic.startswith(b"PK\x03\x04"):
        raise InputError("ce n'est pas un classeur .xlsx (attendu : un fichier Excel/LibreOffice enregistré en .xlsx ; "
                         "pour le CSV, éditez mapping/module_competency.csv)", where=where,
                         en="not an .xlsx workbook (expected: an Excel/LibreOffice file saved as .xlsx; "
                            "for the CSV, edit mapping/module_competency.csv)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > limits.max_members:
                raise LimitError("max_members", limits.max_members, "trop de fichiers dans l'archive",
                                 found=len(members), where=where)
            sizes = {m.filename: m.file_size for m in members}
            if "mimetype" in sizes and sizes["mimetype"] < 1000 and b"opendocument" in archive.read("mimetype"):
                raise InputError("format OpenDocument (.ods) non pris en charge : enregistrez le classeur au format .xlsx",
                                 where=where, en="OpenDocument format (.ods) not supported: save the workbook as .xlsx")
            if "[Content_Types].xml" not in sizes or "xl/workbook.xml" not in sizes:
                raise InputError("archive zip qui n'est pas un classeur .xlsx", where=where,
                                 en="a zip archive that is not an .xlsx workbook")
            if sizes["[Content_Types].xml"] > limits.max_part_bytes:
                raise LimitError("max_part_bytes", limits.max_part_bytes, "partie du classeur trop grosse (octets)",
                                 found=sizes["[Content_Types].xml"], place="[Content_Types].xml", where=where)
            content_types = archive.read("[Content_Types].xml")
    except zipfile.BadZipFile as exc:
        raise InputError(f"classeur .xlsx endommagé : {exc}", where=where,
                         en=f"damaged .xlsx workbook: {exc}") from exc
    if b"macroEnabled" in content_types:
        raise InputError("classeur avec macros (.xlsm) refusé : enregistrez-le au format .xlsx", where=where,
                         en="workbook with macros (.xlsm) refused: save it as .xlsx")
    return inspect_workbook(path, limits)


def open_workbook(path: Path, limits: SheetLimits | None = None):
    """Open a workbook with openpyxl (whose XML parsing goes through defusedxml), once
    :func:`check_container` found it within the limits.

    Shared-string cells get their exact text back (openpyxl drops ``x005F_``; see
    :mod:`.inspection`), so every text cell holds its text with Excel's escapes, decoded by :func:`_text`.

    Raises:
        LimitError, InputError: see :func:`check_container`; or defusedxml is not in use, or the
            workbook cannot be read (entities, bad XML…).
    """
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    inspection = check_container(path, limits)
    if not DEFUSEDXML:
        raise InputError("defusedxml est requis pour lire un classeur sans risque (pip install defusedxml ; "
                         "et OPENPYXL_DEFUSEDXML ne doit pas valoir False)", where=str(path))
    try:
        wb = openpyxl.load_workbook(path, data_only=False, keep_links=False, keep_vba=False)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, ValueError, XML errors, defusedxml's)
        from defusedxml import DefusedXmlException

        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, DefusedXmlException):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            raise InputError(f"classeur illisible : il déclare des entités XML ou une DTD ({cause}), refusées "
                             "par sécurité", where=str(path),
                             en=f"unreadable workbook: it declares XML entities or a DTD ({cause}), refused "
                                "for safety") from exc
        raise InputError(f"classeur illisible ({type(exc).__name__}: {exc})", where=str(path),
                         en=f"unreadable workbook ({type(exc).__name__}: {exc})") from exc
    for (title, ref), text in inspection.shared_cells.items():
        if title in wb.sheetnames and hasattr(wb[title], "_cells"):
            cell = wb[title][ref]
            if cell.data_type == "s" and isinstance(cell.value, str):
                cell._value = text
    return wb


def _text(value: object) -> str:
    """A cell's value as text: Excel's ``_xHHHH_`` escapes decoded, then :func:`~cipt_graph.text.clean_text`
    (CR LF, CR, U+2028… → LF; controls → U+FFFD; NFC; trimmed)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return clean_text(decode_ooxml(value))
    return str(value).strip()


def _code(value: object) -> str:
    """A code cell (module, competency, status, level): :func:`_text`, then :func:`~cipt_graph.text.clean_code`."""
    return clean_code(_text(value))


def _as_written(text: str) -> str:
    """What :func:`_text` reads back from a cell the writer filled with ``text``."""
    return _text(xlsx_text(text))


def exported_rationale(raw: str | None) -> str:
    """A mapping row's rationale as the workbook shows it and reads it back: the normalised text
    (:func:`~cipt_graph.text.clean_text`, what the graph holds) as an XLSX cell can hold it. An
    unchanged cell reads back equal to this, so an unchanged link stays unchanged."""
    return _as_written(clean_text(raw))


def _decimal(value: object) -> Decimal | None:
    """A number of hours ≥ 0 from a cell; None for an empty cell; raises ValueError otherwise."""
    if value is None or _text(value) == "":
        return None
    if isinstance(value, bool):
        raise ValueError
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError from exc
    if not number.is_finite() or number < 0:
        raise ValueError
    return number


def _read_meta(wb) -> dict[str, str]:
    if SHEET_META not in wb.sheetnames:
        return {}
    ws = wb[SHEET_META]
    return {_text(ws.cell(r, 1).value): _text(ws.cell(r, 2).value) for r in range(1, min(ws.max_row, 50) + 1)
            if _text(ws.cell(r, 1).value)}


def _is_formula(cell) -> bool:
    """A formula cell of the file (``<f>``), whatever its text."""
    return cell.data_type == "f"


def _formula_text(cell, text: str, before: str | None) -> bool:
    """Text that a spreadsheet would run once edited: first non-blank character ``=``, unless the
    cell is marked as text (Excel's ``'`` prefix, ``quotePrefix``) or the text is the value the
    workspace already holds (``before``: a rationale that starts with ``=`` round-trips)."""
    return text.startswith("=") and not getattr(cell, "quotePrefix", False) and text != before


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


def check_workbook(wb, model: MatrixModel, *, where: str) -> MatrixEdit:
    """Check an open workbook against the matrix ``model`` (built in the workbook's language).

    Raises:
        MatrixError: with every problem found, each with its sheet and cell.
    """
    errors: list[CellError] = []
    edit = MatrixEdit(meta=_read_meta(wb))
    if edit.meta and edit.meta.get("format") != FORMAT:
        errors.append(CellError(SHEET_META, "B1", f"format {edit.meta.get('format')!r} inconnu (attendu {FORMAT})",
                                f"unknown format {edit.meta.get('format')!r} (expected {FORMAT})"))
    lang = edit.meta.get("lang") if edit.meta.get("lang") in TEXT else model.lang
    missing = [name for name in (SHEET_MATRIX, SHEET_RATIONALE) if name not in wb.sheetnames]
    if missing:
        errors += [CellError("Classeur", "", f"feuille {name!r} absente (feuilles présentes : "
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
                                    f"en-tête de bloc déplacé : attendu {code!r}, trouvé {value!r}",
                                    f"block header moved: expected {code!r}, found {value!r}"))
    for col, title in zip((COL_PERIOD, COL_MODULE, COL_LABEL, COL_HOURS), text["matrix_headers"]):
        value = _code(ws.cell(ROW_CODES, col).value)
        if value != title:
            errors.append(CellError(name, f"{get_column_letter(col)}{ROW_CODES}",
                                    f"en-tête déplacé ou modifié : attendu {title!r}, trouvé {value!r}",
                                    f"header moved or changed: expected {title!r}, found {value!r}"))
    for col, comp in enumerate(comps, start=FIRST_COMPETENCY_COL):
        value = _code(ws.cell(ROW_CODES, col).value)
        if value != clean_code(comp.code):
            known = any(value == c.code for c in comps)
            errors.append(CellError(name, f"{get_column_letter(col)}{ROW_CODES}",
                                    f"en-tête de compétence {'déplacé' if known else 'inconnu'} : attendu "
                                    f"{comp.code!r}, trouvé {value!r}",
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
            errors.append(CellError(name, f"B{row}", f"module inconnu {code!r}", f"unknown module {code!r}"))
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
                                        f"valeur en lecture seule modifiée : attendu {expected!r}, trouvé "
                                        f"{_text(ws.cell(row, col).value)!r} (elle vient des données du programme)",
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
                errors.append(CellError(name, ref, f"{raw!r} n'est pas un niveau de l'échelle "
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
            errors.append(CellError(name, f"{get_column_letter(col)}1", f"en-tête déplacé ou modifié : attendu {title!r}, "
                                                               f"trouvé {value!r}",
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
            errors.append(CellError(name, f"A{row}", f"module inconnu {module!r}", f"unknown module {module!r}"))
            bad = True
        if comp not in comps:
            errors.append(CellError(name, f"B{row}", f"compétence inconnue {comp!r}",
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
            errors.append(CellError(name, f"C{row}", f"{_text(values[2])!r} n'est pas un nombre d'heures ≥ 0",
                                    f"{_text(values[2])!r} is not a number of hours ≥ 0"))
        if link.hours is not None:
            stated_hours.setdefault(module, []).append((row, link.hours))
        status = _code(values[3])
        if status and status.casefold() not in STATUSES:
            errors.append(CellError(name, f"D{row}", f"statut {status!r} inconnu (proposed ou validated)",
                                    f"unknown status {status!r} (proposed or validated)"))
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
        for row, hours in cells:
            if hours > module.hours:
                out.append(CellError(sheet, f"C{row}", f"{hours} h sur un lien du module {module.code}, "
                                                       f"qui n'a que {module.hours} h",
                                     f"{hours} h on a link of the module {module.code}, which has only {module.hours} h"))
        total = sum((h for _, h in cells), Decimal(0))
        if len(cells) > 1 and total > module.hours:
            rows = ", ".join(f"C{row}" for row, _ in cells)
            out.append(CellError(sheet, f"C{cells[0][0]}", f"les heures des liens du module {module.code} ({rows}) "
                                                         f"totalisent {total} h, plus que ses {module.hours} h",
                                 f"the hours of the links of the module {module.code} ({rows}) add up to {total} h, "
                                 f"more than its {module.hours} h"))
    return out
