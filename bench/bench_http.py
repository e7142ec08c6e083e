"""Benchmark of the HTTP service (issue #3): the coverage matrix over HTTP against the same query
in-process, in requests per second and p50/p99 latency.

    python bench/bench_http.py [--seconds 10] [--out bench/results/http.md]
    python bench/bench_http.py --compare [--seconds 4] [--rounds 3] [--scales programme,university]
        # against Oxigraph's server and rdflib-endpoint, two scales (issue #11; see bench/http_servers.py)

In-process: the named query through ``run_query`` + JSON rows (what `cipt query` does), and the
SPARQL text through the endpoint's own path (Oxigraph, row limits, SPARQL Results JSON), one
thread. Over HTTP: a real `cipt serve` (one uvicorn worker, default limits) on 127.0.0.1, loaded
with `wrk` (Debian's ``wrk``; 1 connection, then 8) on ``GET /api/queries/coverage_matrix`` and
``POST /sparql``; without wrk, a sequential Python client (httpx) measures the 1-connection case.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from cipt_graph.api.named_queries import example_sparql  # noqa: E402
from cipt_graph.api.results import JSON, read_solutions, serialize_solutions  # noqa: E402
from cipt_graph.api.runner import Deadline  # noqa: E402
from cipt_graph.build import build_store  # noqa: E402
from cipt_graph.output import to_json  # noqa: E402
from cipt_graph.queries import get_query, run_query  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_calls(func, seconds: float) -> dict:
    for _ in range(20):
        func()
    latencies = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        func()
        latencies.append(time.perf_counter() - start)
    return {"rps": len(latencies) / sum(latencies), "p50": percentile(latencies, 0.5) * 1000,
            "p99": percentile(latencies, 0.99) * 1000, "n": len(latencies)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
    process = subprocess.Popen([sys.executable, "-m", "cipt_graph.cli", "serve", "--port", str(port),
                                "--log-level", "warning"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("cipt serve did not start")
            time.sleep(0.1)


def parse_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def run_wrk(url: str, connections: int, seconds: float, script: Path | None) -> dict:
    cmd = ["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{int(seconds)}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses:\n{out}")
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": parse_ms(latency["50"]), "p99": parse_ms(latency["99"]),
            "n": int(re.search(r"(\d+) requests in", out).group(1))}


def run_python_client(url: str, seconds: float, body: bytes | None) -> dict:
    import httpx

    with httpx.Client(timeout=30) as client:
        def call():
            r = (client.post(url, content=body, headers={"Content-Type": "application/sparql-query"})
                 if body else client.get(url))
            r.raise_for_status()
        return time_calls(call, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="duration of each HTTP run")
    parser.add_argument("--out", default=None, help="Markdown results (default: bench/results/http.md, or "
                                                    "http-servers.md with --compare)")
    parser.add_argument("--compare", action="store_true",
                        help="compare cipt serve with Oxigraph's server instead (see bench/http_servers.py)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the comparison")
    parser.add_argument("--scales", default="programme,university",
                        help="scales of the comparison, comma-separated (programme, university)")
    args = parser.parse_args()
    if args.compare:
        sys.path.insert(0, str(ROOT / "bench"))
        from http_servers import compare

        compare(args.seconds, args.rounds, Path(args.out or ROOT / "bench" / "results" / "http-servers.md"),
                tuple(s.strip() for s in args.scales.split(",") if s.strip()))
        return
    args.out = args.out or str(ROOT / "bench" / "results" / "http.md")

    load_before = os.getloadavg()[0]
    store = build_store()
    query = get_query("coverage_matrix")
    text = example_sparql(store, query)
    rows = len(run_query(store, query, query.example))

    def named():
        return to_json(run_query(store, query, query.example))

    def endpoint_path():
        solutions = read_solutions(store.raw_query(text), Deadline(10), 10_000, False)
        return serialize_solutions(solutions, JSON)

    size = len(endpoint_path())
    results: list[tuple[str, str, dict]] = [
        ("in-process", "`run_query` + JSON rows (the CLI's path)", time_calls(named, min(args.seconds, 5))),
        ("in-process", "Oxigraph + SPARQL Results JSON (the endpoint's path, no HTTP)",
         time_calls(endpoint_path, min(args.seconds, 5))),
    ]

    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "post.lua"
            body = text.replace("\\", "\\\\").replace("]]", "] ]")
            script.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/sparql-query"\n'
                              f'wrk.body = [[{body}]]\n', encoding="utf-8")
            targets = [("GET /api/queries/coverage_matrix (JSON rows)", f"{base}/api/queries/coverage_matrix", None),
                       ("POST /sparql (SPARQL Results JSON)", f"{base}/sparql", script)]
            for label, url, lua in targets:
                if shutil.which("wrk"):
                    run_wrk(url, 1, 2, lua)  # warm-up
                    for connections in (1, 8):
                        results.append((f"HTTP, wrk, {connections} connection{'s' if connections > 1 else ''}",
                                        label, run_wrk(url, connections, args.seconds, lua)))
                else:
                    results.append(("HTTP, httpx, 1 connection", label,
                                    run_python_client(url, args.seconds, text.encode() if lua else None)))
    finally:
        server.terminate()
        server.wait(timeout=10)

    lines = [
        "# HTTP service benchmark (issue #3)",
        "",
        f"Coverage matrix ({rows} rows, {size / 1024:.0f} KB as SPARQL Results JSON), shipped data; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, pyoxigraph {ox.__version__}, "
        f"one uvicorn worker, client and server on the same machine; load average "
        f"{load_before:.1f} before the run, {os.getloadavg()[0]:.1f} after (other jobs share the CPUs when it "
        f"exceeds about 1). "
        f"Generated by `python bench/bench_http.py --seconds {args.seconds:g}`.",
        "",
        "| where | what | req/s | p50 (ms) | p99 (ms) | requests |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for where, what, r in results:
        lines.append(f"| {where} | {what} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['n']} |")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
