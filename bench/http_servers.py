"""`cipt serve` against Oxigraph's own server and rdflib-endpoint, interleaved round by round (issue #11).

    python bench/bench_http.py --compare [--seconds 4] [--rounds 3] [--scales programme,university]
                                         [--out bench/results/http-servers.md]

Two scales, each on one dataset loaded once, every server asked the same SPARQL text:

- ``programme``: the shipped data (one programme), the ``coverage_matrix`` named query with its
  example parameters written in;
- ``university``: ``bench/generate.py university`` (301 programmes), the same query scoped to one
  programme (``U007``) — what a programme's page asks at that scale.

Servers (each started once per scale, all on 127.0.0.1):

- ``cipt serve`` in memory and ``cipt serve --store DIR`` (cache on: repeated requests are served
  from it) on ``POST /sparql``, the named query ``GET /api/queries/coverage_matrix`` and the
  dashboard ``GET /``; ``cipt serve --store DIR --cache-bytes 0`` (every request computed: ad-hoc
  SPARQL and the named query in a pool worker, the page in a forked process: the uncached case). These run with ``--max-sparql-running 8
  --max-client-queries 8`` so that one ``wrk`` client with 8 connections is within its limits;
- ``cipt serve --store DIR --cache-bytes 0`` with the *default* limits (4 SPARQL slots, 2 per
  client), programme scale only: one client with 8 connections is over its per-client limit by
  design, and the 429 answers are counted (column "non-2xx"), not hidden;
- ``oxigraph serve-read-only --union-default-graph`` (the ``oxigraph`` wheel) on the same store
  folder, ``POST /query``;
- rdflib-endpoint (``SparqlEndpoint`` over an rdflib ``Dataset(default_union=True)`` holding the
  same quads, served by uvicorn as its own CLI does) on ``POST /sparql``.

Each round runs every target with Debian's ``wrk`` at 1 then 8 connections (``--timeout 30s``);
between two runs the bench waits until the server's query processes use no CPU (requests of the
previous run that ``wrk`` abandoned when it stopped would otherwise hold slots). The table gives
the median over rounds of req/s, p50 and p99, the non-2xx answers and socket errors (summed over
rounds; ``wrk`` counts them in req/s too, so a row with non-2xx measures refusals as well), and the
ratio of answers with a 2xx status per second to Oxigraph's server's, at the same scale and number
of connections (p50/p99 are of all answers, refusals included). The machine (``nproc``,
CPU model, versions) and its load (``uptime`` before and after) are recorded: the machine is shared.
Raw figures go to a JSON file next to the Markdown.
"""

from __future__ import annotations

import json
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
OX = "oxigraph serve-read-only"
RDFLIB = "rdflib-endpoint"
UNIVERSITY_PROGRAMME = "U007"
#: Targets of issue #11: (scale, what, minimum ratio to Oxigraph's server).
TARGETS = [("programme", "cached", 3.0), ("university", "cached", 10.0), ("programme", "uncached", 0.9),
           ("university", "uncached", 0.9)]
RDFLIB_SERVER = """
import sys, uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
g = Dataset(default_union=True)
g.parse(sys.argv[1], format="nquads")
uvicorn.run(SparqlEndpoint(graph=g, path="/sparql"), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _spawn(cmd: list[str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(cmd, env=_env(), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def _ready(process: subprocess.Popen, port: int, probe_path: str, log: Path) -> None:
    """Wait until the server answers on ``probe_path`` (servers start in parallel: not measured)."""
    import httpx

    deadline = time.monotonic() + 900
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"did not start: {' '.join(map(str, process.args))}\n{log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{probe_path}", timeout=30).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)


def _lua(folder: Path, name: str, text: str) -> Path:
    body = text.replace("\\", "\\\\").replace("]]", "] ]")
    path = folder / f"{name}.lua"
    path.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/sparql-query"\n'
                    'wrk.headers["Accept"] = "application/sparql-results+json"\n'
                    f'wrk.body = [[{body}]]\n', encoding="utf-8")
    return path


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def run_wrk(url: str, connections: int, seconds: float, script: Path | None) -> dict:
    """One ``wrk`` run: req/s, p50/p99 (ms), requests, non-2xx answers and socket errors."""
    cmd = ["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
           "--timeout", "30s"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(latency["50"]) if "50" in latency else float("nan"),
            "p99": _ms(latency["99"]) if "99" in latency else float("nan"),
            "n": int(re.search(r"(\d+) requests in", out).group(1)),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(map(int, sockets.groups())) if sockets else 0}


def _wait_idle(process: subprocess.Popen, limit: float = 60) -> None:
    """Until ``process``'s children (query processes and workers of `cipt serve`) use no CPU for
    0.3 s: a request ``wrk`` abandoned is no longer computed. Idle pool workers stay."""
    import psutil

    end = time.monotonic() + limit
    quiet_since = None
    while time.monotonic() < end:
        try:
            children = psutil.Process(process.pid).children()
            for child in children:
                child.cpu_percent(None)
            time.sleep(0.1)
            busy = sum(child.cpu_percent(None) for child in children) > 5
        except psutil.Error:
            busy = True  # a child ended meanwhile: look again
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= 0.3:
            return


def _rows(url: str, text: str) -> int | str:
    import httpx

    r = httpx.post(url, content=text.encode(), timeout=600, headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    return len(r.json()["results"]["bindings"]) if r.status_code == 200 else f"HTTP {r.status_code}"


def _machine() -> dict:
    def version(package: str) -> str:
        from importlib.metadata import PackageNotFoundError, version as v
        try:
            return v(package)
        except PackageNotFoundError:
            return "absent"

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    return {"nproc": int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or 0),
            "cpu": cpu, "python": platform.python_version(), "pyoxigraph": version("pyoxigraph"),
            "oxigraph_server": subprocess.run([oxigraph, "--version"], capture_output=True, text=True).stdout.strip(),
            "rdflib": version("rdflib"), "rdflib_endpoint": version("rdflib-endpoint"), "uvicorn": version("uvicorn"),
            "wrk": "Debian wrk"}


def _prepare(scale: str, folder: Path, log: Path) -> dict:
    """The dataset of ``scale``: workspace, on-disk store, N-Quads dump, the SPARQL text, the paths."""
    sys.path.insert(0, str(ROOT))
    import pyoxigraph as ox

    from cipt_graph.api.named_queries import example_sparql
    from cipt_graph.queries import get_query, run_query
    from cipt_graph.store import iter_records, open_store

    cli = [sys.executable, "-m", "cipt_graph.cli"]
    data = ROOT / "data"
    if scale == "university":
        data = folder / "ws"
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "university", str(data)],
                       check=True, env=_env(), capture_output=True)
    store = folder / "store"
    with open(log, "ab") as out:
        subprocess.run(cli + ["load", "--data", str(data), "--store", str(store)], check=True, cwd=ROOT, env=_env(),
                       stdout=out, stderr=subprocess.STDOUT)
    opened = open_store(str(store), read_only=True)
    query = get_query("coverage_matrix")
    params = dict(query.example)
    suffix = ""
    if scale == "university":
        iri = next(r["programme"] for r in iter_records(run_query(opened, "programmes", {"lang": "fr"}))
                   if r["programme_code"] == UNIVERSITY_PROGRAMME)
        params["programme"] = str(iri)
        suffix = UNIVERSITY_PROGRAMME
    text = example_sparql(opened, query, params)
    dump = folder / "data.nq"
    opened.oxigraph.dump(str(dump), ox.RdfFormat.N_QUADS)
    quads = len(opened.oxigraph)
    del opened
    return {"data": data, "store": store, "text": text, "dump": dump, "quads": quads, "programme": suffix,
            "iri": params.get("programme")}


def _servers(scale: str, ds: dict, folder: Path, log: Path, processes: list) -> list[tuple]:
    """Start the servers of one scale; the targets as (server, request, url, lua script, process)."""
    cli = [sys.executable, "-m", "cipt_graph.cli", "serve", "--log-level", "warning"]
    room = ["--max-sparql-running", "8", "--max-client-queries", "8"]
    lua = _lua(folder, "query", ds["text"])
    from urllib.parse import quote

    query = "/api/queries/coverage_matrix" + (f"?lang=fr&programme={quote(ds['iri'], safe='')}"
                                              if ds["programme"] else "")
    dashboard = "/" + (f"?programme={ds['programme']}" if ds["programme"] else "")
    cipt = [("cipt serve (memory)", ["--data", str(ds["data"]), *room], True),
            ("cipt serve --store DIR", ["--store", str(ds["store"]), *room], True),
            ("cipt serve --store DIR, no cache", ["--store", str(ds["store"]), "--cache-bytes", "0", *room], True)]
    if scale == "programme":
        cipt.append(("cipt serve --store DIR, no cache, default limits",
                     ["--store", str(ds["store"]), "--cache-bytes", "0"], False))
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    started = []  # (label, process, port, probe path, paths to measure)
    for label, extra, all_paths in cipt:
        port = _free_port()
        started.append((label, _spawn(cli + ["--port", str(port), *extra], log), port, "/sparql", all_paths))
    port = _free_port()
    started.append((OX, _spawn([oxigraph, "serve-read-only", "--location", str((ds["store"] / "active").resolve()),
                                "--bind", f"127.0.0.1:{port}", "--union-default-graph"], log), port, "/", None))
    port = _free_port()
    started.append((RDFLIB, _spawn([sys.executable, "-c", RDFLIB_SERVER, str(ds["dump"]), str(port)], log), port,
                    "/sparql", None))
    processes += [process for _, process, _, _, _ in started]
    targets = []
    for label, process, port, probe, all_paths in started:
        _ready(process, port, probe, log)
        base = f"http://127.0.0.1:{port}"
        if label == OX:
            targets.append((OX, "POST /query", f"{base}/query", lua, process))
            continue
        targets.append((label, "POST /sparql", f"{base}/sparql", lua, process))
        if all_paths:
            targets += [(label, "GET /api/queries/coverage_matrix", f"{base}{query}", None, process),
                        (label, "GET / (dashboard)", f"{base}{dashboard}", None, process)]
    return targets


def _stop(processes: list) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    processes.clear()


def compare(seconds: float, rounds: int, out: Path, scales: tuple[str, ...] = ("programme", "university")) -> dict:
    """Run the comparison; write ``out`` (Markdown) and the same name with ``.json``; the results."""
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not shutil.which("wrk") or not Path(oxigraph).exists():
        raise SystemExit("the comparison needs wrk (Debian package) and Oxigraph's server (pip install oxigraph)")
    result = {"machine": _machine(), "seconds": seconds, "rounds": rounds, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
              "uptime_before": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
              "scales": {}}
    for scale in scales:
        with tempfile.TemporaryDirectory(prefix=f"cipt-bench-{scale}-") as tmp:
            folder = Path(tmp)
            log = folder / "servers.log"
            ds = _prepare(scale, folder, log)
            processes: list = []
            runs: dict[str, list[dict]] = {}
            try:
                targets = _servers(scale, ds, folder, log, processes)
                rows = {label: _rows(url, ds["text"]) for label, what, url, script, _ in targets if script}
                for label, what, url, script, process in targets:  # warm-up (and fills the caches)
                    run_wrk(url, 1, 1, script)
                    _wait_idle(process)
                duration = seconds * (2 if scale == "university" else 1)  # uncached answers take ~1 s there
                for _ in range(rounds):
                    for label, what, url, script, process in targets:
                        for connections in (1, 8):
                            runs.setdefault(f"{label}|{what}|{connections}", []).append(
                                run_wrk(url, connections, duration, script))
                            _wait_idle(process)
            finally:
                _stop(processes)
            result["scales"][scale] = {"seconds": duration, "quads": ds["quads"], "programme": ds["programme"] or "the only one",
                                       "rows": rows, "sparql": ds["text"], "runs": runs}
    result["uptime_after"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    summarise(result)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    out.write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return result


def summarise(result: dict) -> None:
    """Add the medians, the ratios to Oxigraph's server and the targets to ``result``."""
    for scale, data in result["scales"].items():
        table = []
        for key, runs in data["runs"].items():
            label, what, connections = key.split("|")
            table.append({"server": label, "request": what, "connections": int(connections),
                          "rps": statistics.median(r["rps"] for r in runs),
                          "ok_rps": statistics.median(r["rps"] * (r["n"] - r["non2xx"]) / r["n"] if r["n"] else 0.0
                                                      for r in runs),
                          "p50": statistics.median(r["p50"] for r in runs),
                          "p99": statistics.median(r["p99"] for r in runs),
                          "non2xx": sum(r["non2xx"] for r in runs), "socket_errors": sum(r["socket_errors"] for r in runs)})
        base = {row["connections"]: row["ok_rps"] for row in table if row["server"] == OX}
        for row in table:
            row["ratio"] = row["ok_rps"] / base[row["connections"]] if base.get(row["connections"]) else float("nan")
        data["table"] = table
    checks = []
    for scale, kind, minimum in TARGETS:
        table = result["scales"].get(scale, {}).get("table")
        if not table:
            continue
        if kind == "cached":
            rows = [r for r in table if r["server"] in ("cipt serve (memory)", "cipt serve --store DIR")
                    and r["request"] in ("POST /sparql", "GET /api/queries/coverage_matrix")]
        else:
            rows = [r for r in table if r["server"] == "cipt serve --store DIR, no cache" and r["request"] == "POST /sparql"]
        worst = min(rows, key=lambda r: r["ratio"])
        checks.append({"scale": scale, "target": f"{kind} coverage matrix ≥ {minimum:g}× Oxigraph server",
                       "worst": f"{worst['server']}, {worst['request']}, {worst['connections']} conn.",
                       "ratio": worst["ratio"], "met": worst["ratio"] >= minimum and worst["non2xx"] == 0})
    result["targets"] = checks


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [
        "# `cipt serve` against Oxigraph's server and rdflib-endpoint (issue #11)", "",
        f"Generated by `python bench/bench_http.py --compare --seconds {result['seconds']:g} --rounds {result['rounds']}` "
        f"({result['started']}); raw figures in the `.json` beside this file. {result['rounds']} interleaved rounds of "
        f"{result['seconds']:g} s per target and number of connections, medians over rounds; non-2xx and socket errors "
        "summed over rounds. Client (`wrk`) and servers on the same machine over loopback; see the docstring of "
        "`bench/http_servers.py` for the set-up.", "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, pyoxigraph {m['pyoxigraph']}, "
        f"{m['oxigraph_server']} (server), rdflib {m['rdflib']}, rdflib-endpoint {m['rdflib_endpoint']}, "
        f"uvicorn {m['uvicorn']}. **Shared with other jobs**: the load average is part of the result.", "",
        f"- before: `{result['uptime_before']}`", f"- after: `{result['uptime_after']}`", "",
        "## Targets", "", "| scale | target | worst case | ratio | met |", "|---|---|---|---:|---|"]
    for c in result["targets"]:
        lines.append(f"| {c['scale']} | {c['target']} | {c['worst']} | {c['ratio']:.2f} | "
                     f"{'yes' if c['met'] else '**NO**'} |")
    for scale, data in result["scales"].items():
        rows = ", ".join(f"{k}: {v}" for k, v in data["rows"].items())
        lines += ["", f"## {scale} scale", "",
                  f"{data['quads']} quads; programme: {data['programme']}; runs of {data['seconds']:g} s. Rows of the SPARQL answer per server "
                  f"(same text everywhere): {rows}.", "",
                  "| server | request | conn. | req/s (2xx) | all answers/s | p50 (ms) | p99 (ms) | non-2xx | socket errors "
                  "| × Oxigraph server (2xx) |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in data["table"]:
            lines.append(f"| {r['server']} | {r['request']} | {r['connections']} | {r['ok_rps']:.1f} | {r['rps']:.1f} | "
                         f"{r['p50']:.1f} | {r['p99']:.1f} | {r['non2xx']} | {r['socket_errors']} | {r['ratio']:.2f} |")
    return "\n".join(lines) + "\n"
