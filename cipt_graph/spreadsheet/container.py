"""Opening an uploaded workbook: a plain XLSX within the limits (checked before openpyxl parses
any XML), then openpyxl with defusedxml, shared strings given back exactly."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import InputError, os_reason
from .inspection import Inspection, LimitError, SheetLimits, inspect_workbook


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
        error = InputError("ce n'est pas un classeur .xlsx (attendu : un fichier Excel/LibreOffice enregistré en .xlsx ; "
                           "pour le CSV, éditez mapping/module_competency.csv)", where=where,
                           en="not an .xlsx workbook (expected: an Excel/LibreOffice file saved as .xlsx; "
                              "for the CSV, edit mapping/module_competency.csv)")
        # The web page's words: no advice about the workspace's files (the browser cannot reach them).
        error.browser = {"fr": "ce n'est pas un classeur .xlsx (attendu : un fichier Excel/LibreOffice enregistré en .xlsx)",
                         "en": "not an .xlsx workbook (expected: an Excel/LibreOffice file saved as .xlsx)"}
        raise error
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
    :mod:`.inspection`), so every text cell holds its text with Excel's escapes, decoded by :func:`.values._text`.

    Raises:
        LimitError, InputError: see :func:`check_container`; or defusedxml is not in use, or the
            workbook cannot be read (entities, bad XML…).
    """
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    inspection = check_container(path, limits)
    if not DEFUSEDXML:
        raise InputError("defusedxml est requis pour lire un classeur sans risque (pip install defusedxml ; "
                         "et OPENPYXL_DEFUSEDXML ne doit pas valoir False)", where=str(path),
                         en="defusedxml is needed to read a workbook safely (pip install defusedxml; "
                            "and OPENPYXL_DEFUSEDXML must not be False)")
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
