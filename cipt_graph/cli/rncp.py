"""`cipt import-rncp`: France Compétences' RNCP exports into the workspace."""

from __future__ import annotations

import argparse
import json
import sys

from .common import EXIT_OK, CommandAdder, progress_printer, writable_workspace
from .messages import tr

def cmd_import_rncp(args: argparse.Namespace) -> int:
    """Import France Compétences' RNCP export (XML V4.1 .xml/.zip, or CSV zip) into the workspace.

    Each fiche (certification: number, title, level, status, dates, certifiers; blocks with their
    official code, label, raw and split competency list and evaluation modes; ROME and NSF codes)
    is written to rncp/<number>.ttl in the workspace; a newer export updates it in place. The
    whole file is checked first: a malformed file (file, line and what) writes nothing (exit 2).
    When the programme's certification (RNCP38175) is imported, its blocks are matched to the
    brochure's by label (rncp/reconciliation.ttl) and the report lists what matched, what did
    not and the competencies worded differently. Each import is recorded as a version.
    """
    from ..importers import import_rncp

    workspace = writable_workspace(args, "import-rncp")
    lang = args.ui_lang
    printer = progress_printer(lang)
    try:
        report = import_rncp(args.file, workspace, fiches=args.fiche, progress=printer, agent=args.author)
    finally:
        if printer is not None:
            print(file=sys.stderr)
    if args.format == "json":
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    shown = ", ".join(report.fiches[:10]) + (" …" if len(report.fiches) > 10 else "")
    print(tr(lang, "cli.rncp.imported", len(report.fiches), source=report.source, format=report.format, shown=shown))
    print(tr(lang, "cli.rncp.counts", blocks=tr(lang, "cli.blocks", report.blocks),
             competencies=tr(lang, "cli.competencies", report.competencies),
             replaced=tr(lang, "cli.rncp.replaced", len(report.replaced)), folder=workspace.root / "rncp"))
    if report.skipped_not_rncp:
        skipped = report.skipped_not_rncp
        print(tr(lang, "cli.rncp.skipped", len(skipped),
                 codes=", ".join(skipped[:5]) + (" …" if len(skipped) > 5 else "")))
    rec = report.reconciliation
    if rec is not None:
        print(tr(lang, "cli.rncp.reconciliation", certification=rec.certification))
        for m in rec.matched:
            print(f"  = {m['block']} ↔ {m['official_code']}  {m['label']}")
        for m in rec.unmatched_brochure:
            print(tr(lang, "cli.rncp.unmatched_brochure", block=m["block"], label=m["label"]))
        for m in rec.unmatched_official:
            print(tr(lang, "cli.rncp.unmatched_official", code=m["official_code"], label=m["label"]))
        for d in rec.competencies_differing:
            print(tr(lang, "cli.rncp.differing", competency=d["competency"], brochure=d["brochure"],
                     official=d["official"]))
        for d in rec.competencies_only_brochure:
            print(tr(lang, "cli.rncp.only_brochure", competency=d["competency"], label=d["label"]))
        for d in rec.competencies_only_official:
            print(tr(lang, "cli.rncp.only_official", code=d["official_code"], label=d["label"]))
    if report.version:
        print(tr(lang, "cli.rncp.version", version=report.version))
    return EXIT_OK


def register(commands: CommandAdder) -> None:
    """Add `import-rncp` to the `cipt` parser."""
    p = commands.add("import-rncp", cmd_import_rncp)
    p.add_argument("file", help="the export: export_fiches_RNCP_V4_1_*.xml or its .zip, or export-fiches-csv-*.zip")
    p.add_argument("--fiche", action="extend", nargs="+", metavar="RNCP…",
                   help="import only these fiches (repeatable), e.g. --fiche RNCP38175")
    p.add_argument("--author", metavar="NAME", help="who imports, for the version (default: $USER)")
    p.add_argument("--format", choices=("text", "json"), default="text")
