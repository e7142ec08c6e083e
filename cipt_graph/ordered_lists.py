"""Lists a named query concatenates, put in a meaningful order (issue #16).

SPARQL leaves the order of ``GROUP_CONCAT`` to the server (Oxigraph and Virtuoso give different
orders, and ``ORDER BY`` in a sub-select is not kept either). A query that wants its lists in
order says so in its header::

    #+ ordered_lists: {steps: " ", taught_by: " / "}

(column → the separator its ``GROUP_CONCAT`` uses) and builds each item as sort keys and the
item's text separated by tabs: ``CONCAT(?period_code, "\\t", STR(?rank), "\\t", ?text)``.
:func:`order_lists`, applied by :func:`cipt_graph.queries.run_query`, sorts each list by its keys
(a key of digits compared as a number, an empty key last), keeps each text once (the first) and
drops the keys: the API, the command line and the reports get ``P1:I P1:R P2:M``. The raw SPARQL
(the /sparql page's example, another tool) shows the keyed items.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox

from .stores.base import QueryResult

KEY_SEPARATOR = "\t"


def _key(part: str) -> tuple:
    part = part.strip()
    if not part:
        return (2, 0, "")  # no key (a module without period): last
    if part.isdigit():
        return (0, int(part), "")
    return (1, 0, part)


def order_items(value: str, separator: str) -> str:
    """One concatenated list: its keyed items sorted by their keys, each text once, keys dropped.

    >>> order_items("P2\\t2\\tP2:R P1\\t3\\tP1:M P1\\t1\\tP1:I", " ")
    'P1:I P1:M P2:R'
    """
    items = []
    for item in value.split(separator):
        if not item:
            continue
        *keys, text = item.split(KEY_SEPARATOR)
        items.append((tuple(_key(k) for k in keys), text))
    items.sort(key=lambda pair: pair[0])
    seen: set[str] = set()
    texts = [text for _, text in items if not (text in seen or seen.add(text))]
    return separator.join(texts)


def order_lists(result: QueryResult, spec: Mapping[str, str]) -> QueryResult:
    """``result`` with the columns of ``spec`` (column → separator) ordered by :func:`order_items`
    (a column the query does not give is ignored; an unbound cell stays unbound)."""
    columns = {result.variables.index(name): sep for name, sep in spec.items() if name in result.variables}
    if not columns:
        return result
    rows = []
    for row in result.rows:
        cells = list(row)
        for i, sep in columns.items():
            cell = cells[i]
            if isinstance(cell, ox.Literal):
                cells[i] = ox.Literal(order_items(cell.value, sep))
        rows.append(tuple(cells))
    return QueryResult(result.variables, rows)
