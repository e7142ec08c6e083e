"""Cells that cannot run: how every CSV and XLSX file the project writes holds text (issues #12, #13).

Ground floor (imports only :mod:`cipt_graph.text`): the named-query CSV (``cipt query --format csv``,
``/api/queries/…?format=csv``, ``/matrix.csv``), ``cipt export-matrix`` (XLSX and CSV) and
``/matrix.xlsx`` all write their cells through these functions.

CSV (OWASP "CSV injection" rule)
    A text cell whose first character is ``=``, ``+``, ``-``, ``@``, TAB or CR, or whose first
    character after leading white space (spaces, tabs, line breaks, no-break spaces) is ``=``,
    ``+``, ``-`` or ``@``, gets a leading apostrophe ``'``: a spreadsheet shows it as text
    instead of evaluating it. Numbers (``int``, ``float``, ``Decimal`` values, never text) are
    written as they are: ``-30`` is a number, not a formula. The csv module quotes the rest
    (RFC 4180). SPARQL CSV/TSV results (``/sparql``) are not neutralised: the W3C formats
    are raw data for programs (see SECURITY.md).

XLSX
    Every text cell is written as an explicit inline string (``t="inlineStr"``), never as a
    formula, whatever its first character; text that a spreadsheet would read as a formula
    when edited (first non-blank character ``=``, ``+``, ``-``, ``@``) also gets Excel's
    ``quotePrefix`` style (what typing ``'=…`` in Excel stores). Characters XML 1.0 cannot hold
    (C0 controls other than TAB, LF, CR; U+FFFE, U+FFFF; lone surrogates) are replaced by
    U+FFFD, visibly; CR LF and CR become LF. A literal ``_xHHHH_`` in the text is written
    ``_x005F_xHHHH_`` (ECMA-376 Part 1, §22.9.2.19 ST_Xstring), so that Excel, LibreOffice and
    :func:`decode_ooxml` read the text back unchanged.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .text import xml_safe

#: First characters that make a spreadsheet evaluate a CSV cell (OWASP).
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: First non-blank characters that make a spreadsheet evaluate an edited cell.
FORMULA_STARTS = ("=", "+", "-", "@")
_BLANK = " \t\r\n\u00a0\u202f\u2007\u2028\u2029\x0b\x0c\x85"
REPLACEMENT = "\ufffd"

_OOXML_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def csv_cell(value: object) -> str:
    """One CSV cell as text: ``None`` → empty, numbers as they are, text neutralised (OWASP).

    ``"=1+1"`` → ``"'=1+1"``; ``"  @SUM(A1)"`` → ``"'  @SUM(A1)"``; ``"-"`` → ``"'-"``;
    ``-30`` (an int) → ``"-30"``; ``"Communication"`` unchanged.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    return neutralise_csv(str(value))


def neutralise_csv(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would evaluate it (see the module docstring)."""
    if text and (text[0] in CSV_TRIGGERS or text.lstrip(_BLANK)[:1] in FORMULA_STARTS and text.lstrip(_BLANK)):
        return "'" + text
    return text


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would take ``text`` for a formula once edited: first non-blank ``=``…"""
    stripped = text.lstrip(_BLANK)
    return bool(stripped) and stripped[0] in FORMULA_STARTS


def xlsx_text(text: str) -> str:
    """``text`` as an XLSX cell can hold it: CRLF/CR → LF, XML-illegal characters → U+FFFD,
    literal ``_xHHHH_`` protected as ``_x005F_xHHHH_``. :func:`decode_ooxml` reverses the last step."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = xml_safe(text)
    return _OOXML_ESCAPE.sub(lambda m: "_x005F" + m.group(0), text)


def decode_ooxml(text: str) -> str:
    """Excel's ``_xHHHH_`` escapes decoded (``_x000D_`` → CR, ``_x005F_x000D_`` → ``_x000D_``), in one
    left-to-right pass, as ECMA-376 ST_Xstring says. Escapes of surrogates are left as they are."""
    if "_x" not in text:
        return text

    def sub(match: re.Match) -> str:
        code = int(match.group(1), 16)
        return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)

    return _OOXML_ESCAPE.sub(sub, text)


def set_text(cell, value: str) -> None:
    """Make an openpyxl ``cell`` an explicit text cell holding ``value`` (see :func:`xlsx_text`)."""
    cell.value = None
    cell._value = xlsx_text(value)  # bypass openpyxl's guess (a leading "=" would make a formula)
    cell.data_type = "s"
    if looks_like_formula(value):
        cell.quotePrefix = True


def put(ws, row: int, column: int, value: object):
    """``ws.cell(row, column)`` set to ``value``: text through :func:`set_text`, numbers and None as
    they are. Returns the cell."""
    cell = ws.cell(row, column)
    if isinstance(value, str):
        set_text(cell, value)
    else:
        cell.value = value
    return cell


def append_row(ws, values) -> int:
    """``ws.append(values)`` with every text value an explicit text cell; returns the row number."""
    values = list(values)
    ws.append([None if isinstance(v, str) else v for v in values])
    row = ws._current_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            set_text(ws.cell(row, column), value)
    return row
