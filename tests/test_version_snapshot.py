"""The version snapshot of a workspace holding imported RNCP fiches (issue #16): parsed by
Oxigraph one fiche at a time, it is the same canonical N-Triples as the builder's rdflib graphs,
and the version records the export's hash, its graphs and its counts."""

from __future__ import annotations

import hashlib

from rncp_gen import fiche_xml, xml_export

from cipt_graph.build import load_sources
from cipt_graph.importers import import_rncp
from cipt_graph.namespaces import GRAPH_ONTOLOGY
from cipt_graph.paths import init_workspace
from cipt_graph.versions import list_versions, snapshot_workspace
from cipt_graph.versions.snapshot import canonical_ntriples, iter_snapshot


def test_snapshot_of_imported_fiches_equals_the_builders_graphs(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    fiches = [fiche_xml(f"RNCP{40000 + i}", f"Titre « {i} » avec accents é", [
        (f"RNCP{40000 + i}BC01", "Piloter un projet", "- Analyser les besoins\n- Conduire l'équipe", "Étude de cas"),
        (f"RNCP{40000 + i}BC02", "Communiquer", "Rédiger\u00a0une note ; présenter", "Oral"),
    ]) for i in range(5)]
    export = tmp_path / "export.xml"
    export.write_bytes(xml_export(fiches))
    import_rncp(export, ws, agent="test")
    assert len(list((ws.root / "rncp").glob("*.ttl"))) >= 5

    want = {str(s.graph_iri): canonical_ntriples(s.graph) for s in load_sources(ws) if s.graph_iri != GRAPH_ONTOLOGY}
    got = snapshot_workspace(ws)
    assert got == want
    assert [iri for iri, _ in iter_snapshot(ws)][:1] != []  # a generator, one graph at a time

    version = list_versions(ws)[-1]
    assert version.kind == "rncp-import"
    assert version.source_sha256 == hashlib.sha256(export.read_bytes()).hexdigest()
    assert version.graphs == {iri: hashlib.sha256(data).hexdigest() for iri, data in sorted(want.items())}
    assert version.counts["triples"] == sum(data.count(b"\n") for data in want.values())
    assert version.counts["competency_links"] > 0
