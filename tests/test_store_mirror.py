"""The in-memory copy of a small on-disk store that the query workers read (issue #11,
cipt_graph/api/mirror.py), over real stores made by `cipt load`.

The copy holds exactly the quads of the active version; it is never handed out once `cipt load`
switched the store to another version (until the copy of the new one is made); a store over the
size limit is not copied. Over HTTP, the tests of a data change with `--store DIR`
(tests/test_serve_cache.py, tests/test_query_pool.py) run with the copy in place.
"""

from __future__ import annotations

import asyncio
import shutil
import time

import pyoxigraph as ox

from cipt_graph.api.mirror import Mirror, load_copy
from cipt_graph.stores.embedded import OxigraphStore, _active_name
from conftest import run_cli

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def quads(store) -> set:
    return {(q.subject, q.predicate, q.object, q.graph_name) for q in store.oxigraph
            if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}


def count(store) -> int:
    return int(next(iter(store.raw_query(COUNT)))["n"].value)


def load(store_dir, data) -> None:
    r = run_cli("load", "--store", str(store_dir), "--data", str(data))
    assert r.returncode == 0, r.stderr


def refreshed(mirror: Mirror) -> None:
    async def run() -> None:
        mirror.refresh()
        if mirror._task is not None:
            await mirror._task

    asyncio.run(run())


def test_the_copy_holds_the_active_version_and_only_while_it_is_active(data_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    store_dir = tmp_path / "store"
    load(store_dir, data)
    disk = OxigraphStore(store_dir, read_only=True)
    mirror = Mirror(lambda: disk)
    assert mirror.get() is None  # nothing copied yet: the workers read the disk
    ready = []
    mirror.on_ready.append(lambda: ready.append(mirror.epoch))
    refreshed(mirror)
    copy = mirror.get()
    assert copy is not None and copy.path is None and ready == [1]
    assert quads(copy) == quads(disk) and count(copy) == count(disk) == len(disk.oxigraph)
    old = count(copy)

    # Another version: fewer links in the mapping.
    mapping = data / "mapping" / "module_competency.csv"
    lines = mapping.read_text(encoding="utf-8").splitlines(keepends=True)
    mapping.write_text("".join(lines[:4]), encoding="utf-8")
    before = _active_name(store_dir)
    load(store_dir, data)
    assert _active_name(store_dir) != before
    assert mirror.get() is None  # at once, before any new copy: never the old data
    refreshed(mirror)
    copy = mirror.get()
    fresh = OxigraphStore(store_dir, read_only=True)
    assert copy is not None and ready == [1, 2]
    assert quads(copy) == quads(fresh) and count(copy) == count(fresh) < old


def test_a_store_over_the_limit_is_read_from_disk(data_dir, tmp_path):
    store_dir = tmp_path / "store"
    load(store_dir, data_dir)
    folder = store_dir / _active_name(store_dir)
    assert load_copy(folder, max_disk_bytes=1024) is None
    disk = OxigraphStore(store_dir, read_only=True)
    mirror = Mirror(lambda: disk, max_disk_bytes=1024)
    refreshed(mirror)
    assert mirror.get() is None and mirror.epoch == 0


def test_in_memory_and_remote_stores_are_not_copied():
    memory = OxigraphStore()
    mirror = Mirror(lambda: memory)
    refreshed(mirror)
    assert mirror.get() is None and mirror._task is None


def test_no_copy_when_the_setting_is_zero(data_dir, tmp_path):
    """``--memory-copy-bytes 0``: the store is read from disk, whatever its size, and nothing is
    even scheduled (no dump of the store to a temporary file)."""
    store_dir = tmp_path / "store"
    load(store_dir, data_dir)
    disk = OxigraphStore(store_dir, read_only=True)
    mirror = Mirror(lambda: disk, max_disk_bytes=0)
    refreshed(mirror)
    assert mirror.get() is None and mirror._task is None and mirror.epoch == 0


def test_the_server_copies_a_store_as_large_as_its_setting(tmp_path, data_dir):
    """``cipt serve --store DIR`` copies the store into memory when it is at most
    ``--memory-copy-bytes`` on disk, and keeps reading the disk below that: the setting reaches
    the server's copy (``app.state.mirror``), the copy holds the store's quads."""
    from cipt_graph.api.app import create_app
    from cipt_graph.api.settings import Settings
    from conftest import serve_app

    store_dir = tmp_path / "store"
    load(store_dir, data_dir)
    on_disk = sum(p.stat().st_size for p in (store_dir / _active_name(store_dir)).iterdir() if p.is_file())
    for limit, copied in ((on_disk, True), (on_disk - 1, False), (0, False)):
        disk = OxigraphStore(store_dir, read_only=True)
        app = create_app(disk, Settings(memory_copy_bytes=limit))
        with serve_app(app):
            mirror = app.state.mirror
            deadline = time.monotonic() + 120
            while (limit and (mirror._task is None or not mirror._task.done())
                   and time.monotonic() < deadline):  # the copy is made (or refused) in the background
                time.sleep(0.05)
            assert (mirror._task is not None) is (limit > 0)
            copy = mirror.get()
            assert (copy is not None) is copied, limit
            if copied:
                assert count(copy) == count(disk)
