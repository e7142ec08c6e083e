"""A remote store that stops answering without closing its connections (issue #16, found by an
attacker's round): a real ``oxigraph serve`` frozen with SIGSTOP behind a real ``cipt serve``.

Each page and route answers 503 at the time limit with ``Retry-After``, and the message says that
the store's SPARQL server did not answer in time — not only "narrow it (a LIMIT…)", advice meant
for an ad-hoc query that makes no sense for a page; once the server answers again, so does the
service.
"""

from __future__ import annotations

import os
import signal
import time

import httpx
from serve_helpers import Server
from test_faults import start_oxigraph

from conftest import free_port, run_cli


def test_a_frozen_remote_store_is_named_in_the_503(tmp_path):
    port = free_port()
    oxigraph = start_oxigraph(tmp_path / "oxigraph", port, tmp_path / "oxigraph.log")
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        done = run_cli("load", "--store", f"{base}/query", "--gsp-url", f"{base}/store")
        assert done.returncode == 0, done.stderr
        server = Server(["--store", f"{base}/query", "--timeout", "3"], tmp_path / "serve.log")
        assert httpx.get(server.url + "/api/modules", timeout=60).status_code == 200
        os.kill(oxigraph.pid, signal.SIGSTOP)
        try:
            for path, headers, words in (
                    ("/api/modules?lang=en", {}, "SPARQL server did not answer"),
                    ("/api/gaps", {}, "serveur SPARQL de l'entrepôt n'a pas répondu"),
                    ("/matrix", {"Accept": "text/html"}, "serveur SPARQL de l'entrepôt n'a pas répondu")):
                started = time.monotonic()
                got = httpx.get(server.url + path, headers=headers, timeout=60)
                took = time.monotonic() - started
                assert got.status_code == 503 and got.headers.get("retry-after"), (path, got.status_code, got.text[:300])
                assert words in got.text.replace("\u00a0", " ").replace("&#x27;", "'"), got.text[-1500:]
                assert took < 30, (path, took)
        finally:
            os.kill(oxigraph.pid, signal.SIGCONT)
        assert httpx.get(server.url + "/api/competencies", timeout=60).status_code == 200
    finally:
        if server is not None:
            server.stop()
        oxigraph.terminate()
        oxigraph.wait(timeout=10)
