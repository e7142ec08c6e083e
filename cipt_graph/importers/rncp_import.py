"""`cipt import-rncp`: an RNCP export (XML or CSV zip) into a workspace, all or nothing.

Each fiche becomes ``rncp/<number>.ttl`` in the workspace (a newer export replaces the file: the
fiche is updated in place). Files are first written to a hidden staging folder inside the
workspace while the export is streamed; only when the whole export has been read without error
are they switched into ``rncp/`` (one atomic replace of a link to a generation folder) and the import recorded as a
version (:mod:`cipt_graph.versions`). A failed import leaves the workspace as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from ..build import RNCP_DIR
from ..errors import CiptError, InputError
from ..paths import Workspace
from ..testhooks import pause_before_switch
from .fiche import Fiche, is_fiche_number
from .reconcile import Reconciliation, programme_certifications, reconcile, reconciliation_turtle
from .rncp_csv import is_csv_export, read_csv_export
from .rncp_graph import fiche_turtle
from .rncp_xml import read_xml_export

RECONCILIATION_FILE = "reconciliation.ttl"

#: (bytes or rows read, total bytes or 0 when unknown, fiches seen so far)
Progress = Callable[[int, int, int], None]


@dataclass
class ImportReport:
    """What an import did."""

    source: str
    format: str
    fiches: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    blocks: int = 0
    competencies: int = 0
    seen: int = 0
    skipped_not_rncp: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    reconciliation: Reconciliation | None = None
    version: str | None = None

    def as_dict(self) -> dict:
        return {
            "source": self.source, "format": self.format, "fiches": self.fiches, "replaced": self.replaced,
            "blocks": self.blocks, "competencies": self.competencies, "fiches_seen": self.seen,
            "skipped_not_rncp": self.skipped_not_rncp, "written": self.written, "version": self.version,
            "reconciliation": self.reconciliation.as_dict() if self.reconciliation else None,
        }


def require_workspace(workspace: Workspace) -> None:
    """Refuse the shipped (read-only) data as an import target.

    Raises:
        CiptError: no workspace was chosen.
    """
    if workspace.read_only:
        raise CiptError("importing needs a workspace: create one with `cipt init DIR`, then pass --data DIR "
                        "(or set CIPT_DATA=DIR); the shipped data is read-only")


def import_rncp(path: str | os.PathLike[str], workspace: Workspace, *, fiches: Collection[str] | None = None,
                progress: Progress | None = None, record: bool = True, agent: str | None = None) -> ImportReport:
    """Import the fiches of an RNCP export into a workspace.

    Args:
        path: an XML export (``.xml`` or its ``.zip``) or a CSV export zip.
        workspace: the target workspace (not the shipped data).
        fiches: fiche numbers to import (default: every RNCP fiche of the export).
        progress: called while the export is read (see :data:`Progress`).
        record: record the import as a version of the workspace.
        agent: who imports (for the version); default the login name.

    Raises:
        CiptError: no workspace. InputError: the file is missing or malformed (file, line and
            what), or a requested fiche is not in it. Nothing is written then.
    """
    require_workspace(workspace)
    source = Path(path)
    if not source.is_file():
        raise InputError("no such file", where=str(source))
    if source.suffix.lower() == ".csv":
        raise InputError("one CSV file is not an export: give the CSV export's zip (export-fiches-csv-….zip) "
                         "or the XML export", where=str(source))
    wanted = {f.strip().upper() for f in fiches} if fiches else None
    csv_export = is_csv_export(source)
    report = ImportReport(str(source), "csv" if csv_export else "xml")
    reader = read_csv_export if csv_export else read_xml_export
    programme = programme_certifications(workspace.root)
    rncp_dir = workspace.root / RNCP_DIR
    staging = Path(tempfile.mkdtemp(prefix=".rncp-import-", dir=workspace.root))
    try:
        kept: dict[str, Fiche] = {}
        where: dict[str, str] = {}
        for fiche in reader(source, wanted=wanted, progress=progress):
            report.seen += 1
            if not is_fiche_number(fiche.number):
                report.skipped_not_rncp.append(fiche.number)
                continue
            if fiche.number in where:
                raise InputError(f"fiche {fiche.number} appears twice (first at {where[fiche.number]})", where=fiche.where)
            where[fiche.number] = fiche.where
            (staging / f"{fiche.number}.ttl").write_bytes(fiche_turtle(fiche, source.name))
            report.fiches.append(fiche.number)
            report.blocks += len(fiche.blocks)
            report.competencies += sum(len(b.competencies) for b in fiche.blocks)
            if fiche.number in programme:
                kept[fiche.number] = fiche
        if wanted is not None and (missing := sorted(wanted - set(where))):
            raise InputError(f"fiche(s) not in the export: {', '.join(missing)}", where=str(source))
        if not report.fiches:
            raise InputError("no RNCP fiche in the export", where=str(source))
        for number, fiche in kept.items():
            iri, blocks = programme[number]
            report.reconciliation = reconcile(fiche, iri, blocks)
            (staging / RECONCILIATION_FILE).write_bytes(reconciliation_turtle(report.reconciliation, source.name))
        pause_before_switch("import-rncp")  # test hook (issue #8), off unless set
        _commit(staging, rncp_dir, workspace, report, record=record, agent=agent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _commit(staging: Path, rncp_dir: Path, workspace: Workspace, report: ImportReport, *,
            record: bool, agent: str | None) -> None:
    """Move the staged files into ``rncp/`` and record the version, under the workspace lock."""
    from ..versions import ensure_baseline, record_version, workspace_lock

    with workspace_lock(workspace):
        if record:
            ensure_baseline(workspace, agent=agent)
        for staged in sorted(staging.iterdir()):
            if (rncp_dir / staged.name).exists() and staged.name != RECONCILIATION_FILE:
                report.replaced.append(staged.stem)
            report.written.append(f"{RNCP_DIR}/{staged.name}")
        _switch_generation(staging, rncp_dir)
        if record:
            numbers = report.fiches
            shown = ", ".join(numbers[:5]) + (f" … ({len(numbers)} fiches)" if len(numbers) > 5 else "")
            version = record_version(workspace, kind="rncp-import", source=report.source, agent=agent,
                                     message=f"import RNCP ({report.format}) : {shown}")
            report.version = version.id


def _switch_generation(staging: Path, rncp_dir: Path) -> None:
    """Make ``rncp/`` show the old files plus the staged ones, in one atomic step.

    ``rncp`` is a symbolic link to a generation folder (``.rncp-gen-…``). A new generation
    holds hard links to the current files plus the staged ones; one ``os.replace`` of the link
    switches every file at once, so a crash leaves exactly the old set or exactly the new one
    (issue #8). A plain ``rncp/`` folder (made by hand) is converted on the first import.
    """
    root = rncp_dir.parent
    generation = Path(tempfile.mkdtemp(prefix=".rncp-gen-", dir=root))
    if rncp_dir.is_dir():
        for current in rncp_dir.iterdir():
            if current.is_file():
                try:
                    os.link(current, generation / current.name)
                except OSError:
                    shutil.copy2(current, generation / current.name)
    for staged in staging.iterdir():
        os.replace(staged, generation / staged.name)
    previous = rncp_dir.resolve() if rncp_dir.is_symlink() else None
    if rncp_dir.is_dir() and not rncp_dir.is_symlink():
        # Hand-made folder: move it aside first (the one step that is not atomic).
        aside = Path(tempfile.mkdtemp(prefix=".rncp-old-", dir=root))
        os.replace(rncp_dir, aside / RNCP_DIR)
        previous = aside
    link = root / f".{RNCP_DIR}-link-{generation.name}"
    os.symlink(generation.name, link)
    os.replace(link, rncp_dir)
    if previous is not None and previous.name.startswith((".rncp-gen-", ".rncp-old-")):
        shutil.rmtree(previous, ignore_errors=True)

