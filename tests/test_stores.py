"""Store backends (issue #7): the on-disk store and a real remote SPARQL server give the same
results as the in-memory store; loads are all or nothing; named queries scope to a programme."""

from __future__ import annotations

import csv
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

from cipt_graph.build import build_store
from cipt_graph.errors import QueryError, StoreError
from cipt_graph.load import load_workspace
from cipt_graph.paths import init_workspace
from cipt_graph.queries import get_query, load_queries, run_query
from cipt_graph.store import OxigraphStore, RemoteStore, iter_records, open_store
from cipt_graph.stores.binding import bind_values

from university_helpers import make_university
from conftest import oxigraph_server

QUERIES = sorted(load_queries())


@pytest.fixture(scope="module")
def memory():
    return build_store()


@pytest.fixture(scope="module")
def disk_path(tmp_path_factory, cli):
    path = tmp_path_factory.mktemp("disk") / "store"
    done = cli("load", "--store", str(path))
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with oxigraph_server(tmp_path_factory.mktemp("server")) as base:
        yield base


@pytest.fixture(scope="module")
def remote(server, cli):
    done = cli("load", "--store", f"{server}/query", "--gsp-url", f"{server}/store")
    assert done.returncode == 0, done.stderr
    return RemoteStore(f"{server}/query")


def same_dataset(a: bytes, b: bytes) -> bool:
    """Two N-Quads dumps hold the same graphs, up to blank node labels."""
    from rdflib import Dataset
    from rdflib.compare import isomorphic

    graphs = []
    for data in (a, b):
        ds = Dataset()
        ds.parse(data=data, format="nquads")
        graphs.append({str(g.identifier): g for g in ds.graphs() if len(g)})
    return graphs[0].keys() == graphs[1].keys() and all(isomorphic(graphs[0][k], graphs[1][k]) for k in graphs[0])


def results(store, name):
    """A query's rows as comparable values; GROUP_CONCAT lists (in no defined order) sorted."""
    q = get_query(name)
    concat = set(re.findall(r"GROUP_CONCAT\(.*?\)\s+AS\s+\?(\w+)", q.text, re.S))
    rows = []
    for record in iter_records(run_query(store, q, q.example)):
        rows.append(repr({k: " ".join(sorted(v.split())) if k in concat and isinstance(v, str) else v
                          for k, v in record.items()}))
    return sorted(rows)


@pytest.mark.parametrize("name", QUERIES)
def test_disk_store_answers_as_memory(memory, disk_path, name):
    assert results(OxigraphStore(disk_path, read_only=True), name) == results(memory, name)


@pytest.mark.parametrize("name", QUERIES)
def test_remote_store_answers_as_memory(memory, remote, name):
    assert results(remote, name) == results(memory, name)


def test_disk_round_trip_keeps_every_quad(memory, disk_path):
    disk = OxigraphStore(disk_path, read_only=True)
    assert disk.graph_names() == memory.graph_names()
    assert len(disk) == len(memory)
    assert same_dataset(disk.dump(ox.RdfFormat.N_QUADS), memory.dump(ox.RdfFormat.N_QUADS))


def test_remote_round_trip_keeps_every_quad(memory, remote):
    assert remote.graph_names() == memory.graph_names()
    assert len(remote) == len(memory)
    assert same_dataset(remote.dump(ox.RdfFormat.N_QUADS), memory.dump(ox.RdfFormat.N_QUADS))


def test_load_by_sparql_update_too(server, memory, tmp_path, cli):
    """Without a Graph Store URL, `cipt load` writes with SPARQL Update."""
    work = init_workspace(tmp_path / "ws")
    done = cli("load", "--store", f"{server}/query", "--update-url", f"{server}/update", "--data", str(work.root))
    assert done.returncode == 0, done.stderr
    assert results(RemoteStore(f"{server}/query"), "stats") == results(memory, "stats")


def edited_workspace(tmp_path: Path, hours: int = 99) -> Path:
    work = init_workspace(tmp_path / f"ws-{hours}").root
    text = (work / "programme.ttl").read_text(encoding="utf-8")
    assert "cipt:declaredHours 487 ;" in text
    (work / "programme.ttl").write_text(text.replace("cipt:declaredHours 487 ;", f"cipt:declaredHours {hours} ;"),
                                        encoding="utf-8")
    return work


def declared(store) -> int:
    return next(iter_records(run_query(store, "hours_declared_vs_listed")))["declared"]


def test_filled_store_is_used_as_it_is(tmp_path, cli):
    """A persistent store is not rebuilt by later commands; --data on the command line reloads it."""
    path = tmp_path / "store"
    assert cli("load", "--store", str(path), "--data", str(edited_workspace(tmp_path, 99))).returncode == 0
    shown = cli("query", "hours_declared_vs_listed", "--store", str(path), "--format", "json")
    assert shown.returncode == 0 and '"declared": 99' in shown.stdout
    via_env = cli("stats", "--format", "json", env={"CIPT_STORE": str(path)})
    assert '"hours_declared": 99' in via_env.stdout
    reloaded = cli("stats", "--format", "json", "--store", str(path), "--data", str(edited_workspace(tmp_path, 77)))
    assert '"hours_declared": 77' in reloaded.stdout


def test_failed_load_leaves_disk_store_intact(tmp_path, disk_path, cli):
    path = tmp_path / "store"
    shutil.copytree(disk_path, path, symlinks=True)
    before = OxigraphStore(path, read_only=True)
    version, quads = before.version, before.dump(ox.RdfFormat.N_QUADS)
    broken = edited_workspace(tmp_path)
    with open(broken / "programme.ttl", "a", encoding="utf-8") as handle:
        handle.write("\n<module/M99> a cipt:Module ;\n    cipt:hours .\n")
    done = cli("load", "--store", str(path), "--data", str(broken))
    assert done.returncode == 2
    assert "programme.ttl" in done.stderr and "line" in done.stderr
    after = OxigraphStore(path, read_only=True)
    assert after.version == version and after.dump(ox.RdfFormat.N_QUADS) == quads
    assert not list(path.glob("*.tmp"))


def test_failed_load_leaves_remote_store_intact(server, tmp_path, cli):
    store = RemoteStore(f"{server}/query")
    before = store.dump(ox.RdfFormat.N_QUADS)
    broken = edited_workspace(tmp_path)
    (broken / "mapping" / "module_competency.csv").write_text(
        "module,competency,level,hours,status,asserted_by,asserted_on,rationale\n"
        "M01,BC99-C9,I,,proposed,X,2026-01-01,r\n", encoding="utf-8")
    done = cli("load", "--store", f"{server}/query", "--gsp-url", f"{server}/store", "--data", str(broken))
    assert done.returncode == 2 and "module_competency.csv" in done.stderr and "BC99-C9" in done.stderr
    assert same_dataset(store.dump(ox.RdfFormat.N_QUADS), before)


def test_readers_share_the_store_and_see_new_versions(tmp_path, monkeypatch, cli):
    """Several read-only handles (and processes) read at once; a load switches them all over."""
    path = tmp_path / "store"
    load_workspace(OxigraphStore(path), edited_workspace(tmp_path, 10))
    readers = [OxigraphStore(path, read_only=True) for _ in range(3)]
    assert [declared(r) for r in readers] == [10, 10, 10]
    other_process = cli("query", "hours_declared_vs_listed", "--format", "csv", "--store", str(path))
    assert other_process.returncode == 0 and ",10," in other_process.stdout
    monkeypatch.setattr("cipt_graph.stores.embedded.REFRESH_SECONDS", 0.0)
    load_workspace(OxigraphStore(path), edited_workspace(tmp_path, 20))
    assert [declared(r) for r in readers] == [20, 20, 20]
    assert len(list(path.glob("v-*"))) == 2, "the active version and the previous one are kept"


def test_read_only_store_refuses_writes(disk_path):
    with pytest.raises(StoreError, match="read-only"):
        OxigraphStore(disk_path, read_only=True).replace_graphs({"https://example.org/g": b""})


def test_replace_graphs_on_disk_is_a_new_version(tmp_path, memory):
    path = tmp_path / "store"
    load_workspace(OxigraphStore(path))
    store = OxigraphStore(path)
    first = store.version
    store.replace_graphs({"https://example.org/g": b"<https://example.org/s> <https://example.org/p> \"o\" .\n"})
    assert store.version != first
    assert "https://example.org/g" in store.graph_names() and len(store) == len(memory) + 1
    with pytest.raises(StoreError, match="invalid N-Triples"):
        store.replace_graphs({"https://example.org/g": b"not n-triples"})
    assert len(store) == len(memory) + 1


def test_a_folder_that_is_not_a_store_is_refused(tmp_path, cli):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(StoreError, match="not an Oxigraph store"):
        open_store(tmp_path)
    done = cli("stats", "--store", str(tmp_path))
    assert done.returncode == 2 and "n'est pas un entrepôt Oxigraph" in done.stderr


def test_unreachable_server_gives_a_clear_error(cli):
    store = RemoteStore("http://127.0.0.1:9/query", update_url="http://127.0.0.1:9/update")
    with pytest.raises(StoreError, match="cannot reach the SPARQL server"):
        run_query(store, "stats")
    done = cli("stats", "--store", "http://127.0.0.1:9/query")
    assert done.returncode == 2 and "impossible de joindre le serveur SPARQL" in done.stderr
    done = cli("--lang", "en", "stats", "--store", "http://127.0.0.1:9/query")
    assert done.returncode == 2 and "cannot reach the SPARQL server" in done.stderr


def test_remote_syntax_error_is_a_query_error(remote):
    with pytest.raises(QueryError, match="refused"):
        remote.raw_query("SELECT * WHERE { ?s ?p }")


def test_remote_parameters_cannot_change_a_query(remote):
    rows = list(iter_records(run_query(remote, "coverage_matrix", {"lang": 'fr") } UNION { ?a ?b ?c } #'})))
    assert rows == []


@pytest.mark.parametrize("sparql, expected", [
    ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { VALUES"),
    ('SELECT ?x # a { comment\nWHERE { ?x ?p "{" }', 'WHERE { VALUES'),
    ('PREFIX a: <http://e/ns#>\nSELECT * { ?x a:p "}" }', "SELECT * { VALUES"),
    ("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }", "WHERE { VALUES"),
])
def test_values_block_opens_the_where_group(sparql, expected):
    bound = bind_values(sparql, {"x": ox.NamedNode("http://e/a")})
    assert expected in bound and "VALUES (?x) { (<http://e/a>) }" in bound
    ox.Store().query(bound)  # still a valid query


def test_blank_nodes_cannot_be_sent():
    with pytest.raises(QueryError, match="only IRIs and literals"):
        bind_values("SELECT ?x WHERE { ?x ?p ?o }", {"x": ox.BlankNode()})


# --- several programmes in one dataset --------------------------------------------------------

@pytest.fixture(scope="module")
def university(tmp_path_factory):
    """A small generated university (bench/generate.py): 6 programmes sharing 2 certifications."""
    out = make_university(tmp_path_factory.mktemp("university") / "ws", programmes=6, seed=3)
    store = OxigraphStore()
    load_workspace(store, out)
    return store, out


def university_facts(out: Path):
    """Programme → modules and certification → competencies, read from the generated Turtle."""
    from rdflib import Graph
    from rdflib.namespace import RDF, SKOS

    from cipt_graph.namespaces import CIPT, SCHEMA

    g = Graph()
    for path in out.glob("*.ttl"):
        g.parse(path)
    modules = {str(p): {str(g.value(m, SCHEMA.courseCode)) for m in g.objects(p, SCHEMA.hasCourse)}
               for p in g.subjects(RDF.type, CIPT.Programme)}
    competencies = {}
    for p in modules:
        cert = g.value(g.resource(p).identifier, CIPT.certification)
        blocks = set(g.subjects(CIPT.inCertification, cert))
        competencies[p] = {str(g.value(c, SKOS.notation)) for b in blocks for c in g.subjects(SKOS.broader, b)}
    with open(out / "mapping" / "module_competency.csv", encoding="utf-8", newline="") as handle:
        links = list(csv.DictReader(handle))
    return modules, competencies, links


def test_coverage_matrix_is_scoped_to_a_programme(university):
    store, out = university
    modules, _, links = university_facts(out)
    everything = list(iter_records(run_query(store, "coverage_matrix")))
    assert len(modules) == 7 and len(everything) == len(links)
    for programme, codes in modules.items():
        rows = list(iter_records(run_query(store, "coverage_matrix", {"programme": programme})))
        want = {(r["module"], r["competency"]) for r in links if r["module"] in codes}
        assert {(r["module_code"], r["competency_code"]) for r in rows} == want
        assert {r["programme"] for r in rows} == {programme}


def test_gaps_are_scoped_to_a_programme(university):
    store, out = university
    modules, competencies, links = university_facts(out)
    covered = defaultdict(set)
    for r in links:
        for programme, codes in modules.items():
            if r["module"] in codes:
                covered[programme].add(r["competency"])
    for programme in modules:
        got = {r["competency_code"] for r in iter_records(
            run_query(store, "uncovered_competencies", {"programme": programme}))}
        assert got == competencies[programme] - covered[programme], programme
        unlinked = {r["module_code"] for r in iter_records(
            run_query(store, "modules_without_competency", {"programme": programme}))}
        # Assessment sessions (M25 "Evaluation/Soutenances", issue #14) teach nothing: not a gap.
        sessions = {solution["code"].value for solution in store.raw_query(
            "SELECT ?code WHERE { ?m a <https://w3id.org/cipt-graph/ontology#AssessmentSession> ; "
            "<https://schema.org/courseCode> ?code }")}
        assert unlinked == modules[programme] - {r["module"] for r in links} - sessions, programme
