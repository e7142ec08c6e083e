"""Fast loading of a workspace into a store: Oxigraph's parsers end to end, for large datasets.

The dataset is the one :func:`cipt_graph.build.build_store` makes (same named graphs, same
checks and error messages), assembled in an in-memory Oxigraph store and then handed to the
target store in one step: a new on-disk version, Graph Store PUTs to a remote server, or a swap
in memory. Every file is checked before the target is touched, so a failed load leaves it as it was.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef

from .build import RNCP_DIR, RNCP_GRAPH_PREFIX, read_turtle_bytes, rncp_files, turtle_error
from .errors import InputError
from .mapping import LINK_KINDS, Vocabulary, mapping_triples
from .namespaces import CID, CIPT, GRAPH_MAPPING, GRAPH_ONTOLOGY, SCHEMA, SKOS
from .paths import ONTOLOGY_FILE, Workspace, resolve_workspace
from .stores import Store, describe_store


@dataclass(frozen=True)
class LoadReport:
    """What a load put into a store."""

    store: str
    workspace: str
    graphs: dict[str, int]
    seconds: float

    @property
    def quads(self) -> int:
        return sum(self.graphs.values())


def _load_turtle(dataset: ox.Store, path: Path, graph: str) -> None:
    """One Turtle file into ``graph`` (BOM ignored; FIFOs, sockets and symlink loops refused)."""
    data = read_turtle_bytes(path)
    try:
        dataset.load(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri(),
                     to_graph=ox.NamedNode(graph))
    except SyntaxError as exc:
        raise turtle_error(path, exc) from None


def _vocabulary(dataset: ox.Store, graphs: list[str]) -> Vocabulary:
    """What mapping rows may refer to, as :meth:`Vocabulary.from_graph` reads it, by SPARQL."""
    scope = {"default_graph": [ox.NamedNode(g) for g in graphs]}

    def pairs(sparql: str) -> list[tuple[str, URIRef]]:
        rows = dataset.query(sparql, **scope)
        return [(s["key"].value, URIRef(s["s"].value)) for s in rows if isinstance(s["s"], ox.NamedNode)]

    modules = dict(pairs(f"SELECT ?s ?key WHERE {{ ?s a <{CIPT.Module}> ; <{SCHEMA.courseCode}> ?key . }}"))
    targets = {
        kind.target_class: dict(pairs(f"SELECT ?s ?key WHERE {{ ?s a <{kind.target_class}> ; <{SKOS.notation}> ?key . }}"))
        for kind in LINK_KINDS
    }
    levels = {key.casefold(): s for key, s in pairs(
        f"SELECT ?s ?key WHERE {{ ?s <{SKOS.inScheme}> <{CID['scheme/coverage-levels']}> . "
        f"{{ ?s <{SKOS.notation}> ?key }} UNION {{ ?s <{SKOS.prefLabel}> ?key }} }}"
    )}
    return Vocabulary(modules, targets, levels)


def workspace_dataset(data: str | Path | Workspace | None = None, *,
                      modules: frozenset[str] | None = None) -> ox.Store:
    """Every source of a workspace, checked and parsed into one in-memory Oxigraph store.

    ``modules``: only the mapping rows of these module codes are read (one programme's part of a
    university: what queries scoped to that programme see is the same, in a fraction of the time).

    Raises:
        InputError: a file is missing or malformed (the message names the file and line).
    """
    workspace = data if isinstance(data, Workspace) else resolve_workspace(data)
    if not workspace.read_only:  # a change a killed process left half-done: completed or undone first
        from .journal import recover_if_pending

        recover_if_pending(workspace.root)
    dataset = ox.Store()
    _load_turtle(dataset, ONTOLOGY_FILE, str(GRAPH_ONTOLOGY))
    turtle_files = sorted(workspace.root.glob("*.ttl"))
    if not turtle_files:
        raise InputError("no Turtle data files (*.ttl) in the workspace", where=str(workspace.root),
                         fr="aucun fichier de données Turtle (*.ttl) dans l'espace de travail")
    data_graphs = []
    for path in turtle_files:
        graph = str(CID[f"graph/{path.stem}"])
        _load_turtle(dataset, path, graph)
        data_graphs.append(graph)
    vocabulary = _vocabulary(dataset, data_graphs)
    mapping = ox.NamedNode(str(GRAPH_MAPPING))
    for kind in LINK_KINDS:  # as mapping.read_mapping does, without an rdflib graph in between
        path = workspace.mapping_dir / kind.file_name
        if path.exists():
            dataset.extend(_to_quads(mapping_triples(path, kind, vocabulary, modules=modules), mapping))
    # Imported RNCP fiches and the reconciliation, with the same rule as build.load_sources.
    for path in rncp_files(workspace):
        _load_turtle(dataset, path, str(CID[f"graph/{RNCP_DIR}/{path.stem}"]))
    dataset.update(_SUPERSEDE_INFERRED)
    return dataset


def _to_quads(triples, graph: ox.NamedNode) -> Iterator[ox.Quad]:
    """rdflib triples as Oxigraph quads (the terms' lexical forms as rdflib writes them)."""
    iris: dict[str, ox.NamedNode] = {}

    def term(value):
        if isinstance(value, URIRef):
            node = iris.get(value)
            if node is None:
                node = iris[value] = ox.NamedNode(str(value))
            return node
        if isinstance(value, Literal):
            if value.language:
                return ox.Literal(str(value), language=value.language)
            if value.datatype is not None:
                return ox.Literal(str(value), datatype=term(value.datatype))
            return ox.Literal(str(value))
        return ox.BlankNode(str(value))

    for s, p, o in triples:
        yield ox.Quad(term(s), term(p), term(o), graph)


#: build.supersede_inferred in SPARQL: an import's cipt:Official status replaces cipt:Inferred.
_SUPERSEDE_INFERRED = f"""
DELETE {{ GRAPH ?g {{ ?s <{CIPT.dataStatus}> <{CIPT.Inferred}> }} }}
WHERE {{
  GRAPH ?g {{ ?s <{CIPT.dataStatus}> <{CIPT.Inferred}> }}
  GRAPH ?r {{ ?s <{CIPT.dataStatus}> <{CIPT.Official}> }}
  FILTER(STRSTARTS(STR(?r), "{RNCP_GRAPH_PREFIX}") && !STRSTARTS(STR(?g), "{RNCP_GRAPH_PREFIX}"))
}}
"""


def load_workspace(store: Store, data: str | Path | Workspace | None = None) -> LoadReport:
    """Fill ``store`` with a workspace's dataset, all or nothing.

    An on-disk store becomes exactly the workspace's dataset; a remote server gets each of the
    workspace's graphs replaced (its other graphs are kept); an in-memory store is swapped.

    Raises:
        InputError: a data file is malformed (nothing is written).
        StoreError: the store cannot be written.
    """
    started = time.perf_counter()
    workspace = data if isinstance(data, Workspace) else resolve_workspace(data)
    dataset = workspace_dataset(workspace)
    graphs = {g.value: len(list(dataset.quads_for_pattern(None, None, None, g)))
              for g in dataset.named_graphs() if isinstance(g, ox.NamedNode)}
    loader = getattr(store, "load_dataset", None)
    if loader is not None:
        loader(dataset)
    else:
        store.replace_graphs({g: dataset.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g))
                              for g in graphs})
    return LoadReport(describe_store(store), str(workspace.root), graphs, time.perf_counter() - started)
