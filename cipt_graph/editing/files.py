"""The mapping files of a workspace as an edit reads and writes them: rows of a kind's long-format
CSV, the workspace's vocabulary, and the checked, atomic switch of a new file recorded as a
version. See :mod:`cipt_graph.editing`."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from rdflib import Graph

from ..errors import CiptError, os_reason
from ..mapping import LinkKind, Vocabulary, columns_of, read_mapping_file
from ..paths import Workspace
from ..text import clean_code
from ..journal import MappingChange, recover_locked
from ..versions import Version, ensure_baseline, list_versions, record_version
from .rules import KINDS, MESSAGES, error


def load_graph(workspace: Workspace) -> Graph:
    """The workspace's Turtle files (``*.ttl`` at its root) in one rdflib graph: its vocabulary."""
    from ..build import parse_turtle

    graph = Graph()
    for ttl in sorted(workspace.root.glob("*.ttl")):
        graph += parse_turtle(ttl)
    return graph


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a mapping CSV file (UTF-8, with or without BOM); none when the file is absent."""
    if not path.exists():
        return []
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def format_rows(kind: LinkKind, rows: list[dict[str, str]]) -> bytes:
    """``rows`` as the kind's mapping CSV (UTF-8, ``\\n`` line ends, the kind's columns)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns_of(kind, rows), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def switch(workspace: Workspace, kind: LinkKind, rows: list[dict[str, str]], vocab: Vocabulary, *,
            kind_name: str, agent: str, message: str, source: str, agent_account: str = "") -> Version:
    """Write ``rows`` as the kind's mapping file, checked, switched atomically, then recorded."""
    target = workspace.mapping_dir / kind.file_name
    data = format_rows(kind, rows)
    check = target.with_name(f".{target.name}.{os.getpid()}.check")
    try:
        check.write_bytes(data)
        read_mapping_file(check, kind, vocab)
    finally:
        check.unlink(missing_ok=True)
    ensure_baseline(workspace, agent=agent)
    # New file and journal, switch, version, then the journal dropped: a kill anywhere is completed
    # or undone by the next command (cipt_graph/journal.py).
    change = MappingChange(workspace.root, [(target, data)], list_versions(workspace)[-1].id)
    try:
        change.stage()
        change.switch()
    except OSError as exc:
        recover_locked(workspace.root)  # back: the old file in place, the staged ones removed
        raise CiptError(f"cannot write the mapping: {exc.strerror or exc}", where=str(target),
                        fr=f"impossible d'écrire la correspondance : {os_reason(exc, 'fr')}",
                        en=f"cannot write the mapping: {os_reason(exc, 'en')}") from exc
    try:
        version = record_version(workspace, kind=kind_name, source=source, agent=agent, message=message,
                                 agent_account=agent_account or None)
    except BaseException:
        recover_locked(workspace.root)  # not recorded: back to the last version's file
        raise
    change.finish()
    return version


def find(rows: list[dict[str, str]], kind: LinkKind, module: str, target: str) -> int | None:
    """The index of the row linking ``module`` to ``target``, or None."""
    for i, row in enumerate(rows):
        if (row.get("module") or "").strip() == module and (row.get(kind.target_column) or "").strip() == target:
            return i
    return None


def prepare(workspace: Workspace, kind_name: str, module: str, target: str, lang: str):
    """``(kind, graph, vocabulary, module, target)`` for an edit, the codes cleaned and checked.

    Raises:
        CiptError: read-only (shipped) data. EditError: unknown kind, module or target.
    """
    if workspace.read_only:
        raise CiptError("the shipped data is read-only: edit a workspace (`cipt init DIR`, then --data DIR)",
                        fr="les données livrées sont en lecture seule : modifiez un espace de travail (`cipt init "
                           "DOSSIER`, puis --data DOSSIER)")
    kind = KINDS.get(kind_name)
    if kind is None:
        raise error("kind", lang, "kind", v=kind_name)
    graph = load_graph(workspace)
    vocab = Vocabulary.from_graph(graph)
    module, target = clean_code(module), clean_code(target)
    if module not in vocab.modules:
        raise error("module", lang, "module", v=module)
    if target not in vocab.targets[kind.target_class]:
        # The target named as the form names it (« activité inconnue : A99 »).
        key = f"target_{kind.target_column}"
        raise error(key if key in MESSAGES else "target", lang, kind.target_column, v=target)
    return kind, graph, vocab, module, target
