"""The pool of ad-hoc SPARQL workers (issue #11), against real `cipt serve` processes.

Workers live across requests; a worker whose query passes the time limit or its memory cap is
killed and replaced (its CPU stops, the next query is answered by another worker); when the data
changes, the workers are recycled and answer from the new data. The cache is off everywhere here,
so every answer comes from a worker.
"""

from __future__ import annotations

import csv
import io
import time

import httpx
import psutil
import pytest
from serve_helpers import serving

from conftest import run_cli

TIMEOUT = 3.0
#: What the issue promises: a change made from the command line is served within 2 s.
SEEN_WITHIN = 2.0
LEVELS = """PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?code (COUNT(*) AS ?n) WHERE { ?c a cipt:CompetencyCoverage ; cipt:level ?l . ?l skos:notation ?code }
GROUP BY ?code ORDER BY ?code"""


def ask(base: str, query: str, timeout: float = 60) -> httpx.Response:
    """The query by form POST, its refusals asked in English (French is the service's default)."""
    return httpx.post(f"{base}/sparql", data={"query": query}, headers={"Accept-Language": "en"}, timeout=timeout)


def workers(process: psutil.Process) -> set[int]:
    return {child.pid for child in process.children()}


def tree_cpu(process: psutil.Process, seconds: float = 1.0) -> float:
    """CPU of a process and its children over ``seconds``, in percent of one core."""
    procs = [process] + process.children(recursive=True)
    for p in procs:
        p.cpu_percent(None)
    time.sleep(seconds)
    total = 0.0
    for p in procs:
        try:
            total += p.cpu_percent(None)
        except psutil.NoSuchProcess:
            pass
    return total


def cpu_seconds(child: psutil.Process) -> float:
    times = child.cpu_times()
    return times.user + times.system


def busy_worker(process: psutil.Process, since: dict[int, float], deadline: float) -> int:
    """The child that used 0.3 s of CPU more than it had in ``since`` (the one running the heavy query)."""
    while time.monotonic() < deadline:
        for child in process.children():
            try:
                if cpu_seconds(child) - since.get(child.pid, 0.0) > 0.3:
                    return child.pid
            except psutil.NoSuchProcess:
                pass
        time.sleep(0.05)
    raise AssertionError("no worker ran the heavy query")


def gone(pid: int, within: float = 5.0) -> None:
    """The process ends and is reaped (normally within milliseconds of its SIGKILL)."""
    deadline = time.monotonic() + within
    while psutil.pid_exists(pid):
        assert time.monotonic() < deadline, f"worker {pid} still there"
        time.sleep(0.01)


def test_workers_are_reused_and_one_past_the_time_limit_is_replaced(tmp_path):
    args = ["--timeout", str(TIMEOUT), "--max-sparql-running", "2", "--cache-bytes", "0"]
    with serving(args, tmp_path / "serve.log") as server:
        process = psutil.Process(server.process.pid)
        for i in range(3):
            assert ask(server.url, f"ASK {{ ?s ?p {i} }}").status_code == 200
        pool = workers(process)
        assert 1 <= len(pool) <= 2
        for i in range(20):  # twenty different queries: no fork per request
            r = ask(server.url, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} LIMIT {i + 1}")
            assert r.status_code == 200 and r.headers["x-cipt-cache"] == "miss"
        assert workers(process) == pool

        used = {child.pid: cpu_seconds(child) for child in process.children()}
        started = time.monotonic()
        heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        import concurrent.futures as cf

        with cf.ThreadPoolExecutor(1) as run:
            answer = run.submit(ask, server.url, heavy)
            worker = busy_worker(process, used, started + 10 * TIMEOUT)
            r = answer.result()
        assert r.status_code == 503 and "time limit" in r.text and r.headers["retry-after"], r.text
        assert time.monotonic() - started < 10 * (TIMEOUT + 1)
        # Killed (SIGKILL, then reaped): gone within milliseconds, with its CPU; the rest is idle.
        gone(worker)
        assert tree_cpu(process) < 10
        assert ask(server.url, "ASK { ?s ?p ?o }").status_code == 200  # the next query is answered
        assert worker not in workers(process) and len(workers(process)) <= 2


def test_a_memory_bomb_kills_its_worker_and_the_server_lives(tmp_path):
    bomb = ['BIND("aaaaaaaaaa" AS ?v0)'] + [f'BIND(REPLACE(?v{i}, "", "{"b" * 50}") AS ?v{i + 1})' for i in range(6)]
    query = f"SELECT (STRLEN(?v6) AS ?len) WHERE {{ {' '.join(bomb)} }}"
    args = ["--timeout", "60", "--max-query-memory", str(128 << 20), "--max-sparql-running", "1",
            "--cache-bytes", "0"]
    with serving(args, tmp_path / "serve.log") as server:
        process = psutil.Process(server.process.pid)
        assert ask(server.url, "ASK {}").status_code == 200
        rss = process.memory_info().rss
        (before,) = workers(process)
        r = ask(server.url, query, timeout=120)
        assert r.status_code == 503 and "memory" in r.text and r.headers["retry-after"], r.text
        assert ask(server.url, "ASK { ?s ?p ?o }").status_code == 200
        (after,) = workers(process)
        assert after != before
        gone(before)
        assert tree_cpu(process) < 10
        assert process.memory_info().rss < rss + (64 << 20)


def _change_a_level(root) -> None:
    path = root / "mapping" / "module_competency.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[0]["level"] = "M" if rows[0]["level"] != "M" else "I"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.mark.parametrize("kind", ["memory", "disk"])
def test_a_data_change_reaches_the_workers(kind, tmp_path):
    root = tmp_path / "ws"
    assert run_cli("init", str(root)).returncode == 0
    if kind == "disk":
        r = run_cli("load", "--store", str(tmp_path / "store"), "--data", str(root))
        assert r.returncode == 0, r.stderr
    served = ["--data", str(root)] if kind == "memory" else ["--store", str(tmp_path / "store")]
    with serving([*served, "--cache-bytes", "0", "--max-sparql-running", "2"], tmp_path / "serve.log") as server:
        process = psutil.Process(server.process.pid)
        before = ask(server.url, LEVELS).json()["results"]["bindings"]
        pool = workers(process)
        _change_a_level(root)
        if kind == "disk":
            r = run_cli("load", "--store", str(tmp_path / "store"), "--data", str(root))
            assert r.returncode == 0, r.stderr
        since = time.monotonic()
        while (now := ask(server.url, LEVELS).json()["results"]["bindings"]) == before:
            assert time.monotonic() - since < 10 * SEEN_WITHIN, "the workers still answer from the old data"
            time.sleep(0.05)
        seen = time.monotonic() - since
        assert seen < SEEN_WITHIN, f"seen after {seen:.2f} s"
        assert sum(int(row["n"]["value"]) for row in now) == sum(int(row["n"]["value"]) for row in before)
        assert not pool & workers(process)  # the workers of the old data are gone


def sized_answer(store, deadline, size: int) -> bytes:
    """In a worker: ``size`` bytes that depend on the store (its number of quads)."""
    seed = str(len(store)).encode()
    return (seed * (size // len(seed) + 1))[:size]


@pytest.mark.parametrize("size", [10, 3 << 20])
def test_answers_small_and_large_cross_the_pipe_intact(size):
    """A small answer goes with its head in one write, a large one (past the 1 MiB pipe) in two;
    both arrive whole, and the worker is reused."""
    import asyncio

    from cipt_graph.api.pool import WorkerPool
    from cipt_graph.api.procs import Deadline
    from cipt_graph.build import build_store

    store = build_store()
    expected = sized_answer(store, None, size)

    async def run() -> None:
        pool = WorkerPool(lambda: store, lambda: 1, memory_bytes=1 << 30, max_result_bytes=64 << 20)
        try:
            for _ in range(3):
                kind, value = await pool.call(sized_answer, (size,), Deadline(60))
                assert kind == "ok" and value == expected
            assert pool.stats.spawned == 1 and pool.stats.served == 3
        finally:
            pool.shutdown()

    asyncio.run(run())
