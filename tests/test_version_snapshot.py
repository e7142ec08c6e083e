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


EXTRA_FAST = """@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/é/> .
ex:a ex:decimal 1.50, "2.0"^^xsd:decimal ; ex:integer "007"^^xsd:integer, +5, -0 ; ex:double 1e3 ;
  ex:bool true, "1"^^xsd:boolean ; ex:date "2026-01-02"^^xsd:date ; ex:when "2026-01-02T03:04:05Z"^^xsd:dateTime ;
  ex:text "ligne\\u2028séparée", "guillemet \\" et \\\\ barre", "retour\\r\\nligne"@fr-ca, 'simple'@en ;
  ex:iri <https://example.org/a%20b>, <https://example.org/ü?x=1#f> .
"""
EXTRA_RDFLIB = """@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/> .
ex:b ex:label "Étiquette"@FR, "chaîne"^^xsd:string, "tab\\tulation" .
"""
EXTRA_BLANK = """@prefix ex: <https://example.org/> .
ex:c ex:part [ ex:name "anonyme" ; ex:more [ ex:n 1 ] ] .
"""


def test_the_fast_snapshot_of_own_graphs_equals_the_builders_rdflib_graphs(tmp_path):
    """The programme's own graphs and the mapping, written by Oxigraph and rdflib's line writer
    (versions/fast_snapshot.py), are byte for byte the builder's rdflib graphs serialised: typed
    literals normalised as rdflib does, escapes, IRIs; the files it leaves to rdflib (a language
    tag with capitals, an explicit xsd:string, a tab, blank nodes) too. Also on a small university."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from university_helpers import make_university

    ws = init_workspace(tmp_path / "ws")
    (ws.root / "extra_fast.ttl").write_text(EXTRA_FAST, encoding="utf-8")
    (ws.root / "extra_rdflib.ttl").write_text(EXTRA_RDFLIB, encoding="utf-8")
    (ws.root / "extra_blank.ttl").write_text(EXTRA_BLANK, encoding="utf-8")
    from cipt_graph.versions.fast_snapshot import parse_plain
    assert parse_plain(ws.root / "extra_fast.ttl", EXTRA_FAST.encode()) is not None  # the fast path is the one tested
    assert parse_plain(ws.root / "extra_rdflib.ttl", EXTRA_RDFLIB.encode()) is None
    university = init_workspace(tmp_path / "univ")
    make_university(university.root, programmes=3, certifications=2)
    for workspace in (ws, university):
        want = {str(s.graph_iri): canonical_ntriples(s.graph) for s in load_sources(workspace)
                if s.graph_iri != GRAPH_ONTOLOGY}
        got = snapshot_workspace(workspace)
        assert got.keys() == want.keys()
        for iri in want:
            assert got[iri] == want[iri], (iri, set(got[iri].split(b"\n")) ^ set(want[iri].split(b"\n")))
