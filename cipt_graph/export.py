"""Serialising the dataset: Turtle, N-Triples, N-Quads and TriG through Oxigraph, JSON-LD compacted.

Oxigraph keeps every literal's lexical form (rdflib's Turtle writer turns ``"20"^^xsd:decimal``
into ``20.0``). Turtle declares a prefix only when every IRI of its namespace has a plain local
name (``safe_prefixes``): no local name needs a backslash escape, which rdflib.js refuses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import pyoxigraph as ox

from .jsonld import compact_quads
from .namespaces import PREFIXES
from .store import Store

_OX_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "ntriples": ox.RdfFormat.N_TRIPLES, "trig": ox.RdfFormat.TRIG}


#: A plain local name for a Turtle prefixed name (a subset of PN_LOCAL that needs no escape and
#: that every Turtle parser reads, rdflib.js and N3.js included).
PLAIN_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def safe_prefixes(iris: Iterable[str]) -> dict[str, str]:
    """The project's prefixes worth declaring for ``iris``: used by some IRI, and every IRI of the
    namespace has a plain local name (``PLAIN_LOCAL``), so that no prefixed name needs an escape."""
    iris = set(iris)
    out = {}
    for name, namespace in PREFIXES.items():
        ns = str(namespace)
        locals_ = [i[len(ns):] for i in iris if i.startswith(ns)]
        if locals_ and all(PLAIN_LOCAL.fullmatch(local) for local in locals_):
            out[name] = ns
    return out


def turtle(triples: list[ox.Triple]) -> bytes:
    """``triples`` as Turtle (Oxigraph's writer) with the safe prefixes."""
    iris = {t.value for tr in triples for t in (tr.subject, tr.predicate, tr.object) if isinstance(t, ox.NamedNode)}
    iris |= {tr.object.datatype.value for tr in triples if isinstance(tr.object, ox.Literal)}
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=safe_prefixes(iris)) or b""


def serialize_store(store: Store, fmt: str) -> bytes:
    """The store's dataset in ``fmt`` (turtle, nquads, ntriples, trig or jsonld).

    Turtle is a triple format: it holds the union of the named graphs. N-Quads, TriG and
    JSON-LD keep each graph; JSON-LD is compacted with the project's ``@context``.
    """
    if fmt in _OX_FORMATS:
        return store.dump(_OX_FORMATS[fmt])
    if fmt == "turtle":
        return turtle(list(ox.parse(store.dump(ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES)))
    if fmt == "jsonld":
        # Compacted with the project's published @context (issue #17), each named graph kept.
        quads = ox.parse(store.dump(ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
        return json.dumps(compact_quads(quads), ensure_ascii=False, indent=1).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}")
