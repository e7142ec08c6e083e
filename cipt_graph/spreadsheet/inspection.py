"""Inspecting an uploaded workbook before openpyxl builds it (issue #13): bounded time and memory.

openpyxl builds every cell of a sheet, of a merged range and of a hyperlink range in memory: a
21 KB workbook with one merge over the whole sheet grows without end. So before openpyxl sees a
file, :func:`inspect_workbook` reads the zip directory and streams the XML parts that can be big
(worksheets, shared strings) through expat, counting as it goes and stopping at the first limit
passed; the other parts must be small. Memory is O(1) per element (nothing is kept but counters,
and the shared-string indices of the cells); time is linear in the bytes read, and reading stops
at the first limit.

It also reads the text of shared-string cells exactly: openpyxl drops ``x005F_`` from shared
strings (so ``_x005F_x000D_``, a literal ``_x000D_``, and ``_x000D_``, a CR, read the same);
the reader uses :attr:`Inspection.shared_cells` instead.

Limits (:class:`~.limits.SheetLimits`, each a setting ``CIPT_XLSX_<NAME>`` in the environment; values and
tests in SECURITY.md): file bytes, unzipped bytes, bytes of any part other than worksheets and
shared strings, zip members, sheets, rows, columns, cells, merged ranges and merged cells,
hyperlink ranges and hyperlinked cells, shared strings, characters per cell.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from ..errors import InputError
from ..text import quoted
from .limits import LimitError, SheetLimits, setting_name  # noqa: F401 (importable from here)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
#: Expat's "namespace local" names of the SpreadsheetML elements the inspection counts → local name
#: (strict and transitional namespaces); any other element counts only as an element.
_LOCAL = {f"{ns} {name}": name
          for ns in (_MAIN, "http://purl.oclc.org/ooxml/spreadsheetml/main")
          for name in ("c", "row", "v", "t", "mergeCell", "hyperlink", "si", "rPh")}


@dataclass
class Inspection:
    """What the inspection learnt: sheets (name → part), counts, and the exact text of shared-string
    cells (``(sheet, "G2")`` → text, Excel's ``_xHHHH_`` escapes still in it)."""

    sheets: dict[str, str] = field(default_factory=dict)
    cells: int = 0
    shared_strings: int = 0
    shared_cells: dict[tuple[str, str], str] = field(default_factory=dict)


#: The kinds of range the inspection counts, French (as the messages say them) → English.
_KIND_EN = {"fusionnée": "merged", "de liens": "hyperlink"}


class _Stop(Exception):
    """Raised inside an expat handler to stop parsing; carries the LimitError."""

    def __init__(self, error: LimitError) -> None:
        self.error = error


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def _column_letters(number: int) -> str:
    out = ""
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def _parser() -> expat.XMLParserType:
    """An expat parser with namespaces that refuses DTDs and entity declarations (as defusedxml)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args):
        raise InputError("classeur illisible : il déclare une DTD ou des entités XML, refusées par sécurité",
                         en="unreadable workbook: it declares a DTD or XML entities, refused for safety")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def _stream(archive: zipfile.ZipFile, name: str, parser, where: str) -> None:
    try:
        with archive.open(name) as handle:
            while chunk := handle.read(1 << 16):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Stop as stop:
        raise stop.error.located(where) from None
    except InputError as exc:
        if exc.where:
            raise
        raise InputError(f"{exc.message} ({name})", where=where, fr=f"{exc.text('fr')} ({name})",
                         en=f"{exc.text('en')} ({name})") from None
    except expat.ExpatError as exc:
        raise InputError(f"classeur illisible : {name} n'est pas du XML bien formé "
                         f"(ligne {exc.lineno}, colonne {exc.offset})", where=where,
                         en=f"unreadable workbook: {name} is not well-formed XML "
                            f"(line {exc.lineno}, column {exc.offset})") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"classeur endommagé : {name} ({exc})", where=where,
                         en=f"damaged workbook: {name} ({exc})") from None


def _small_xml(archive: zipfile.ZipFile, name: str, where: str, on_start) -> None:
    parser = _parser()
    parser.StartElementHandler = on_start
    _stream(archive, name, parser, where)


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = base.rsplit("/", 1)[0].split("/") if "/" in base else []
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


class _SheetCounter:
    """Counts one worksheet part as expat streams it, raising :class:`_Stop` at the first limit."""

    def __init__(self, title: str, limits: SheetLimits, totals: dict[str, int], want: dict[tuple[str, str], int]):
        self.title, self.limits, self.totals, self.want = title, limits, totals, want
        self.row = 0
        self.col = 0
        self.rows = 0
        self.cell_ref = ""
        self.cell_type = ""
        self.chars = 0
        self.text_depth = 0
        self.in_value = False
        self.value = ""

    def _fail(self, limit: str, what: str, found: int | None = None, ref: str = "", what_en: str | None = None) -> None:
        raise _Stop(LimitError(limit, getattr(self.limits, limit), what, found=found, what_en=what_en,
                               place=f"{self.title}!{ref}" if ref else self.title))

    def _range(self, ref: str, kind: str) -> int:
        """The area of ``A1:B2`` (or ``A1``), checked against the row and column limits."""
        ends = ref.split(":")
        points = []
        for end in ends[:2]:
            match = _CELL_REF.match(end.strip())
            if not match:
                raise _Stop(LimitError("max_columns", self.limits.max_columns,
                                       f"plage {kind} illisible {quoted(ref)}", place=f"{self.title}!{ref[:40]}",
                                       what_en=f"unreadable {_KIND_EN[kind]} range {ref!r}"))
            points.append((_column_number(match.group(1)), int(match.group(2))))
        (c1, r1), (c2, r2) = points[0], points[-1]
        if max(c1, c2) > self.limits.max_columns:
            last = _column_letters(self.limits.max_columns)
            self._fail("max_columns", f"plage {kind} au-delà de la colonne {last}", max(c1, c2), ref,
                       f"{_KIND_EN[kind]} range beyond column {last}")
        if max(r1, r2) > self.limits.max_rows:
            self._fail("max_rows", f"plage {kind} au-delà de la ligne {self.limits.max_rows}", max(r1, r2), ref,
                       f"{_KIND_EN[kind]} range beyond row {self.limits.max_rows}")
        return (abs(c2 - c1) + 1) * (abs(r2 - r1) + 1)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        totals = self.totals
        totals["elements"] += 1
        if totals["elements"] > self.limits.max_cells * 8:
            self._fail("max_cells", "trop d'éléments XML dans la feuille", totals["elements"],
                       what_en="too many XML elements in the sheet")
        local = _LOCAL.get(tag, "")
        if local == "c":
            totals["cells"] += 1
            ref = attrs.get("r", "")
            match = _CELL_REF.match(ref) if ref else None
            if match:
                self.col = _column_number(match.group(1))
                row = int(match.group(2))
            else:
                self.col += 1
                row = self.row
            self.cell_ref = f"{_column_letters(self.col)}{row}"
            if totals["cells"] > self.limits.max_cells:
                self._fail("max_cells", "trop de cellules dans le classeur", totals["cells"], self.cell_ref)
            if self.col > self.limits.max_columns:
                self._fail("max_columns", "cellule au-delà de la dernière colonne permise", self.col, self.cell_ref,
                           "cell beyond the last column allowed")
            if row > self.limits.max_rows:
                self._fail("max_rows", "cellule au-delà de la dernière ligne permise", row, self.cell_ref,
                           "cell beyond the last row allowed")
            self.cell_type = attrs.get("t", "n")
            self.chars = 0
        elif local == "row":
            self.rows += 1
            given = attrs.get("r", "")
            self.row = int(given) if given.isdigit() else self.row + 1
            self.col = 0
            if self.row > self.limits.max_rows or self.rows > self.limits.max_rows:
                self._fail("max_rows", "trop de lignes", max(self.row, self.rows), f"A{self.row}")
        elif local in ("v", "t"):
            self.text_depth += 1
            if local == "v" and self.cell_type == "s":
                self.in_value, self.value = True, ""
        elif local == "mergeCell":
            totals["merged_ranges"] += 1
            ref = attrs.get("ref", "")
            if totals["merged_ranges"] > self.limits.max_merged_ranges:
                self._fail("max_merged_ranges", "trop de plages de cellules fusionnées", totals["merged_ranges"], ref)
            totals["merged_cells"] += self._range(ref, "fusionnée")
            if totals["merged_cells"] > self.limits.max_merged_cells:
                self._fail("max_merged_cells", "trop de cellules fusionnées", totals["merged_cells"], ref)
        elif local == "hyperlink":
            totals["hyperlink_ranges"] += 1
            ref = attrs.get("ref", "")
            if totals["hyperlink_ranges"] > self.limits.max_hyperlink_ranges:
                self._fail("max_hyperlink_ranges", "trop de plages de liens hypertexte", totals["hyperlink_ranges"], ref)
            totals["hyperlink_cells"] += self._range(ref, "de liens")
            if totals["hyperlink_cells"] > self.limits.max_hyperlink_cells:
                self._fail("max_hyperlink_cells", "trop de cellules avec un lien hypertexte", totals["hyperlink_cells"],
                           ref)

    def end(self, tag: str) -> None:
        local = _LOCAL.get(tag, "")
        if local in ("v", "t"):
            self.text_depth -= 1
            if self.in_value and local == "v":
                self.in_value = False
                if self.value.strip().isdigit():
                    self.want[(self.title, self.cell_ref)] = int(self.value)

    def text(self, data: str) -> None:
        if self.text_depth:
            self.chars += len(data)
            if self.chars > self.limits.max_cell_chars:
                self._fail("max_cell_chars", "texte de cellule trop long", self.chars, self.cell_ref)
            if self.in_value:
                self.value += data


class _SharedStrings:
    """Counts ``<si>`` items and keeps the text of the wanted ones (``<rPh>`` phonetic runs left out)."""

    def __init__(self, limits: SheetLimits, wanted: set[int]) -> None:
        self.limits, self.wanted = limits, wanted
        self.count = 0
        self.texts: dict[int, str] = {}
        self.current: list[str] = []
        self.chars = 0
        self.in_t = 0
        self.in_phonetic = 0
        self.elements = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _LOCAL.get(tag, "")
        self.elements += 1
        if self.elements > self.limits.max_shared_strings * 8:
            raise _Stop(LimitError("max_shared_strings", self.limits.max_shared_strings,
                                   "trop d'éléments XML dans les chaînes partagées", found=self.elements,
                                   what_en="too many XML elements in the shared strings",
                                   place="xl/sharedStrings.xml"))
        if local == "si":
            self.count += 1
            if self.count > self.limits.max_shared_strings:
                raise _Stop(LimitError("max_shared_strings", self.limits.max_shared_strings,
                                       "trop de chaînes partagées", found=self.count, place="xl/sharedStrings.xml"))
            self.current, self.chars = [], 0
        elif local == "rPh":
            self.in_phonetic += 1
        elif local == "t":
            self.in_t += 1

    def end(self, tag: str) -> None:
        local = _LOCAL.get(tag, "")
        if local == "si":
            index = self.count - 1
            if index in self.wanted:
                self.texts[index] = "".join(self.current)
        elif local == "rPh":
            self.in_phonetic -= 1
        elif local == "t":
            self.in_t -= 1

    def text(self, data: str) -> None:
        if self.in_t and not self.in_phonetic:
            self.chars += len(data)
            if self.chars > self.limits.max_cell_chars:
                raise _Stop(LimitError("max_cell_chars", self.limits.max_cell_chars,
                                       f"chaîne partagée n° {self.count} trop longue", found=self.chars,
                                       what_en=f"shared string no. {self.count} too long",
                                       place="xl/sharedStrings.xml"))
            if self.count - 1 in self.wanted:
                self.current.append(data)


def inspect_workbook(path: str | os.PathLike[str], limits: SheetLimits | None = None) -> Inspection:
    """Check a workbook's zip and stream its worksheets and shared strings against ``limits``
    (default :meth:`SheetLimits.from_env`), before anything builds it.

    Raises:
        LimitError: past a limit, naming it, its setting and the place (``Matrice!A5001``).
        InputError: not a zip, a damaged part, XML with a DTD or entities.
    """
    limits = limits or SheetLimits.from_env()
    path = Path(path)
    where = str(path)
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise LimitError("max_bytes", limits.max_bytes, "fichier trop gros (octets)", found=size, where=where)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"classeur .xlsx endommagé : {exc}", where=where, en=f"damaged .xlsx workbook: {exc}") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise LimitError("max_members", limits.max_members, "trop de fichiers dans l'archive", found=len(members),
                             where=where)
        total = sum(m.file_size for m in members)
        if total > limits.max_unzipped_bytes:
            biggest = max(members, key=lambda m: m.file_size)
            raise LimitError("max_unzipped_bytes", limits.max_unzipped_bytes, "archive trop grosse une fois "
                             "décompressée (octets)", found=total, place=biggest.filename, where=where)
        sizes = {m.filename: m.file_size for m in members}
        book_rels = _relationships(archive, "xl/_rels/workbook.xml.rels", "xl/workbook.xml", where, limits)
        result = Inspection()
        sheet_rids: list[tuple[str, str]] = []

        def on_sheet(tag: str, attrs: dict[str, str]) -> None:
            if tag.rsplit(" ", 1)[-1] == "sheet":
                sheet_rids.append((attrs.get("name", ""), attrs.get(f"{_REL} id", "")))
                if len(sheet_rids) > limits.max_sheets:
                    raise _Stop(LimitError("max_sheets", limits.max_sheets, "trop de feuilles", found=len(sheet_rids)))

        if "xl/workbook.xml" in sizes:
            _check_part_size(limits, "xl/workbook.xml", sizes["xl/workbook.xml"], where)
            _small_xml(archive, "xl/workbook.xml", where, on_sheet)
        for name, rid in sheet_rids:
            target = book_rels.get(rid, ("", ""))[1]
            if target in sizes:
                result.sheets[name] = target
        big = set(result.sheets.values())
        sst = next((t for kind, t in book_rels.values() if kind.endswith("/sharedStrings")), "xl/sharedStrings.xml")
        big.add(sst)
        for name, value in sizes.items():
            if name not in big:
                _check_part_size(limits, name, value, where)
        totals = {"elements": 0, "cells": 0, "merged_ranges": 0, "merged_cells": 0, "hyperlink_ranges": 0,
                  "hyperlink_cells": 0}
        want: dict[tuple[str, str], int] = {}
        for title, part in result.sheets.items():
            counter = _SheetCounter(title, limits, totals, want)
            parser = _parser()
            parser.StartElementHandler = counter.start
            parser.EndElementHandler = counter.end
            parser.CharacterDataHandler = counter.text
            _stream(archive, part, parser, where)
        result.cells = totals["cells"]
        if sst in sizes:
            strings = _SharedStrings(limits, set(want.values()))
            parser = _parser()
            parser.StartElementHandler = strings.start
            parser.EndElementHandler = strings.end
            parser.CharacterDataHandler = strings.text
            _stream(archive, sst, parser, where)
            result.shared_strings = strings.count
            result.shared_cells = {key: strings.texts[i] for key, i in want.items() if i in strings.texts}
    return result


def _check_part_size(limits: SheetLimits, name: str, size: int, where: str) -> None:
    if size > limits.max_part_bytes:
        raise LimitError("max_part_bytes", limits.max_part_bytes, "partie du classeur trop grosse (octets)",
                         found=size, place=name, where=where)


def _relationships(archive: zipfile.ZipFile, rels: str, base: str, where: str, limits: SheetLimits) -> dict[str, tuple[str, str]]:
    """``Id`` → (type, resolved target) of a ``.rels`` part (empty when absent)."""
    out: dict[str, tuple[str, str]] = {}
    if rels not in archive.namelist():
        return out
    _check_part_size(limits, rels, archive.getinfo(rels).file_size, where)

    def on_rel(tag: str, attrs: dict[str, str]) -> None:
        if tag.rsplit(" ", 1)[-1] == "Relationship" and attrs.get("TargetMode") != "External":
            out[attrs.get("Id", "")] = (attrs.get("Type", ""), _resolve(base, attrs.get("Target", "")))

    _small_xml(archive, rels, where, on_rel)
    return out
