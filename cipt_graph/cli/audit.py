"""`cipt audit`: the accreditation audit report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import CiptError
from ..queries import choose_programme
from .common import EXIT_FINDINGS, EXIT_OK, CommandAdder, Once, open_data
from .messages import tr

def cmd_audit(args: argparse.Namespace) -> int:
    """Accreditation audit report (HTML, Markdown or JSON): every figure cites its named query.

    Runs every named query tagged `check` and every SHACL shape. Exit status: 0 when no
    violation (warnings allowed), 1 when there are violations, 2 on error.
    """
    if args.base_url and not args.base_url.startswith(("http://", "https://")):
        raise CiptError(tr(args.lang, "cli.audit.base_url", url=repr(args.base_url)))
    if args.out and not Path(args.out).resolve().parent.is_dir():
        raise CiptError(tr(args.lang, "cli.audit.no_folder"), where=args.out)
    store = open_data(args)
    # With several programmes, the audit of all of them at once takes minutes at university
    # scale (issue #16): exit 2 at once naming --programme, as `cipt viz` does; a programme naming
    # none is refused here too, the option named (as by `cipt stats`, `viz`, `validate`).
    choose_programme(store, args.programme, option="--programme")
    from ..audit import build_audit_report  # after the checks: these imports take seconds
    from ..audit.labels import counted
    from ..audit.render_html import render_html
    from ..audit.render_json import render_json
    from ..audit.render_md import render_md

    report = build_audit_report(store, lang=args.lang, base_url=args.base_url, programme=args.programme)
    render = {"html": render_html, "md": render_md, "json": render_json}[args.format]
    text = render(report)
    if args.out:
        out = Path(args.out)
        tmp = out.with_name(out.name + ".tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(out)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise CiptError(tr(args.lang, "cli.write_failed", reason=exc.strerror), where=str(out)) from exc
        counts = report.counts()
        print(tr(args.lang, "cli.audit.wrote", out=out, format=args.format,
                 violations=counted(args.lang, "summary_sentence.violation", counts["violation"]),
                 warnings=counted(args.lang, "summary_sentence.warning", counts["warning"])), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_FINDINGS if report.exit_code else EXIT_OK


def register(commands: CommandAdder) -> None:
    """Add `audit` to the `cipt` parser."""
    p = commands.add("audit", cmd_audit)
    p.add_argument("--format", choices=("html", "md", "json"), default="html")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--lang", choices=("fr", "en"), default=None,
                   help="language of the report (default: the global --lang, else LC_ALL/LANG)")
    p.add_argument("--programme", metavar="CODE|IRI", action=Once,
                   help="audit one programme (its code, such as M2_CIPT, or its IRI); needed when the data "
                        "holds several; default: the data's only programme")
    p.add_argument("--base-url", metavar="URL",
                   help="root URL of a running `cipt serve`: adds links running each query there")
