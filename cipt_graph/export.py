"""Serialising the dataset: Turtle and JSON-LD through rdflib (with prefixes), quads through Oxigraph."""

from __future__ import annotations

import json

import pyoxigraph as ox
from rdflib import Graph

from .jsonld import compact_quads
from .namespaces import PREFIXES
from .store import Store

_OX_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "ntriples": ox.RdfFormat.N_TRIPLES, "trig": ox.RdfFormat.TRIG}


def serialize_store(store: Store, fmt: str) -> bytes:
    """The store's dataset in ``fmt`` (turtle, nquads, ntriples, trig or jsonld).

    Turtle is a triple format: it holds the union of the named graphs. N-Quads, TriG and
    JSON-LD keep each graph; JSON-LD is compacted with the project's ``@context``.
    """
    if fmt in _OX_FORMATS:
        return store.dump(_OX_FORMATS[fmt])
    if fmt == "turtle":
        graph = Graph()
        graph.parse(data=store.dump(ox.RdfFormat.N_TRIPLES), format="nt")
        target = graph
    elif fmt == "jsonld":
        # Compacted with the project's published @context (issue #17), each named graph kept.
        quads = ox.parse(store.dump(ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
        return json.dumps(compact_quads(quads), ensure_ascii=False, indent=1).encode("utf-8")
    else:
        raise ValueError(f"unknown format {fmt!r}")
    for prefix, ns in PREFIXES.items():
        target.bind(prefix, ns, replace=True)
    return target.serialize(format="turtle", encoding="utf-8")
