"""Reading a workspace's files safely: special files and symlink loops are refused, never waited on.

Ground floor (imports only :mod:`cipt_graph.errors`). A FIFO named ``*.ttl`` would make a plain
``open`` wait forever for a writer; a socket or device is no data file; a symbolic link that
loops would raise deep in a parser. :func:`read_regular` checks with ``stat`` first and opens
with ``O_NONBLOCK`` (so even a FIFO swapped in after the check cannot block), then refuses
anything that is not a regular file, naming the path.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import InputError, os_reason

#: What a special file is, in English and French.
_KINDS = {stat.S_IFIFO: ("a FIFO (named pipe)", "un tube nommé (FIFO)"), stat.S_IFSOCK: ("a socket", "une socket"),
          stat.S_IFCHR: ("a character device", "un périphérique caractère"),
          stat.S_IFBLK: ("a block device", "un périphérique bloc"), stat.S_IFDIR: ("a folder", "un dossier")}


def _unreadable(exc: OSError, path: Path) -> InputError:
    return InputError(f"cannot read: {exc.strerror or exc}", where=str(path),
                      fr=f"lecture impossible : {os_reason(exc, 'fr')}", en=f"cannot read: {os_reason(exc, 'en')}")


def check_regular(path: Path) -> os.stat_result:
    """``stat`` of ``path`` when it is (or links to) a regular file.

    Raises:
        InputError: a symlink loop or dangling link, a FIFO, socket, device or folder, or a file
            that cannot be read (the path is named).
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError("refused: a symbolic link that loops (it is not followed); remove it",
                             where=str(path),
                             fr="refusé : un lien symbolique qui boucle (il n'est pas suivi) ; supprimez-le") from None
        if path.is_symlink():
            raise InputError("refused: a symbolic link to nothing; remove it", where=str(path),
                             fr="refusé : un lien symbolique vers rien ; supprimez-le") from None
        raise _unreadable(exc, path) from None
    if not stat.S_ISREG(st.st_mode):
        en, fr = _KINDS.get(stat.S_IFMT(st.st_mode), ("not a regular file", "pas un fichier ordinaire"))
        raise InputError(f"refused: {en}, not a data file (it is not read); remove it or rename it",
                         where=str(path),
                         fr=f"refusé : {fr}, pas un fichier de données (il n'est pas lu) ; supprimez-le ou "
                            "renommez-le")
    return st


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file (see :func:`check_regular`), opened without blocking.

    Raises:
        InputError: as :func:`check_regular`.
    """
    check_regular(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _unreadable(exc, path) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError("refused: not a regular file (it changed while being opened)", where=str(path),
                             fr="refusé : pas un fichier ordinaire (il a changé pendant son ouverture)")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)
