"""Workspace commands of one programme at university scale (issue #16): wall time of each process.

    python bench/generate.py university /tmp/univ/ws
    python bench/bench_workspace_commands.py /tmp/univ/ws [--programme U150]
                                             [--out bench/results/workspace-commands.md]

On a copy of the workspace: `export-matrix --programme X`, the workbook with one level changed,
`import-matrix --dry-run`, the real `import-matrix` (which records the baseline v1 and v2),
`versions` (which snapshots the files to say whether they match v2),
`diff v1 current --programme X`, `diff v1 current --programme` of an unchanged programme, and
each command with an unknown programme (`U999`: exit 2 expected). Writes a Markdown table with
the targets (≤ 10 s for the programme's commands, ≤ 1 s of CPU for an unknown programme) and
the machine's load (`uptime` before and after), and the raw numbers as JSON beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
TARGET = 10.0


def run(args: list[str], env: dict) -> dict:
    """One `cipt` process: wall and CPU seconds, exit status."""
    before = os.times()
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "cipt_graph.cli", *args], env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"command": "cipt " + " ".join(args), "wall": round(wall, 2), "cpu": round(cpu, 2), "exit": done.returncode,
            "stderr": done.stderr.strip().splitlines()[-1][:160] if done.stderr.strip() else ""}


def change_one_level(path: Path, out: Path) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Matrice"]
    for r in range(4, ws.max_row + 1):
        for c in range(5, ws.max_column + 1):
            if ws.cell(r, c).value:
                ws.cell(r, c).value = "M" if ws.cell(r, c).value != "M" else "I"
                wb.save(out)
                return
    raise SystemExit("no link in the matrix")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--programme", default="U150")
    parser.add_argument("--other", default="U007", help="an unchanged programme, for a second diff")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "workspace-commands.md")
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8"}
    env.pop("CIPT_DATA", None)
    env.pop("CIPT_STORE", None)
    load_before = uptime()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        shutil.copytree(args.workspace, ws)
        shutil.rmtree(ws / "versions", ignore_errors=True)
        book, edited = Path(tmp) / "book.xlsx", Path(tmp) / "edited.xlsx"
        p = args.programme
        rows = [run(["export-matrix", "--programme", p, "--out", str(book), "--data", str(ws)], env)]
        change_one_level(book, edited)
        rows.append(run(["import-matrix", str(edited), "--dry-run", "--data", str(ws)], env))
        rows.append(run(["import-matrix", str(edited), "--data", str(ws)], env))
        rows.append(run(["versions", "--data", str(ws)], env))  # compares the files now with v2 (a snapshot)
        rows.append(run(["diff", "v1", "current", "--programme", p, "--data", str(ws)], env))
        rows.append(run(["diff", "v1", "current", "--programme", args.other, "--data", str(ws)], env))
        for command in (["diff", "v1", "current"], ["import-matrix", str(edited), "--dry-run"],
                        ["export-matrix", "--format", "csv"], ["validate"], ["stats"]):
            rows.append(run([*command, "--programme", "U999", "--data", str(ws)], env))
        for r in rows:
            r["command"] = r["command"].replace(tmp, "$TMP")
            r["stderr"] = r["stderr"].replace(tmp, "$TMP")
    load_after = uptime()
    lines = ["# Workspace commands of one programme, university scale (issue #16)", "",
             f"Workspace: {args.workspace} (`bench/generate.py university`); programme {args.programme}.",
             f"Load before: `{load_before}`", f"Load after: `{load_after}`", "",
             "| command | wall (s) | CPU (s) | exit | last line of stderr |", "|---|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| `{r['command']}` | {r['wall']} | {r['cpu']} | {r['exit']} | {r['stderr'].replace('|', '/')} |")
    lines += ["", f"Targets: each programme command ≤ {TARGET:g} s (the real `import-matrix`, which snapshots the "
              "whole workspace twice, and `versions` ≤ 30 s); an unknown programme exits 2 in about a "
              "second of CPU (the wall time follows the machine's load)."]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps({"load_before": load_before, "load_after": load_after,
                                                         "rows": rows}, ensure_ascii=False, indent=2) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
