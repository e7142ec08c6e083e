"""What every store backend shares: the Store interface, SELECT results and plain Python values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox

from ..errors import QueryError

ENV_STORE = "CIPT_STORE"
ENV_UPDATE_URL = "CIPT_UPDATE_URL"
ENV_GSP_URL = "CIPT_GSP_URL"

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass
class QueryResult:
    """The rows of a SELECT query.

    Attributes:
        variables: the projected variable names, in order (without ``?``).
        rows: one tuple per solution, aligned on ``variables``; ``None`` where unbound.
    """

    variables: list[str]
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[Term | None]:
        i = self.variables.index(name)
        return [row[i] for row in self.rows]


class Store(Protocol):
    """What the rest of the package needs from a store (embedded, on disk or remote)."""

    def raw_query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[str, Term] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run a query; the result is pyoxigraph's own (for serialising without copies)."""
        ...

    def replace_graphs(self, graphs: Mapping[str, bytes]) -> None:
        """Replace the named graphs given (IRI → N-Triples) in one step: all or nothing."""
        ...

    def dump(self, fmt: ox.RdfFormat) -> bytes:
        """The whole dataset (or its union, for triple formats) in ``fmt``."""
        ...

    def graph_names(self) -> list[str]:
        """The IRIs of the named graphs."""
        ...

    def __len__(self) -> int:
        """The number of quads."""
        ...


def select(store: Store, sparql: str, substitutions: Mapping[str, Term] | None = None) -> QueryResult:
    """Run a SELECT query and keep its rows.

    Raises:
        QueryError: the query is not a SELECT query or does not parse.
    """
    solutions = store.raw_query(sparql, substitutions=substitutions)
    if not isinstance(solutions, ox.QuerySolutions):
        raise QueryError("expected a SELECT query", fr="une requête SELECT était attendue")
    variables = [v.value for v in solutions.variables]
    rows = [tuple(sol) for sol in solutions]  # a solution iterates its values in the variables' order (None: unbound)
    return QueryResult(variables, rows)


def is_empty(store: Store) -> bool:
    """True when the store holds no quad (without counting them all, which is slow on disk)."""
    check = getattr(store, "is_empty", None)
    return check() if check is not None else len(store) == 0


_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {_XSD + t for t in ("integer", "int", "long", "nonNegativeInteger", "positiveInteger")}
_DECIMALS = {_XSD + t for t in ("decimal", "double", "float")}


def to_python(term: Term | None) -> object:
    """A plain Python value for JSON: IRIs and strings as str, numbers as numbers, booleans as bool."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt in _INTEGERS:
            return int(term.value)
        if dt in _DECIMALS:
            return float(term.value)
        if dt == _XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def iter_records(result: QueryResult) -> Iterable[dict[str, object]]:
    """The rows as dicts keyed by variable name, with plain Python values."""
    for row in result.rows:
        yield {name: to_python(value) for name, value in zip(result.variables, row)}
