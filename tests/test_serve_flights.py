"""Identical requests in flight computed once, and work whose clients all left stopped (issue #11):
a real `cipt serve`, real HTTP clients, the query workers' CPU read with psutil.
"""

from __future__ import annotations

import concurrent.futures as cf
import socket
import threading
import time
from urllib.parse import quote

import httpx
import psutil
import pytest
from serve_helpers import serving

#: The queries' time limit here: the abandoned query must stop long before it (normally at once).
TIMEOUT = 120
#: 17 million rows counted: seconds of work on the shipped data, finite.
PAIRS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
#: Hours of work: only its time limit or its clients leaving stop it.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("flights") / "serve.log"
    args = ["--timeout", str(TIMEOUT), "--max-sparql-running", "8", "--max-client-queries", "8"]
    with serving(args, log) as running:
        yield running


def _cpu(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
        return times.user + times.system
    except psutil.Error:
        return 0.0


def cpu_of_children(server) -> dict[int, float]:
    return {p.pid: _cpu(p) for p in psutil.Process(server.process.pid).children()}


def busy_worker(server, seen: dict[int, float], timeout: float = 60) -> psutil.Process:
    """The server's query process that has used over half a second of CPU more than in ``seen``."""
    parent = psutil.Process(server.process.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in parent.children():
            if _cpu(child) - seen.get(child.pid, 0.0) > 0.5:
                return child
        time.sleep(0.05)
    raise AssertionError("no query process started working")


def gone_or_idle(worker: psutil.Process, timeout: float) -> float:
    """Seconds until ``worker`` has ended or stopped using CPU (fails after ``timeout``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if worker.status() == psutil.STATUS_ZOMBIE:
                return time.monotonic() - started
            before = _cpu(worker)
            time.sleep(0.2)
            if _cpu(worker) - before < 0.01:
                return time.monotonic() - started
        except psutil.NoSuchProcess:
            return time.monotonic() - started
    raise AssertionError(f"the query process still works {timeout} s after its clients left")


def open_request(url: str, query: str) -> socket.socket:
    """A connection that sent a GET of ``query`` to /sparql and reads nothing yet."""
    host, port = url.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)), timeout=30)
    conn.sendall(f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: {host}\r\nAccept: {JSON}\r\n\r\n".encode())
    return conn


def test_identical_uncached_requests_are_computed_once(server):
    query = PAIRS + " # coalesced"
    barrier = threading.Barrier(8)

    def one(_: int) -> httpx.Response:
        barrier.wait()
        return httpx.get(f"{server.url}/sparql", params={"query": query}, headers={"Accept": JSON}, timeout=TIMEOUT + 60)

    with cf.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(8)))
    assert [r.status_code for r in answers] == [200] * 8, [r.text[:200] for r in answers]
    assert len({r.content for r in answers}) == 1 and int(answers[0].json()["results"]["bindings"][0]["n"]["value"]) > 10**6
    origins = sorted(r.headers["x-cipt-cache"] for r in answers)
    assert origins == ["hit"] * 7 + ["miss"], origins  # one computation, seven answers shared
    again = httpx.get(f"{server.url}/sparql", params={"query": query}, headers={"Accept": JSON}, timeout=60)
    assert again.headers["x-cipt-cache"] == "hit" and again.content == answers[0].content


def test_a_query_whose_client_left_is_stopped(server):
    seen = cpu_of_children(server)
    conn = open_request(server.url, ENDLESS + " # left")
    worker = busy_worker(server, seen)
    conn.close()
    # Normally stopped at once; the time limit (120 s) is far: 30 s is a 10x margin on a busy machine.
    gone_or_idle(worker, 30)
    # The server answers as before, and the same query can be asked again (nothing was cached).
    r = httpx.get(f"{server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": JSON}, timeout=60)
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_a_query_goes_on_while_another_client_waits_for_it(server):
    query = ENDLESS + " # shared"
    seen = cpu_of_children(server)
    first = open_request(server.url, query)
    worker = busy_worker(server, seen)
    second = open_request(server.url, query)  # the same query: it waits for the first one's answer
    time.sleep(1.0)
    first.close()
    time.sleep(2.0)  # a wrongly stopped query would be stopped within milliseconds
    before = _cpu(worker)
    time.sleep(0.5)
    assert worker.is_running() and worker.status() != psutil.STATUS_ZOMBIE and _cpu(worker) > before
    second.close()
    gone_or_idle(worker, 30)
