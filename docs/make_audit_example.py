"""Regenerate ``docs/audit-example.pdf``: the audit of the shipped data, printed by Chromium.

Usage (from the repository root, with the package installed)::

    python docs/make_audit_example.py [--chromium /usr/bin/chromium] [--lang fr] [--out docs/audit-example.pdf]

The links in the example point to ``http://127.0.0.1:8000``, where ``cipt serve`` listens by
default. Chromium prints the HTML page exactly as a browser would (``--print-to-pdf``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cipt_graph.audit import build_audit_report
from cipt_graph.audit.render_html import render_html
from cipt_graph.build import build_store

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-pdf-header-footer"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=HERE / "audit-example.pdf")
    args = parser.parse_args()

    report = build_audit_report(build_store(), lang=args.lang, base_url=args.base_url)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "audit.html"
        page.write_text(render_html(report), encoding="utf-8")
        pdf = Path(tmp) / "audit.pdf"
        done = subprocess.run([args.chromium, *CHROMIUM_ARGS, f"--print-to-pdf={pdf}", page.as_uri()],
                              capture_output=True, text=True, timeout=300)
        if not pdf.exists():
            print(f"chromium did not print the page:\n{done.stderr[-2000:]}", file=sys.stderr)
            return 2
        shutil.move(pdf, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
