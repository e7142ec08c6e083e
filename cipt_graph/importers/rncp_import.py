"""`cipt import-rncp`: an RNCP export (XML or CSV zip) into a workspace, all or nothing.

Each fiche becomes ``rncp/<number>.ttl`` in the workspace (a newer export replaces the file: the
fiche is updated in place). Files are first written to a hidden staging folder inside the
workspace while the export is streamed (every text through the text policy, every limit of
:mod:`.limits` checked); each staged file is parsed back; only then are they switched into
``rncp/`` (one atomic replace of a link to a generation folder) and the import recorded as a
version (:mod:`cipt_graph.versions`). A failure at any step — reading, staging, the switch, the
record — leaves the workspace byte-identical to before.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import zipfile
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..build import RNCP_DIR
from ..errors import CiptError, InputError, StoreError, os_reason
from ..paths import Workspace
from ..safefs import check_regular
from ..testhooks import fail_point, pause_before_switch
from ..text import clean_code
from .fiche import Fiche, check_fiche, is_fiche_number, normalise_fiche
from .limits import ImportLimits, LimitError, count_fr
from .reconcile import Reconciliation, programme_certifications, reconcile, reconciliation_turtle
from .rncp_csv import is_csv_export, read_csv_export
from .rncp_graph import fiche_turtle
from .rncp_xml import read_xml_export
from .staging import (GENERATION_PREFIX, IMPORT_PREFIX, LINK_PREFIX, OLD_PREFIX, FolderCheckpoint, clean_leftovers,
                      make_dir, new_name)

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


#: The first bytes of a zip file (a local file header, an empty archive, a spanned archive).
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

def require_workspace(workspace: Workspace) -> None:
    """Refuse the shipped (read-only) data as an import target.

    Raises:
        CiptError: no workspace was chosen.
    """
    if workspace.read_only:
        raise CiptError("importing needs a workspace: create one with `cipt init DIR`, then pass --data DIR "
                        "(or set CIPT_DATA=DIR); the shipped data is read-only",
                        fr="l'import demande un espace de travail : créez-en un avec `cipt init DOSSIER`, puis passez "
                           "--data DOSSIER (ou CIPT_DATA=DOSSIER) ; les données livrées sont en lecture seule")


#: The steps of an import, in order; a fault test injects a failure at each (``CIPT_TEST_FAIL_AT``).
STEPS = ("read", "stage", "parse-back", "lock", "baseline", "generation", "switch", "record")


def import_rncp(path: str | os.PathLike[str], workspace: Workspace, *, fiches: Collection[str] | None = None,
                progress: Progress | None = None, record: bool = True, agent: str | None = None,
                limits: ImportLimits | None = None) -> ImportReport:
    """Import the fiches of an RNCP export into a workspace, all or nothing.

    Steps: read and stage (every limit checked as the export streams), parse every staged file
    back, then under the workspace lock (bounded wait): baseline version, new generation,
    switch, version record. A failure at any step leaves the workspace byte-identical to
    before: the switch is undone and the versions folder put back.

    Args:
        path: an XML export (``.xml`` or its ``.zip``) or a CSV export zip.
        workspace: the target workspace (not the shipped data).
        fiches: fiche numbers to import (default: every RNCP fiche of the export).
        progress: called while the export is read (see :data:`Progress`).
        record: record the import as a version of the workspace.
        agent: who imports (for the version); default the login name.
        limits: the import limits (default :meth:`ImportLimits.from_env`).

    Raises:
        CiptError: no workspace. InputError: the file is missing or malformed (file, line and
            what), or a requested fiche is not in it. LimitError: a limit passed (limit and
            place). WorkspaceBusy: another import held the lock past the timeout.
            StoreError: the workspace cannot be written. Nothing is written then.
    """
    require_workspace(workspace)
    limits = limits or ImportLimits.from_env()
    source = Path(path)
    if not source.is_file():
        raise InputError("no such file", where=str(source), fr="fichier introuvable")
    size = check_regular(source).st_size
    if size > limits.max_bytes:
        raise LimitError("max_bytes", limits.max_bytes, f"the file holds {size} bytes", where=str(source),
                         fr=f"le fichier fait {count_fr(size)} octets")
    if source.suffix.lower() == ".csv":
        raise InputError("one CSV file is not an export: give the CSV export's zip (export-fiches-csv-….zip) "
                         "or the XML export", where=str(source),
                         fr="un seul fichier CSV n'est pas un export : donnez le zip de l'export CSV "
                            "(export-fiches-csv-….zip) ou l'export XML")
    wanted = {clean_code(f).upper() for f in fiches} if fiches else None
    with source.open("rb") as head:
        magic = head.read(4)
    if magic in ZIP_MAGIC and not zipfile.is_zipfile(source):
        # A zip's directory is at its end: a cut download starts like a zip but has none.
        raise InputError("a damaged zip: it starts as one but its directory (at the end of the file) is "
                         "missing or unreadable; the file was probably cut during the download: download it again",
                         where=str(source),
                         fr="archive zip endommagée : le fichier commence comme un zip mais son répertoire (à la "
                            "fin du fichier) manque ou est illisible ; il a sans doute été coupé pendant le "
                            "téléchargement : téléchargez-le de nouveau")
    try:
        csv_export = is_csv_export(source)
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a readable zip: {exc}", where=str(source),
                         fr=f"ce n'est pas une archive zip lisible (zip endommagé : {exc})") from None
    report = ImportReport(str(source), "csv" if csv_export else "xml")
    reader = read_csv_export if csv_export else read_xml_export
    programme = programme_certifications(workspace.root)
    rncp_dir = workspace.root / RNCP_DIR
    clean_workspace_leftovers(workspace)
    from ..versions.staged import StagedGraphs

    try:
        staging = make_dir(workspace.root, IMPORT_PREFIX)
        snapshots = make_dir(workspace.root, IMPORT_PREFIX)  # the version's snapshots, made while staging
        staged = StagedGraphs(snapshots)
    except OSError as exc:
        raise StoreError(f"cannot write the workspace: {exc.strerror or exc}", where=str(workspace.root),
                         fr=f"impossible d'écrire dans l'espace de travail : {os_reason(exc, 'fr')}",
                         en=f"cannot write the workspace: {os_reason(exc, 'en')}") from None
    try:
        kept: dict[str, Fiche] = {}
        where: dict[str, str] = {}
        for fiche in reader(source, wanted=wanted, progress=progress, limits=limits):
            report.seen += 1
            normalise_fiche(fiche)
            if not is_fiche_number(fiche.number):
                report.skipped_not_rncp.append(fiche.number)
                continue
            check_fiche(fiche, limits)
            if fiche.number in where:
                raise InputError(f"fiche {fiche.number} appears twice (first at {where[fiche.number]})", where=fiche.where,
                                 fr=f"la fiche {fiche.number} figure deux fois (d'abord en {where[fiche.number]})")
            where[fiche.number] = fiche.where
            _check_blocks(fiche)
            name = f"{fiche.number}.ttl"
            turtle = fiche_turtle(fiche, source.name)
            (staging / name).write_bytes(turtle)
            _parse_back_bytes(staged, name, turtle, keep=record)  # and its version snapshot, made once
            report.fiches.append(fiche.number)
            report.blocks += len(fiche.blocks)
            report.competencies += sum(len(b.competencies) for b in fiche.blocks)
            if fiche.number in programme:
                kept[fiche.number] = fiche
        fail_point("read")
        if wanted is not None and (missing := sorted(wanted - set(where))):
            raise InputError(f"fiche(s) not in the export: {', '.join(missing)}", where=str(source),
                             fr=f"{'fiches absentes' if len(missing) > 1 else 'fiche absente'} de l'export : "
                                f"{', '.join(missing)}",
                             en=f"{'fiches' if len(missing) > 1 else 'fiche'} not in the export: {', '.join(missing)}")
        if not report.fiches:
            raise InputError("no RNCP fiche in the export", where=str(source), fr="aucune fiche RNCP dans l'export")
        for number, fiche in kept.items():
            iri, blocks = programme[number]
            report.reconciliation = reconcile(fiche, iri, blocks)
            (staging / RECONCILIATION_FILE).write_bytes(reconciliation_turtle(report.reconciliation, source.name))
        fail_point("stage")
        _parse_back(staging, checked=staged.checked)
        fail_point("parse-back")
        pause_before_switch("import-rncp")  # test hook (issue #8), off unless set
        _commit(staging, rncp_dir, workspace, report, record=record, agent=agent, snapshots=staged)
    except OSError as exc:
        raise StoreError(f"cannot write the workspace, nothing was changed: {exc.strerror or exc}",
                         where=str(getattr(exc, "filename", None) or workspace.root),
                         fr=f"impossible d'écrire dans l'espace de travail, rien n'a été modifié : {os_reason(exc, 'fr')}",
                         en=f"cannot write the workspace, nothing was changed: {os_reason(exc, 'en')}") from None
    finally:
        staged.close()
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(snapshots, ignore_errors=True)
    return report


def _check_blocks(fiche: Fiche) -> None:
    """Two block codes that become the same after normalisation are one block twice."""
    seen: set[str] = set()
    for block in fiche.blocks:
        if not block.code:
            raise InputError("a block without a code", where=fiche.where, fr="un bloc sans code")
        if block.code in seen:
            raise InputError(f"block {block.code} appears twice in the fiche", where=fiche.where,
                             fr=f"le bloc {block.code} figure deux fois dans la fiche")
        seen.add(block.code)


def _parse_back(staging: Path, checked: Collection[str] = ()) -> None:
    """Every staged file parses as Turtle (with the workspace's own reader) before anything is
    switched; the fiches were parsed back as they were written (:func:`_parse_back_bytes`, names in
    ``checked``): the other files (the reconciliation) are read back here.

    Raises:
        InputError: a staged file does not parse (a bug: the message says which and where).
    """
    for staged in sorted(staging.iterdir()):
        if staged.name in checked:
            continue
        try:
            for _ in ox.parse(staged.read_bytes(), format=ox.RdfFormat.TURTLE, base_iri=staged.resolve().as_uri()):
                pass
        except SyntaxError as exc:
            raise _not_parsed(staged.name, exc) from None


def _not_parsed(name: str, exc: SyntaxError) -> InputError:
    return InputError(f"the generated Turtle does not parse back ({exc}); nothing was written",
                      where=f"{name}:{getattr(exc, 'lineno', '?')}",
                      fr=f"le Turtle produit ne se relit pas ({exc}) ; rien n'a été écrit")


def _parse_back_bytes(staged, name: str, turtle: bytes, *, keep: bool) -> None:
    """Parse back the Turtle just written to the staged file ``name`` (from memory, not re-read)
    and, with ``keep``, make its version snapshot (:meth:`StagedGraphs.add`).

    Raises:
        InputError: it does not parse (a bug: the message says which and where).
    """
    try:
        staged.add(name, turtle, keep=keep)
    except SyntaxError as exc:
        raise _not_parsed(name, exc) from None
    staged.checked.add(name)


def clean_workspace_leftovers(workspace: Workspace) -> None:
    """Remove what killed imports left (:func:`.staging.clean_leftovers`), under the lock, without
    waiting when another import runs; at each import and when ``cipt serve`` starts."""
    if workspace.read_only:
        return
    from ..versions import WorkspaceBusy, workspace_lock

    try:
        with workspace_lock(workspace, timeout=0):
            clean_leftovers(workspace.root, RNCP_DIR)
    except WorkspaceBusy:
        pass


def _commit(staging: Path, rncp_dir: Path, workspace: Workspace, report: ImportReport, *,
            record: bool, agent: str | None, snapshots=None) -> None:
    """Move the staged files into ``rncp/`` and record the version, under the workspace lock;
    on any failure, undo the switch and the versions written, then re-raise."""
    from ..versions import ensure_baseline, record_version, workspace_lock

    with workspace_lock(workspace):
        fail_point("lock")
        checkpoint = FolderCheckpoint(workspace.versions_dir)
        switched: _Switch | None = None
        try:
            if record:
                ensure_baseline(workspace, agent=agent)
            fail_point("baseline")
            for staged in sorted(staging.iterdir()):
                if (rncp_dir / staged.name).exists() and staged.name != RECONCILIATION_FILE:
                    report.replaced.append(staged.stem)
                report.written.append(f"{RNCP_DIR}/{staged.name}")
            switched = _Switch(staging, rncp_dir)
            switched.prepare()
            fail_point("generation")
            switched.switch()
            fail_point("switch")
            if record:
                numbers = report.fiches
                shown = ", ".join(numbers[:5]) + (f" … ({len(numbers)} fiches)" if len(numbers) > 5 else "")
                version = record_version(workspace, kind="rncp-import", source=report.source, agent=agent,
                                         message=f"import RNCP ({report.format}) : {shown}", staged=snapshots)
                report.version = version.id
            fail_point("record")
        except BaseException:
            if switched is not None:
                switched.undo()
            checkpoint.restore()
            report.replaced.clear()
            report.written.clear()
            report.version = None
            raise
        switched.finish()


class _Switch:
    """Make ``rncp/`` show the old files plus the staged ones, in one atomic step, undoable
    until :meth:`finish`.

    ``rncp`` is a symbolic link to a generation folder (``.rncp-gen-…``). A new generation
    holds hard links to the current files plus the staged ones; one ``os.replace`` of the link
    switches every file at once, so a crash leaves exactly the old set or exactly the new one
    (issue #8). A plain ``rncp/`` folder (made by hand) is converted on the first import.
    """

    def __init__(self, staging: Path, rncp_dir: Path) -> None:
        self.staging, self.rncp_dir, self.root = staging, rncp_dir, rncp_dir.parent
        self.generation: Path | None = None
        self.previous_link: str | None = None  # the old link target, when rncp was a link
        self.aside: Path | None = None  # where a hand-made folder was moved
        self.done = False

    def prepare(self) -> None:
        """The staging folder becomes the new generation (one rename, not one per file: 30,000
        fiches), then the current files it does not replace are hard-linked into it."""
        self.generation = new_name(self.root, GENERATION_PREFIX)
        os.rename(self.staging, self.generation)
        staged = set(os.listdir(self.generation))
        if self.rncp_dir.is_dir():
            for current in self.rncp_dir.iterdir():
                if current.name not in staged and current.is_file() and not current.is_symlink():
                    try:
                        os.link(current, self.generation / current.name)
                    except OSError:
                        shutil.copy2(current, self.generation / current.name)

    def switch(self) -> None:
        assert self.generation is not None
        if self.rncp_dir.is_symlink():
            self.previous_link = os.readlink(self.rncp_dir)
        elif self.rncp_dir.is_dir():
            # Hand-made folder: move it aside first (the one step that is not atomic).
            self.aside = make_dir(self.root, OLD_PREFIX)
            os.replace(self.rncp_dir, self.aside / RNCP_DIR)
        link = self.root / f"{LINK_PREFIX}{self.generation.name}"
        os.symlink(self.generation.name, link)
        os.replace(link, self.rncp_dir)
        self.done = True

    def undo(self) -> None:
        """Put ``rncp`` back as it was; drop the new generation (never raises)."""
        with contextlib.suppress(OSError):
            if self.done:
                if self.previous_link is not None:
                    link = self.root / f"{LINK_PREFIX}undo-{os.getpid()}"
                    with contextlib.suppress(FileNotFoundError):
                        link.unlink()
                    os.symlink(self.previous_link, link)
                    os.replace(link, self.rncp_dir)
                else:
                    self.rncp_dir.unlink()
                    if self.aside is not None:
                        os.replace(self.aside / RNCP_DIR, self.rncp_dir)
        if self.aside is not None:
            shutil.rmtree(self.aside, ignore_errors=True)
        if self.generation is not None:
            shutil.rmtree(self.generation, ignore_errors=True)
        with contextlib.suppress(OSError):
            (self.root / f"{LINK_PREFIX}{self.generation.name}").unlink()

    def finish(self) -> None:
        """Drop the previous generation (or the hand-made folder moved aside)."""
        if self.previous_link is not None:
            previous = self.root / self.previous_link
            if previous.name.startswith(GENERATION_PREFIX) and previous.parent.resolve() == self.root.resolve():
                shutil.rmtree(previous, ignore_errors=True)
        if self.aside is not None:
            shutil.rmtree(self.aside, ignore_errors=True)
