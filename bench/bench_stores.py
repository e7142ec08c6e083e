"""Store benchmark (issue #7): load time and peak memory, latency of every named query (median,
p99) and HTTP throughput, at three scales, for the embedded store (in memory and on disk), a
remote Oxigraph server, and rdflib's in-memory store as the baseline.

    python bench/bench_stores.py            # full run: programme, university (300), national (8,000)
    python bench/bench_stores.py --quick    # small scales, few repetitions (about 5 minutes)

Writes ``bench/results/stores.md`` and ``stores.json`` (``stores-quick.*`` with --quick).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402

from cipt_graph.errors import CiptError  # noqa: E402
from cipt_graph.load import load_workspace  # noqa: E402
from cipt_graph.paths import DATA_DIR  # noqa: E402
from cipt_graph.queries import bind_parameters, load_queries, run_query  # noqa: E402
from cipt_graph.store import OxigraphStore, RemoteStore  # noqa: E402

PYTHON = sys.executable
SHIPPED_PROGRAMME = "programme/m2-cipt"


# --- helpers ----------------------------------------------------------------------------------

def child(code: str, timeout: float = 1800) -> dict:
    """Run Python code in a fresh process; it prints one JSON line; we add its peak memory."""
    wrapped = code + "\nimport resource, json as _j\nprint(_j.dumps({**RESULT, 'peak_mib': " \
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    done = subprocess.run([PYTHON, "-c", wrapped], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str, deadline: float) -> float:
    """Seconds until ``path`` answers 200 (polling every 10 ms)."""
    started = time.perf_counter()
    while time.perf_counter() - started < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"no answer on port {port} within {deadline} s")


@contextmanager
def process(args: list[str], **kwargs):
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {"median_ms": statistics.median(ordered) * 1000, "p99_ms": p99 * 1000, "runs": len(ordered)}


def query_params(query, programme: str) -> dict[str, str]:
    params = dict(query.example)
    if any(p.name == "programme" for p in query.params):
        params["programme"] = programme
    return params


def time_queries(store, programme: str, reps: int, budget: float, skip=()) -> dict:
    """Median and p99 latency of every named query on ``store`` (parameters bound as the CLI does)."""
    out = {}
    for name, query in sorted(load_queries().items()):
        if name in skip:
            continue
        params = query_params(query, programme)
        samples: list[float] = []
        started = time.perf_counter()
        try:
            while len(samples) < reps and (not samples or time.perf_counter() - started < budget):
                t = time.perf_counter()
                rows = len(run_query(store, query, params))
                samples.append(time.perf_counter() - t)
        except CiptError as exc:  # a remote server's timeout, say: noted, the run goes on
            out[name] = {"error": str(exc.message)[:120], "programme_scoped": "programme" in params}
            continue
        out[name] = {**percentiles(samples), "rows": rows, "programme_scoped": "programme" in params}
    return out


def time_rdflib(nquads: Path, programme: str, reps: int, budget: float, timeout: int) -> dict:
    """rdflib's in-memory Dataset: load the same N-Quads, run every named query (in a child)."""
    code = f"""
import signal, statistics, time, sys
sys.path.insert(0, {str(ROOT)!r})
from rdflib import Dataset, Literal, URIRef
from cipt_graph.queries import load_queries, bind_parameters
from cipt_graph.store import OxigraphStore
import pyoxigraph as ox
t = time.perf_counter(); ds = Dataset(default_union=True); ds.parse({str(nquads)!r}, format="nquads")
load_s = time.perf_counter() - t
resolver = OxigraphStore(); resolver.oxigraph.load(path={str(nquads)!r}, format=ox.RdfFormat.N_QUADS)
def to_rdflib(term):
    if isinstance(term, ox.NamedNode): return URIRef(term.value)
    return Literal(term.value, lang=term.language, datatype=None if term.language else URIRef(term.datatype.value))
def alarm(*_): raise TimeoutError()
signal.signal(signal.SIGALRM, alarm)
queries = {{}}
for name, q in sorted(load_queries().items()):
    params = dict(q.example)
    if any(p.name == "programme" for p in q.params): params["programme"] = {programme!r}
    bound = {{k: to_rdflib(v) for k, v in bind_parameters(resolver, q, params).items()}}
    samples = []; started = time.perf_counter(); timed_out = False
    while len(samples) < {reps} and (not samples or time.perf_counter() - started < {budget}):
        signal.alarm({timeout})
        try:
            t = time.perf_counter(); rows = len(list(ds.query(q.text, initBindings=bound))); samples.append(time.perf_counter() - t)
        except TimeoutError:
            timed_out = True; break
        finally:
            signal.alarm(0)
    if timed_out and not samples:
        queries[name] = {{"timeout_s": {timeout}}}; continue
    s = sorted(samples)
    queries[name] = {{"median_ms": statistics.median(s) * 1000, "p99_ms": s[min(len(s)-1, round(0.99*(len(s)-1)))] * 1000,
                     "runs": len(s), "rows": rows}}
RESULT = {{"load_s": load_s, "queries": queries}}
"""
    return child(code, timeout=7200)


def http_throughput(port: int, path: str, seconds: float, connections: int) -> dict:
    """Requests per second and latency of GET ``path`` from ``connections`` keep-alive clients."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept": "application/json"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
            except OSError:
                errors[0] += 1
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"connections": connections, "requests": len(latencies), "errors": errors[0],
            "req_per_s": len(latencies) / elapsed, **percentiles(latencies or [0.0])}


def machine() -> dict:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = "unknown"
    try:
        mem = f"{int(next(l.split()[1] for l in open('/proc/meminfo') if l.startswith('MemTotal'))) / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    import pyoxigraph
    import rdflib

    oxigraph_server = subprocess.run([shutil.which("oxigraph") or str(Path(PYTHON).with_name("oxigraph")),
                                      "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "os": platform.platform(),
            "python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__, "rdflib": rdflib.__version__,
            "oxigraph_server": oxigraph_server, "load_average_start": os.getloadavg()}


# --- one scale --------------------------------------------------------------------------------

def bench_scale(name: str, workspace: Path, programme: str, work: Path, opts) -> dict:
    print(f"[{name}] loading…", flush=True)
    result: dict = {"scale": name, "workspace": str(workspace)}
    disk = work / f"{name}-disk"
    load = child(f"""
import time, sys
sys.path.insert(0, {str(ROOT)!r})
from cipt_graph.load import load_workspace
from cipt_graph.store import OxigraphStore
report = load_workspace(OxigraphStore({str(disk)!r}), {str(workspace)!r})
RESULT = {{"seconds": report.seconds, "quads": report.quads}}
""")
    result["quads"] = load["quads"]
    result["load"] = {"embedded_disk": load}
    mem_load = child(f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from cipt_graph.load import load_workspace
from cipt_graph.store import OxigraphStore
report = load_workspace(OxigraphStore(), {str(workspace)!r})
RESULT = {{"seconds": report.seconds}}
""")
    result["load"]["embedded_memory"] = mem_load
    print(f"[{name}] {load['quads']} quads; disk {load['seconds']:.1f} s, {load['peak_mib']:.0f} MiB", flush=True)

    # Embedded stores, in process.
    memory = OxigraphStore()
    load_workspace(memory, workspace)
    on_disk = OxigraphStore(disk, read_only=True)
    result["queries"] = {
        "embedded_memory": time_queries(memory, programme, opts.reps, opts.budget),
        "embedded_disk": time_queries(on_disk, programme, opts.reps, opts.budget),
    }
    nquads = work / f"{name}.nq"
    nquads.write_bytes(memory.oxigraph.dump(format=__import__("pyoxigraph").RdfFormat.N_QUADS))
    del memory

    # `cipt serve --store PATH`: time to ready, then HTTP throughput of a programme's matrix.
    port = free_port()
    matrix = f"/api/queries/coverage_matrix?programme={programme}"
    started = time.perf_counter()
    with process([PYTHON, "-m", "cipt_graph.cli", "serve", "--store", str(disk), "--port", str(port)], cwd=ROOT) as serve:
        wait_http(port, "/api/queries", 60)
        result["serve_ready_s"] = time.perf_counter() - started
        result["http"] = {"embedded_disk": [http_throughput(port, matrix, opts.http_seconds, c) for c in (1, 4)]}
        result["serve_peak_mib"] = rss_mib(serve.pid)
    print(f"[{name}] serve ready in {result['serve_ready_s']:.2f} s", flush=True)

    # Remote: a real Oxigraph server, filled by `cipt load` over the Graph Store Protocol.
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with process([shutil.which("oxigraph") or str(Path(PYTHON).with_name("oxigraph")), "serve",
                  "--location", str(work / f"{name}-server"), "--bind", f"127.0.0.1:{port}"]) as server:
        wait_http(port, "/query?query=ASK%7B%7D", 30)
        remote_load = child(f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from cipt_graph.load import load_workspace
from cipt_graph.store import RemoteStore
report = load_workspace(RemoteStore({base + '/query'!r}, gsp_url={base + '/store'!r}), {str(workspace)!r})
RESULT = {{"seconds": report.seconds}}
""")
        remote_load["server_peak_mib"] = rss_mib(server.pid)
        result["load"]["remote"] = remote_load
        remote = RemoteStore(f"{base}/query")
        result["queries"]["remote"] = time_queries(remote, programme, opts.reps, opts.budget)
        result["http"]["oxigraph_server_direct"] = []
        from cipt_graph.queries import get_query
        from cipt_graph.stores.binding import bind_values
        q = get_query("coverage_matrix")
        text = bind_values(q.text, bind_parameters(remote, q, query_params(q, programme)))
        from urllib.parse import urlencode
        graphs = remote.graph_names()
        direct = "/query?" + urlencode([("query", text)] + [("default-graph-uri", g) for g in graphs]
                                       + [("named-graph-uri", g) for g in graphs])
        result["http"]["oxigraph_server_direct"] = [http_throughput(port, direct, opts.http_seconds, c) for c in (1, 4)]
        sport = free_port()
        with process([PYTHON, "-m", "cipt_graph.cli", "serve", "--store", f"{base}/query", "--port", str(sport)], cwd=ROOT):
            wait_http(sport, "/api/queries", 60)
            result["http"]["remote_via_cipt_serve"] = [http_throughput(sport, matrix, opts.http_seconds, c) for c in (1, 4)]
    print(f"[{name}] remote done", flush=True)

    if name in opts.rdflib_scales:
        print(f"[{name}] rdflib baseline…", flush=True)
        rd = time_rdflib(nquads, programme, opts.reps, opts.budget, opts.rdflib_timeout)
        result["load"]["rdflib_memory"] = {"seconds": rd["load_s"], "peak_mib": rd["peak_mib"]}
        result["queries"]["rdflib_memory"] = rd["queries"]
    nquads.unlink()
    return result


# --- report -----------------------------------------------------------------------------------

STORES = ("embedded_memory", "embedded_disk", "remote", "rdflib_memory")


def fmt_ms(entry: dict | None) -> str:
    if not entry:
        return "—"
    if "timeout_s" in entry:
        return f"> {entry['timeout_s']} s"
    if "error" in entry:
        return "> 60 s" if "no answer within" in entry["error"] else "error"
    return f"{entry['median_ms']:.1f} / {entry['p99_ms']:.1f}"


def render(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# Store benchmark (issue #7)", "",
        f"Generated by `python bench/bench_stores.py{' --quick' if report['quick'] else ''}` on "
        f"{report['date']} in {report['total_s'] / 60:.1f} min.", "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM, {m['os']}; Python {m['python']}, "
        f"pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}, {m['oxigraph_server']}. Load average at start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_start'])}, at end "
        f"{', '.join(f'{x:.1f}' for x in report['load_average_end'])} (other work on the machine inflates times).", "",
        "Stores: **embedded memory** = pyoxigraph in memory, in process; **embedded disk** = the on-disk store "
        "(`cipt load --store DIR`, read-only handle); **remote** = a real `oxigraph serve` on 127.0.0.1, filled by "
        "`cipt load --store URL --gsp-url URL`, queried over the SPARQL protocol by `RemoteStore`; **rdflib** = "
        "rdflib's in-memory `Dataset` (the baseline). Queries are the named queries, run with their example "
        "parameters and, when they take one, a programme (`P` below).", "",
        "## Load", "", "| scale | quads | embedded disk: time, peak RSS | embedded memory | remote (client; server RSS) | rdflib |",
        "|---|---:|---|---|---|---|",
    ]
    for s in report["scales"]:
        ld = s["load"]
        rd = ld.get("rdflib_memory")
        lines.append(
            f"| {s['scale']} | {s['quads']:,} | {ld['embedded_disk']['seconds']:.1f} s, {ld['embedded_disk']['peak_mib']:.0f} MiB | "
            f"{ld['embedded_memory']['seconds']:.1f} s, {ld['embedded_memory']['peak_mib']:.0f} MiB | "
            f"{ld['remote']['seconds']:.1f} s, {ld['remote']['peak_mib']:.0f} MiB; {ld['remote']['server_peak_mib']:.0f} MiB | "
            + (f"{rd['seconds']:.1f} s, {rd['peak_mib']:.0f} MiB |" if rd else "— |"))
    lines += ["", "## `cipt serve --store PATH`", "", "| scale | ready in | peak RSS |", "|---|---:|---:|"]
    for s in report["scales"]:
        lines.append(f"| {s['scale']} | {s['serve_ready_s']:.2f} s | {s['serve_peak_mib']:.0f} MiB |")
    for s in report["scales"]:
        lines += ["", f"## Named queries at {s['scale']} scale: median / p99 (ms)", "",
                  "| query | P | rows | embedded memory | embedded disk | remote | rdflib |", "|---|:-:|---:|---:|---:|---:|---:|"]
        for name, mem in s["queries"]["embedded_memory"].items():
            cells = [fmt_ms(s["queries"].get(store, {}).get(name)) for store in STORES]
            lines.append(f"| `{name}` | {'P' if mem['programme_scoped'] else ''} | {mem.get('rows', '—')} | " + " | ".join(cells) + " |")
    lines += ["", "## HTTP: a programme's coverage matrix (`/api/queries/coverage_matrix?programme=…`)", "",
              "| scale | server | connections | req/s | p50 ms | p99 ms | errors |", "|---|---|---:|---:|---:|---:|---:|"]
    for s in report["scales"]:
        for server, runs in s["http"].items():
            for r in runs:
                lines.append(f"| {s['scale']} | {server.replace('_', ' ')} | {r['connections']} | {r['req_per_s']:.0f} | "
                             f"{r['median_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} |")
    lines += ["", "(`oxigraph server direct` is the same SPARQL query sent straight to the server's `/query`, "
              "without `cipt serve` in front; the load generator is Python threads on the same 2 cores.)", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small scales and few repetitions")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--keep", type=Path, help="keep the generated workspaces and stores in this folder")
    parser.add_argument("--only", choices=("programme", "university", "national"),
                        help="run one scale and replace it in the existing results file")
    opts = parser.parse_args(argv)
    quick = opts.quick
    opts.reps = 10 if quick else 30
    opts.budget = 1.0 if quick else 3.0
    opts.http_seconds = 2.0 if quick else 8.0
    opts.rdflib_timeout = 20 if quick else 30
    opts.rdflib_scales = ("programme", "university")
    programmes, certifications = (30, 800) if quick else (300, 8000)

    started = time.perf_counter()
    work = opts.keep or Path(tempfile.mkdtemp(prefix="cipt-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    report = {"quick": quick, "date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(), "scales": []}
    stem = "stores-quick" if quick else "stores"
    opts.out.mkdir(parents=True, exist_ok=True)

    def save() -> None:  # after each scale: a late failure keeps what was measured
        report["total_s"] = time.perf_counter() - started
        report["load_average_end"] = os.getloadavg()
        (opts.out / f"{stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (opts.out / f"{stem}.md").write_text(render(report), encoding="utf-8")

    programme = "programme/u123" if not quick else "programme/u012"
    wanted = [opts.only] if opts.only else ["programme", "university", "national"]
    if opts.only and (opts.out / f"{stem}.json").exists():
        previous = json.loads((opts.out / f"{stem}.json").read_text(encoding="utf-8"))
        report = {**previous, "machine": report["machine"], "date": report["date"],
                  "scales": [s for s in previous["scales"] if s["scale"] != opts.only]}
        started -= previous.get("total_s", 0)
    order = {"programme": 0, "university": 1, "national": 2}
    try:
        for scale in wanted:
            if scale == "programme":
                result = bench_scale("programme", DATA_DIR, SHIPPED_PROGRAMME, work, opts)
            elif scale == "university":
                uni = work / "university-ws"
                report["generated_university"] = generate.generate_university(uni, programmes)
                result = bench_scale("university", uni, programme, work, opts)
            else:
                nat = work / "national-ws"
                report["generated_national"] = generate.generate_national(nat, programmes, certifications)
                result = bench_scale("national", nat, programme, work, opts)
            report["scales"] = sorted(report["scales"] + [result], key=lambda s: order[s["scale"]])
            save()
    finally:
        if opts.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {opts.out / (stem + '.md')} in {report['total_s']:.0f} s")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
