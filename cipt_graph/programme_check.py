"""Is ``--programme`` a programme of the workspace? Answered before any dataset is built (issue #16).

Building a university's dataset (300 programmes, ~444k quads) takes tens of seconds; a command
given an unknown programme used to fail only after that. Programmes are declared in the
workspace's own Turtle files (``*.ttl`` at its top: ``cipt:Programme``), never in the mapping
nor in the imported RNCP fiches, so those files alone, parsed by Oxigraph (a fraction of a
second at university scale), answer the question with :func:`cipt_graph.queries.choose_programme`,
the function the commands use afterwards: the error is the same (exit status 2, the option
named, the nearest codes suggested).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .namespaces import CID, GRAPH_MAPPING
from .paths import Workspace
from .queries import choose_programme
from .safefs import read_regular
from .store import OxigraphStore

_GRAPH = str(CID["graph/"])
_BOM = b"\xef\xbb\xbf"


def programme_store(workspace: Workspace) -> OxigraphStore:
    """An in-memory store holding the workspace's top-level Turtle files (not the mapping nor the
    RNCP fiches), each in its graph ``cid:graph/<name>``.

    Raises:
        InputError: a file is malformed (``file:line``).
    """
    store = OxigraphStore()
    for path in sorted(Path(workspace.root).glob("*.ttl")):
        data = read_regular(path)  # as build.read_turtle_bytes (not imported: it brings rdflib, ~0.5 s)
        data = data[len(_BOM):] if data.startswith(_BOM) else data
        try:
            store.oxigraph.load(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri(),
                                to_graph=ox.NamedNode(f"{_GRAPH}{path.stem}"))
        except SyntaxError as exc:
            from .build import turtle_error

            raise turtle_error(path, exc) from None
    return store


def is_programme_graph(iri: str) -> bool:
    """A snapshot graph holding programme data: ``cid:graph/<name>`` of a top-level Turtle file."""
    return iri.startswith(_GRAPH) and "/" not in iri[len(_GRAPH):] and iri != str(GRAPH_MAPPING)


def snapshot_programme_store(graphs: dict[str, bytes]) -> OxigraphStore:
    """An in-memory store of a version's programme graphs (N-Triples, by graph IRI)."""
    store = OxigraphStore()
    for iri, data in graphs.items():
        if is_programme_graph(iri):
            store.oxigraph.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
    return store


def check_programme(workspace: Workspace, value: str | None, *, option: str = "--programme") -> ox.NamedNode | None:
    """The programme ``value`` names in the workspace's files (None when ``value`` is empty).

    Raises:
        QueryError: ``value`` names no programme (or several); the message names ``option``.
        InputError: a Turtle file is malformed.
    """
    if value is None or not value.strip():
        return None
    return choose_programme(programme_store(workspace), value, option=option, needed=False)


_TWO = "PREFIX cipt: <https://w3id.org/cipt-graph/ontology#> SELECT ?p WHERE { ?p a cipt:Programme } LIMIT 2"
_MODULE_CODES = """PREFIX schema: <https://schema.org/>
PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>
SELECT DISTINCT ?code WHERE { ?programme schema:hasCourse ?module . ?module a cipt:Module ; schema:courseCode ?code . }"""


def programme_modules(workspace: Workspace, value: str | None, *,
                      option: str = "--programme") -> frozenset[str] | None:
    """The codes of the modules of the programme ``value`` names, when the workspace holds several
    programmes: what a build limited to that programme needs of the mapping
    (``build_store(modules=…)``; the queries scoped to that programme follow its
    ``schema:hasCourse`` modules only). None when ``value`` is empty or the workspace holds one
    programme (then the whole mapping is read, as always).

    Raises:
        QueryError: ``value`` names no programme (the message names ``option``).
    """
    if value is None or not value.strip():
        return None
    from .store import select

    store = programme_store(workspace)
    chosen = choose_programme(store, value, option=option, needed=False)
    if chosen is None or len(select(store, _TWO)) < 2:
        return None
    return frozenset(str(term.value) for term in select(store, _MODULE_CODES, {"programme": chosen}).column("code"))
