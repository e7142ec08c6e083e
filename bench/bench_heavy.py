"""Heavy queries against a running `cipt serve` (issue #11): the two scenario rows of the benchmark.

    python bench/bench_heavy.py [--scenario heavy,soak] [--soak-seconds 300] [--out bench/results/heavy.md]

``heavy``: 8 costly ad-hoc queries of different kinds (the issue's cartesian ``COUNT``, a property
path over everything, regex and sorting over a product, huge ``VALUES``, ``GROUP_CONCAT``,
``DESCRIBE`` of a product, a nested-``REPLACE`` memory bomb) sent at once from 8 client addresses
(127.0.0.2 to .9: the per-client limit is not what stops them) to ``cipt serve`` with the default
time limit (10 s) and ``--max-sparql-running 8`` (all 8 run at once: the worst case), while one
more client (127.0.0.1) fetches ``/``, ``/matrix`` and ``/api/gaps`` in a loop (50 ms apart). Measured: each
heavy query's status and time, the pages' p50/p99/max and errors, and the CPU of the server with
its query processes (psutil, every 0.5 s): when it is back under 10 % of one core after the heavy
queries were sent (target: within limit + 2 s). Run twice: cache on (the default: pages are
answered from the cache) and ``--cache-bytes 0`` (every page computed in a query process, beside
the 8 heavy ones).

``soak``: ``--soak-seconds`` of a mixed load (8 clients on their own addresses drawing from the
mix of ``bench/load_test.py``: SPARQL, named queries, JSON API, ``/id/…`` pages, views) with one
heavy query every 3 s (from rotating addresses), on ``cipt serve`` with its default limits.
Measured: the server process's resident memory after warm-up, at its peak and at the end (forked
query processes are short-lived children, their memory released when they are killed; the pool's
SPARQL workers are long-lived children, not counted here: each is retired once its memory grew
past its limit, see ``cipt_graph/api/pool.py``), and every
answer that is not 200, apart from the heavy queries' 503 (targets: growth ≤ 64 MiB, 0 errors).

Results: Markdown ``--out`` and JSON beside it, with the machine and its load (``uptime``).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from load_test import MIX  # noqa: E402

LIMIT = 10.0  # the default time limit of `cipt serve`
PAGES = ("/", "/matrix", "/api/gaps")
#: Pause between two page requests: people reading pages, and a client that does not starve the
#: bench's other threads (the heavy queries' clients, the CPU sampler) of the GIL.
PAGE_PAUSE = 0.05


def heavy_queries() -> dict[str, str]:
    """Eight costly queries of different kinds, each far past the limits on the shipped data."""
    values = " ".join(str(i) for i in range(4000))
    bomb = ['BIND("aaaaaaaaaa" AS ?v0)'] + [f'BIND(REPLACE(?v{i}, "", "{"b" * 50}") AS ?v{i + 1})' for i in range(6)]
    return {
        "cartesian-count (the issue's)": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
        "property-path": "SELECT (COUNT(*) AS ?n) WHERE { ?s (!<urn:x:none>|^!<urn:x:none>)*/"
                         "(!<urn:x:none>|^!<urn:x:none>)* ?o }",
        "replace-bomb (memory)": f"SELECT (STRLEN(?v6) AS ?len) WHERE {{ {' '.join(bomb)} }}",
        "regex-on-product": 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f '
                            'FILTER(REGEX(CONCAT(STR(?c), STR(?f)), "^(a|aa)+$|x{2}.*y")) }',
        "huge-values": f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?x {{ {values} }} ?a ?b ?c . ?d ?e ?f }}",
        "sort-product": "SELECT ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY DESC(STR(?c)) ?f LIMIT 1",
        "group-concat": "SELECT (STRLEN(GROUP_CONCAT(CONCAT(STR(?c), STR(?f)))) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }",
        "describe-product": 'DESCRIBE ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i '
                            'FILTER(STR(?c) = CONCAT(STR(?f), STR(?i), "#")) }',
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _client(address: str, timeout: float = 120) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=timeout)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


class Server:
    """`cipt serve` on a free port of 127.0.0.1 (shipped data), stopped by ``stop()``."""

    def __init__(self, args: list[str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
        env["PYTHONPATH"] = str(ROOT)
        self.command = ["cipt", "serve", *args]
        self.process = subprocess.Popen([sys.executable, "-m", "cipt_graph.cli", "serve", "--port", str(self.port),
                                         "--log-level", "warning", *args], env=env, cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.url}/api/gaps", timeout=30).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("cipt serve did not start")
            time.sleep(0.2)
        self.ps = psutil.Process(self.process.pid)

    def tree_cpu(self, seconds: float) -> float:
        """CPU of the server and its children over ``seconds``, in percent of one core."""
        procs = [self.ps, *self.ps.children(recursive=True)]
        times = {}
        for p in procs:
            try:
                t = p.cpu_times()
                times[p.pid] = t.user + t.system
            except psutil.Error:
                pass
        started = time.monotonic()
        time.sleep(seconds)
        used = 0.0
        for p in [self.ps, *self.ps.children(recursive=True)]:
            try:
                t = p.cpu_times()
                used += t.user + t.system - times.get(p.pid, 0.0)
            except psutil.Error:
                pass
        return 100 * max(used, 0.0) / (time.monotonic() - started)

    def stop(self) -> float:
        started = time.monotonic()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.monotonic() - started


def heavy(cache: bool) -> dict:
    args = ["--max-sparql-running", "8"] + ([] if cache else ["--cache-bytes", "0"])
    server = Server(args)
    try:
        with _client("127.0.0.1") as http:
            for path in PAGES:
                http.get(server.url + path)  # warm (fills the cache when it is on)
        queries = heavy_queries()
        answers: dict[str, dict] = {}
        stop_pages = threading.Event()
        pages: list[tuple[str, int, float]] = []
        cpu: list[tuple[float, float]] = []

        # Clients made beforehand (an httpx client loads the CA certificates: tens of ms of CPU each),
        # so that the clock starts when the queries leave.
        clients = [_client(f"127.0.0.{index + 2}") for index in range(len(queries))]

        def ask(index: int, name: str, text: str) -> None:
            http = clients[index]
            try:
                r = http.post(f"{server.url}/sparql", data={"query": text})
                answers[name] = {"status": r.status_code, "seconds": round(time.monotonic() - started, 2),
                                 "retry_after": r.headers.get("retry-after"), "message": r.text[:160]}
            except httpx.HTTPError as exc:
                answers[name] = {"status": None, "seconds": round(time.monotonic() - started, 2), "message": str(exc)}
            finally:
                http.close()

        def fetch_pages() -> None:
            with _client("127.0.0.1") as http:
                while not stop_pages.is_set():
                    for path in PAGES:
                        t = time.monotonic()
                        try:
                            status = http.get(server.url + path).status_code
                        except httpx.HTTPError:
                            status = 0
                        pages.append((path, status, time.monotonic() - t))
                        time.sleep(PAGE_PAUSE)

        def sample_cpu() -> None:
            while time.monotonic() - started < LIMIT + 8:
                used = server.tree_cpu(0.5)
                cpu.append((round(time.monotonic() - started, 2), round(used, 1)))  # (end of the window, %)

        started = time.monotonic()
        with cf.ThreadPoolExecutor(len(queries) + 2) as pool:
            sampler = pool.submit(sample_cpu)
            page_loop = pool.submit(fetch_pages)
            heavy_jobs = [pool.submit(ask, i, name, text) for i, (name, text) in enumerate(queries.items())]
            cf.wait(heavy_jobs)
            stop_pages.set()
            page_loop.result()
            sampler.result()
        # Back under 10 %: the first sample after which every sample stays under 10 %.
        idle_at = next((t for i, (t, _) in enumerate(cpu) if all(c < 10 for _, c in cpu[i:])), None)
        times = [s for _, _, s in pages]
        stopped = server.stop()
    finally:
        if server.process.poll() is None:
            server.stop()
    return {
        "label": f"8 heavy queries, cache {'on' if cache else 'off'}", "command": " ".join(server.command),
        "heavy": answers, "heavy_503": sum(a["status"] == 503 for a in answers.values()),
        "pages": {"requests": len(pages), "errors": sum(s != 200 for _, s, _ in pages),
                  "p50_ms": round(_percentile(times, 0.5) * 1000, 1), "p99_ms": round(_percentile(times, 0.99) * 1000, 1),
                  "max_ms": round(max(times) * 1000, 1) if times else None},
        "cpu_samples": cpu, "cpu_idle_at_s": idle_at, "cpu_idle_target_s": LIMIT + 2,
        "sigterm_stop_s": round(stopped, 2),
    }


def soak(seconds: float) -> dict:
    server = Server([])
    errors: list[str] = []
    latencies: list[float] = []
    heavy_status: dict[str, int] = {}
    lock = threading.Lock()
    try:
        kinds, weights = [m[0] for m in MIX], [m[1] for m in MIX]
        factories = {m[0]: m[2] for m in MIX}

        def mixed(index: int, until: float) -> None:
            rng = random.Random(index)
            with _client(f"127.0.1.{index + 1}", 60) as http:
                while time.monotonic() < until:
                    method, path, kwargs = factories[rng.choices(kinds, weights)[0]](rng)
                    t = time.monotonic()
                    try:
                        r = http.request(method, server.url + path, **kwargs)
                        error = None if r.status_code == 200 else f"{method} {path} → {r.status_code}: {r.text[:120]}"
                    except httpx.HTTPError as exc:
                        error = f"{method} {path} → {type(exc).__name__}: {exc}"
                    with lock:
                        latencies.append(time.monotonic() - t)
                        if error:
                            errors.append(error)

        def heavy_loop(until: float) -> None:
            texts = list(heavy_queries().values())
            with cf.ThreadPoolExecutor(8) as pool:
                n = 0
                while time.monotonic() < until:
                    text = texts[n % len(texts)] + f" # {n}"  # never the same text: never a cache hit

                    def one(text=text, address=f"127.0.2.{n % 8 + 1}") -> None:
                        with _client(address, 120) as http:
                            try:
                                status = http.post(f"{server.url}/sparql", data={"query": text}).status_code
                            except httpx.HTTPError as exc:
                                status = type(exc).__name__
                            with lock:
                                heavy_status[str(status)] = heavy_status.get(str(status), 0) + 1
                                if status != 503:
                                    errors.append(f"heavy query → {status}")
                    pool.submit(one)
                    n += 1
                    time.sleep(3)

        mixed(0, time.monotonic() + 20)  # warm-up: every kind of request once or more
        time.sleep(1)
        rss_start = server.ps.memory_info().rss
        peak = [rss_start]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(1.0):
                peak[0] = max(peak[0], server.ps.memory_info().rss)

        latencies.clear()
        errors.clear()
        load_before = os.getloadavg()
        until = time.monotonic() + seconds
        threads = [threading.Thread(target=mixed, args=(i, until)) for i in range(8)]
        threads += [threading.Thread(target=heavy_loop, args=(until,)), threading.Thread(target=sample)]
        for t in threads:
            t.start()
        for t in threads[:-1]:
            t.join()
        done.set()
        threads[-1].join()
        time.sleep(2)
        rss_end = server.ps.memory_info().rss
        children_left = len(server.ps.children(recursive=True))
    finally:
        server.stop()
    mib = 1 << 20
    return {"label": f"{seconds:g} s mixed load + a heavy query every 3 s", "command": " ".join(server.command),
            "requests": len(latencies), "rps": round(len(latencies) / seconds, 1),
            "p50_ms": round(_percentile(latencies, 0.5) * 1000, 1), "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
            "errors": len(errors), "error_samples": errors[:10], "heavy_status": heavy_status,
            "rss_start_mib": round(rss_start / mib, 1), "rss_peak_mib": round(peak[0] / mib, 1),
            "rss_end_mib": round(rss_end / mib, 1), "rss_growth_mib": round((rss_end - rss_start) / mib, 1),
            "children_left": children_left, "load_during": [round(x, 2) for x in load_before]}


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = ["# Heavy queries against `cipt serve` (issue #11)", "",
             f"Generated by `python bench/bench_heavy.py` ({result['started']}); raw figures in the `.json` beside this "
             f"file. Machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, pyoxigraph {m['pyoxigraph']}; "
             "**shared with other jobs** (load below). Client and server on the same machine.", "",
             f"- before: `{result['uptime_before']}`", f"- after: `{result['uptime_after']}`", ""]
    for r in result.get("heavy", []):
        p = r["pages"]
        ok = (p["errors"] == 0 and p["p99_ms"] <= 1000 and r["heavy_503"] == len(r["heavy"])
              and r["cpu_idle_at_s"] is not None and r["cpu_idle_at_s"] <= r["cpu_idle_target_s"])
        lines += [f"## {r['label']}", "", f"`{r['command']}`. Targets: pages p99 ≤ 1 s and no error, every heavy "
                  f"query 503 at the limit, CPU < 10 % within {r['cpu_idle_target_s']:g} s — "
                  f"{'**met**' if ok else '**NOT met**'}.", "",
                  f"- `/`, `/matrix`, `/api/gaps` meanwhile: {p['requests']} requests, {p['errors']} errors, "
                  f"p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, max {p['max_ms']} ms",
                  f"- server CPU (with its query processes) under 10 % from {r['cpu_idle_at_s']} s after the heavy "
                  f"queries were sent (target ≤ {r['cpu_idle_target_s']:g} s); samples (s, % of one core): "
                  + ", ".join(f"{t}: {c}" for t, c in r["cpu_samples"]),
                  f"- SIGTERM afterwards stopped the server in {r['sigterm_stop_s']} s", "",
                  "| heavy query | status | answered after (s) | Retry-After | message |", "|---|---:|---:|---:|---|"]
        for name, a in r["heavy"].items():
            message = a["message"].replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {name} | {a['status']} | {a['seconds']} | {a.get('retry_after')} | {message} |")
        lines.append("")
    if "soak" in result:
        s = result["soak"]
        ok = s["errors"] == 0 and s["rss_growth_mib"] <= 64
        lines += [f"## {s['label']}", "", f"`{s['command']}` (default limits). Targets: memory growth ≤ 64 MiB, 0 "
                  f"errors other than the heavy queries' 503 — {'**met**' if ok else '**NOT met**'}.", "",
                  f"- {s['requests']} mixed requests ({s['rps']} req/s), p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms",
                  f"- heavy queries by status: {s['heavy_status']}",
                  f"- errors other than the heavy queries' 503: {s['errors']}"
                  + (": " + "; ".join(f"`{e}`" for e in s["error_samples"]) if s["error_samples"] else ""),
                  f"- server resident memory: {s['rss_start_mib']} MiB after warm-up, peak {s['rss_peak_mib']} MiB, "
                  f"{s['rss_end_mib']} MiB at the end: growth {s['rss_growth_mib']:+} MiB; query processes left: "
                  f"{s['children_left']}", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="heavy,soak", help="heavy, soak, or both (comma-separated)")
    parser.add_argument("--soak-seconds", type=float, default=300)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "heavy.md")
    args = parser.parse_args()
    scenarios = {s.strip() for s in args.scenario.split(",")}
    import pyoxigraph

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    result = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
              "machine": {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
                          "pyoxigraph": pyoxigraph.__version__},
              "uptime_before": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}
    if "heavy" in scenarios:
        result["heavy"] = [heavy(cache=True), heavy(cache=False)]
    if "soak" in scenarios:
        result["soak"] = soak(args.soak_seconds)
    result["uptime_after"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    text = markdown(result)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
