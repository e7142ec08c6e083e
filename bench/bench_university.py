"""University-scale pages and commands, per programme (issue #16), on an on-disk store.

    python bench/generate.py university /tmp/univ/ws
    cipt load --data /tmp/univ/ws --store /tmp/univ/store
    python bench/bench_university.py /tmp/univ/store [--programmes 5] [--out bench/results/university.md]

Measures, in process and uncached (each render runs its named queries on the store): each
programme-scoped view (dashboard, matrix, graph, jobs) for a few programmes, the overview page
(`/programmes`), the audit of one programme, and `cipt stats --programme X` as a command (wall
time of the whole process). Writes a Markdown table with the targets and the machine load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cipt_graph.audit import build_audit_report  # noqa: E402
from cipt_graph.queries import run_query  # noqa: E402
from cipt_graph.store import iter_records, open_store  # noqa: E402
from cipt_graph.visualize import render_view  # noqa: E402
from cipt_graph.visualize.overview import render_overview  # noqa: E402
from cipt_graph.visualize.page import Links  # noqa: E402

TARGETS = {"view": 0.3, "overview": 2.0, "audit": 5.0, "stats": 1.0}


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--programmes", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "university.md")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    store = open_store(str(args.store), read_only=True)
    codes = [r["programme_code"] for r in iter_records(run_query(store, "programmes", {"lang": "fr"}))]
    picked = codes[1: 1 + args.programmes]
    rows = []
    links = Links()
    for view in ("dashboard", "matrix", "graph", "jobs"):
        times = [timed(lambda c=c: render_view(store, view, "fr", links, programme=c)) for c in picked]
        rows.append((f"view `{view}` of a programme", times, TARGETS["view"]))
    rows.append(("overview `/programmes` (301 programmes)", [timed(lambda: render_overview(store, "fr", links))
                                                            for _ in range(2)], TARGETS["overview"]))
    rows.append(("audit of one programme", [timed(lambda: build_audit_report(store, programme=picked[0]))],
                 TARGETS["audit"]))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rows.append(("`cipt stats --programme X` (wall, whole process)", [timed(lambda c=c: subprocess.run(
        [sys.executable, "-m", "cipt_graph.cli", "stats", "--store", str(args.store), "--programme", c],
        env=env, check=True, capture_output=True)) for c in picked[:3]], TARGETS["stats"]))
    load_after = os.getloadavg()
    lines = ["# University scale, per programme (issue #16)", "",
             f"Store: `{args.store}` (on disk, `bench/generate.py university`), programmes measured: "
             f"{', '.join(picked)}. Uncached: every render runs its named queries.", "",
             f"Machine load (1/5/15 min) before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; "
             f"after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (2 CPUs, shared with other jobs).", "",
             "| what | runs | p50 (s) | max (s) | target (s) | met |", "|---|---:|---:|---:|---:|---|"]
    for name, times, target in rows:
        p50 = statistics.median(times)
        lines.append(f"| {name} | {len(times)} | {p50:.3f} | {max(times):.3f} | {target:g} | {'yes' if p50 <= target else 'no'} |")
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
