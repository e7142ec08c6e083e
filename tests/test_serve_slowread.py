"""Clients that do not read their answers cannot grow the server's memory (issue #11).

Against a real `cipt serve`: large SPARQL answers asked for from sockets with tiny receive
buffers that never read. The server sends large bodies in slices (no copy per connection), keeps
at most ``$CIPT_RESPONSE_BUDGET`` bytes of them in flight (503 with ``Retry-After`` past it), and
aborts a connection whose client accepts nothing for ``$CIPT_WRITE_TIMEOUT`` seconds. Meanwhile
pages answer, and a client that reads gets a large answer whole.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse

import httpx
import psutil
import pytest
from serve_helpers import serving

#: Seconds a client may read nothing. Computing one big answer takes < 1 s normally: 20 s keeps the
#: stalled clients in place 10x longer than the next answer needs to be refused.
WRITE_TIMEOUT = 20
ROWS = 12  # 12 rows of ~1.4 MB each: a ~17 MB answer
BUDGET = 40 << 20  # two such answers in flight, not three


def big_query(variant: int) -> str:
    """~1.4 MB of text per row (nested REPLACE of the empty pattern); ``variant`` makes the answer
    distinct (not only the text: identical requests in flight may share one answer)."""
    a50 = "a" * 50
    values = " ".join(str(i) for i in range(ROWS))
    return (f'SELECT ?i ?d WHERE {{ VALUES ?i {{ {values} }} BIND(REPLACE(CONCAT("v{variant:08d}", STR(?i)), "", '
            f'"{a50}") AS ?b) BIND(REPLACE(?b, "", "{a50}") AS ?c) BIND(REPLACE(?c, "", "{a50}") AS ?d) }}')


def stalled_client(port: int, query: str) -> tuple[socket.socket, bytes]:
    """A client that sends the query, reads the status line, then reads nothing more."""
    body = urllib.parse.urlencode({"query": query}).encode()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(120)
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Accept: application/sparql-results+json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    head = sock.recv(1024)
    return sock, head


def cut_by_server(server: psutil.Process, sock: socket.socket) -> bool:
    """Whether the server has closed its end of this connection (it holds no socket to it any
    more; what the kernel still sends from its own bounded buffer is not the process's memory)."""
    port = sock.getsockname()[1]
    return not any(c.raddr and c.raddr.port == port for c in server.net_connections(kind="tcp"))


class PeakRss(threading.Thread):
    """The highest RSS of a process, sampled every 50 ms until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = self.process.memory_info().rss
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.05)


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory):
    log = tmp_path_factory.mktemp("slowread") / "serve.log"
    args = ["--timeout", "60", "--max-sparql-running", "8", "--max-client-queries", "8", "--cache-bytes", "0"]
    env = {"CIPT_WRITE_TIMEOUT": str(WRITE_TIMEOUT), "CIPT_RESPONSE_BUDGET": str(BUDGET)}
    with serving(args, log, env) as server:
        yield server


def test_clients_that_do_not_read_are_bounded_then_cut_while_pages_answer(slow_server):
    base, port = slow_server.url, slow_server.port
    r = httpx.post(f"{base}/sparql", data={"query": big_query(0)}, timeout=120)
    assert r.status_code == 200
    size = len(r.content)
    assert size > 12 << 20 and len(r.json()["results"]["bindings"]) == ROWS
    del r
    process = psutil.Process(slow_server.process.pid)
    baseline = process.memory_info().rss
    peak = PeakRss(process.pid)
    peak.start()
    stalled = []
    try:
        stalled_at = time.monotonic()
        # Two answers fill the budget: both are being sent (200) to clients that never read.
        for variant in (1, 2):
            sock, head = stalled_client(port, big_query(variant))
            assert head.startswith(b"HTTP/1.1 200"), head[:200]
            stalled.append(sock)
        # Six more large answers: refused with a reason and a delay, not held in memory.
        for variant in range(3, 9):
            sock, head = stalled_client(port, big_query(variant))
            assert head.startswith(b"HTTP/1.1 503"), head[:200]
            while not head.endswith(b"secondes\n") and (more := sock.recv(1024)):  # small: read whole
                head += more
            assert b"retry-after: 10" in head.lower() and "réessayez".encode() in head, head
            sock.close()
        # Pages and small answers still come, at once.
        assert httpx.get(f"{base}/", timeout=30).status_code == 200
        assert httpx.post(f"{base}/sparql", data={"query": "ASK {}"}, timeout=30).status_code == 200
        held = process.memory_info().rss - baseline
        # 8 answers of `size` were asked for; what is held is the two admitted bodies and their slices.
        assert held < 3 * size, (held >> 20, size >> 20)
        # The stalled clients are cut after the write timeout; pages answer meanwhile.
        while not all(cut_by_server(process, sock) for sock in stalled):
            assert time.monotonic() - stalled_at < 10 * WRITE_TIMEOUT, "stalled clients never cut"
            assert httpx.get(f"{base}/", timeout=30).status_code == 200
            time.sleep(0.5)
        assert time.monotonic() - stalled_at > WRITE_TIMEOUT / 2
    finally:
        peak.running = False
        peak.join()
        for sock in stalled:
            sock.close()
    assert peak.peak - baseline < 4 * size, ((peak.peak - baseline) >> 20, size >> 20)  # not 8 x size
    # The budget is free again: a client that reads gets a large answer whole.
    r = httpx.post(f"{base}/sparql", data={"query": big_query(9)}, timeout=120)
    assert r.status_code == 200 and int(r.headers["content-length"]) == len(r.content)
    assert len(r.json()["results"]["bindings"]) == ROWS
