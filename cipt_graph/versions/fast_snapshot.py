"""A workspace's own graphs as canonical N-Triples without building rdflib graphs (issue #16).

Recording a version of a university workspace (301 programmes, ~450,000 triples) spent minutes
in rdflib: parsing ``university.ttl``, building the mapping graph, serialising both. Here each
Turtle file is parsed by Oxigraph and each statement written as rdflib's N-Triples serializer
writes it (its own ``_nt_row``'s text for the mapping's rdflib triples; for Oxigraph's, the same text:
``<iri>``, rdflib's string escaping, the lexical form rdflib normalises a typed literal to): the
bytes, hence the hashes of the versions, are the ones the rdflib path gives
(``tests/test_version_snapshot.py`` compares them on every data set of the tests).

What Oxigraph and rdflib read differently sends a file back to rdflib (:func:`turtle_lines` gives
None): blank nodes (rdflib's canonical relabelling), a language tag with capitals (Oxigraph
lowercases it), an explicit ``^^xsd:string`` (Oxigraph drops it), an escaped ``\\.`` (rdflib's
parser fails on some), a control character a serializer escapes its own way. The mapping with a
validation (a blank node) is likewise left to rdflib.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, SKOS
from rdflib.plugins.serializers.nt import _quote_encode, _quoteLiteral

from ..namespaces import CID, CIPT, SCHEMA

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: What rdflib reads otherwise than Oxigraph (see the module's docstring): the file goes to rdflib.
_RDFLIB_ONLY = re.compile(rb"""["']@[A-Za-z0-9-]*[A-Z]|\^\^\s*(?:<[^>]*#string>|[A-Za-z0-9_.-]*:string\b)|\\\.""")
#: Characters rdflib writes raw in a literal but Oxigraph would escape (none are in usual data).
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")

Triple = tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]


def parse_plain(path: Path, data: bytes) -> list[Triple] | None:
    """The triples of a Turtle file as Oxigraph reads them, or None when rdflib must read it
    (the reasons above; a syntax error too: the rdflib path reports it as always)."""
    if _RDFLIB_ONLY.search(data):
        return None
    try:
        quads = list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()))
    except SyntaxError:
        return None
    out = []
    for q in quads:
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
            return None
        if isinstance(q.object, ox.Literal) and _CONTROL.search(q.object.value):
            return None
        out.append((q.subject, q.predicate, q.object))
    return out


class LineWriter:
    """Oxigraph triples as rdflib's N-Triples lines (no final newline), a typed literal's lexical
    form normalised as rdflib normalises it (looked up once per distinct value)."""

    def __init__(self) -> None:
        self._typed: dict[tuple[str, str], str] = {}

    def literal(self, term: ox.Literal) -> str:
        if term.language:
            return f"{_quote_encode(term.value)}@{term.language}"
        dt = term.datatype.value
        if dt == _XSD_STRING:
            return _quote_encode(term.value)
        key = (term.value, dt)
        lexical = self._typed.get(key)
        if lexical is None:
            lexical = self._typed[key] = str(Literal(term.value, datatype=URIRef(dt)))
        return f"{_quote_encode(lexical)}^^<{dt}>"

    def line(self, triple: Triple) -> str:
        s, p, o = triple
        obj = self.literal(o) if isinstance(o, ox.Literal) else f"<{o.value}>"
        return f"<{s.value}> <{p.value}> {obj} ."


def canonical_lines(lines: Iterable[str]) -> bytes:
    """Lines as the canonical snapshot: each once, sorted, joined by newlines (UTF-8)."""
    kept = sorted(set(lines))
    return ("\n".join(kept) + "\n").encode("utf-8") if kept else b""


_DATA_STATUS, _INFERRED = CIPT.dataStatus, CIPT.Inferred


def superseded_line(subject: str) -> str:
    """The line of ``subject cipt:dataStatus cipt:Inferred``, dropped when a fiche makes it official."""
    return f"<{subject}> <{_DATA_STATUS}> <{_INFERRED}> ."


def mapping_bytes(triples: list, official: set[str]) -> bytes | None:
    """The mapping's rdflib triples as canonical N-Triples (rdflib's own row writer), the
    superseded inferred statuses dropped; None when a blank node (a validation) needs rdflib's
    canonical relabelling."""
    rows = []
    iris: dict[str, str] = {}  # an IRI's n3() (rdflib's checks included), once per IRI

    def n3(term) -> str:
        if type(term) is URIRef:
            text = iris.get(term)
            if text is None:
                text = iris[term] = term.n3()
            return text
        return _quoteLiteral(term) if isinstance(term, Literal) else term.n3()

    for s, p, o in triples:
        if type(s) is BNode or type(o) is BNode:
            return None
        if official and p == _DATA_STATUS and o == _INFERRED and str(s) in official:
            continue
        rows.append(f"{n3(s)} {n3(p)} {n3(o)} .")  # rdflib's _nt_row, IRIs written once
    return canonical_lines(rows)


def vocabulary_of(triples: Iterable[Triple]):
    """The :class:`~cipt_graph.mapping.Vocabulary` of Oxigraph triples (what
    ``Vocabulary.from_graph`` gives of the same statements)."""
    from ..mapping import LINK_KINDS, Vocabulary

    types: dict[str, set[str]] = {}
    codes: list[tuple[str, str]] = []
    notations: list[tuple[str, str]] = []
    in_levels: set[str] = set()
    names: dict[str, list[str]] = {}
    rdf_type, course_code, notation = str(RDF.type), str(SCHEMA.courseCode), str(SKOS.notation)
    in_scheme, pref_label, levels_scheme = str(SKOS.inScheme), str(SKOS.prefLabel), str(CID["scheme/coverage-levels"])
    for s, p, o in triples:
        pv = p.value
        if pv == rdf_type:
            types.setdefault(s.value, set()).add(o.value)
        elif pv == course_code:
            codes.append((s.value, o.value))
        elif pv == notation:
            notations.append((s.value, o.value))
            names.setdefault(s.value, []).insert(0, o.value)
        elif pv == pref_label:
            names.setdefault(s.value, []).append(o.value)
        elif pv == in_scheme and o.value == levels_scheme:
            in_levels.add(s.value)
    module = str(CIPT.Module)
    modules = {code: URIRef(s) for s, code in codes if module in types.get(s, ())}
    targets = {kind.target_class: {n: URIRef(s) for s, n in notations if str(kind.target_class) in types.get(s, ())}
               for kind in LINK_KINDS}
    levels = {name.casefold(): URIRef(level) for level in in_levels for name in names.get(level, [])}
    return Vocabulary(modules, targets, levels)


def vocabulary_of_files(paths: Iterable[Path]):
    """The vocabulary of the workspace's Turtle files (each parsed by Oxigraph).

    Raises:
        InputError: a file is malformed (``file:line``, as the builder says it).
    """
    from ..build import read_turtle_bytes, turtle_error

    triples: list = []
    for path in paths:
        try:
            triples += ox.parse(read_turtle_bytes(path), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
        except SyntaxError as exc:
            raise turtle_error(path, exc) from None
    return vocabulary_of((q.subject, q.predicate, q.object) for q in triples)
