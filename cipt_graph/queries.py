"""Named queries: ``queries/*.rq`` files with a ``#+`` header, run with bound parameters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import yaml

from .errors import CiptError, QueryError
from .paths import QUERIES_DIR
from .store import QueryResult, Store, Term, select

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

#: The base of the dataset's IRIs (``cid:`` of :mod:`.namespaces`; spelled out here so that
#: running one named query does not import rdflib).
CID_BASE = "https://w3id.org/cipt-graph/id/"

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


_NOTATION_LOOKUP = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
SELECT DISTINCT ?s ?code WHERE { { ?s skos:notation ?code } UNION { ?s schema:courseCode ?code } }
"""


def resolve_iri(store: Store, value: str) -> ox.NamedNode:
    """An IRI given in full, as a path under ``cid:`` (``module/M01``), or as a notation (``BC05-C1``).

    Raises:
        QueryError: the value names nothing, or several things.
    """
    value = value.strip()
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", value) or value.startswith("urn:"):
        try:
            return ox.NamedNode(value)
        except ValueError as exc:
            raise QueryError(f"{value!r} is not a valid IRI: {exc}", fr=f"{value!r} n'est pas une IRI valide : {exc}") from exc
    if "/" in value:
        try:
            return ox.NamedNode(CID_BASE + value)
        except ValueError as exc:  # issue #8: a character no IRI may hold (space, quote, <…) is bad input
            raise QueryError(f"{value!r} is not a valid IRI path under {CID_BASE}: {exc}",
                             fr=f"{value!r} n'est pas un chemin d'IRI valide sous {CID_BASE} : {exc}") from exc
    found = select(store, _NOTATION_LOOKUP, {"code": ox.Literal(value)}).column("s")
    if len(found) == 1 and isinstance(found[0], ox.NamedNode):
        return found[0]
    if not found:
        raise QueryError(f"{value!r} is neither an IRI nor a known code (such as M01, BC05-C1, A01, J1)",
                         fr=f"{value!r} n'est ni une IRI ni un code connu (comme M01, BC05-C1, A01, J1)")
    raise QueryError(f"{value!r} names several resources; give the full IRI",
                     fr=f"{value!r} désigne plusieurs ressources ; donnez l'IRI complète")


_PROGRAMME_LOOKUP = """
PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?s WHERE {
  { ?s skos:notation ?code . } UNION { ?s dcterms:identifier ?code . }
  ?s a cipt:Programme .
}
"""
# (From the code to the programme, the path checked apart: a lookup each, where testing every programme against
# them took 12 ms at university scale, on every scoped page.)


class UnknownProgramme(QueryError):
    """A value that names no programme of the dataset (see :func:`resolve_programme`); ``value``
    (as given), ``close`` (the nearest codes, best first) and ``codes`` (every code, sorted) let
    a caller frame it its own way (the HTTP routes name their parameter)."""

    value, close, codes = "", (), ()

    def phrase(self, lang: str, guillemets: bool = False) -> str:
        """``'U999' n'est pas un programme connu ; vouliez-vous dire U099 ?``, without the list
        (``guillemets``: the French value in « », as the site writes it)."""
        if lang == "en":
            return f"{self.value!r} is not a known programme" + (f"; did you mean {' or '.join(self.close)}?" if self.close else "")
        value = f"« {self.value} »" if guillemets else repr(self.value)
        return f"{value} n'est pas un programme connu" + (f" ; vouliez-vous dire {' ou '.join(self.close)} ?" if self.close else "")


_PROGRAMME_CODES = """
PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?code WHERE {
  { SELECT ?p (SAMPLE(?found) AS ?code) WHERE {
      ?p a cipt:Programme .
      OPTIONAL { ?p skos:notation ?notation . }
      OPTIONAL { ?p dcterms:identifier ?identifier . }
      BIND(COALESCE(?notation, ?identifier, REPLACE(STR(?p), "^.*/", "")) AS ?found)
    } GROUP BY ?p }
} ORDER BY ?code
"""


def programme_codes(store: Store) -> list[str]:
    """The code of every programme of the dataset (its ``skos:notation``, else its
    ``dcterms:identifier``, else the last segment of its IRI, as ``programmes.rq`` gives it), sorted."""
    return [str(term.value) for term in select(store, _PROGRAMME_CODES).column("code") if term is not None]


#: How many programme codes a message lists before it says how many more there are.
_LISTED_CODES = 12


def _codes_text(codes: list[str], lang: str) -> str:
    """``M2_CIPT, U001, U002`` — at most ``_LISTED_CODES``, then how many more."""
    if not codes:
        return "aucun dans les données" if lang == "fr" else "none in the data"
    shown = ", ".join(codes[:_LISTED_CODES])
    more = len(codes) - _LISTED_CODES
    if more > 0:
        shown += f" et {more} autres" if lang == "fr" else f" and {more} more"
    return shown


def close_programmes(store: Store, value: str) -> tuple[list[str], list[str]]:
    """``(close, codes)``: the programme codes of the dataset nearest to ``value`` (difflib's
    ratio ≥ 0.6, case ignored, best first, at most 3), and every code (sorted)."""
    import difflib

    codes = programme_codes(store)
    folded = {c.casefold(): c for c in codes}
    close = difflib.get_close_matches(value.strip().casefold(), list(folded), n=3, cutoff=0.6)
    return [folded[c] for c in close], codes


def _unknown_programme(value: str, store: Store) -> QueryError:
    """The value names no programme: the message suggests the nearest codes (``vouliez-vous dire
    M2_CIPT ?``) and lists the dataset's programmes."""
    close, codes = close_programmes(store, value)
    error = UnknownProgramme("")
    error.value, error.close, error.codes = value, tuple(close), tuple(codes)
    CiptError.__init__(error, f"{error.phrase('en')} (programmes: {_codes_text(codes, 'en')})",
                       fr=f"{error.phrase('fr')} (programmes : {_codes_text(codes, 'fr')})")
    return error


def resolve_programme(store: Store, value: str) -> ox.NamedNode:
    """A programme given by its IRI, its path (``programme/m2-cipt``), its code (``skos:notation``
    or ``dcterms:identifier``: ``U007``, ``M2_CIPT``, in any case: ``m2_cipt``) or the last segment
    of its IRI (``m2-cipt``).

    Raises:
        QueryError: the value names no programme, or several.
    """
    value = value.strip()
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", value) or value.startswith("urn:") or "/" in value:
        iri = resolve_iri(store, value)
        if not select(store, _IS_PROGRAMME, {"p": iri}).column("p"):
            raise _unknown_programme(value, store)
        return iri
    try:
        path = ox.NamedNode(f"{CID_BASE}programme/{value}")
    except ValueError as exc:  # pyoxigraph's own words (English, about IRIs) are left out
        raise QueryError(f"{value!r} is not a programme code: it holds characters a code cannot hold "
                         "(letters, digits, '-', '_' and '.' are)",
                         fr=f"« {value} » n'est pas un code de programme : il contient des caractères "
                            "qu'un code ne peut pas contenir (lettres, chiffres, « - », « _ » et « . » le peuvent)") from exc
    found = select(store, _PROGRAMME_LOOKUP, {"code": ox.Literal(value)}).column("s")
    if path not in found and select(store, _IS_PROGRAMME, {"p": path}).column("p"):
        found.append(path)
    if not found:  # a code in another case (m2_cipt): the one code it matches, looked up again
        same = [code for code in programme_codes(store) if code.casefold() == value.casefold() and code != value]
        if len(set(same)) == 1:
            found = select(store, _PROGRAMME_LOOKUP, {"code": ox.Literal(same[0])}).column("s")
    if len(found) == 1 and isinstance(found[0], ox.NamedNode):
        return found[0]
    if not found:
        raise _unknown_programme(value, store)
    raise QueryError(f"{value!r} names several programmes; give the full IRI",
                     fr=f"{value!r} désigne plusieurs programmes ; donnez l'IRI complète")


_IS_PROGRAMME = """
PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>
SELECT ?p WHERE { ?p a cipt:Programme . } LIMIT 1
"""

_PROGRAMMES = """
PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>
SELECT DISTINCT ?p WHERE { ?p a cipt:Programme . } ORDER BY ?p LIMIT 2
"""


def choose_programme(store: Store, value: str | None, *, option: str = "--programme",
                     needed: bool = True) -> ox.NamedNode | None:
    """The programme a command works on: ``value`` (code, path or IRI, see :func:`resolve_programme`),
    else the dataset's only programme.

    Returns None when ``value`` is None and the dataset holds no programme, or several and
    ``needed`` is False (the command then works on every programme).

    Raises:
        QueryError: ``value`` names no programme (or several); ``value`` is None, the dataset holds
            several programmes and ``needed`` — each message names ``option``.
    """
    if value is not None and value.strip():
        try:
            return resolve_programme(store, value)
        except QueryError as exc:
            raise QueryError(f"{option} {value!r}: {exc.message}; `cipt query programmes` lists them",
                             fr=f"{option} {value!r} : {exc.text('fr')} ; `cipt query programmes` les liste",
                             en=f"{option} {value!r}: {exc.text('en')}; `cipt query programmes` lists them") from exc
    found = select(store, _PROGRAMMES).column("p")
    if len(found) == 1 and isinstance(found[0], ox.NamedNode):
        return found[0]
    if len(found) > 1 and needed:
        codes = programme_codes(store)
        raise QueryError(f"the data holds several programmes: give {option} (its code: {_codes_text(codes, 'en')}; "
                         "or its IRI; `cipt query programmes` lists them)",
                         fr=f"les données contiennent plusieurs programmes : donnez {option} (son code : "
                            f"{_codes_text(codes, 'fr')} ; ou son IRI ; `cipt query programmes` les liste)")
    return None


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
