"""Formatting query results for people (text tables) and programs (CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json

from .cells import csv_cell
from .i18n import number
from .store import QueryResult, iter_records, to_python

FORMATS = ("table", "csv", "json")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def to_json(result: QueryResult) -> str:
    """A JSON array of row objects keyed by the query's variable names."""
    return json.dumps(list(iter_records(result)), ensure_ascii=False, indent=2)


def to_csv(result: QueryResult) -> str:
    """CSV (RFC 4180 quoting, ``\n`` line ends) with a header row of the variable names.

    Text cells that a spreadsheet would evaluate (first character ``=``, ``+``, ``-``, ``@``, TAB,
    CR, or ``=``… after leading blanks) get a leading ``'`` (OWASP; :func:`cipt_graph.cells.csv_cell`);
    numeric values are written as numbers. SPARQL CSV/TSV results of ``/sparql`` are not this
    function: they stay raw data, as the W3C formats define them.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(v) for v in result.variables])
    for row in result.rows:
        writer.writerow([csv_cell(to_python(v)) for v in row])
    return buffer.getvalue()


def to_table(result: QueryResult, *, max_width: int = 48, lang: str | None = None,
             footer: str | None = None) -> str:
    """An aligned plain-text table, long cells shortened with an ellipsis.

    With ``lang`` (``fr``, ``en``), numbers are written as that locale does through Babel
    (``25,42`` and ``1 234`` in French, up to 6 decimals); without, as Python does (``25.42``).
    ``footer`` replaces the last line, ``(N rows)``.
    """
    def short(text: str) -> str:
        text = text.replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    def cell(value: object) -> str:
        if lang and isinstance(value, (int, float)) and not isinstance(value, bool):
            return number(value, lang, decimals=6)
        return _cell(value)

    cells = [[short(cell(to_python(v))) for v in row] for row in result.rows]
    widths = [len(name) for name in result.variables]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(result.variables, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.append(footer if footer is not None else f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(lines)


def format_result(result: QueryResult, fmt: str, lang: str | None = None, footer: str | None = None) -> str:
    """``result`` as ``fmt`` (``table``, ``csv``, ``json``); ``lang`` and ``footer`` are the
    table's (:func:`to_table`): CSV and JSON keep numbers as data (``25.42``)."""
    if fmt == "json":
        return to_json(result)
    if fmt == "csv":
        return to_csv(result)
    return to_table(result, lang=lang, footer=footer)
