"""Version packs (issue #16): the graphs a version adds live in one file, written once; a record
killed mid-write leaves the previous versions intact; a damaged pack is named (exit status 2);
workspaces recorded before packs (one file per graph) are still read."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap

import pytest

from cipt_graph.errors import StoreError
from cipt_graph.namespaces import CID
from cipt_graph.paths import init_workspace
from cipt_graph.versions import diff_versions, ensure_baseline, list_versions, read_snapshot, record_version
from cipt_graph.versions.pack import read_pack_index
from cipt_graph.versions.snapshot import snapshot_workspace


@pytest.fixture()
def workspace(tmp_path):
    return init_workspace(tmp_path / "ws")


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _edit(workspace, title="Titre modifié par le test"):
    """Change one workspace graph (the programme's label): one graph differs from the baseline."""
    path = workspace.root / "programme.ttl"
    path.write_text(path.read_text(encoding="utf-8") + f'\n<https://example.org/test-edit> <http://www.w3.org/2000/01/rdf-schema#label> "{title}" .\n', encoding="utf-8")


def test_a_version_reads_back_from_its_pack_and_shares_unchanged_graphs(workspace):
    base = ensure_baseline(workspace)
    _edit(workspace)
    v2 = record_version(workspace, kind="test", source="edit")
    packs = workspace.versions_dir / "packs"
    assert set(read_pack_index(packs / "v2.pack")) == {v2.graphs[str(CID["graph/programme"])]}
    assert read_snapshot(workspace, base) != read_snapshot(workspace, v2)
    assert read_snapshot(workspace, v2) == snapshot_workspace(workspace)
    by_version, by_files = (diff_versions(workspace, "v1", b).as_dict() for b in ("v2", "current"))
    assert {**by_version, "b": "current"} == by_files


def test_a_record_killed_mid_write_leaves_the_previous_version_intact(workspace, tmp_path):
    ensure_baseline(workspace)
    _edit(workspace)
    before = _files(workspace.versions_dir)
    # A real process, killed (os._exit) while it streams the graphs of v2 into the pack.
    script = textwrap.dedent("""
        import os, sys
        from cipt_graph.paths import resolve_workspace
        from cipt_graph.versions import record_version
        from cipt_graph.versions.snapshot import iter_snapshot

        ws = resolve_workspace(sys.argv[1])
        def dying():
            for n, item in enumerate(iter_snapshot(ws)):
                if n == 2:
                    os._exit(9)
                yield item
        class Graphs(dict):
            def items(self):
                return dying()
        record_version(ws, kind="test", source="killed", graphs=Graphs())
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script, str(workspace.root)], env=env, capture_output=True, timeout=300)
    assert done.returncode == 9, done.stderr
    after = _files(workspace.versions_dir)
    leftovers = set(after) - set(before)
    assert leftovers and all(name.startswith("packs/.v2.pack.") and name.endswith(".tmp") for name in leftovers)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing of v1 touched
    assert [v.id for v in list_versions(workspace)] == ["v1"]
    diff_versions(workspace, "v1", "current")  # v1 still reads
    # The next record removes the leftover and records v2 whole.
    v2 = record_version(workspace, kind="test", source="again")
    assert v2.id == "v2" and not [p for p in workspace.versions_dir.rglob("*.tmp")]
    assert read_snapshot(workspace, v2) == snapshot_workspace(workspace)


def test_a_pack_left_by_an_unlisted_version_is_not_read_and_is_replaced(workspace):
    ensure_baseline(workspace)
    # A crash after the pack's rename but before index.json named v2: a pack no version lists.
    stray = workspace.versions_dir / "packs" / "v2.pack"
    stray.write_bytes(b"CIPTPACK\x01\nnot a pack at all")
    _edit(workspace)
    v2 = record_version(workspace, kind="test", source="edit")
    assert v2.id == "v2" and read_pack_index(stray)  # replaced by the real one
    assert read_snapshot(workspace, v2) == snapshot_workspace(workspace)


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_pack_is_named_with_exit_status_2(workspace, cli, damage):
    ensure_baseline(workspace)
    _edit(workspace)
    record_version(workspace, kind="test", source="edit")
    pack = workspace.versions_dir / "packs" / "v1.pack"
    data = bytearray(pack.read_bytes())
    if damage == "truncate":
        pack.write_bytes(bytes(data[: len(data) // 2]))
    else:  # one byte changed inside the first graph's compressed data
        offset, length = min(read_pack_index(pack).values())
        data[offset + length // 2] ^= 0xFF
        pack.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="corrupt version pack") as caught:
        read_snapshot(workspace, list_versions(workspace)[0])
    assert caught.value.where == str(pack)
    done = cli("diff", "v1", "v2", "--data", str(workspace.root))
    assert done.returncode == 2, done.stderr
    assert str(pack) in done.stderr and "paquet de version corrompu" in done.stderr
    done = cli("diff", "v1", "v2", "--data", str(workspace.root), env={"LANG": "en_US.UTF-8"})
    assert done.returncode == 2 and "corrupt version pack" in done.stderr


def test_a_workspace_recorded_before_packs_is_still_read(workspace):
    """Before packs, each graph was ``versions/graphs/<sha256>.nt.gz``: such versions still read,
    and a new version stores only what they lack."""
    base = ensure_baseline(workspace)
    pack = workspace.versions_dir / "packs" / "v1.pack"
    loose = workspace.versions_dir / "graphs"
    loose.mkdir()
    for sha, data in read_snapshot_by_sha(workspace, base).items():
        (loose / f"{sha}.nt.gz").write_bytes(gzip.compress(data, mtime=0))
    pack.unlink()
    pack.parent.rmdir()
    assert read_snapshot(workspace, base) == snapshot_workspace(workspace)
    _edit(workspace)
    v2 = record_version(workspace, kind="test", source="edit")
    assert set(read_pack_index(workspace.versions_dir / "packs" / "v2.pack")) == \
        {v2.graphs[str(CID["graph/programme"])]}
    assert diff_versions(workspace, "v1", "v2").as_dict()["a"] == "v1"
    assert json.loads((workspace.versions_dir / "index.json").read_text(encoding="utf-8"))["versions"][0]["id"] == "v1"


def read_snapshot_by_sha(workspace, version):
    return {version.graphs[iri]: data for iri, data in read_snapshot(workspace, version).items()}
