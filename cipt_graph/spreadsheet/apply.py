"""Applying a checked matrix to a workspace: merge with the mapping rows, write atomically, record a version.

Rules (also in the workbook's Instructions sheet and in the README):

- A link the workbook leaves as it is (same level, hours, status and rationale) keeps its CSV row
  byte for byte: its author, date and status are untouched.
- A new link, or a link whose level, hours or rationale changed, gets ``asserted_by`` the author of
  the import (``--author``, else ``$USER``) and ``asserted_on`` today.
- Its status is the one the workbook gives when the workbook changes it; otherwise a changed link
  goes back to ``proposed`` (a changed judgement needs a new validation) and a new link is ``proposed``.
- A status change alone is a change: it records who validated, and when (the mapping's
  ``validated_by``, ``validated_at`` columns; a link the workbook validates has the import's author
  as validator). A link that goes back to ``proposed`` loses them.
- Nothing is written when nothing changed; an unchanged workbook changes nothing.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..errors import CiptError, InputError, QueryError, StoreError, os_reason
from ..mapping import ACCOUNT_COLUMN, STATUSES, with_validation
from ..namespaces import CIPT
from ..paths import Workspace
from ..testhooks import fail_point, pause_before_switch
from ..journal import MappingChange
from ..versions import (Version, default_agent, ensure_baseline, list_versions, record_version, workspace_lock,
                        write_atomic)
from ..text import clean_line
from .model import MAPPING_KIND, MatrixModel, format_rows, row_key
from .reader import (EditedLink, MatrixEdit, check_workbook, exported_rationale, open_workbook, workbook_lang,
                     workbook_programme)


class StaleWorkbookError(InputError):
    """The mapping changed since the workbook was exported: importing it would undo those changes.

    The command line says to export again or pass ``--force``; the browser's upload page says
    to download the workbook again from the page (:mod:`cipt_graph.api.team_upload`)."""


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do)."""

    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)
    changed: list[dict[str, object]] = field(default_factory=list)
    applied: bool = False
    version: Version | None = None
    baseline: Version | None = None

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_dict(self) -> dict[str, object]:
        return {
            "valid": True, "applied": self.applied,
            "summary": {"added": len(self.added), "removed": len(self.removed), "changed": len(self.changed)},
            "added": self.added, "removed": self.removed, "changed": self.changed,
            "version": self.version.as_dict() if self.version else None,
            "baseline": self.baseline.as_dict() if self.baseline else None,
        }


def _hours(text: str) -> Decimal | None:
    return Decimal(text.strip().replace(",", ".")) if text.strip() else None


def _format_hours(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f")


def _status(text: str | None) -> str | None:
    return str(STATUSES[text.strip().casefold()]) if text and text.strip() else None


def _status_name(text: str | None) -> str:
    """The status as the CSV spells it: ``proposed`` or ``validated`` (``validé`` → ``validated``)."""
    return "validated" if _status(text) == str(CIPT.Validated) else "proposed"


def merge_rows(model: MatrixModel, edit: MatrixEdit, *, author: str, today: str,
               account: str = "", comment: str = "") -> tuple[list[dict], ImportResult]:
    """The mapping rows after the edit, and what changed. Untouched rows are the same dict objects.

    ``account``: the signed-in uploader's account id, recorded with every link they change
    (``asserted_by_account``); empty from the command line. ``comment``: the import's message,
    the validation comment of each link the workbook validates."""
    result = ImportResult()
    out: list[dict[str, str]] = []
    kept: set[tuple[str, str]] = set()
    for row in model.rows:
        key = row_key(row)
        link = edit.links.get(key)
        if link is None:
            result.removed.append(dict(row))
            continue
        kept.add(key)
        new = _merged(row, link, model, author, today, account, comment)
        if new is row:
            out.append(row)
            continue
        fields = [f for f in ("level", "hours", "status", "rationale") if new[f] != row[f]]
        result.changed.append({"module": key[0], "competency": key[1], "fields": fields,
                               "before": {f: row[f] for f in fields}, "after": {f: new[f] for f in fields}})
        out.append(new)
    order = {m.code: i for i, m in enumerate(model.modules)}
    comp_order = {c.code: i for i, c in enumerate(model.competencies)}

    def rank(module: str, comp: str) -> tuple[int, int]:
        return order.get(module, len(order)), comp_order.get(comp, len(comp_order))

    for key in sorted(edit.links.keys() - kept, key=lambda k: rank(*k)):
        link = edit.links[key]
        new = with_validation({"module": key[0], "competency": key[1], "level": link.level,
                               "hours": _format_hours(link.hours), "status": _status_name(link.status),
                               "asserted_by": author, ACCOUNT_COLUMN: account, "asserted_on": today,
                               "rationale": link.rationale or ""}, by=author, account=account, comment=comment)
        # Insert after the last row that sorts before it: a sorted file stays sorted.
        at = 0
        for i, row in enumerate(out):
            if rank(*row_key(row)) <= rank(*key):
                at = i + 1
        out.insert(at, new)
        result.added.append(dict(new))
    return out, result


def _merge_others(model: MatrixModel, edit: MatrixEdit, result: ImportResult, author: str, today: str,
                  account: str = "", comment: str = "") -> dict[str, bytes]:
    """Merge the activity and objective sheets (:mod:`.links`) into ``result``; the new CSV bytes
    of each kind that changed."""
    from ..mapping import columns_of
    from .links import KINDS, merge_link_rows

    files = {}
    for kind, edited in edit.others.items():
        rows, added, removed, changed = merge_link_rows(kind, model.links.rows[kind], edited, author=author, today=today,
                                                         account=account, comment=comment)
        if not (added or removed or changed):
            continue
        rows = model.links.file_rows(kind, rows)  # with several programmes, the others' rows kept
        result.added += added
        result.removed += removed
        result.changed += changed
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns_of(KINDS[kind], rows), lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        files[kind] = buffer.getvalue().encode("utf-8")
    return files


def _merged(row: dict[str, str], link: EditedLink, model: MatrixModel, author: str, today: str,
            account: str = "", comment: str = "") -> dict[str, str]:
    same_level = model.level_of(row["level"]) == link.level
    same_hours = _hours(row["hours"]) == link.hours
    same_rationale = exported_rationale(row["rationale"]) == (link.rationale or "")
    old_status = _status(row["status"])
    new_status = _status(link.status)
    status_changed = new_status is not None and new_status != old_status
    if same_level and same_hours and same_rationale and not status_changed:
        return row
    content_changed = not (same_level and same_hours and same_rationale)
    if status_changed:
        status = _status_name(link.status)
    elif content_changed:
        status = "proposed"
    else:
        status = row["status"]
    out = {
        "module": row["module"], "competency": row["competency"], "level": link.level,
        "hours": row["hours"] if same_hours else _format_hours(link.hours),
        "status": status, "asserted_by": author, ACCOUNT_COLUMN: account, "asserted_on": today,
        "rationale": row["rationale"] if same_rationale else (link.rationale or ""),
    }
    # Validated by this workbook: its author validated it, now; otherwise no validation is left.
    return with_validation(out, by=author if status_changed else "", account=account, comment=comment)


def _check_rows(target: Path, data: bytes, workspace: Workspace, source: Path, kind=MAPPING_KIND) -> None:
    """Check the staged CSV bytes with the builder's own reader before they replace the old file
    (the vocabulary read by Oxigraph: what ``Vocabulary.from_graph`` gives, in a second, not a
    minute, at university scale)."""
    from ..mapping import mapping_triples
    from ..versions.fast_snapshot import vocabulary_of_files

    vocab = vocabulary_of_files(sorted(workspace.root.glob("*.ttl")))
    try:
        mapping_triples(target, kind, vocab, data=data)
    except InputError as exc:
        raise InputError(f"le classeur donnerait un fichier mapping/{target.name} invalide, rien n'a été appliqué "
                         f"({exc.show('fr')})", where=str(source),
                         en=f"the workbook would give an invalid file mapping/{target.name}, nothing was applied "
                            f"({exc.show('en')})") from exc


class _Undo:
    """What an import may change, as it was before: restored byte for byte on any failure.

    Keeps the bytes of the mapping file and of the version index, and the names of the files under
    the mapping and versions folders; :meth:`restore` puts the bytes back and removes every file
    and folder that appeared since (staged files, snapshot blobs, version records).
    """

    def __init__(self, workspace: Workspace, targets: list[Path]) -> None:
        # The index first: once it no longer lists the version, the journal a kill could leave
        # says "back" (cipt_graph/journal.py), whatever the files restored so far.
        self.keep = {path: (path.read_bytes() if path.exists() else None)
                     for path in (workspace.versions_dir / "index.json", *targets)}
        self.roots = [workspace.mapping_dir, workspace.versions_dir]
        self.before = {root: self._tree(root) for root in self.roots}

    @staticmethod
    def _tree(root: Path) -> set[Path]:
        if not root.exists():
            return set()
        return {root, *root.rglob("*")}

    def restore(self) -> None:
        for path, data in self.keep.items():
            current = path.read_bytes() if path.exists() else None
            if current == data:
                continue
            if data is None:
                path.unlink(missing_ok=True)
            else:
                write_atomic(path, data)
        for root in self.roots:
            new = sorted(self._tree(root) - self.before[root], key=lambda p: len(p.parts), reverse=True)
            for path in new:
                if path in self.keep:
                    continue
                if path.is_dir() and not path.is_symlink():
                    with contextlib.suppress(OSError):
                        path.rmdir()
                else:
                    path.unlink(missing_ok=True)


def import_matrix(
    workspace: Workspace,
    path: str | os.PathLike[str],
    *,
    author: str | None = None,
    author_account: str | None = None,
    message: str = "",
    dry_run: bool = False,
    force: bool = False,
    today: dt.date | None = None,
    programme: str | None = None,
    lang: str = "fr",
) -> ImportResult:
    """Check an edited workbook and, when all of it is valid, apply it to the workspace's mapping.

    The workbook is inspected and read before the workspace lock is taken (a hostile file cannot
    hold the lock; see :mod:`.inspect`). Under the lock: the new ``mapping/module_competency.csv``
    is checked with the mapping reader, staged beside the old one and switched in with
    ``os.replace``, then kept as a version (kind ``matrix-import``); before the first change a
    ``baseline`` version keeps the state it replaces. A failure at any step (a full disk, a bug)
    restores every file it touched byte for byte: the workspace is as before.

    ``author_account``: the signed-in uploader's account id (the browser's upload): recorded
    with each link the workbook adds or changes (``asserted_by_account``) and with the version.

    When the workspace holds several programmes the workbook is about one of them: ``programme``
    (code, path or IRI), else the one recorded in the workbook at its export. Only that
    programme's rows change; the other programmes' rows are kept byte for byte.

    Raises:
        CiptError: no workspace. InputError: the file is not an XLSX workbook, or is past a limit.
        MatrixError: the workbook has errors (all listed; nothing is written).
        StaleWorkbookError: (an InputError) the mapping changed since the workbook was exported
            (unless ``force``).
        StoreError: the workspace could not be written (nothing was changed).
        QueryError: ``programme`` names no programme, differs from the workbook's, or is missing
            while the workspace holds several and the workbook names none.
    """
    if workspace.read_only:
        raise CiptError("no workspace to import into: create one with `cipt init DIR`, then pass --data DIR "
                        "(or set CIPT_DATA); the shipped data is read-only",
                        fr="aucun espace de travail où importer : créez-en un avec `cipt init DOSSIER`, puis passez "
                           "--data DOSSIER (ou réglez CIPT_DATA) ; les données livrées sont en lecture seule")
    path = Path(path)
    who = clean_line(author) or default_agent()
    from ..i18n import paris_today

    day = (today or paris_today()).isoformat()
    workbook = open_workbook(path)
    with workspace_lock(workspace):
        recorded = workbook_programme(workbook)
        model = MatrixModel.from_workspace(workspace, lang=workbook_lang(workbook),
                                           programme=programme if programme is not None else recorded)
        if recorded is not None and model.programme is not None and recorded != model.programme:
            english = (f"--programme {programme!r} is {model.programme}, but the workbook was exported "
                       f"for {recorded}: import it for that programme")
            french = (f"--programme {programme!r} désigne {model.programme}, mais le classeur a été exporté "
                      f"pour {recorded} : importez-le pour ce programme")
            raise QueryError(english if lang == "en" else french, where=str(path), fr=french, en=english)
        edit = check_workbook(workbook, model, where=str(path))
        rows, result = merge_rows(model, edit, author=who, today=day, account=author_account or "", comment=message)
        rows = model.merged_file_rows(rows)
        competency_changed = not result.empty
        files = _merge_others(model, edit, result, who, day, author_account or "", message)
        if result.empty:
            return result
        stale = competency_changed and edit.base_sha256 and edit.base_sha256 != model.mapping_sha256
        stale = stale or any(edit.meta.get(f"{kind}_sha256") not in (None, model.links.sha256(kind)) for kind in files)
        if stale and not force:  # a dry run says so too: it answers what the real run would do
            french = ("la correspondance de l'espace de travail a changé depuis l'export de ce classeur : l'importer "
                      "annulerait ces changements. Réexportez la matrice (cipt export-matrix) et reportez-y vos "
                      "modifications, ou utilisez --force pour écraser")
            english = ("the workspace's mapping changed since this workbook was exported: importing it would undo "
                       "those changes. Export the matrix again (cipt export-matrix) and carry your edits over, or "
                       "use --force to overwrite")
            raise StaleWorkbookError(english if lang == "en" else french, where=str(path), fr=french, en=english)
        if dry_run:
            return result
        writes: list[tuple[Path, bytes]] = []
        if competency_changed:
            writes.append((workspace.mapping_dir / MAPPING_KIND.file_name, format_rows(rows)))
        for kind, data in files.items():
            from .links import KINDS

            target = workspace.mapping_dir / KINDS[kind].file_name
            _check_rows(target, data, workspace, path, KINDS[kind])
            writes.append((target, data))
        if competency_changed:
            _check_rows(writes[0][0], writes[0][1], workspace, path)
        undo = _Undo(workspace, [target for target, _ in writes])
        try:
            fail_point("import-matrix", "check")
            result.baseline = ensure_baseline(workspace, agent=who)
            fail_point("import-matrix", "baseline")
            parent = list_versions(workspace)[-1].id
            change = MappingChange(workspace.root, writes, parent)
            change.stage()  # new files beside the old ones, then the journal (cipt_graph/journal.py)
            fail_point("import-matrix", "stage")
            pause_before_switch("import-matrix")  # test hook (issue #8), off unless set
            change.switch()
            fail_point("import-matrix", "switch")
            result.version = record_version(workspace, kind="matrix-import", source=path, agent=who, message=message,
                                            agent_account=author_account or None)
            fail_point("import-matrix", "record")
            change.finish()
        except BaseException as exc:
            undo.restore()
            result.baseline = result.version = None
            if isinstance(exc, OSError):
                raise StoreError(f"l'espace de travail n'a pas pu être écrit ({os_reason(exc, 'fr')}) : l'import "
                                 "est annulé, rien n'a été modifié", where=str(workspace.root),
                                 en=f"the workspace could not be written ({os_reason(exc, 'en')}): the import is "
                                    "cancelled, nothing was changed") from exc
            if isinstance(exc, StoreError):
                raise StoreError(f"{exc.text('fr')} : l'import est annulé, rien n'a été modifié", where=exc.where,
                                 en=f"{exc.text('en')}: the import is cancelled, nothing was changed") from exc
            raise
        result.applied = True
    return result
