"""Stores: one small interface, with the embedded Oxigraph store as the default backend."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from .errors import QueryError, StoreError

ENV_STORE = "CIPT_STORE"

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
    """What the rest of the package needs from a store (embedded or remote)."""

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
        raise QueryError("expected a SELECT query")
    variables = [v.value for v in solutions.variables]
    rows = [tuple(sol[v] for v in variables) for sol in solutions]
    return QueryResult(variables, rows)


class OxigraphStore:
    """The embedded store: pyoxigraph in memory, or on disk when given a path.

    Queries see the union of all named graphs as their default graph, unless the caller
    names the graphs (as the SPARQL protocol's ``default-graph-uri`` does).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(self.path))
            else:
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            raise StoreError(f"cannot open the store: {exc}", where=str(self.path)) from exc

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for callers on the fast path."""
        return self._store

    def raw_query(self, sparql, *, substitutions=None, default_graph=None, named_graphs=None):
        kwargs: dict = {}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"store read failed: {exc}") from exc
        except (RuntimeError, ValueError) as exc:
            raise QueryError(f"query failed: {exc}") from exc

    def replace_graphs(self, graphs: Mapping[str, bytes]) -> None:
        if self.path is None:
            # Build a fresh in-memory store and swap it in: readers never see a half-load.
            fresh = ox.Store()
            keep = set(graphs)
            fresh.extend(
                q for q in self._store if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in keep)
            )
            for iri, data in graphs.items():
                fresh.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
            self._store = fresh
            return
        quads: list[ox.Quad] = []
        for iri, data in graphs.items():
            quads.extend(ox.parse(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri)))
        drops = " ".join(f"DROP SILENT GRAPH <{iri}> ;" for iri in graphs)
        # One update is one transaction on disk: drop then insert, all or nothing.
        try:
            self._store.update(drops.rstrip(" ;")) if drops else None
            self._store.extend(quads)
            self._store.flush()
        except OSError as exc:
            raise StoreError(f"store write failed: {exc}", where=str(self.path)) from exc

    def dump(self, fmt: ox.RdfFormat) -> bytes:
        if fmt.supports_datasets:
            return self._store.dump(format=fmt)
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in self._store}
        return ox.serialize(sorted(triples, key=str), format=fmt) or b""

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:
        return len(self._store)


def open_store(spec: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Store:
    """The store named by ``spec`` (a folder for an on-disk store), else ``$CIPT_STORE``, else memory."""
    chosen = spec if spec is not None else os.environ.get(ENV_STORE) or None
    if chosen is None:
        return OxigraphStore()
    text = str(chosen)
    if text.startswith(("http://", "https://")):
        raise StoreError("remote SPARQL stores are not supported yet", where=text)
    return OxigraphStore(text, read_only=read_only)


def to_python(term: Term | None) -> object:
    """A plain Python value for JSON: IRIs and strings as str, numbers as numbers, booleans as bool."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        xsd = "http://www.w3.org/2001/XMLSchema#"
        if dt in (xsd + "integer", xsd + "int", xsd + "long", xsd + "nonNegativeInteger", xsd + "positiveInteger"):
            return int(term.value)
        if dt in (xsd + "decimal", xsd + "double", xsd + "float"):
            return float(term.value)
        if dt == xsd + "boolean":
            return term.value in ("true", "1")
        return term.value
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def iter_records(result: QueryResult) -> Iterable[dict[str, object]]:
    """The rows as dicts keyed by variable name, with plain Python values."""
    for row in result.rows:
        yield {name: to_python(value) for name, value in zip(result.variables, row)}
