"""Start-up of `cipt serve --store DIR` (issue #11): from the process's start to the first TCP
connection accepted, and to the first 200 on ``/`` and on ``/sparql``, with the server's CPU
seconds at each point (from /proc through psutil: on a shared machine the wall times grow with
the load, the CPU much less).

    python bench/generate.py university /tmp/univ/ws && cipt load --data /tmp/univ/ws --store /tmp/univ/store
    cipt load --store /tmp/prog/store
    python bench/bench_startup.py /tmp/prog/store /tmp/univ/store [--runs 3] [--out bench/results/startup.md]

Python's bytecode cache matters: with ``PYTHONDONTWRITEBYTECODE`` set and the package not
installed, every start compiles the project's modules again (about 1 s of CPU more); the bench
reports whether it was set.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


from bench_university import free_port, uptime  # noqa: E402 - the same helpers (bench/ is on sys.path)


def one_start(store: str) -> dict[str, float]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
    env["PYTHONPATH"] = str(ROOT)
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "cipt_graph.cli", "serve", "--store", store, "--port", str(port),
                             "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    server = psutil.Process(proc.pid)

    def cpu() -> float:
        times = server.cpu_times()
        return times.user + times.system

    out: dict[str, float] = {}
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.05).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit(f"cipt serve --store {store} ended with status {proc.returncode}")
                time.sleep(0.005)
        out["connect"], out["connect_cpu"] = time.monotonic() - started, cpu()
        query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
        for name, path in (("/", "/"), ("/sparql", f"/sparql?{query}")):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=300) as answer:
                answer.read()
                assert answer.status == 200
            out[name], out[f"{name}_cpu"] = time.monotonic() - started, cpu()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stores", nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "startup.md"))
    args = parser.parse_args()
    before = uptime()
    rows = []
    for store in args.stores:
        runs = [one_start(store) for _ in range(args.runs)]
        medians = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        rows.append((store, medians, runs))
        print(store, {k: round(v, 2) for k, v in medians.items()}, flush=True)
    after = uptime()
    lines = ["# `cipt serve --store DIR` start-up (issue #11)", "",
             f"`python bench/bench_startup.py` — {args.runs} starts per store, medians; "
             f"PYTHONDONTWRITEBYTECODE={'set' if os.environ.get('PYTHONDONTWRITEBYTECODE') else 'unset'}.",
             "", f"- load before: `{before}`", f"- load after: `{after}`", "",
             "| store | port accepts (wall / server CPU) | first 200 on `/` | first 200 on `/sparql` |",
             "|---|---|---|---|"]
    for store, m, _ in rows:
        lines.append(f"| `{store}` | {m['connect']:.2f} s / {m['connect_cpu']:.2f} s | {m['/']:.2f} s / "
                     f"{m['/_cpu']:.2f} s | {m['/sparql']:.2f} s / {m['/sparql_cpu']:.2f} s |")
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
