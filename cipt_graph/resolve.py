"""Resolving what a user types into the dataset's IRIs: a resource's code, path or IRI
(:func:`resolve_iri`), and a programme's code, path or IRI (:func:`resolve_programme`,
:func:`choose_programme`), with French and English messages that name near codes."""

from __future__ import annotations

import re

import pyoxigraph as ox

from .errors import CiptError, QueryError
from .store import Store, select

#: The base of the dataset's IRIs (``cid:`` of :mod:`.namespaces`; spelled out here so that
#: running one named query does not import rdflib).
CID_BASE = "https://w3id.org/cipt-graph/id/"


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


#: The longest programme code or IRI :func:`resolve_programme` reads (characters).
MAX_PROGRAMME_LENGTH = 1000


def resolve_programme(store: Store, value: str) -> ox.NamedNode:
    """A programme given by its IRI, its path (``programme/m2-cipt``), its code (``skos:notation``
    or ``dcterms:identifier``: ``U007``, ``M2_CIPT``, in any case: ``m2_cipt``) or the last segment
    of its IRI (``m2-cipt``).

    Raises:
        QueryError: the value names no programme, or several; it is longer than
            :data:`MAX_PROGRAMME_LENGTH` characters (its start alone is quoted).
    """
    value = value.strip()
    if len(value) > MAX_PROGRAMME_LENGTH:  # never a code nor an IRI of this dataset: not echoed whole
        shown = value[:40] + "…"
        raise QueryError(f"{shown!r} is too long for a programme's code or IRI ({len(value)} characters; "
                         f"at most {MAX_PROGRAMME_LENGTH})",
                         fr=f"« {shown} » est trop long pour un code ou une IRI de programme ({len(value)} "
                            f"caractères ; au plus {MAX_PROGRAMME_LENGTH})")
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
            shown = value if len(value) <= 80 else value[:40] + "…"
            raise QueryError(f"{option} {shown!r}: {exc.message}; `cipt query programmes` lists them",
                             fr=f"{option} {shown!r} : {exc.text('fr')} ; `cipt query programmes` les liste",
                             en=f"{option} {shown!r}: {exc.text('en')}; `cipt query programmes` lists them") from exc
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
