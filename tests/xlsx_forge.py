"""Workbooks built by the tests: edits of an exported matrix, and raw OOXML zips (issues #12, #13).

No stored bombs: each hostile kind (huge sheets, shared-string floods, whole-sheet merges and
hyperlinks, escapes in ``sharedStrings.xml``) is generated here, small on disk, from parameters.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_SST = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path → SHA-256): equal digests, byte-identical trees."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def edit_workbook(source: Path, target: Path, change) -> Path:
    """``source`` loaded with openpyxl, ``change(wb)`` applied, saved as ``target``."""
    wb = openpyxl.load_workbook(source)
    change(wb)
    wb.save(target)
    return target


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_parts(target: Path, members: dict[str, bytes], *, stream: dict[str, object] | None = None) -> Path:
    """A zip of ``members`` (deflated); ``stream`` adds members written from iterables of bytes
    (so a generator of a 90 MB part never holds it in memory)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, chunks in (stream or {}).items():
            with archive.open(name, "w", force_zip64=True) as handle:
                for chunk in chunks:
                    handle.write(chunk)
    return target


def sheet_part(members: dict[str, bytes], title: str) -> str:
    """The zip member name of the sheet called ``title`` (workbook.xml + its rels)."""
    book = members["xl/workbook.xml"].decode()
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    rid = re.search(rf'<sheet[^>]*name="{re.escape(title)}"[^>]*r:id="([^"]+)"', book) or \
        re.search(rf'<sheet[^>]*r:id="([^"]+)"[^>]*name="{re.escape(title)}"', book)
    assert rid, f"no sheet {title!r}"
    target = re.search(rf'<Relationship[^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
    name = target.group(1).lstrip("/")
    return name if name.startswith("xl/") else "xl/" + name


def with_shared_string(source: Path, target: Path, sheet: str, ref: str, raw_xml_text: str) -> Path:
    """``source`` with cell ``sheet!ref`` turned into a shared-string cell whose ``<t>`` holds
    ``raw_xml_text`` as written (already XML-escaped: ``_x000D_`` stays an OOXML escape), as
    Excel writes text; adds ``xl/sharedStrings.xml`` when the workbook has none."""
    members = parts(source)
    name = sheet_part(members, sheet)
    xml = members[name].decode()
    sst = f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t xml:space="preserve">{raw_xml_text}</t></si></sst>'
    if "xl/sharedStrings.xml" in members:
        old = members["xl/sharedStrings.xml"].decode()
        index = old.count("<si>") + old.count("<si ")
        sst = old.replace("</sst>", f'<si><t xml:space="preserve">{raw_xml_text}</t></si></sst>')
    else:
        index = 0
        members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", f'<Relationship Id="rIdSst" Type="{REL_SST}" Target="sharedStrings.xml"/>'
                                 "</Relationships>".encode())
        members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
            b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/></Types>'.encode())
    members["xl/sharedStrings.xml"] = sst.encode()
    cell = re.compile(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', re.S)
    assert cell.search(xml), f"no cell {ref} in {name}"
    xml = cell.sub(f'<c r="{ref}" t="s"><v>{index}</v></c>', xml, count=1)
    members[name] = xml.encode()
    return write_parts(target, members)


def with_sheet_xml(source: Path, target: Path, sheet: str, edit) -> Path:
    """``source`` with the XML text of sheet ``sheet`` replaced by ``edit(xml)``."""
    members = parts(source)
    name = sheet_part(members, sheet)
    members[name] = edit(members[name].decode()).encode()
    return write_parts(target, members)


def big_sheet(source: Path, target: Path, sheet: str, rows: int, cells_per_row: int = 1) -> Path:
    """``source`` with ``rows`` extra rows of small numeric cells streamed into sheet ``sheet``
    (the kind of ``cells_550000rows.xlsx``: megabytes of XML, a few hundred KB zipped)."""
    members = parts(source)
    name = sheet_part(members, sheet)
    xml = members.pop(name).decode()
    head, tail = xml.split("</sheetData>", 1)
    letters = [openpyxl.utils.get_column_letter(c) for c in range(1, cells_per_row + 1)]

    def chunks():
        yield head.encode()
        batch = []
        for r in range(1000, 1000 + rows):
            batch.append(f'<row r="{r}">' + "".join(f'<c r="{l}{r}"><v>1</v></c>' for l in letters) + "</row>")
            if len(batch) == 2000:
                yield "".join(batch).encode()
                batch = []
        yield ("".join(batch) + "</sheetData>" + tail).encode()

    return write_parts(target, members, stream={name: chunks()})


def flood_shared_strings(source: Path, target: Path, count: int, text: str = "x") -> Path:
    """``source`` with a ``sharedStrings.xml`` of ``count`` entries (the kind of ``sst_5000000.xlsx``)."""
    members = parts(source)
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rIdSst" Type="{REL_SST}" Target="sharedStrings.xml"/>'
                             "</Relationships>".encode())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/></Types>'.encode())
    members.pop("xl/sharedStrings.xml", None)
    item = f"<si><t>{escape(text)}</t></si>".encode()

    def chunks():
        yield f'<sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{count}">'.encode()
        left = count
        while left:
            n = min(left, 10000)
            yield item * n
            left -= n
        yield b"</sst>"

    return write_parts(target, members, stream={"xl/sharedStrings.xml": chunks()})


def insert_before(xml: str, tags: tuple[str, ...], fragment: str) -> str:
    """``fragment`` inserted before the first of ``tags`` present (schema order), else before
    ``</worksheet>``."""
    for tag in tags:
        at = xml.find(f"<{tag}")
        if at >= 0:
            return xml[:at] + fragment + xml[at:]
    return xml.replace("</worksheet>", fragment + "</worksheet>")


_AFTER_MERGES = ("phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions",
                 "pageMargins", "pageSetup", "headerFooter", "drawing", "legacyDrawing", "tableParts", "extLst")
_AFTER_LINKS = _AFTER_MERGES[4:]


def merged(ref: str, count: int = 1):
    """An ``edit`` for :func:`with_sheet_xml`: ``count`` merged ranges ``ref`` (the first one ``ref``,
    the others two cells of one row each, below it)."""
    def edit(xml: str) -> str:
        refs = [ref] + [f"C{10 + i}:D{10 + i}" for i in range(count - 1)]
        body = "".join(f'<mergeCell ref="{r}"/>' for r in refs)
        xml = re.sub(r"<mergeCells[^>]*>.*?</mergeCells>", "", xml, flags=re.S)
        return insert_before(xml, _AFTER_MERGES, f'<mergeCells count="{len(refs)}">{body}</mergeCells>')
    return edit


def hyperlinked(ref: str):
    """An ``edit``: one hyperlink range ``ref`` (openpyxl would give a link to every cell of it)."""
    def edit(xml: str) -> str:
        return insert_before(xml, _AFTER_LINKS, f'<hyperlinks><hyperlink ref="{ref}" location="A1"/></hyperlinks>')
    return edit


def workbook_bytes(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
