"""Bounded load test of `cipt serve` (issue #8): a realistic mix, several clients, a few minutes.

    python bench/load_test.py [--duration 150] [--clients 8] [--max-requests 200000] [--workers 1]
                              [--label NAME] [--memory-bound-mib 64]

Starts the service as a user would (`cipt serve`, the installed command, with ``--workers N``)
on 127.0.0.1 only, then runs ``--clients`` threads, each with its own kept-alive HTTP connection,
until ``--duration`` seconds have passed or ``--max-requests`` were sent. Each client draws its
next request from a fixed mix: the SPARQL endpoint (SELECT, CONSTRUCT, an aggregate), named
queries with and without parameters, the JSON API, resource pages under ``/id/…`` (HTML and
Turtle) and the views (dashboard, matrix, network, jobs). Records throughput, p50/p90/p99/max
latency overall and per kind, the number of errors (any status but 200, or no answer), and the
server's resident memory (all its processes) after warm-up, at the end and at its peak, sampled
every second. Results go to ``bench/results/load.json`` (one entry per ``--label``) and
``bench/results/load.md``; the run fails (exit 1) on any error or when memory grew past
``--memory-bound-mib``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PREFIXES = ("PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>\nPREFIX schema: <https://schema.org/>\n"
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
MODULES = [f"M{i:02d}" for i in range(1, 26)]
COMPETENCIES = [f"BC0{b}-C{c}" for b, c in ((1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1), (4, 2), (4, 3),
                                             (5, 1), (5, 2), (6, 1), (6, 2))]
SPARQL = {
    "select": PREFIXES + "SELECT ?code ?hours WHERE { ?m schema:courseCode ?code ; cipt:hours ?hours } ORDER BY DESC(?hours) ?code",
    "aggregate": PREFIXES + ("SELECT ?block (COUNT(DISTINCT ?m) AS ?modules) WHERE { ?m cipt:coversCompetency ?c . "
                             "?c skos:broader ?block } GROUP BY ?block ORDER BY ?block"),
    "filter": PREFIXES + ('SELECT ?s ?label WHERE { ?s skos:prefLabel ?label FILTER(LANG(?label) = "fr" && '
                          'REGEX(?label, "communication", "i")) }'),
    "construct": PREFIXES + "CONSTRUCT { ?m ?p ?o } WHERE { ?m schema:courseCode \"M07\" ; ?p ?o }",
}

#: (kind, weight, request factory): what each client draws its next request from.
MIX = [
    ("sparql", 25, lambda r: ("POST", "/sparql", {"data": {"query": SPARQL[r.choice(list(SPARQL))]},
                                                  "headers": {"Accept": "application/sparql-results+json, text/turtle"}})),
    ("named_query", 25, lambda r: ("GET", r.choice([
        "/api/queries/coverage_matrix", "/api/queries/hours_per_block", "/api/queries/stats",
        f"/api/queries/modules_for_competency?competency={r.choice(COMPETENCIES)}",
        f"/api/queries/competencies_for_module?module={r.choice(MODULES)}&lang=en",
        "/api/queries/coverage_matrix.csv", "/api/queries/job_paths?job=J1"]), {})),
    ("json_api", 10, lambda r: ("GET", r.choice(["/api/modules", f"/api/modules/{r.choice(MODULES)}", "/api/gaps",
                                                 "/api/blocks", f"/api/competencies/{r.choice(COMPETENCIES)}"]), {})),
    ("resource_page", 25, lambda r: ("GET", f"/id/module/{r.choice(MODULES)}", {"headers": {
        "Accept": r.choice(["text/html", "text/turtle", "application/ld+json"])}})),
    ("view", 15, lambda r: ("GET", r.choice(["/", "/matrix", "/graph", "/jobs", "/?lang=en", "/matrix?lang=en"]), {})),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cipt_command() -> list[str]:
    """The installed `cipt` command next to this Python (as a user runs it), else the module."""
    script = Path(sys.executable).with_name("cipt")
    return [str(script)] if script.exists() else ([shutil.which("cipt")] if shutil.which("cipt")
                                                  else [sys.executable, "-m", "cipt_graph.cli"])


def tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and its children (uvicorn's workers), in bytes."""
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


class Recorder:
    """Latencies, statuses and errors, from every client thread."""

    def __init__(self, max_requests: int) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.count = 0
        self.max_requests = max_requests

    def take_ticket(self) -> bool:
        with self.lock:
            if self.count >= self.max_requests:
                return False
            self.count += 1
            return True

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors.append(error)


def client(base: str, seed: int, deadline: float, recorder: Recorder) -> None:
    rng = random.Random(seed)
    kinds, weights = [m[0] for m in MIX], [m[1] for m in MIX]
    factories = {m[0]: m[2] for m in MIX}
    with httpx.Client(base_url=base, timeout=60) as http:
        while time.monotonic() < deadline and recorder.take_ticket():
            kind = rng.choices(kinds, weights)[0]
            method, path, kwargs = factories[kind](rng)
            started = time.perf_counter()
            error = None
            try:
                response = http.request(method, path, **kwargs)
                if response.status_code != 200:
                    error = f"{method} {path} → {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                error = f"{method} {path} → {type(exc).__name__}: {exc}"
            recorder.record(kind, time.perf_counter() - started, error)


def summary(latencies: list[float], seconds: float) -> dict:
    return {"requests": len(latencies), "rps": round(len(latencies) / seconds, 1),
            "p50_ms": round(percentile(latencies, 0.50) * 1000, 2), "p90_ms": round(percentile(latencies, 0.90) * 1000, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2), "max_ms": round(max(latencies) * 1000, 2)}


def run(args: argparse.Namespace) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
    log_path = Path(tempfile.gettempdir()) / f"cipt-load-{args.label}-{os.getpid()}.log"
    log = open(log_path, "wb")
    command = [*cipt_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
               "--log-level", "warning"]
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/queries/stats", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"cipt serve did not start: {log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        process = psutil.Process(server.pid)
        # Warm-up: every kind of request a few times on every worker, then the memory baseline.
        warm = Recorder(40 * args.workers)
        client(base, 0, time.monotonic() + 30, warm)
        time.sleep(1)
        rss_start = tree_rss(process)
        peak = [rss_start]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(1.0):
                peak[0] = max(peak[0], tree_rss(process))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        load_before = os.getloadavg()[0]
        recorder = Recorder(args.max_requests)
        started = time.monotonic()
        end = started + args.duration
        threads = [threading.Thread(target=client, args=(base, i + 1, end, recorder)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        stop.set()
        sampler.join()
        time.sleep(1)
        rss_end = tree_rss(process)
        alive = server.poll() is None and httpx.get(f"{base}/api/queries/stats", timeout=10).status_code == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    everything = [v for values in recorder.latencies.values() for v in values]
    mib = 1024 * 1024
    growth = (rss_end - rss_start) / mib
    return {
        "label": args.label, "date": time.strftime("%Y-%m-%d %H:%M"), "command": " ".join(["cipt", *command[len(cipt_command()):]]),
        "workers": args.workers, "clients": args.clients, "duration_s": round(elapsed, 1),
        "max_requests": args.max_requests, **summary(everything, elapsed),
        "errors": len(recorder.errors), "error_samples": recorder.errors[:10],
        "by_kind": {kind: summary(values, elapsed) for kind, values in sorted(recorder.latencies.items())},
        "rss_start_mib": round(rss_start / mib, 1), "rss_end_mib": round(rss_end / mib, 1),
        "rss_peak_mib": round(peak[0] / mib, 1), "rss_growth_mib": round(growth, 1),
        "memory_bound_mib": args.memory_bound_mib, "within_bound": growth <= args.memory_bound_mib,
        "server_alive_after": alive,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_before": round(load_before, 2),
                    "load_after": round(os.getloadavg()[0], 2)},
    }


def write_results(result: dict) -> None:
    path = RESULTS / "load.json"
    runs = json.loads(path.read_text()) if path.exists() else []
    runs = [r for r in runs if r["label"] != result["label"]] + [result]
    path.write_text(json.dumps(runs, indent=2, ensure_ascii=False) + "\n")
    lines = [
        "# Load test (issue #8)", "",
        "Generated by `python bench/load_test.py` (one entry per `--label`); raw figures in `load.json`. The "
        "service is started as a user would (`cipt serve`, shipped data, default limits), clients and server "
        "on the same machine over loopback; each client is a thread with one kept-alive connection drawing from "
        "a fixed mix: SPARQL endpoint 25 % (SELECT, aggregate, FILTER/REGEX, CONSTRUCT), named queries 25 %, "
        "JSON API 10 %, `/id/…` resource pages 25 % (HTML, Turtle, JSON-LD), views 15 % (dashboard, matrix, "
        "network, jobs). An error is any status but 200 or no answer. Memory: resident set of the server's "
        "processes after warm-up, at the end, and the peak sampled every second.", "",
        "| run | workers | clients | duration (s) | requests | req/s | p50 (ms) | p99 (ms) | max (ms) | errors "
        "| RSS start → end (MiB) | peak (MiB) | growth ≤ bound |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in runs:
        lines.append(f"| {r['label']} | {r['workers']} | {r['clients']} | {r['duration_s']} | {r['requests']} | "
                     f"{r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['errors']} | "
                     f"{r['rss_start_mib']} → {r['rss_end_mib']} | {r['rss_peak_mib']} | "
                     f"{'yes' if r['within_bound'] else 'NO'} ({r['rss_growth_mib']:+} ≤ {r['memory_bound_mib']}) |")
    for r in runs:
        lines += ["", f"## {r['label']}: by kind of request", "",
                  f"`{r['command']}`, {r['date']}; {r['machine']['cpus']} CPUs, Python {r['machine']['python']}, "
                  f"load average {r['machine']['load_before']} before, {r['machine']['load_after']} after; "
                  f"server answering after the run: {'yes' if r['server_alive_after'] else 'NO'}.", "",
                  "| kind | requests | req/s | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for kind, s in r["by_kind"].items():
            lines.append(f"| {kind} | {s['requests']} | {s['rps']} | {s['p50_ms']} | {s['p90_ms']} | {s['p99_ms']} | "
                         f"{s['max_ms']} |")
        if r["error_samples"]:
            lines += ["", "Errors (first ones):", ""] + [f"- `{e}`" for e in r["error_samples"]]
    (RESULTS / "load.md").write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=150, help="seconds of load (default: 150)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default: 8)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop after this many requests")
    parser.add_argument("--workers", type=int, default=1, help="`cipt serve --workers N` (default: 1)")
    parser.add_argument("--label", help="name of the run in the results (default: workers-N)")
    parser.add_argument("--memory-bound-mib", type=float, default=64,
                        help="largest accepted growth of the server's memory during the run (default: 64 MiB)")
    parser.add_argument("--no-write", action="store_true", help="print the results, do not write them")
    args = parser.parse_args()
    args.label = args.label or f"workers-{args.workers}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = run(args)
    print(json.dumps({k: v for k, v in result.items() if k != "by_kind"}, indent=2, ensure_ascii=False))
    if not args.no_write:
        write_results(result)
    return 0 if result["errors"] == 0 and result["within_bound"] and result["server_alive_after"] else 1


if __name__ == "__main__":
    sys.exit(main())
