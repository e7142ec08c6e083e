"""Version packs: the snapshot graphs a version adds, in one file written once.

A version used to keep each new graph as its own file (``graphs/<sha256>.nt.gz``), each written
with its own ``fsync``: recording the national referential (30,000 fiche graphs) wrote 30,000
files. A version now writes the graphs it adds into one pack, ``packs/<id>.pack``; graphs kept
by earlier versions (in their packs or, for workspaces recorded before packs, as loose files,
still read) are not written again. Layout of a pack (format 1)::

    b"CIPTPACK\\x01\\n"              10 bytes: magic and format
    gzip member × N                 each a graph's canonical N-Triples (``gzip.compress``, mtime 0)
    index                           UTF-8 JSON: {"format": 1, "version": "v3",
                                    "blobs": {"<sha256>": [offset, length], …}}
    index length                    8 bytes, big-endian
    b"CIPTEND1"                     8 bytes: end magic

Crash safety: the pack is streamed to a temporary file (one graph in memory at a time), written
out with one ``fsync``, renamed into place, and the folder ``fsync``-ed; only then does the
version's record and ``index.json`` (the commit point) name it. A crash before that leaves at
most an unreferenced pack (or temporary file), which no version reads and the next record
replaces or removes; the previous versions are untouched. One ``fsync`` of the whole pack gives
what one per graph gave: every graph of a listed version is on disk before the index lists it.

Errors: a pack that is truncated, overwritten or whose graph does not match its hash gives a
:class:`~cipt_graph.errors.StoreError` naming the pack (exit status 2 on the command line).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import struct
import zlib
from pathlib import Path

from ..errors import StoreError, os_reason
from .staged import COMPRESS_LEVEL

PACKS_DIR = "packs"
LOOSE_DIR = "graphs"
MAGIC = b"CIPTPACK\x01\n"
END = b"CIPTEND1"
_TAIL = struct.Struct(">Q")
_TAIL_SIZE = _TAIL.size + len(END)


def pack_path(versions_dir: Path, version_id: str) -> Path:
    """Where the pack of ``version_id`` lives: ``versions/packs/<id>.pack``."""
    return versions_dir / PACKS_DIR / f"{version_id}.pack"


def fsync_dir(folder: Path) -> None:
    """``fsync`` a folder, so that a rename inside it is on disk (no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):  # not every system can open a folder (Windows)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _corrupt(path: Path, what_en: str, what_fr: str) -> StoreError:
    return StoreError(f"corrupt version pack: {what_en}; restore the file from a backup or record a new version "
                      "from the workspace's files", where=str(path),
                      fr=f"paquet de version corrompu : {what_fr} ; restaurez le fichier depuis une sauvegarde "
                         "ou enregistrez une nouvelle version à partir des fichiers de l'espace de travail",
                      en=f"corrupt version pack: {what_en}; restore the file from a backup or record a new "
                         "version from the workspace's files")


def _write_error(path: Path, exc: OSError) -> StoreError:
    return StoreError(f"cannot write: {exc.strerror or exc}", where=str(path),
                      fr=f"écriture impossible : {os_reason(exc, 'fr')}", en=f"cannot write: {os_reason(exc, 'en')}")


class PackWriter:
    """Write one version's new graphs into ``path``: :meth:`add` each, then :meth:`commit` (or
    :meth:`abort`). Nothing is visible under ``path`` before :meth:`commit` returns."""

    def __init__(self, path: Path, version_id: str) -> None:
        self.path, self.version_id = path, version_id
        self.blobs: dict[str, tuple[int, int]] = {}
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.tmp, "wb")
            self.handle.write(MAGIC)
        except OSError as exc:
            raise _write_error(path, exc) from exc
        self.offset = len(MAGIC)

    def __contains__(self, sha: str) -> bool:
        return sha in self.blobs

    def add(self, sha: str, data: bytes) -> None:
        """Append one graph (its canonical N-Triples, whose SHA-256 is ``sha``) unless already there."""
        if sha not in self.blobs:
            self.add_member(sha, gzip.compress(data, compresslevel=COMPRESS_LEVEL, mtime=0))

    def add_member(self, sha: str, member: bytes) -> None:
        """Append one graph already compressed (a gzip member of its canonical N-Triples)."""
        if sha in self.blobs:
            return
        try:
            self.handle.write(member)
        except OSError as exc:
            self.abort()
            raise _write_error(self.path, exc) from exc
        self.blobs[sha] = (self.offset, len(member))
        self.offset += len(member)

    def commit(self) -> None:
        """Write the index, ``fsync`` the pack once, rename it into place, ``fsync`` its folder."""
        index = json.dumps({"format": 1, "version": self.version_id,
                            "blobs": {sha: list(place) for sha, place in self.blobs.items()}},
                           separators=(",", ":")).encode("utf-8")
        try:
            self.handle.write(index)
            self.handle.write(_TAIL.pack(len(index)) + END)
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.replace(self.tmp, self.path)
        except OSError as exc:
            self.abort()
            raise _write_error(self.path, exc) from exc
        fsync_dir(self.path.parent)

    def abort(self) -> None:
        """Drop the temporary file (never raises)."""
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(OSError):
            self.tmp.unlink()


def read_pack_index(path: Path) -> dict[str, tuple[int, int]]:
    """The graphs a pack holds: SHA-256 → (offset, length) of its gzip member.

    Raises:
        StoreError: the pack cannot be read or is not a whole pack (named, with what is wrong).
    """
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < len(MAGIC) + _TAIL_SIZE or handle.read(len(MAGIC)) != MAGIC:
                raise _corrupt(path, "not a version pack (bad header)", "ce n'est pas un paquet de version (en-tête)")
            handle.seek(size - _TAIL_SIZE)
            tail = handle.read(_TAIL_SIZE)
            if tail[-len(END):] != END:
                raise _corrupt(path, "truncated (no end marker)", "tronqué (pas de marque de fin)")
            (length,) = _TAIL.unpack(tail[:_TAIL.size])
            start = size - _TAIL_SIZE - length
            if length <= 0 or start < len(MAGIC):
                raise _corrupt(path, "bad index length", "longueur d'index invalide")
            handle.seek(start)
            raw = json.loads(handle.read(length).decode("utf-8"))
            blobs = {str(sha): (int(place[0]), int(place[1])) for sha, place in raw["blobs"].items()}
    except StoreError:
        raise
    except FileNotFoundError as exc:
        raise StoreError("version pack missing", where=str(path), fr="paquet de version introuvable",
                         en="version pack missing") from exc
    except OSError as exc:
        raise StoreError(f"cannot read: {exc.strerror or exc}", where=str(path),
                         fr=f"lecture impossible : {os_reason(exc, 'fr')}", en=f"cannot read: {os_reason(exc, 'en')}") from exc
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise _corrupt(path, f"unreadable index ({exc})", f"index illisible ({exc})") from None
    for sha, (offset, length) in blobs.items():
        if offset < len(MAGIC) or length <= 0 or offset + length > start:
            raise _corrupt(path, f"graph {sha[:12]}… lies outside the pack", f"graphe {sha[:12]}… hors du paquet")
    return blobs


class BlobStore:
    """Every graph the versions of a workspace kept: loose files (older workspaces) and packs.

    Args:
        versions_dir: the workspace's ``versions`` folder.
        version_ids: the versions listed in the index; only their packs are read (a pack left
            by an interrupted record is not part of any version).
    """

    def __init__(self, versions_dir: Path, version_ids: list[str]) -> None:
        self.versions_dir = versions_dir
        loose = versions_dir / LOOSE_DIR
        try:
            names = os.listdir(loose)
        except FileNotFoundError:
            names = []
        self.loose = {name[: -len(".nt.gz")] for name in names if name.endswith(".nt.gz")}
        self.packed: dict[str, tuple[Path, int, int]] = {}
        for vid in version_ids:
            path = pack_path(versions_dir, vid)
            if path.exists():
                for sha, (offset, length) in read_pack_index(path).items():
                    self.packed.setdefault(sha, (path, offset, length))

    def __contains__(self, sha: str) -> bool:
        return sha in self.loose or sha in self.packed

    def read(self, sha: str, what: str, what_fr: str | None = None) -> bytes:
        """The graph whose canonical N-Triples hash to ``sha`` (``what``, ``what_fr`` name it in errors).

        Raises:
            StoreError: missing, unreadable or not matching its hash (the file is named).
        """
        what_fr = what_fr or what
        if sha in self.loose:
            path = self.versions_dir / LOOSE_DIR / f"{sha}.nt.gz"
            try:
                data = gzip.decompress(path.read_bytes())
            except (OSError, EOFError, zlib.error) as exc:
                reason = os_reason(exc, "fr") if getattr(exc, "errno", None) else "fichier gzip tronqué ou endommagé"
                raise StoreError(f"{what} unreadable: {exc}", where=str(path),
                                 fr=f"{what_fr} illisible : {reason}") from exc
        elif sha in self.packed:
            path, offset, length = self.packed[sha]
            try:
                with open(path, "rb") as handle:
                    handle.seek(offset)
                    member = handle.read(length)
            except OSError as exc:
                raise StoreError(f"{what} unreadable: {exc.strerror or exc}", where=str(path),
                                 fr=f"{what_fr} illisible : {os_reason(exc, 'fr')}") from exc
            try:
                data = gzip.decompress(member)
            except (EOFError, zlib.error, gzip.BadGzipFile) as exc:  # BadGzipFile is an OSError
                raise _corrupt(path, f"{what} unreadable: {exc} (at byte {offset})",
                               f"{what_fr} illisible : fichier gzip tronqué ou endommagé (à l'octet {offset})") from None
        else:
            path = self.versions_dir / PACKS_DIR
            raise StoreError(f"{what} missing: graph {sha[:12]}… is in no pack nor loose file", where=str(path),
                             fr=f"{what_fr} introuvable : le graphe {sha[:12]}… n'est dans aucun paquet ni fichier",
                             en=f"{what} missing: graph {sha[:12]}… is in no pack nor loose file")
        if hashlib.sha256(data).hexdigest() != sha:
            if path.name.endswith(".nt.gz"):
                raise StoreError(f"{what} is corrupt (hash mismatch)", where=str(path),
                                 fr=f"{what_fr} corrompu (empreinte différente)")
            raise _corrupt(path, f"{what} is corrupt (hash mismatch)", f"{what_fr} corrompu (empreinte différente)")
        return data


def remove_orphan_packs(versions_dir: Path, version_ids: list[str]) -> list[str]:
    """Delete packs (and temporary pack files) no listed version names: what an interrupted record
    left. Call it under the workspace lock. Returns the names removed."""
    folder = versions_dir / PACKS_DIR
    keep = {f"{vid}.pack" for vid in version_ids}
    removed = []
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return removed
    for name in names:
        if name not in keep and (name.endswith(".pack") or name.endswith(".tmp")):
            with contextlib.suppress(OSError):
                (folder / name).unlink()
                removed.append(name)
    return removed
