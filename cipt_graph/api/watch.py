"""A running server sees changes made from the command line (issue #11).

One background task per server process checks, every ``INTERVAL`` seconds, whether the served
data may have changed, and moves the :class:`~cipt_graph.api.cache.DataVersion` on (so no cached
answer of the old data is reused):

- **in memory** (built from a workspace): the workspace's files (names, sizes, modification
  times; ``versions/`` and hidden files aside) — a change made by ``cipt import-matrix``,
  ``cipt import-rncp`` or an editor reloads the store from the workspace, all or nothing (a
  malformed file is logged and the previous data stays served);
- **on disk** (``--store DIR``): the store's ``active`` version, switched by ``cipt load`` or
  an import;
- **remote** (``--store URL``): the server gives no version, so answers are reused for at most
  ``REMOTE_TTL`` seconds.

Changes over HTTP (the imports) move the version on at once (:func:`data_changed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

from .errors import log

#: Seconds between two checks: at least INTERVAL, more when a check is slow (a large workspace),
#: so that checking never takes more than a twentieth of the time.
INTERVAL = 0.1
MAX_INTERVAL = 1.0
#: Seconds a remote store's answers are reused.
REMOTE_TTL = 1.0


def workspace_signature(root: Path) -> tuple:
    """Names, sizes and modification times of the files a workspace's data is read from."""
    entries = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (folder == str(root) and d == "versions"))
        for name in files:
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                st = os.stat(path)
                entries.append((path, st.st_size, st.st_mtime_ns, st.st_ino))
    with contextlib.suppress(OSError):
        entries.append(("rncp->", os.readlink(root / "rncp")))
    return tuple(sorted(entries, key=str))


class DataWatcher:
    """Checks the served data for changes (see the module's doc); ``run()`` is the task."""

    def __init__(self, state) -> None:
        self.state = state
        self._signature: tuple | None = None
        self._remote_at = time.monotonic()

    def _kind(self) -> str:
        store = self.state.store
        if getattr(store, "query_url", None):
            return "remote"
        return "disk" if getattr(store, "path", None) is not None else "memory"

    def _workspace_root(self) -> Path | None:
        workspace = getattr(self.state, "workspace", None)
        return None if workspace is None else Path(workspace.root)

    def resync(self) -> None:
        """Take the current files as seen (after a reload made by this process)."""
        root = self._workspace_root()
        if root is not None and self._kind() == "memory":
            self._signature = workspace_signature(root)

    async def check(self) -> None:
        """One check; moves the data version on when the data changed."""
        kind = self._kind()
        store = self.state.store
        if kind == "remote":
            if time.monotonic() - self._remote_at >= REMOTE_TTL:
                self._remote_at = time.monotonic()
                self.state.data_version.bump()
            return
        if kind == "disk":
            from ..stores.embedded import _active_name

            if _active_name(store.path) != store.version:
                store._checked = 0.0
                await asyncio.to_thread(store._current)
                self.state.data_version.bump()
            return
        root = self._workspace_root()
        if root is None:
            return
        lock = getattr(self.state, "write_lock", None)
        if lock is not None and lock.locked():  # an HTTP import is writing: it reloads itself
            return
        signature = await asyncio.to_thread(workspace_signature, root)
        if self._signature is None:
            self._signature = signature
            return
        if signature == self._signature:
            return
        self._signature = signature
        from ..errors import CiptError
        from ..load import load_workspace

        try:
            await asyncio.to_thread(load_workspace, store, self.state.workspace)
        except CiptError as exc:
            log.warning("the workspace changed but cannot be loaded (the previous data stays served): %s", exc)
            return
        log.info("the workspace changed: data reloaded")
        self.state.data_version.bump()

    async def run(self) -> None:
        self.resync()
        pause = INTERVAL
        while True:
            await asyncio.sleep(pause)
            started = time.monotonic()
            try:
                await self.check()
            except Exception:  # never let the watcher die
                log.exception("checking the data for changes failed")
            pause = min(MAX_INTERVAL, max(INTERVAL, 20 * (time.monotonic() - started)))


def data_changed(state) -> None:
    """Call after this process changed the served data (an HTTP import)."""
    watcher = getattr(state, "watcher", None)
    if watcher is not None:
        watcher.resync()
    version = getattr(state, "data_version", None)
    if version is not None:
        version.bump()
