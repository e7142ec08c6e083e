"""`cipt export-matrix`, `import-matrix`, `versions`, `diff`: the mapping round trip and its history."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import CiptError
from .messages import tr, tr_name
from .common import EXIT_OK, CommandAdder, Once, check_programme_first, refuse_store, writable_workspace, write_stdout

def _upload_url(lang: str) -> str | None:
    """The site's upload page when ``CIPT_BASE_URL`` names the site (as for `cipt serve`), else None."""
    import os

    base = (os.environ.get("CIPT_BASE_URL") or "").strip().rstrip("/")
    if not base.startswith(("http://", "https://")) or any(c in base for c in "?#\n\r\t "):
        return None
    return base + "/edit/upload" + ("?lang=en" if lang == "en" else "")


def cmd_export_matrix(args: argparse.Namespace) -> int:
    """Export the coverage mapping as a course × competency matrix (XLSX for editing, or CSV).

    The XLSX workbook has the matrix (blocks over their competencies, modules by period, a level
    drop-down in each cell), a Justifications sheet (hours, status, author, date and rationale of
    each link), the level scale and instructions in French. Edit it, then `cipt import-matrix`, or
    upload it on the site's page /edit/upload (named with its address when CIPT_BASE_URL is set).
    When the workspace holds several programmes, the matrix is one programme's (--programme).
    """
    from ..paths import resolve_workspace
    from ..spreadsheet import MatrixModel, write_matrix_csv, write_matrix_xlsx

    refuse_store(args, "export-matrix")
    check_programme_first(args)
    model = MatrixModel.from_workspace(resolve_workspace(args.data), lang=args.lang, programme=args.programme)
    data = write_matrix_xlsx(model, upload_url=_upload_url(model.lang)) if args.format == "xlsx" \
        else write_matrix_csv(model)
    if args.out:
        from ..versions import write_atomic

        write_atomic(Path(args.out), data)
        lang = args.ui_lang
        print(tr(lang, "cli.matrix.wrote", out=args.out, modules=tr(lang, "cli.modules", len(model.modules)),
                 competencies=tr(lang, "cli.competencies", len(model.competencies)),
                 links=tr(lang, "cli.links", len(model.rows))), file=sys.stderr)
    elif args.format == "xlsx" and sys.stdout.isatty():
        raise CiptError(tr(args.ui_lang, "cli.matrix.binary"))
    else:
        write_stdout(data)
    return EXIT_OK


def cmd_import_matrix(args: argparse.Namespace) -> int:
    """Check an edited matrix workbook (XLSX) and apply it to the workspace's mapping.

    Every cell is checked (unknown module or competency, level off the scale, merged or moved
    headers, missing sheet, missing rationale); all errors are listed with their sheet and cell
    and nothing is applied unless the whole file is valid (exit 2). Unchanged links are kept as
    they are; new and changed links get --author (else $USER) and today's date. Each accepted
    import is recorded as a version (see `cipt versions`). When the workspace holds several
    programmes, only the rows of the workbook's programme change (the one it was exported for,
    or --programme).
    """
    from ..spreadsheet import MatrixError, import_matrix

    refuse_store(args, "import-matrix")
    workspace = writable_workspace(args, "import-matrix")
    check_programme_first(args)
    try:
        result = import_matrix(workspace, args.file, author=args.author, message=args.message,
                               dry_run=args.dry_run, force=args.force, programme=args.programme,
                               lang=args.ui_lang)
    except MatrixError as exc:
        if args.format == "json":
            print(json.dumps({"valid": False, "applied": False, "file": args.file,
                              "errors": [e.as_dict() for e in exc.errors]}, ensure_ascii=False, indent=2))
        raise
    if args.format == "json":
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    lang = getattr(args, "ui_lang", "fr")
    if result.empty:
        print(tr(lang, "cli.import.unchanged"))
        return EXIT_OK

    def target(row: dict) -> str:  # a competency link, or an activity / objective one (row["kind"])
        kind = row.get("kind", "competency")
        return f"{row['module']} → {row[kind]}" + (f"  {tr(lang, 'cli.import.level', level=row['level'])}"
                                                   if "level" in row else "")

    for row in result.added:
        print(f"+ {target(row)}")
    for row in result.removed:
        print(f"- {target(row)}")
    for change in result.changed:
        what = ", ".join(f"{tr(lang, 'cli.field.' + f)} {change['before'][f]!r} → {change['after'][f]!r}"
                         if f != "rationale" else tr(lang, "cli.field." + f) for f in change["fields"])
        print(f"~ {change['module']} → {change[change.get('kind', 'competency')]}  {what}")
    summary = ", ".join(tr(lang, f"cli.{k}", len(getattr(result, k))) for k in ("added", "removed", "changed"))
    if result.applied and result.version is not None:
        print(tr(lang, "cli.import.applied", summary=summary, version=result.version.id,
                 parent=result.version.parent or result.version.id))
    else:
        print(tr(lang, "cli.import.dry_run", summary=summary))
    return EXIT_OK


def cmd_versions(args: argparse.Namespace) -> int:
    """List the recorded versions: id, date, who, kind, source, link counts and message (-m)."""
    from ..i18n import local_datetime
    from ..versions import list_versions, matching_version
    from ..versions.messages import shown_message

    workspace = writable_workspace(args, "versions")
    versions = list_versions(workspace)
    if args.format == "json":
        print(json.dumps([v.as_dict() for v in versions], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not versions:
        print(tr(getattr(args, "ui_lang", "fr"), "cli.versions.none"))
        return EXIT_OK
    lang = args.ui_lang
    head = tuple(tr(lang, "cli.versions.head").split("|"))
    rows = [(v.id, local_datetime(v.created, lang, zone=False),
             tr(lang, "cli.versions.baseline_agent") if v.kind == "baseline" else v.agent, tr_name(lang, "kind", v.kind), tr_name(lang, "source", v.source), str(v.counts.get("competency_links", "")),
             str(v.counts.get("activity_links", "")), str(v.counts.get("objective_links", "")),
             " ".join(shown_message(v, lang).split()))
            for v in versions]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    if matching_version(workspace) is None:
        print(tr(lang, "cli.versions.differ", version=versions[-1].id))
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """Compare two versions (ids such as v2, `latest`, or `current` for the files now).

    Shows the links added, removed and changed (in level, hours, status or rationale), and the
    effect on coverage per block: competencies covered, hours (rule of the `hours_per_block`
    query) and modules, before and after. --programme limits it to one programme; without it,
    with several programmes, each link and block names its programme.
    """
    from ..versions import diff_versions, render_diff

    refuse_store(args, "diff")
    diff = diff_versions(writable_workspace(args, "diff"), args.a, args.b, lang=args.lang, programme=args.programme)
    if args.format == "json":
        print(json.dumps(diff.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_diff(diff, args.lang))
    return EXIT_OK


def register(commands: CommandAdder) -> None:
    """Add `export-matrix`, `import-matrix`, `versions` and `diff` to the `cipt` parser."""
    p = commands.add("export-matrix", cmd_export_matrix)
    p.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--lang", choices=("fr", "en"), default=None,
                   help="language of the labels and headers (default: the global --lang, else LC_ALL/LANG)")
    p.add_argument("--programme", metavar="CODE|IRI", action=Once,
                   help="the programme whose matrix to export (its code, such as M2_CIPT, or its IRI); "
                        "needed when the workspace holds several")

    p = commands.add("import-matrix", cmd_import_matrix)
    p.add_argument("file", help="the edited workbook (.xlsx)")
    p.add_argument("--author", metavar="NAME", help="who made the changes (default: $USER)")
    p.add_argument("--message", "-m", default="", metavar="TEXT", help="a note kept with the version")
    p.add_argument("--dry-run", action="store_true", help="check and show the changes, write nothing")
    p.add_argument("--force", action="store_true",
                   help="apply even if the mapping changed since the workbook was exported")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--programme", metavar="CODE|IRI", action=Once,
                   help="the programme the workbook is about (its code, such as M2_CIPT, or its IRI); "
                        "default: the one it was exported for, else the workspace's only programme")

    p = commands.add("versions", cmd_versions)
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = commands.add("diff", cmd_diff)
    p.add_argument("a", help="a version id (v1…), `latest` or `current`")
    p.add_argument("b", help="a version id (v1…), `latest` or `current`")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--lang", choices=("fr", "en"), default=None,
                   help="language of the labels (default: the global --lang, else LC_ALL/LANG)")
    p.add_argument("--programme", metavar="CODE|IRI", action=Once,
                   help="the changes of one programme (its code, such as M2_CIPT, or its IRI); "
                        "default: every programme's, each link and block naming its programme")
