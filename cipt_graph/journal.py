"""A mapping change and the version recording it, all or nothing, even when killed (issue #16).

A change of the mapping files (``cipt import-matrix``, the site's upload and link editor) is
written in this order, each step ``fsync``-ed:

1. the new bytes of each file as ``mapping/.<name>.<pid>.tmp``, and the old file kept under a
   second name ``mapping/.<name>.<pid>.old`` (a hard link: no copy);
2. the journal ``versions/pending.json`` (written atomically): the files, their staged and old
   names, and the version the change follows (``parent``);
3. each new file renamed over its target (``os.replace``);
4. the version recorded (its ``index.json`` entry is the commit point);
5. the journal and the old names removed.

A process killed anywhere (``SIGKILL`` included) leaves the journal behind. The next command
that opens the workspace (:func:`cipt_graph.paths.resolve_workspace`), builds or snapshots its
dataset (a running server reloading it included), or locks it for a change
(:func:`cipt_graph.versions.workspace_lock`) completes it before reading anything:

- the version was recorded (a version in ``index.json`` has the journal's ``parent`` as its
  parent): **forward**: every staged file not yet in place is renamed in;
- otherwise: **back**: every old file is renamed back over its target (a file the change
  created is removed), so the mapping files are the last recorded version's again.

Either way the journal, the staged and old files, temporary files (``.*.tmp``) left in
``mapping/`` and ``versions/``, and packs or records no listed version names are removed. No
reader ever reads those: the builder reads the mapping files by their fixed names, the
versions' reader only the packs ``index.json`` lists. Recovery needs the workspace lock
(``flock`` on the folder): while the process that wrote the journal is alive and holds it,
the journal is left alone.

Only the standard library is used: opening a workspace stays cheap (one ``stat`` when no
journal is there).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from .errors import StoreError

#: The journal's name inside the workspace's ``versions`` folder.
JOURNAL_NAME = "pending.json"
MAPPING_DIR = "mapping"
VERSIONS_DIR = "versions"
_T = TypeVar("_T")


def journal_path(root: Path) -> Path:
    """``<workspace>/versions/pending.json``."""
    return root / VERSIONS_DIR / JOURNAL_NAME


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _listed_versions(root: Path) -> list[dict]:
    """The entries of ``versions/index.json`` (empty when there is none)."""
    path = root / VERSIONS_DIR / "index.json"
    try:
        return list(json.loads(path.read_text(encoding="utf-8"))["versions"])
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"malformed version index: {exc}", where=str(path),
                         fr=f"index des versions mal formé : {exc}") from exc


class MappingChange:
    """One change of mapping files in progress: :meth:`stage`, :meth:`switch`, then :meth:`finish`.

    Args:
        root: the workspace folder (held under the workspace lock by the caller).
        writes: ``(target file, new bytes)`` for each mapping file the change rewrites.
        parent: the id of the workspace's latest version (the one the change's version follows),
            None when none was recorded.
    """

    def __init__(self, root: Path, writes: Iterable[tuple[Path, bytes]], parent: str | None) -> None:
        self.root = root
        self.writes = list(writes)
        self.parent = parent
        self.files: list[dict[str, str | None]] = []
        self.journal = journal_path(root)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def stage(self) -> None:
        """Write the new bytes and keep the old files beside their targets, then the journal.

        Raises:
            OSError: a file cannot be written (nothing is in place yet; the caller undoes).
        """
        pid = os.getpid()
        folders = set()
        for target, data in self.writes:
            new = target.with_name(f".{target.name}.{pid}.tmp")
            _write_synced(new, data)
            old: Path | None = target.with_name(f".{target.name}.{pid}.old")
            old.unlink(missing_ok=True)
            try:
                os.link(target, old)
            except FileNotFoundError:
                old = None  # the change creates this file
            except OSError:  # no hard links here (some file systems): a copy
                _write_synced(old, target.read_bytes())
            self.files.append({"target": self._rel(target), "new": self._rel(new),
                               "old": self._rel(old) if old is not None else None})
            folders.add(target.parent)
        for folder in folders:
            _fsync_dir(folder)
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.journal.with_name(f".{JOURNAL_NAME}.{pid}.tmp")
        _write_synced(tmp, json.dumps({"format": 1, "pid": pid, "parent": self.parent, "files": self.files},
                                      ensure_ascii=False, indent=1).encode("utf-8"))
        os.replace(tmp, self.journal)
        _fsync_dir(self.journal.parent)

    def switch(self) -> None:
        """Rename each staged file over its target (the mapping files now hold the change)."""
        for entry in self.files:
            os.replace(self.root / str(entry["new"]), self.root / str(entry["target"]))
        for folder in {(self.root / str(e["target"])).parent for e in self.files}:
            _fsync_dir(folder)

    def finish(self) -> None:
        """The version is recorded: drop the old files and the journal (never raises)."""
        with contextlib.suppress(OSError):
            _complete(self.root, forward=True, files=self.files)


def apply_mapping_change(root: Path, writes: Iterable[tuple[Path, bytes]], parent: str | None,
                         record: Callable[[], _T], *, before_switch: Callable[[], None] | None = None) -> _T:
    """Stage ``writes``, switch them in, call ``record()`` (which records the version) and finish.

    Call it under the workspace lock. ``before_switch`` runs between the journal and the switch
    (the fault tests' hooks). Any exception propagates with the journal left in place: the caller
    undoes (or the next command completes it, see the module's text). Returns what ``record`` returns.
    """
    change = MappingChange(root, writes, parent)
    change.stage()
    if before_switch is not None:
        before_switch()
    change.switch()
    result = record()
    change.finish()
    return result


def _complete(root: Path, *, forward: bool, files: list[dict]) -> None:
    for entry in files:
        target = root / str(entry["target"])
        new = root / str(entry["new"])
        old = root / str(entry["old"]) if entry.get("old") else None
        if forward:
            if new.exists():
                os.replace(new, target)
        else:
            if old is not None and old.exists():
                os.replace(old, target)  # a no-op when both are one file (never switched)
            elif old is None and target.exists() and not new.exists():
                target.unlink()  # a file the change created (switched in): it did not exist before
        for leftover in (new, old):
            if leftover is not None:
                leftover.unlink(missing_ok=True)
    for folder in {(root / str(e["target"])).parent for e in files}:
        _fsync_dir(folder)
    journal = journal_path(root)
    journal.unlink(missing_ok=True)
    _fsync_dir(journal.parent)


def _remove_leftovers(root: Path, listed: list[str] | None, *, dry: bool = False) -> list[str]:
    """Remove what interrupted writes left: temporary files in ``mapping/`` and ``versions/``,
    packs and records of versions the index does not list (``listed``; None: those are not
    looked at). Returns their paths (relative); ``dry``: only finds them."""
    removed: list[str] = []
    keep_packs = {f"{vid}.pack" for vid in listed or ()}
    keep_records = {f"{vid}.nq" for vid in listed or ()}
    places = ((root / MAPPING_DIR, lambda n: n.startswith(".") and n.endswith((".tmp", ".old", ".check"))),
              (root / VERSIONS_DIR, lambda n: (n.startswith(".") and n.endswith(".tmp"))
               or (listed is not None and n.startswith("v") and n.endswith(".nq") and n not in keep_records)),
              (root / VERSIONS_DIR / "packs", lambda n: n.endswith(".tmp")
               or (listed is not None and n.endswith(".pack") and n not in keep_packs)))
    for folder, stale in places:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if stale(name):
                if dry:
                    removed.append(f"{folder.name}/{name}")
                    continue
                with contextlib.suppress(OSError):
                    (folder / name).unlink()
                    removed.append(f"{folder.name}/{name}")
    return removed


def recover_locked(root: Path) -> str | None:
    """Complete or undo an interrupted mapping change, and remove what interrupted writes left.

    Call it holding the workspace lock. Returns ``"forward"``, ``"back"`` or None (no journal).

    Raises:
        StoreError: the journal or the version index is unreadable (named), or a file cannot be
            renamed back.
    """
    path = journal_path(root)
    done = None
    if path.exists():
        try:
            journal = json.loads(path.read_text(encoding="utf-8"))
            files = [dict(entry) for entry in journal["files"]]
            parent = journal["parent"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"unreadable change journal: {exc}", where=str(path),
                             fr=f"journal de modification illisible : {exc}",
                             en=f"unreadable change journal: {exc}") from exc
        recorded = any(v.get("parent") == parent for v in _listed_versions(root))
        try:
            _complete(root, forward=recorded, files=files)
        except OSError as exc:
            raise StoreError(f"cannot complete the interrupted change: {exc}", where=str(path),
                             fr=f"impossible de terminer la modification interrompue : {exc}",
                             en=f"cannot complete the interrupted change: {exc}") from exc
        done = "forward" if recorded else "back"
    if (root / VERSIONS_DIR).is_dir() or (root / MAPPING_DIR).is_dir():
        _remove_leftovers(root, [str(v.get("id")) for v in _listed_versions(root)])
    return done


def recover_if_pending(root: Path) -> str | None:
    """:func:`recover_locked` when a journal or a temporary file is there and no live process
    holds the workspace lock (a ``stat`` and three folder listings otherwise). Returns what it
    did (None: no journal, or a writer is at work)."""
    if not journal_path(root).exists() and not _remove_leftovers(root, None, dry=True):
        return None
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    try:
        fd = os.open(root, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a writer holds the lock: its change is in progress, not interrupted
            return None
        try:
            return recover_locked(root)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
