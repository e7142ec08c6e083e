"""`cipt serve` against Oxigraph's own server, interleaved round by round (issue #11).

    python bench/bench_http.py --compare [--seconds 5] [--rounds 3] [--out bench/results/http-servers.md]

Same dataset (the shipped data, loaded once into an on-disk store with `cipt load`), same SPARQL
text (the `coverage_matrix` named query with its example parameters written in):

- `cipt serve` in memory and `cipt serve --store DIR` (cache on: repeated requests are served
  from it), and `cipt serve --store DIR --cache-bytes 0` (every request computed: the uncached case);
  on `POST /sparql`, the named query `GET /api/queries/coverage_matrix` and the dashboard `GET /`;
- `oxigraph serve-read-only --union-default-graph` on the same store folder, `POST /query`.

Each round runs every target with `wrk` at 1 then 8 connections; the table gives the median over
rounds and the ratio to Oxigraph's server at the same number of connections. The load average of
the machine is recorded before and after (`uptime`).

Status (issue #11): not yet run to completion — on the shared machine at load 10–15, `wrk` with 8
connections on `POST /sparql` still saw refusals (non-2xx) from `cipt serve`; to investigate
before publishing figures.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(cmd: list[str], port: int, probe_path: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import httpx

    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}{probe_path}", timeout=5)
            return process
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"did not start: {' '.join(cmd)}")
            time.sleep(0.2)


def _lua(folder: Path, name: str, text: str) -> Path:
    body = text.replace("\\", "\\\\").replace("]]", "] ]")
    path = folder / f"{name}.lua"
    path.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/sparql-query"\n'
                    'wrk.headers["Accept"] = "application/sparql-results+json"\n'
                    f'wrk.body = [[{body}]]\n', encoding="utf-8")
    return path


def compare(seconds: float, rounds: int, out: Path, run_wrk) -> None:
    """Run the comparison and write ``out`` (Markdown); ``run_wrk(url, connections, seconds, lua)``."""
    sys.path.insert(0, str(ROOT))
    from cipt_graph.api.named_queries import example_sparql
    from cipt_graph.build import build_store
    from cipt_graph.queries import get_query

    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not shutil.which("wrk") or not Path(oxigraph).exists():
        raise SystemExit("the comparison needs wrk (Debian package) and Oxigraph's server (pip install oxigraph)")
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    text = example_sparql(build_store(), get_query("coverage_matrix"))
    results: dict[tuple[str, str, int], list[dict]] = {}
    processes = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = folder / "store"
        cli = [sys.executable, "-m", "cipt_graph.cli"]
        subprocess.run(cli + ["load", "--store", str(store)], check=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True)
        active = (store / "active").resolve()
        lua = _lua(folder, "query", text)
        servers = []
        for label, extra in (("cipt serve (memory)", []), ("cipt serve --store DIR", ["--store", str(store)]),
                             ("cipt serve --store DIR, no cache", ["--store", str(store), "--cache-bytes", "0"])):
            port = _free_port()
            processes.append(_start(cli + ["serve", "--port", str(port), "--log-level", "warning",
                                          "--max-client-queries", "8", "--max-sparql-running", "8", *extra], port,
                                    "/api/gaps"))
            base = f"http://127.0.0.1:{port}"
            servers += [(label, "POST /sparql", f"{base}/sparql", lua),
                        (label, "GET /api/queries/coverage_matrix", f"{base}/api/queries/coverage_matrix", None),
                        (label, "GET / (dashboard)", f"{base}/", None)]
        port = _free_port()
        processes.append(_start([oxigraph, "serve-read-only", "--location", str(active), "--bind",
                                 f"127.0.0.1:{port}", "--union-default-graph"], port, "/"))
        servers.append(("oxigraph serve-read-only", "POST /query", f"http://127.0.0.1:{port}/query", lua))
        try:
            for label, what, url, script in servers:
                run_wrk(url, 1, 1, script)  # warm-up (and fills the caches)
            for _ in range(rounds):
                for label, what, url, script in servers:
                    for connections in (1, 8):
                        results.setdefault((label, what, connections), []).append(
                            run_wrk(url, connections, seconds, script))
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()

    def median(key, field):
        return statistics.median(r[field] for r in results[key])

    lines = [
        "# `cipt serve` against Oxigraph's server (issue #11)",
        "",
        f"Shipped data (one programme), the `coverage_matrix` query; {rounds} interleaved rounds of {seconds:g} s "
        f"per target and connection count, medians. {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        "client (`wrk`) and servers on the same machine, shared with other jobs.",
        "",
        f"- before: `{uptime_before}`",
        f"- after: `{uptime_after}`",
        "",
        "| server | request | connections | req/s | p50 (ms) | p99 (ms) | × Oxigraph server |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for (label, what, connections), _ in results.items():
        rps = median((label, what, connections), "rps")
        base = median(("oxigraph serve-read-only", "POST /query", connections), "rps")
        lines.append(f"| {label} | {what} | {connections} | {rps:.0f} | {median((label, what, connections), 'p50'):.2f} "
                     f"| {median((label, what, connections), 'p99'):.2f} | {rps / base:.2f} |")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
