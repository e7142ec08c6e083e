"""Snapshots of imported fiches made once, while the import writes them (issue #16).

A version keeps each graph as canonical N-Triples. The importer parses back each Turtle document
it writes (``rncp/<number>.ttl``) from memory: :class:`StagedGraphs` serialises what that parse
gives as canonical N-Triples there (the file is not read nor parsed again), compresses them into
one temporary file and remembers, per file name, the SHA-256 of the Turtle written. When the version is recorded,
:func:`~cipt_graph.versions.snapshot.iter_snapshot` uses a staged snapshot only for a file whose
bytes still hash to what was staged; any other file is parsed as always. The result is the same
bytes either way (``tests/test_version_snapshot.py`` compares them).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..namespaces import CIPT, RDF

#: Coverage node classes counted per version, by the key they get in ``Version.counts``.
LINK_CLASSES = {
    "competency_links": CIPT.CompetencyCoverage,
    "activity_links": CIPT.ActivityCoverage,
    "objective_links": CIPT.ObjectiveCoverage,
}
#: The keys of a version's counts, in the order :func:`graph_counts` gives them.
COUNT_KEYS = (*LINK_CLASSES, "triples")
_TYPE_OF = tuple(f"> <{RDF.type}> <{cls}> .\n".encode() for cls in LINK_CLASSES.values())
_OFFICIAL_TAIL = f"> <{CIPT.dataStatus}> <{CIPT.Official}> .".encode()
#: gzip level of kept graphs: 1 is ~2x faster than 6 for ~15% more bytes (graphs are small).
COMPRESS_LEVEL = 1


def graph_counts(data: bytes) -> tuple[int, ...]:
    """Coverage links per class and triples of a graph's canonical N-Triples (one statement a
    line, each once), in :data:`COUNT_KEYS` order."""
    return (*(data.count(tail) for tail in _TYPE_OF), data.count(b"\n"))


def canonical_of_triples(triples: Iterable[ox.Triple]) -> bytes | None:
    """Oxigraph triples as canonical N-Triples: sorted lines, each once (UTF-8 byte order is code
    point order, so this equals sorting the text). None when a blank node is present (those need
    rdflib's canonical relabelling)."""
    triples = list(triples)
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples):
        return None
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    # N-Triples lines end at "\n" only (never split at U+2028… inside literals); the serializer
    # escapes "\n" and "\r" inside literals.
    lines = sorted({line for line in data.split(b"\n") if line.strip()})
    return b"\n".join(lines) + b"\n" if lines else b""


@dataclass(frozen=True)
class PreparedGraph:
    """A graph snapshot made ahead: its SHA-256, counts (:data:`COUNT_KEYS`), gzip member and the
    subjects it marks ``cipt:dataStatus cipt:Official``."""

    sha: str
    counts: tuple[int, ...]
    member: bytes
    official: tuple[str, ...]


class StagedGraphs:
    """The snapshots of the files an import stages, in one temporary file ``folder/graphs.gz``.

    Memory: about 300 bytes per file (hashes, offsets, official subjects); the N-Triples are on disk.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / "graphs.gz"
        self.handle = open(self.path, "w+b")
        self.offset = 0
        self.at_end = True
        self.checked: set[str] = set()  # the names parsed back (whether kept or not)
        self.entries: dict[str, tuple[bytes, str, tuple[int, ...], int, int, tuple[str, ...]]] = {}

    def add(self, name: str, turtle: bytes, *, keep: bool = True) -> None:
        """Parse the Turtle written to the file ``name`` (the importer's parse-back check) and, with
        ``keep``, keep its snapshot: the parsed triples serialised as canonical N-Triples, so the
        snapshot is of the file as read back, exactly what the record would make by parsing it.

        Raises:
            SyntaxError: ``turtle`` does not parse (Oxigraph's error, with its line).
        """
        quads = ox.parse(turtle, format=ox.RdfFormat.TURTLE)
        if not keep:
            for _ in quads:
                pass
            return
        data = ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES) or b""
        if b"_:" in data:  # a blank node (or a literal that looks like one): the record parses this file
            return
        lines = sorted({line for line in data.split(b"\n") if line.strip()})
        data = b"\n".join(lines) + b"\n" if lines else b""
        official = tuple(sorted({line[1:line.index(b">")].decode("utf-8") for line in lines
                                 if line.endswith(_OFFICIAL_TAIL) and line.startswith(b"<")}))
        member = gzip.compress(data, compresslevel=COMPRESS_LEVEL, mtime=0)
        if not self.at_end:  # a read moved the position (seeking always would flush the buffer)
            self.handle.seek(self.offset)
            self.at_end = True
        self.handle.write(member)
        self.entries[name] = (hashlib.sha256(turtle).digest(), hashlib.sha256(data).hexdigest(), graph_counts(data),
                              self.offset, len(member), official)
        self.offset += len(member)

    def prepared(self, name: str, turtle: bytes) -> PreparedGraph | None:
        """The snapshot staged for ``name`` if ``turtle`` is still the bytes staged, else None."""
        entry = self.entries.get(name)
        if entry is None or entry[0] != hashlib.sha256(turtle).digest():
            return None
        _, sha, counts, offset, length, official = entry
        self.at_end = False
        self.handle.seek(offset)
        return PreparedGraph(sha, counts, self.handle.read(length), official)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
