"""A workbook cell's value as the checks read it: text with Excel's escapes decoded and cleaned,
codes, hours, formulas."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..cells import decode_ooxml, xlsx_text
from ..text import clean_code, clean_text


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


def _is_formula(cell) -> bool:
    """A formula cell of the file (``<f>``), whatever its text."""
    return cell.data_type == "f"


def _formula_text(cell, text: str, before: str | None) -> bool:
    """Text that a spreadsheet would run once edited: first non-blank character ``=``, unless the
    cell is marked as text (Excel's ``'`` prefix, ``quotePrefix``) or the text is the value the
    workspace already holds (``before``: a rationale that starts with ``=`` round-trips)."""
    return text.startswith("=") and not getattr(cell, "quotePrefix", False) and text != before
