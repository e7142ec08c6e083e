"""Writing a workspace safely: atomic file writes and the workspace lock two changes share.

Two imports into one workspace run one after the other (``flock`` on the folder, re-entrant within
a process), never interleaved; a change that waits past ``$CIPT_LOCK_TIMEOUT`` seconds gets
:class:`WorkspaceBusy` (HTTP 503 with ``Retry-After``).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import CiptError, StoreError, os_reason
from ..journal import recover_locked
from ..paths import Workspace


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (bytes, or pieces of bytes written as they come: a large file is never whole
    in memory) to ``path`` through a temporary file in the same folder, ``fsync``, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            if isinstance(data, (bytes, bytearray)):
                handle.write(data)
            else:
                for piece in data:
                    handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StoreError(f"cannot write: {exc.strerror or exc}", where=str(path),
                         fr=f"écriture impossible : {os_reason(exc, 'fr')}",
                         en=f"cannot write: {os_reason(exc, 'en')}") from exc


_LOCK = threading.RLock()
_HELD: dict[Path, int] = {}
#: Seconds an import waits for another one to finish before giving up (setting).
ENV_LOCK_TIMEOUT = "CIPT_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 30.0


class WorkspaceBusy(CiptError):
    """Another change holds the workspace lock past the timeout (HTTP 503 with ``Retry-After``)."""

    def __init__(self, root: Path, timeout: float) -> None:
        self.retry_after = max(1, int(timeout))
        super().__init__(f"another import is changing this workspace; waited {timeout:g} s "
                         f"({ENV_LOCK_TIMEOUT}); try again later", where=str(root),
                         fr=f"un autre import modifie cet espace de travail ; attente de {timeout:g} s "
                            f"({ENV_LOCK_TIMEOUT}) dépassée ; réessayez plus tard")


def lock_timeout() -> float:
    """``$CIPT_LOCK_TIMEOUT`` seconds (default 30; a bad value gives the default)."""
    try:
        value = float(os.environ.get(ENV_LOCK_TIMEOUT, "") or DEFAULT_LOCK_TIMEOUT)
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT
    return value if value >= 0 else DEFAULT_LOCK_TIMEOUT


@contextlib.contextmanager
def workspace_lock(workspace: Workspace, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock on the workspace folder (``flock``) while changing its files.

    Two imports into the same workspace then run one after the other, never interleaved. The lock
    is re-entrant within a process (an import holds it while it records its version). A second
    change waits at most ``timeout`` seconds (default :func:`lock_timeout`), then gets
    :class:`WorkspaceBusy`: the write path never stays blocked. Once the lock is taken, a mapping
    change a killed process left half-done is completed or undone, and the temporary files of
    interrupted writes are removed (:func:`cipt_graph.journal.recover_locked`).
    """
    if workspace.read_only:
        raise CiptError("no workspace: create one with `cipt init DIR` and pass --data DIR (or set CIPT_DATA)",
                        fr="pas d'espace de travail : créez-en un avec `cipt init DOSSIER` et passez --data DOSSIER "
                           "(ou CIPT_DATA)")
    root = workspace.root.resolve()
    wait = lock_timeout() if timeout is None else timeout
    deadline = time.monotonic() + wait
    if not _LOCK.acquire(timeout=wait):
        raise WorkspaceBusy(root, wait)
    try:
        if _HELD.get(root):
            _HELD[root] += 1
            try:
                yield
            finally:
                _HELD[root] -= 1
            return
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no advisory locks between processes
            fcntl = None
        # Lock the folder itself: no lock file is left in the workspace.
        fd = os.open(root, os.O_RDONLY)
        try:
            if fcntl is not None:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise WorkspaceBusy(root, wait) from None
                        time.sleep(0.05)
            _HELD[root] = 1
            try:
                recover_locked(root)  # a change a killed process left half-done, and its leftovers
                yield
            finally:
                _HELD.pop(root, None)
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    finally:
        _LOCK.release()
