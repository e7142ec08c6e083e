"""Graph assembly: the ontology, a workspace's Turtle files and mapping CSVs → one RDF dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .errors import InputError
from .mapping import Vocabulary, read_mapping
from .namespaces import CID, CIPT, GRAPH_MAPPING, GRAPH_ONTOLOGY, PREFIXES
from .paths import ONTOLOGY_FILE, Workspace, resolve_workspace
from .store import Store, open_store


@dataclass
class Source:
    """One named graph of the dataset and the file(s) it came from."""

    graph_iri: URIRef
    origin: str
    graph: Graph


def parse_turtle(path: Path) -> Graph:
    """Parse a Turtle file.

    Raises:
        InputError: the file is missing or malformed (the message gives the line).
    """
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from exc
    try:
        # Oxigraph's parser reports line and column precisely and is fast; rdflib keeps the graph.
        for _ in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
            pass
    except SyntaxError as exc:
        raise InputError(f"malformed Turtle: {exc}", where=str(path)) from exc
    graph.parse(data=data, format="turtle", publicID=path.resolve().as_uri())
    return graph


def load_sources(workspace: Workspace) -> list[Source]:
    """Every source of the dataset, parsed and checked, before anything is written to a store."""
    sources = [Source(GRAPH_ONTOLOGY, str(ONTOLOGY_FILE), parse_turtle(ONTOLOGY_FILE))]
    data = Graph()
    turtle_files = sorted(workspace.root.glob("*.ttl"))
    if not turtle_files:
        raise InputError("no Turtle data files (*.ttl) in the workspace", where=str(workspace.root))
    for path in turtle_files:
        graph = parse_turtle(path)
        sources.append(Source(CID[f"graph/{path.stem}"], str(path), graph))
        data += graph
    mapping = read_mapping(workspace.mapping_dir, Vocabulary.from_graph(data))
    sources.append(Source(GRAPH_MAPPING, str(workspace.mapping_dir), mapping))
    for path in rncp_files(workspace):
        sources.append(Source(CID[f"graph/{RNCP_DIR}/{path.stem}"], str(path), parse_turtle(path)))
    supersede_inferred(sources)
    return sources


#: Folder of a workspace where `cipt import-rncp` writes imported fiches and the reconciliation.
RNCP_DIR = "rncp"
RNCP_GRAPH_PREFIX = str(CID[f"graph/{RNCP_DIR}/"])


def rncp_files(workspace: Workspace) -> list[Path]:
    """The imported RNCP fiches and the reconciliation file (``rncp/*.ttl``) of a workspace."""
    return sorted((workspace.root / RNCP_DIR).glob("*.ttl"))


def supersede_inferred(sources: list[Source]) -> None:
    """Drop ``cipt:dataStatus cipt:Inferred`` from a resource that an import marks ``cipt:Official``.

    The reconciliation (``rncp/reconciliation.ttl``) marks a brochure block whose label matched an
    official fiche's block as official; its inferred status in the programme data no longer holds.
    """
    imported = [s for s in sources if str(s.graph_iri).startswith(RNCP_GRAPH_PREFIX)]
    if not imported:
        return
    for source in sources:
        if str(source.graph_iri).startswith(RNCP_GRAPH_PREFIX):
            continue
        for subject in list(source.graph.subjects(CIPT.dataStatus, CIPT.Inferred)):
            if any((subject, CIPT.dataStatus, CIPT.Official) in s.graph for s in imported):
                source.graph.remove((subject, CIPT.dataStatus, CIPT.Inferred))


def build_store(data: str | Path | Workspace | None = None, store: Store | None = None) -> Store:
    """Build the dataset of a workspace into a store (a new in-memory one by default).

    Every file is parsed and checked first; the store is written only when all are valid,
    so a failed build leaves the store as it was.
    """
    workspace = data if isinstance(data, Workspace) else resolve_workspace(data)
    sources = load_sources(workspace)
    target = store if store is not None else open_store()
    target.replace_graphs({str(s.graph_iri): s.graph.serialize(format="nt", encoding="utf-8") for s in sources})
    return target
