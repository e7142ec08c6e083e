"""A workspace's source graphs as canonical N-Triples: what a version records and compares.

Equal graphs give equal bytes (sorted lines, blank nodes relabelled canonically by rdflib when
there are any), so a version stores each graph once by its SHA-256 and a diff compares lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph

from ..errors import InputError
from ..namespaces import CID, CIPT
from ..paths import Workspace
from .staged import PreparedGraph, StagedGraphs, canonical_of_triples


def canonical_ntriples(graph: Graph) -> bytes:
    """The graph as sorted N-Triples, blank nodes relabelled canonically: equal graphs, equal bytes."""
    if any(isinstance(t, BNode) for triple in graph for t in triple):
        graph = to_canonical_graph(graph)
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    # N-Triples lines end at "\n" only: str.splitlines would also cut at U+2028, U+0085… inside literals.
    lines = sorted({line for line in text.split("\n") if line.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def snapshot_workspace(workspace: Workspace) -> dict[str, bytes]:
    """The workspace's source graphs (all but the shipped ontology) as canonical N-Triples, by graph IRI.

    Raises:
        InputError: a data file of the workspace is malformed (nothing is recorded then).
    """
    return dict(iter_snapshot(workspace))


_OFFICIAL = (ox.NamedNode(str(CIPT.dataStatus)), ox.NamedNode(str(CIPT.Official)))


def _oxigraph_ntriples(path: Path, official: set[str], data: bytes | None = None) -> bytes | None:
    """An imported fiche's graph as canonical N-Triples, parsed by Oxigraph (fast, one file in
    memory); None when it holds blank nodes (rdflib's canonical relabelling is needed then).
    Adds to ``official`` the subjects it marks ``cipt:dataStatus cipt:Official``."""
    from ..build import read_turtle_bytes, turtle_error

    data = read_turtle_bytes(path) if data is None else data
    try:
        quads = list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()))
    except SyntaxError as exc:
        raise turtle_error(path, exc) from None
    triples = []
    for q in quads:
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
            return None
        if (q.predicate, q.object) == _OFFICIAL:
            official.add(q.subject.value)
        triples.append(ox.Triple(q.subject, q.predicate, q.object))
    return canonical_of_triples(triples)


def iter_snapshot(workspace: Workspace, staged: StagedGraphs | None = None) -> Iterator[tuple[str, bytes | PreparedGraph]]:
    """``(graph IRI, canonical N-Triples)`` of each source graph, one at a time (what
    :func:`snapshot_workspace` gathers): the imported RNCP fiches first, each parsed by Oxigraph and
    dropped once yielded, so that recording a version of a workspace holding the whole national
    referential (30,000 fiches) takes seconds and little memory; then the programme's own graphs
    (:func:`_own_graphs`, with the inferred statuses the fiches supersede dropped).
    With ``staged`` (what an import made while writing the fiches), a fiche file still holding the
    bytes staged is not parsed: its :class:`~.staged.PreparedGraph` is yielded instead of bytes.

    Raises:
        InputError: a data file of the workspace is malformed (nothing is recorded then).
    """
    from ..build import RNCP_DIR, Source, parse_turtle, rncp_files
    from ..journal import recover_if_pending

    if not workspace.read_only:  # a change a killed process left half-done: completed or undone first
        recover_if_pending(workspace.root)
    official: set[str] = set()
    fallback: list[Source] = []
    for path in rncp_files(workspace):
        iri = str(CID[f"graph/{RNCP_DIR}/{path.stem}"])
        turtle = None
        if staged is not None:
            from ..build import read_turtle_bytes

            turtle = read_turtle_bytes(path)
            prepared = staged.prepared(path.name, turtle)
            if prepared is not None:
                official.update(prepared.official)
                yield iri, prepared
                continue
        data = _oxigraph_ntriples(path, official, turtle)
        if data is None:
            graph = parse_turtle(path)
            official.update(str(s) for s in graph.subjects(CIPT.dataStatus, CIPT.Official))
            fallback.append(Source(URIRef(iri), str(path), graph))
            continue
        yield iri, data
    for source in fallback:
        yield str(source.graph_iri), canonical_ntriples(source.graph)
    yield from _own_graphs(workspace, official)


def _own_graphs(workspace: Workspace, official: set[str]) -> Iterator[tuple[str, bytes]]:
    """The programme's own graphs (each ``*.ttl``, then the mapping) as canonical N-Triples, the
    inferred statuses the fiches supersede (``official``) dropped: by Oxigraph and rdflib's line
    writer (:mod:`.fast_snapshot`, the same bytes in seconds), a file it cannot take by rdflib."""
    from ..build import parse_turtle, read_turtle_bytes
    from ..mapping import LINK_KINDS, mapping_triples
    from ..namespaces import GRAPH_MAPPING
    from .fast_snapshot import LineWriter, canonical_lines, mapping_bytes, parse_plain, superseded_line, vocabulary_of

    turtle_files = sorted(workspace.root.glob("*.ttl"))
    if not turtle_files:
        raise InputError("no Turtle data files (*.ttl) in the workspace", where=str(workspace.root),
                         fr="aucun fichier de données Turtle (*.ttl) dans l'espace de travail")
    dropped = {superseded_line(subject) for subject in official}
    writer = LineWriter()
    out: list[tuple[str, bytes]] = []
    every: list = []  # every statement, for the mapping's vocabulary
    for path in turtle_files:
        iri = str(CID[f"graph/{path.stem}"])
        data = read_turtle_bytes(path)
        triples = parse_plain(path, data)
        if triples is not None:
            every += triples
            out.append((iri, canonical_lines(line for line in map(writer.line, triples) if line not in dropped)))
            continue
        graph = parse_turtle(path)  # rdflib (its errors as the builder gives them); Oxigraph for the vocabulary
        every += ((q.subject, q.predicate, q.object) for q in
                  ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()))
        out.append((iri, _canonical_rdflib(graph, official)))
    vocab = vocabulary_of(every)
    del every
    triples = []
    for kind in LINK_KINDS:
        path = workspace.mapping_dir / kind.file_name
        if path.exists():
            triples += mapping_triples(path, kind, vocab)
    data = mapping_bytes(triples, official)
    if data is None:  # a blank node (a validation): rdflib's canonical relabelling
        graph = Graph()
        for triple in triples:
            graph.add(triple)
        data = _canonical_rdflib(graph, official)
    out.append((str(GRAPH_MAPPING), data))
    yield from out


def _canonical_rdflib(graph: Graph, official: set[str]) -> bytes:
    """An rdflib graph's canonical N-Triples, the inferred statuses of ``official`` subjects
    dropped (the rule of ``build.supersede_inferred``)."""
    if official:
        for subject in list(graph.subjects(CIPT.dataStatus, CIPT.Inferred)):
            if str(subject) in official:
                graph.remove((subject, CIPT.dataStatus, CIPT.Inferred))
    return canonical_ntriples(graph)
