"""University-scale pages and commands, per programme (issue #16), on an on-disk store.

    python bench/generate.py university /tmp/univ/ws
    cipt load --data /tmp/univ/ws --store /tmp/univ/store
    python bench/bench_university.py /tmp/univ/store [--programmes 5] [--runs 2]
                                     [--out bench/results/university.md]

Starts a real `cipt serve --store DIR` on 127.0.0.1, twice: without its answer cache
(`--cache-bytes 0`: every request runs its named queries) and with it (the default; the first
request of each URL fills the cache, the ones measured are answered from it). Measures, over
HTTP with one client, each programme-scoped page (`/`, `/matrix`, `/graph`, `/jobs`, `/audit`,
`/api/gaps`, `/api/modules`, each `?programme=CODE`) for a few programmes, and the overview
`/programmes`; then, in process, the audit of one programme (`build_audit_report`), and
`cipt stats --programme X` as a command (wall time of the whole process). Writes a Markdown
table with the targets and the machine's load (`uptime` before and after), and the raw times as
JSON beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cipt_graph.queries import run_query  # noqa: E402
from cipt_graph.store import iter_records, open_store  # noqa: E402

TARGETS = {"page": 0.3, "overview": 2.0, "audit": 5.0, "stats": 1.0}
PAGES = ("/", "/matrix", "/graph", "/jobs", "/audit", "/api/gaps", "/api/modules")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        mem = f", {kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} CPUs ({cpu or platform.processor()}){mem}, Python {platform.python_version()}"


class Server:
    """`cipt serve --store DIR` on a free port, stopped on exit."""

    def __init__(self, store: Path, *extra: str) -> None:
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cipt_graph.cli", "serve", "--store", str(store), "--port", str(self.port),
             "--log-level", "warning", "--report-timeout", "120", *extra],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(self.url + "/api/programme", timeout=30).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("cipt serve did not start: " + self.process.stderr.read().decode()[-2000:])
            time.sleep(0.2)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def get(client: httpx.Client, path: str, params: dict[str, str]) -> tuple[float, int, int, str]:
    started = time.perf_counter()
    r = client.get(path, params=params)
    return time.perf_counter() - started, r.status_code, len(r.content), r.headers.get("x-cipt-cache", "")


def measure_pages(store: Path, codes: list[str], runs: int, cached: bool) -> dict[str, list]:
    """``{path: [(seconds, status, bytes, cache), …]}`` for every page and the overview."""
    out: dict[str, list] = {}
    with Server(store, *([] if cached else ["--cache-bytes", "0"])) as server, \
            httpx.Client(base_url=server.url, timeout=300) as client:
        for path in PAGES:
            out[path] = []
            for code in codes:
                params = {"programme": code}
                if cached:
                    get(client, path, params)  # fills the cache
                for _ in range(runs):
                    out[path].append(get(client, path, params))
        out["/programmes"] = []
        if cached:
            get(client, "/programmes", {})
        for _ in range(max(runs, 3)):
            out["/programmes"].append(get(client, "/programmes", {}))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--programmes", type=int, default=5)
    parser.add_argument("--runs", type=int, default=2, help="requests per page and programme")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "university.md")
    args = parser.parse_args(argv)
    load_before = uptime()
    started = time.time()
    store = open_store(str(args.store), read_only=True)
    everyone = [r["programme_code"] for r in iter_records(run_query(store, "programmes", {"lang": "fr"}))]
    step = max(1, len(everyone) // (args.programmes + 1))
    picked = [everyone[i] for i in range(step, len(everyone), step)][: args.programmes]
    if "M2_CIPT" in everyone and "M2_CIPT" not in picked:
        picked.append("M2_CIPT")  # the shipped programme has target jobs (its /jobs page has rows)
    uncached = measure_pages(args.store, picked, args.runs, cached=False)
    cached = measure_pages(args.store, picked, args.runs, cached=True)

    from cipt_graph.audit import build_audit_report

    audit_times = []
    for code in picked[:2]:
        t = time.perf_counter()
        build_audit_report(store, programme=code)
        audit_times.append(time.perf_counter() - t)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    stats_times = []
    for code in picked[:3]:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cipt_graph.cli", "stats", "--store", str(args.store),
                        "--programme", code], env=env, check=True, capture_output=True)
        stats_times.append(time.perf_counter() - t)
    load_after = uptime()

    rows = []
    for path in (*PAGES, "/programmes"):
        target = TARGETS["overview"] if path == "/programmes" else TARGETS["page"]
        if path == "/audit":
            target = TARGETS["audit"]
        for label, results in (("uncached", uncached), ("cached", cached)):
            times = [t for t, *_ in results[path]]
            statuses = sorted({s for _, s, *_ in results[path]})
            size = max(b for _, _, b, _ in results[path])
            rows.append({"what": f"`{path}`" + ("" if path == "/programmes" else "?programme=…"), "mode": label,
                         "runs": len(times), "p50": statistics.median(times), "max": max(times),
                         "statuses": statuses, "bytes": size, "target": target,
                         "met": statistics.median(times) <= target and statuses == [200]})
    rows.append({"what": "audit of one programme, in process (`build_audit_report`)", "mode": "uncached",
                 "runs": len(audit_times), "p50": statistics.median(audit_times), "max": max(audit_times),
                 "statuses": [], "bytes": 0, "target": TARGETS["audit"],
                 "met": statistics.median(audit_times) <= TARGETS["audit"]})
    rows.append({"what": "`cipt stats --store DIR --programme X` (wall, whole process)", "mode": "uncached",
                 "runs": len(stats_times), "p50": statistics.median(stats_times), "max": max(stats_times),
                 "statuses": [], "bytes": 0, "target": TARGETS["stats"],
                 "met": statistics.median(stats_times) <= TARGETS["stats"]})

    lines = ["# University scale, per programme (issue #16)", "",
             f"Store: `{args.store}` (on disk, `bench/generate.py university`: {len(everyone)} programmes), "
             f"programmes measured: {', '.join(picked)}; {args.runs} request(s) per page and programme, one "
             "client, over HTTP to a real `cipt serve --store DIR` (1 worker). Uncached: the server runs with "
             "`--cache-bytes 0`, every request runs its named queries. Cached: the default answer cache, "
             "each URL requested once before the measured requests.", "",
             f"Machine: {machine()}, shared with other jobs while measured.", "",
             f"`uptime` before: `{load_before}`", "",
             f"`uptime` after: `{load_after}`", "",
             "| what | mode | runs | p50 (s) | max (s) | status | largest answer | target (s) | met |",
             "|---|---|---:|---:|---:|---|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['what']} | {r['mode']} | {r['runs']} | {r['p50']:.3f} | {r['max']:.3f} | "
                     f"{','.join(map(str, r['statuses'])) or '—'} | {r['bytes'] // 1024 if r['bytes'] else '—'}"
                     f"{' KiB' if r['bytes'] else ''} | {r['target']:g} | {'yes' if r['met'] else '**no**'} |")
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps({
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)), "store": str(args.store),
        "programmes": picked, "machine": machine(), "uptime_before": load_before, "uptime_after": load_after,
        "rows": rows, "raw": {"uncached": uncached, "cached": cached, "audit": audit_times, "stats": stats_times},
    }, indent=2), encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
