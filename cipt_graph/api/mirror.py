"""An in-memory copy of an on-disk store, read by the query workers (issue #11).

Oxigraph answers from memory several times faster than from its on-disk (RocksDB) store, the same
engine either way: the coverage matrix in 5 ms against 20 ms at the programme's scale; one
programme's matrix at university scale (``bench/generate.py university``, 443,779 quads, 60 MB on
disk) in 0.14–0.18 s against 0.37–0.57 s warm, and Oxigraph's own server (which reads the disk)
0.44 s. So when ``cipt serve --store DIR`` serves a store whose active version is at most
``--memory-copy-bytes`` on disk (default ``MAX_DISK_BYTES``, 96 MiB), the server keeps a
read-only copy of it in memory and forks its query workers
(:class:`~cipt_graph.api.pool.WorkerPool`) from it, copy-on-write: ad-hoc SPARQL and the named
queries read the copy, and the eight workers of a busy server share it. Larger stores are read
from disk.

- The copy is made in a thread, off the event loop (Oxigraph dumps the version to a temporary
  N-Quads file and bulk-loads it, both without holding the GIL): at start-up (the server is ready
  at once: until the copy is there, workers read the disk) and after every change of the data (a
  listener of :class:`~cipt_graph.api.cache.DataVersion`).
- What it costs: memory (127 MiB for the university above), and a pause when an old copy is
  freed after a change of the data: freeing holds the GIL — the server's event loop — for a
  time that grows with the copy (0.9–1.2 s for the university, measured; under 20 ms for the
  programme). Requests wait that long once per change; none fails. ``--memory-copy-bytes 0``
  trades the speed for no pause.
- A copy is only handed out while the store's ``active`` link still names the version it was
  made from (one ``readlink`` per worker forked): a worker forked after ``cipt load`` switched
  the link reads the disk until the new copy is made, never the old data.
- When a copy is ready, the pool's generation moves on (``epoch``): idle workers are replaced
  by ones forked from the copy, busy ones when they finish.
- Blank nodes get new labels in the copy (SPARQL results' labels are scoped to one result).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from .errors import log

#: Largest active version (bytes of its folder on disk) copied into memory by default (the
#: setting ``memory_copy_bytes``): about 700,000 quads, 200 MiB in memory, freed in about 1.5 s.
MAX_DISK_BYTES = 96 << 20


def _folder_bytes(folder: Path) -> int:
    return sum(entry.stat().st_size for entry in os.scandir(folder) if entry.is_file())


def load_copy(folder: Path, max_disk_bytes: int = MAX_DISK_BYTES):
    """An in-memory, read-only :class:`~cipt_graph.stores.embedded.OxigraphStore` holding the
    quads of the Oxigraph database in ``folder``; ``None`` when the folder is over ``max_disk_bytes``.

    Raises:
        OSError, RuntimeError: the database cannot be read (a writer removed it meanwhile).
    """
    from ..stores.embedded import OxigraphStore

    if _folder_bytes(folder) > max_disk_bytes:
        return None
    source = ox.Store.read_only(str(folder))
    copy = OxigraphStore(read_only=True)
    with tempfile.TemporaryDirectory(prefix="cipt-mirror-") as tmp:
        dump = os.path.join(tmp, "data.nq")
        source.dump(dump, format=ox.RdfFormat.N_QUADS)
        del source
        copy.oxigraph.bulk_load(path=dump, format=ox.RdfFormat.N_QUADS)
    return copy


class Mirror:
    """The in-memory copy of the served on-disk store (see the module's doc).

    Args:
        store_of: the served store now; only an on-disk store with an ``active`` link is copied.
        max_disk_bytes: largest active version copied.
    """

    def __init__(self, store_of: Callable[[], object], max_disk_bytes: int = MAX_DISK_BYTES) -> None:
        self._store_of = store_of
        self.max_disk_bytes = max_disk_bytes
        self._copy: tuple[str, object] | None = None  # (version name, in-memory store)
        self._task: asyncio.Task | None = None
        self._again = False
        #: Moves on each time a new copy is ready (part of the pool's generation).
        self.epoch = 0
        #: Called (on the event loop) when a new copy is ready.
        self.on_ready: list[Callable[[], None]] = []

    def _root(self) -> Path | None:
        from ..stores.embedded import OxigraphStore

        store = self._store_of()
        if isinstance(store, OxigraphStore) and store.path is not None:
            return store.path
        return None

    def get(self):
        """The copy, if it holds the store's active version now; else ``None`` (read the disk)."""
        copy = self._copy
        if copy is None:
            return None
        from ..stores.embedded import _active_name

        root = self._root()
        return copy[1] if root is not None and _active_name(root) == copy[0] else None

    def refresh(self) -> None:
        """Make a copy of the active version (in the background) unless there is one already."""
        if self._root() is None or self.max_disk_bytes <= 0:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on the loop: get() refuses an outdated copy anyway
            return
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = loop.create_task(self._build())

    async def _build(self) -> None:
        from ..stores.embedded import _active_name

        while True:
            self._again = False
            root = self._root()
            name = _active_name(root) if root is not None else None
            if name is None:
                self._copy = None
                return
            if self._copy is None or self._copy[0] != name:
                self._copy = None  # the old data is not kept alongside the new
                try:
                    copy = await asyncio.to_thread(load_copy, root / name, self.max_disk_bytes)
                except Exception as exc:  # a version removed meanwhile: the disk is read
                    log.warning("no in-memory copy of the store (it is read from disk): %s", exc)
                    copy = None
                if copy is not None and _active_name(root) == name:
                    self._copy = (name, copy)
                    self.epoch += 1
                    for listener in self.on_ready:
                        listener()
            if not self._again:
                return

    def stop(self) -> None:
        """Cancel a copy being made (the server stops)."""
        if self._task is not None:
            self._task.cancel()
