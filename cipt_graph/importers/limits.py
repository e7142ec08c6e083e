"""Limits on every RNCP import (issue #13): each a setting, each checked before the expensive step.

An RNCP export is read as a stream; every limit below is checked as soon as the quantity it
bounds is known — the file's size and the zip's directory before anything is decompressed,
the decompressed bytes as they are read, XML depth at each start tag (so depth costs O(1) per
element), characters per field as the text arrives, fiches and items as they are counted — so
a refusal comes in bounded time and memory, and nothing is written (the staged files are
dropped, the workspace is untouched).

Defaults fit France Compétences' national XML export (about 30,000 fiches, 55,000 blocks, a few
hundred MB) on the command line; an upload over HTTP gets tighter defaults for the unzipped size
and the fiche count (``for_upload``). Each value is read from the environment variable named in
:data:`ENV` (an integer), so an operator can raise or lower it. SECURITY.md lists them.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, fields, replace

from ..errors import InputError
from ..i18n import number

MiB = 1 << 20


def count_fr(value: int) -> str:
    """A count as French writes it (``4 294 967 296``, narrow no-break spaces)."""
    return number(value, "fr", 0)


class LimitError(InputError):
    """An input passed one of the import limits.

    Attributes:
        limit: the setting's name (``max_xml_depth``…); ``value``: its value;
        status: the HTTP status to answer (413 for sizes and counts, 400 for shape).
    """

    def __init__(self, limit: str, value: int, what: str, *, fr: str | None = None, where: str | None = None,
                 status: int = 413) -> None:
        self.limit, self.value, self.status = limit, value, status
        en = f"refused: {what} (import limit {limit} = {value})"
        super().__init__(en, where=where, en=en,
                         fr=f"refusé : {fr or what} (limite d'import {limit} = {value})")


@dataclass(frozen=True)
class ImportLimits:
    """The limits of one RNCP import (see the module docstring; units in the names)."""

    #: Size of the file given (an ``.xml`` or a ``.zip``), in bytes.
    max_bytes: int = 2048 * MiB
    #: Total decompressed size of a zip's members, in bytes (declared sizes checked first, then counted).
    max_unzipped_bytes: int = 4096 * MiB
    #: Members in a zip (the CSV export has 10).
    max_zip_members: int = 64
    #: Fiches in one export (the national export holds about 30,000).
    max_fiches: int = 100_000
    #: Items in one fiche: blocks, certifiers, ROME and NSF codes, lineage, competency items.
    max_items_per_fiche: int = 5_000
    #: Characters in one field (the Turtle parser's literal limit is 16 MiB).
    max_field_chars: int = 100_000
    #: Characters in one fiche, all its fields together (bounds the memory one fiche takes).
    max_fiche_chars: int = 2_000_000
    #: Nesting of XML elements (an export nests 5 deep).
    max_xml_depth: int = 32

    @classmethod
    def from_env(cls, *, upload: bool = False) -> ImportLimits:
        """The defaults (tighter for an HTTP upload), each overridden by its variable of :data:`ENV`.

        Raises:
            InputError: a variable that is not a positive integer (the variable is named).
        """
        base = cls.for_upload() if upload else cls()
        changes = {}
        for f in fields(cls):
            name = ENV[f.name] if not upload else UPLOAD_ENV.get(f.name, ENV[f.name])
            raw = os.environ.get(name, "").strip()
            if not raw:
                continue
            try:
                value = int(raw.replace("_", ""))
            except ValueError:
                value = 0
            if value <= 0:
                raise InputError(f"{name} must be a positive integer, not {raw!r}", where=name,
                                 fr=f"{name} doit être un entier positif, pas {raw!r}")
            changes[f.name] = value
        return replace(base, **changes)

    @classmethod
    def for_upload(cls) -> ImportLimits:
        """Defaults for ``POST /api/imports/rncp``: 256 MiB unzipped, 2,000 fiches."""
        return cls(max_unzipped_bytes=256 * MiB, max_fiches=2_000)

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


#: Environment variable of each limit (command line and HTTP unless UPLOAD_ENV names another).
ENV = {f: f"CIPT_RNCP_{f.upper()}" for f in (
    "max_bytes", "max_unzipped_bytes", "max_zip_members", "max_fiches", "max_items_per_fiche",
    "max_field_chars", "max_fiche_chars", "max_xml_depth")}
#: Variables that set the upload's own values.
UPLOAD_ENV = {"max_unzipped_bytes": "CIPT_UPLOAD_RNCP_MAX_UNZIPPED_BYTES",
              "max_fiches": "CIPT_UPLOAD_RNCP_MAX_FICHES"}


def check_zip(archive, limits: ImportLimits, where: str) -> None:
    """Refuse a zip by its directory alone: too many members, or declared sizes over the limit.

    Raises:
        LimitError: ``max_zip_members`` or ``max_unzipped_bytes`` (the zip is named).
    """
    infos = archive.infolist()
    if len(infos) > limits.max_zip_members:
        raise LimitError("max_zip_members", limits.max_zip_members,
                         f"the zip holds {len(infos)} members", where=where,
                         fr=f"le zip contient {count_fr(len(infos))} fichiers")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_unzipped_bytes:
        raise LimitError("max_unzipped_bytes", limits.max_unzipped_bytes,
                         f"the zip declares {declared} bytes once decompressed", where=where,
                         fr=f"le zip annonce {count_fr(declared)} octets une fois décompressé")


class ByteCounter:
    """A readable stream that refuses to yield more than ``limit`` bytes in total across every
    stream wrapped with the same counter (the zip bomb guard, independent of declared sizes)."""

    def __init__(self, limit: int, where: str) -> None:
        self.limit, self.where, self.total = limit, where, 0

    def wrap(self, stream, where: str) -> io.BufferedReader:
        """``stream`` as a buffered binary stream that counts what it yields."""
        counter = self

        class _Counted(io.RawIOBase):
            def readable(self) -> bool:
                return True

            def readinto(self, buffer) -> int:
                data = stream.read(len(buffer))
                counter.total += len(data)
                if counter.total > counter.limit:
                    raise LimitError("max_unzipped_bytes", counter.limit,
                                     f"the zip decompresses to more than {counter.limit} bytes", where=where,
                                     fr=f"le zip se décompresse en plus de {count_fr(counter.limit)} octets")
                buffer[:len(data)] = data
                return len(data)

        return io.BufferedReader(_Counted(), buffer_size=1 << 16)
