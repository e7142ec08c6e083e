"""University-scale pages and commands, per programme (issue #16), on an on-disk store.

    python bench/generate.py university /tmp/univ/ws
    cipt load --data /tmp/univ/ws --store /tmp/univ/store
    python bench/bench_university.py /tmp/univ/store [--programmes 5] [--runs 2]
                                     [--out bench/results/university.md]

Starts a real `cipt serve --store DIR` on 127.0.0.1, twice: without its answer cache
(`--cache-bytes 0`: every request runs its named queries) and with it (the default; the first
request of each URL fills the cache, the ones measured are answered from it). Measures, over
HTTP with one client, each programme-scoped page (`/`, `/matrix`, `/graph`, `/jobs`,
`/api/gaps`, `/api/modules`, `/api/competencies`, `/api/blocks`, `/api/blocks/{code}`,
`/api/competencies/{code}`, `/api/coverage-matrix`, and the report `/audit`, each
`?programme=CODE`) for a few
programmes, with the server's CPU time per request (from /proc), and the overview
`/programmes`; then the audit of three programmes (`cipt audit --programme X`, bounded) and
`cipt stats --programme X` as commands (wall time of the whole process). Writes a Markdown
table with the targets and the machine's load (`uptime` before and after), and the raw times as
JSON beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
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
PAGES = ("/", "/matrix", "/graph", "/jobs", "/api/gaps", "/api/modules", "/api/competencies", "/api/blocks",
         "/api/blocks/{block}", "/api/competencies/{competency}", "/api/coverage-matrix", "/audit")
#: Clock ticks per second, for the server's CPU time read from /proc (Linux; None elsewhere).
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") and "SC_CLK_TCK" in os.sysconf_names else None
#: The audit is measured as a command (`cipt audit --programme X`), bounded by AUDIT_LIMIT seconds.
AUDIT_LIMIT = 300
#: Seconds to wait once the server answers, before measuring (its deferred imports run then).
SETTLE = 4


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
                    time.sleep(SETTLE)  # the server's heavy imports start 1 s after start-up: not measured
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


def _descendants(pid: int) -> list[int]:
    """The live processes under ``pid`` (its query workers), from ``/proc/PID/task/*/children``."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = [int(x) for x in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        for kid in kids:
            found += [kid, *_descendants(kid)]
    return found


def server_cpu(pid: int) -> float | None:
    """CPU seconds used by the server process, its live children (the query workers that draw
    pages and answer the API) and its finished ones (children forked for a report):
    ``utime + stime + cutime + cstime`` from each ``/proc/PID/stat``; None off Linux."""
    if not TICK:
        return None
    total = 0
    for i, proc in enumerate([pid, *_descendants(pid)]):
        try:
            fields = Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            if i == 0:
                return None
            continue
        total += sum(int(x) for x in fields[11:15])
    return total / TICK


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children: a command's own CPU."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def get(client: httpx.Client, path: str, params: dict[str, str],
        pid: int | None = None) -> tuple[float, int, int, str, float | None]:
    """Seconds, status, bytes, cache header, and the server's CPU seconds for one request (the
    figure a shared, loaded machine distorts least)."""
    before = server_cpu(pid) if pid else None
    started = time.perf_counter()
    r = client.get(path, params=params)
    elapsed = time.perf_counter() - started
    cpu = None
    if before is not None:
        time.sleep(0.05)  # the child that drew the answer is reaped
        after = server_cpu(pid)
        cpu = after - before if after is not None else None
    return elapsed, r.status_code, len(r.content), r.headers.get("x-cipt-cache", ""), cpu


def measure_pages(store: Path, codes: list[str], runs: int, cached: bool,
                  details: dict[str, dict[str, str]]) -> dict[str, list]:
    """``{path: [(seconds, status, bytes, cache), …]}`` for every page and the overview
    (``details``: each programme's block and competency codes, for the detail routes)."""
    out: dict[str, list] = {}
    with Server(store, *([] if cached else ["--cache-bytes", "0"])) as server, \
            httpx.Client(base_url=server.url, timeout=300) as client:
        for path in PAGES:
            out[path] = []
            for code in codes:
                params = {"programme": code}
                url = path.format(**details.get(code, {}))
                if cached:
                    get(client, url, params)  # fills the cache
                for _ in range(runs):
                    out[path].append(get(client, url, params, server.process.pid))
        out["/programmes"] = []
        if cached:
            get(client, "/programmes", {})
        for _ in range(max(runs, 3)):
            out["/programmes"].append(get(client, "/programmes", {}, server.process.pid))
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
    details = {}  # a block and a competency of each programme, for /api/blocks/{code} and /api/competencies/{code}
    for code in picked:
        first = next(iter_records(run_query(store, "competencies", {"programme": code})), None)
        details[code] = {"block": first["block_code"], "competency": first["competency_code"]} if first else \
            {"block": "none", "competency": "none"}
    uncached = measure_pages(args.store, picked, args.runs, cached=False, details=details)
    cached = measure_pages(args.store, picked, args.runs, cached=True, details=details)

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    audit_times = []
    audit_cpu, stats_cpu = [], []
    for code in picked[:3]:
        t = time.perf_counter()
        c = children_cpu()
        try:
            done = subprocess.run([sys.executable, "-m", "cipt_graph.cli", "audit", "--store", str(args.store),
                                   "--programme", code, "--format", "json"], env=env, capture_output=True,
                                  timeout=AUDIT_LIMIT)
            if done.returncode not in (0, 1):  # 1: the report has violations
                raise RuntimeError(f"cipt audit --programme {code} failed: {done.stderr.decode()[-2000:]}")
            audit_times.append(time.perf_counter() - t)
            audit_cpu.append(children_cpu() - c)
        except subprocess.TimeoutExpired:
            audit_times.append(float("inf"))
    stats_times = []
    for code in picked[:3]:
        t = time.perf_counter()
        c = children_cpu()
        subprocess.run([sys.executable, "-m", "cipt_graph.cli", "stats", "--store", str(args.store),
                        "--programme", code], env=env, check=True, capture_output=True)
        stats_times.append(time.perf_counter() - t)
        stats_cpu.append(children_cpu() - c)
    load_after = uptime()

    rows = []
    for path in (*PAGES, "/programmes"):
        target = TARGETS["overview"] if path == "/programmes" else TARGETS["audit"] if path == "/audit" \
            else TARGETS["page"]
        for label, results in (("uncached", uncached), ("cached", cached)):
            times = [t for t, *_ in results[path]]
            statuses = sorted({s for _, s, *_ in results[path]})
            size = max(b for _, _, b, *_ in results[path])
            cpus = [c for *_, c in results[path] if c is not None]
            rows.append({"what": f"`{path}`" + ("" if path == "/programmes" else "?programme=…"), "mode": label,
                         "runs": len(times), "p50": statistics.median(times), "max": max(times),
                         "cpu_p50": statistics.median(cpus) if cpus else None,
                         "statuses": statuses, "bytes": size, "target": target,
                         "met": statistics.median(times) <= target and statuses == [200]})
    rows.append({"what": f"`cipt audit --store DIR --programme X --format json` (wall; inf: over {AUDIT_LIMIT} s)",
                 "mode": "uncached",
                 "runs": len(audit_times), "p50": statistics.median(audit_times), "max": max(audit_times),
                 "cpu_p50": statistics.median(audit_cpu) if audit_cpu else None,
                 "statuses": [], "bytes": 0, "target": TARGETS["audit"],
                 "met": statistics.median(audit_times) <= TARGETS["audit"]})
    rows.append({"what": "`cipt stats --store DIR --programme X` (wall, whole process)", "mode": "uncached",
                 "runs": len(stats_times), "p50": statistics.median(stats_times), "max": max(stats_times),
                 "cpu_p50": statistics.median(stats_cpu),
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
             "Server CPU: CPU seconds the server (its query workers, and the child it forks for a report) spent per "
             "request, median (for a command: the CPU seconds of its whole process) — what the load of the shared machine distorts least (the wall time "
             "waits for the CPU behind the other jobs).", "",
             "| what | mode | runs | p50 (s) | max (s) | server CPU p50 (s) | status | largest answer | target (s) | met |",
             "|---|---|---:|---:|---:|---:|---|---:|---:|---|"]
    for r in rows:
        cpu = f"{r['cpu_p50']:.3f}" if r.get("cpu_p50") is not None else "—"
        lines.append(f"| {r['what']} | {r['mode']} | {r['runs']} | {r['p50']:.3f} | {r['max']:.3f} | {cpu} | "
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
