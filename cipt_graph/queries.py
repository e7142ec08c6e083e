"""Named queries: ``queries/*.rq`` files with a ``#+`` header, run with bound parameters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import yaml

from .errors import QueryError
from .paths import QUERIES_DIR
# Re-exported: callers import these from here since before resolve.py existed.
from .resolve import (  # noqa: F401
    _NOTATION_LOOKUP, CID_BASE, UnknownProgramme, choose_programme, close_programmes, programme_codes,
    resolve_iri, resolve_programme,
)
from .store import QueryResult, Store, Term, select

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

#: libyaml's loader when PyYAML has it (the headers of the 40 queries parse 10x faster).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Parameter:
    """A parameter of a named query: the SPARQL variable it binds.

    Attributes:
        name: the variable name (without ``?``), also the CLI/HTTP parameter name.
        kind: ``iri`` (an IRI, or a notation such as ``BC05-C1`` resolved to one) or ``literal``.
        required: whether the query needs it.
        default: a value used when the caller gives none.
        description: what to pass, in English.
        description_fr: the same in French (``description_fr`` in the header), empty when not given.
    """

    name: str
    kind: str = "literal"
    required: bool = False
    default: str | None = None
    datatype: str | None = None
    description: str = ""
    description_fr: str = ""

    def description_in(self, lang: str) -> str:
        """What to pass, in ``lang`` (``fr``: ``description_fr`` when given, else ``description``)."""
        return self.description_fr if lang == "fr" and self.description_fr else self.description


@dataclass(frozen=True)
class NamedQuery:
    """A query file with its header."""

    name: str
    path: Path
    summary: str
    description: str
    text: str
    tags: tuple[str, ...] = ()
    params: tuple[Parameter, ...] = ()
    example: Mapping[str, str] = field(default_factory=dict)
    kind: str = "select"
    #: The whole ``#+`` header, for keys tools read beyond the ones above (``severity``, ``title``).
    header: Mapping[str, object] = field(default_factory=dict)
    #: The summary in French (``#+ summary_fr``; ``summary`` is the English one), empty when not given.
    summary_fr: str = ""

    def summary_in(self, lang: str) -> str:
        """The one-line summary in ``lang`` (``fr``: ``summary_fr``, else ``summary``; English otherwise)."""
        return self.summary_fr if lang == "fr" and self.summary_fr else self.summary

    def param(self, name: str) -> Parameter:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params)
        raise QueryError(f"query {self.name!r} has no parameter {name!r} (parameters: {known or 'none'})",
                         fr=f"la requête {self.name!r} n'a pas de paramètre {name!r} (paramètres : {known or 'aucun'})")


def _parse_param(name: str, spec: object, where: str) -> Parameter:
    if isinstance(spec, str):
        # Short form, as in STYLE.md: "IRI of a competency (required)".
        return Parameter(
            name=name,
            kind="iri" if spec.lstrip().upper().startswith("IRI") else "literal",
            required="(required)" in spec,
            description=spec.replace("(required)", "").strip(),
        )
    if not isinstance(spec, dict):
        raise QueryError(f"parameter {name!r}: expected a description or a mapping", where=where,
                         fr=f"paramètre {name!r} : une description ou un dictionnaire était attendu")
    kind = str(spec.get("type", "literal"))
    if kind not in ("iri", "literal"):
        raise QueryError(f"parameter {name!r}: type must be iri or literal", where=where,
                         fr=f"paramètre {name!r} : le type doit être iri ou literal")
    default = spec.get("default")
    return Parameter(
        name=name,
        kind=kind,
        required=bool(spec.get("required", False)),
        default=None if default is None else str(default),
        datatype=spec.get("datatype"),
        description=str(spec.get("description", "")).strip(),
        description_fr=str(spec.get("description_fr") or "").strip(),
    )


def parse_query_file(path: Path) -> NamedQuery:
    """Read a named query file and its ``#+`` header (YAML: ``summary`` in English and
    ``summary_fr`` in French, ``description``, ``tags``, ``params``, ``example``…).

    Raises:
        QueryError: the header is malformed or lacks a summary.
    """
    text = path.read_text(encoding="utf-8")
    header_lines = [line[2:].removeprefix(" ") for line in text.splitlines() if line.startswith("#+")]
    try:
        header = yaml.load("\n".join(header_lines), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        raise QueryError(f"malformed #+ header: {exc}", where=str(path),
                         fr=f"en-tête #+ mal formé : {exc}") from exc
    if not isinstance(header, dict) or not header.get("summary"):
        raise QueryError("the #+ header needs at least a summary", where=str(path),
                         fr="l'en-tête #+ demande au moins un résumé (summary)")
    name = path.stem
    if not _NAME.match(name):
        raise QueryError("a query's file name must be snake_case", where=str(path),
                         fr="le nom de fichier d'une requête doit être en snake_case (minuscules, chiffres, _)")
    params = tuple(_parse_param(k, v, str(path)) for k, v in (header.get("params") or {}).items())
    example = {str(k): str(v) for k, v in (header.get("example") or {}).items()}
    return NamedQuery(
        name=name,
        path=path,
        summary=str(header["summary"]).strip(),
        description=str(header.get("description", "")).strip(),
        text=text,
        tags=tuple(header.get("tags") or ()),
        params=params,
        example=example,
        kind=str(header.get("kind", "select")),
        header=header,
        summary_fr=str(header.get("summary_fr") or "").strip(),
    )


@lru_cache(maxsize=8)
def _load_dir(directory: Path) -> dict[str, NamedQuery]:
    return {p.stem: parse_query_file(p) for p in sorted(directory.glob("*.rq"))}


def load_queries(directory: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query of a folder (the shipped ``queries/`` by default), by name."""
    return dict(_load_dir((directory or QUERIES_DIR).resolve()))


@lru_cache(maxsize=128)
def _shipped_query(name: str) -> NamedQuery:
    """One shipped query, parsed alone (a command running one query parses one header)."""
    path = QUERIES_DIR / f"{name}.rq"
    if not path.is_file():
        queries = load_queries()
        raise _unknown_query(name, queries)
    return parse_query_file(path)


def _unknown_query(name: str, queries) -> QueryError:
    known = ", ".join(sorted(queries))
    return QueryError(f"unknown query {name!r}; known queries: {known}", en=f"unknown query {name!r}; known queries: {known}",
                      fr=f"requête inconnue {name!r} ; requêtes connues : {known}")


def get_query(name: str, directory: Path | None = None) -> NamedQuery:
    """One named query.

    Raises:
        QueryError: no query has that name (the message lists the known ones).
    """
    if _NAME.match(name) and (directory is None or directory == QUERIES_DIR):
        return _shipped_query(name)
    queries = load_queries(directory)
    if name not in queries:
        raise _unknown_query(name, queries)
    return queries[name]


def bind_parameters(store: Store, query: NamedQuery, given: Mapping[str, str]) -> dict[str, Term]:
    """Check the parameters given against the query's header and turn them into RDF terms.

    Raises:
        QueryError: an unknown or missing parameter, or a value that does not resolve (the
            message names the parameter: ``parameter 'module': 'ZZZ' is neither…``).
    """
    for name in given:
        query.param(name)
    bound: dict[str, Term] = {}
    for p in query.params:
        value = given.get(p.name, p.default)
        if value is None or value == "":
            if p.required:
                raise QueryError(f"query {query.name!r} needs the parameter {p.name!r}: {p.description}",
                                 fr=f"la requête {query.name!r} demande le paramètre {p.name!r} : {p.description_in('fr')}")
            continue
        if p.kind == "iri":
            try:
                bound[p.name] = (resolve_programme if p.name == "programme" else resolve_iri)(store, value)
            except QueryError as exc:  # the parameter named, in both languages (still "unknown": a 404 on the API)
                named = (UnknownProgramme if isinstance(exc, UnknownProgramme) else QueryError)(
                    f"parameter {p.name!r}: {exc.text('en')}", where=exc.where,
                    fr=f"paramètre {p.name!r} : {exc.text('fr')}",
                    en=f"parameter {p.name!r}: {exc.text('en')}")
                named.__dict__.update({k: v for k, v in vars(exc).items() if k in ("value", "close", "codes")})
                raise named from exc
        elif p.datatype:
            bound[p.name] = ox.Literal(value, datatype=ox.NamedNode(p.datatype))
        else:
            bound[p.name] = ox.Literal(value)
    return bound


def run_query(store: Store, name: str | NamedQuery, params: Mapping[str, str] | None = None) -> QueryResult:
    """Run a named SELECT query with its parameters bound (never pasted into the text); the lists
    its header's ``ordered_lists`` names are put in order (:mod:`cipt_graph.ordered_lists`)."""
    query = name if isinstance(name, NamedQuery) else get_query(name)
    bound = bind_parameters(store, query, params or {})
    try:
        result = select(store, query.text, bound)
    except QueryError as exc:
        raise QueryError(exc.message, where=str(query.path)) from exc
    if query.header.get("ordered_lists"):  # GROUP_CONCAT lists in their keys' order (see ordered_lists.py)
        from .ordered_lists import order_lists
        result = order_lists(result, query.header["ordered_lists"])
    return result
