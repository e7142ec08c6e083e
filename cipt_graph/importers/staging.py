"""Staging folders of imports, their clean-up after a crash, and the undo of a versions folder.

Every temporary folder an import makes is named ``<prefix><pid>-<random>`` (``.rncp-import-``
and ``.rncp-gen-`` in the workspace, ``cipt-upload-`` in the system's temporary folder), created
with ``mkdir(…, 0o777)`` so the process umask decides its permissions (``tempfile.mkdtemp``
would force 0700 on the ``rncp/`` generation). A killed import leaves such folders behind:
:func:`clean_leftovers` removes those whose process is gone — at the next import and when
``cipt serve`` starts — and never touches a folder of a live process, nor the generation
``rncp/`` points to.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import tempfile
from pathlib import Path

IMPORT_PREFIX = ".rncp-import-"
GENERATION_PREFIX = ".rncp-gen-"
OLD_PREFIX = ".rncp-old-"
LINK_PREFIX = ".rncp-link-"
UPLOAD_PREFIX = "cipt-upload-"


def make_dir(parent: Path, prefix: str) -> Path:
    """A new folder ``parent/<prefix><pid>-<random>``, permissions from the umask."""
    parent.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        path = parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            os.mkdir(path, 0o777)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(parent / f"{prefix}…"))


def new_name(parent: Path, prefix: str) -> Path:
    """A path ``parent/<prefix><pid>-<random>`` that does not exist yet (for a rename)."""
    for _ in range(100):
        path = parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
        if not os.path.lexists(path):
            return path
    raise FileExistsError(f"cannot name a folder {prefix}… in {parent}")


def _pid_of(name: str, prefix: str) -> int | None:
    head = name[len(prefix):].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _alive(pid: int | None) -> bool:
    if pid is None or pid == os.getpid():
        return pid == os.getpid()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_symlink() or not path.is_dir():
            path.unlink()
        else:
            shutil.rmtree(path)


def clean_leftovers(root: Path, rncp_dir_name: str = "rncp", *, include_uploads: bool = True) -> list[str]:
    """Remove what killed imports left: staging and generation folders of dead processes,
    stale link names, folders moved aside; upload folders of dead processes in the temporary folder.

    Call it with the workspace lock held (a live import of this process is never touched: its
    folders carry this pid). Returns the names removed.
    """
    removed: list[str] = []
    current = None
    rncp = root / rncp_dir_name
    if rncp.is_symlink():
        current = os.readlink(rncp).rstrip("/").rsplit("/", 1)[-1]
    try:
        entries = list(os.scandir(root))
    except OSError:
        entries = []
    for entry in entries:
        name = entry.name
        stale = False
        if name.startswith(IMPORT_PREFIX):
            stale = not _alive(_pid_of(name, IMPORT_PREFIX))
        elif name.startswith(GENERATION_PREFIX):
            stale = name != current  # generations exist un-switched only under the lock we hold
        elif name.startswith((OLD_PREFIX, f".{rncp_dir_name}-link-", LINK_PREFIX)):
            stale = True
        if stale:
            _remove(Path(entry.path))
            removed.append(name)
    if include_uploads:
        tmp = Path(tempfile.gettempdir())
        with contextlib.suppress(OSError):
            for entry in os.scandir(tmp):
                if entry.name.startswith(UPLOAD_PREFIX) and entry.is_dir(follow_symlinks=False):
                    pid = _pid_of(entry.name, UPLOAD_PREFIX)
                    if pid is not None and not _alive(pid):
                        _remove(Path(entry.path))
                        removed.append(str(entry.path))
    return removed


class FolderCheckpoint:
    """The state of a folder (``versions/``) before a change, to put it back byte for byte.

    Remembers whether the folder existed, the names of its files (recursively) and the bytes of
    the files that a change rewrites in place (``index.json``). :meth:`restore` deletes every
    file and folder added since and writes the remembered bytes back.
    """

    def __init__(self, folder: Path, rewritten: tuple[str, ...] = ("index.json",)) -> None:
        self.folder = folder
        self.existed = folder.is_dir()
        self.names: set[str] = set()
        self.saved: dict[str, bytes] = {}
        if self.existed:
            for path in folder.rglob("*"):
                self.names.add(str(path.relative_to(folder)))
            for name in rewritten:
                if (folder / name).is_file():
                    self.saved[name] = (folder / name).read_bytes()

    def restore(self) -> None:
        """Put the folder back as it was (best effort on every file; never raises)."""
        if not self.existed:
            _remove(self.folder)
            return
        for path in sorted(self.folder.rglob("*"), key=lambda p: -len(p.parts)):
            if str(path.relative_to(self.folder)) not in self.names:
                _remove(path)
        for name, data in self.saved.items():
            target = self.folder / name
            with contextlib.suppress(OSError):
                if not target.is_file() or target.read_bytes() != data:
                    tmp = target.with_name(f".{name}.restore.tmp")
                    tmp.write_bytes(data)
                    os.replace(tmp, target)
