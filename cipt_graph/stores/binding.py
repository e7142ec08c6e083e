"""Binding a named query's parameters as inline ``VALUES`` blocks, for every store.

Oxigraph can bind parameters by substitution, a remote server cannot. Both stores send them as
an inline ``VALUES`` block placed first in the query's outermost ``WHERE`` group, with the terms
written by pyoxigraph (a literal's quotes and backslashes are escaped, so a value can never
change the query's shape). Since every parameter of a named query is a projected variable of
that group, this is the same as substitution: the patterns join with the bound value, and
FILTERs and OPTIONALs of the group see it. (A ``VALUES`` block after the whole query would be
joined only after the WHERE clause, too late for a FILTER such as ``LANG(?label) = ?lang``.)
The block is repeated at the top of each sub-select that projects the variable: the same
result, and the engine starts from the bound value instead of computing the sub-select for all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

import pyoxigraph as ox

from ..errors import QueryError
from .base import Term

# Strings, IRIs and comments, which may hold braces that are not the query's own.
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n\r]*",
    re.DOTALL,
)


# A brace, unless it is inside one of _SKIP's tokens (tried first at each position).
_SKIP_OR_BRACE = re.compile(_SKIP.pattern + r"|(?P<brace>[{}])", re.DOTALL)


def _braces(sparql: str):
    """Positions and kinds (``{`` or ``}``) of the query's braces, outside strings/IRIs/comments.

    One regular-expression scan (a character-by-character loop in Python cost ~6 ms per query,
    paid at every request: each view is drawn in a newly forked process)."""
    for m in _SKIP_OR_BRACE.finditer(sparql):
        if m.lastgroup == "brace":
            yield m.start(), m.group()


def where_brace(sparql: str) -> int:
    """The index of the ``{`` that opens the query's outermost WHERE group.

    Raises:
        QueryError: the query has no group pattern to bind values in.
    """
    braces = list(_braces(sparql))
    if not braces:
        raise QueryError("the query has no WHERE clause to bind parameters in",
                         fr="la requête n'a pas de clause WHERE où lier les paramètres")
    first = braces[0][0]
    head = _SKIP.sub(" ", sparql[:first]).upper()
    if re.search(r"\bCONSTRUCT\s*$", head):
        # CONSTRUCT { template } WHERE { … }: the WHERE group is the next top-level one.
        depth = 0
        for pos, kind in braces:
            depth += 1 if kind == "{" else -1
            if depth == 0 and kind == "}":
                rest = [p for p, k in braces if p > pos and k == "{"]
                if rest and re.search(r"\bWHERE\s*$", _SKIP.sub(" ", sparql[pos + 1:rest[0]]).upper()):
                    return rest[0]
                break
        raise QueryError("parameters cannot be bound in a CONSTRUCT query without a WHERE clause",
                         fr="impossible de lier des paramètres dans une requête CONSTRUCT sans clause WHERE")
    return first


_SELECT = re.compile(r"(?i)\bSELECT\b")
_PLAIN_VAR = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")


def _projected(head: str) -> set[str] | None:
    """The plain variables a sub-select projects (``None`` for ``SELECT *``)."""
    head = _SKIP.sub(" ", head)
    if re.search(r"(?i)SELECT\s+(DISTINCT\s+|REDUCED\s+)?\*", head):
        return None
    depth, plain = 0, []
    for ch_pos, ch in enumerate(head):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch in "?$" and depth == 0:
            m = _PLAIN_VAR.match(head, ch_pos)
            if m:
                plain.append(m.group(1))
    return set(plain)


def _sub_select_groups(sparql: str, names: set[str], outer: int) -> list[tuple[int, list[str]]]:
    """The WHERE groups of sub-selects where the outer query's bound values may be repeated.

    A sub-select that projects a bound variable (and whose enclosing sub-selects do too) can
    only contribute rows with that value: binding it inside as well gives the same result, and
    lets the engine start from it instead of computing the sub-select for every value.
    """
    selects = [m.start() for m in _SELECT.finditer(sparql)]
    skipped = [(m.start(), m.end()) for m in _SKIP.finditer(sparql)]
    selects = [p for p in selects if not any(a <= p < b for a, b in skipped)]
    braces = [(p, k) for p, k in _braces(sparql) if p > outer]
    points: list[tuple[int, list[str]]] = []
    stack: list[set[str]] = [names]  # eligible names per open brace, innermost last
    pending = [p for p in selects if p > outer]
    for pos, kind in braces:
        if kind == "}":
            if len(stack) > 1:
                stack.pop()
            continue
        eligible = stack[-1]
        heads = [p for p in pending if p < pos]
        if heads:
            head = heads[-1]
            pending = [p for p in pending if p > pos]
            projected = _projected(sparql[head:pos])
            eligible = eligible if projected is None else eligible & projected
            if eligible:
                points.append((pos, sorted(eligible)))
        stack.append(eligible)
    return points


def bind_values(sparql: str, substitutions: Mapping[str, Term]) -> str:
    """The query with its parameters bound by inline ``VALUES`` blocks (see the module's doc).

    The block opens the outermost WHERE group, and is repeated at the top of each sub-select
    that projects the variable (an optimisation with the same result).

    Raises:
        QueryError: a value is a blank node (no SPARQL syntax can send one) or the query has no
            group pattern.
    """
    if not substitutions:
        return sparql
    terms: dict[str, str] = {}
    for name, term in substitutions.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"{name!r} is not a SPARQL variable name", fr=f"{name!r} n'est pas un nom de variable SPARQL")
        if isinstance(term, ox.BlankNode) or not isinstance(term, (ox.NamedNode, ox.Literal, ox.Triple)):
            raise QueryError(f"parameter {name!r}: only IRIs and literals can be sent to a remote store",
                             fr=f"paramètre {name!r} : seules des IRI et des littéraux peuvent être envoyés à un "
                                "entrepôt distant")
        terms[name] = str(term)

    def block(names) -> str:
        return f" VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(terms[n] for n in names)}) }} "

    for pos, names in _binding_points(sparql, tuple(terms)):
        sparql = sparql[: pos + 1] + block(names) + sparql[pos + 1:]
    return sparql


@functools.lru_cache(maxsize=512)
def _binding_points(sparql: str, names: tuple[str, ...]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Where :func:`bind_values` puts its blocks (last first), for a query text and the names it
    binds: remembered, as scanning a named query's braces in Python costs a few ms per request."""
    at = where_brace(sparql)
    points = [(at, list(names))] + _sub_select_groups(sparql, set(names), at)
    return tuple((pos, tuple(n)) for pos, n in sorted(points, reverse=True))
