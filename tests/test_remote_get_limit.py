"""How the remote store sends a query (SPARQL 1.1 Protocol §2.1): GET while the URL stays under
the limit ($CIPT_QUERY_MAX_GET_URL, 2,000 characters by default), form POST beyond (issue #16).
A small real HTTP server records the method of each request."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cipt_graph.errors import StoreError
from cipt_graph.store import RemoteStore

ASK_TRUE = b'{"head":{},"boolean":true}'


class _Recorder(BaseHTTPRequestHandler):
    methods: list[str] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        type(self).methods.append(f"{self.command} {self.headers.get('Content-Type') or ''}".strip())
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(ASK_TRUE)))
        self.end_headers()
        self.wfile.write(ASK_TRUE)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def endpoint():
    _Recorder.methods = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


def _ask(padding: int) -> str:
    return "ASK { }  # " + "x" * padding


def test_the_get_limit_follows_the_setting(endpoint, monkeypatch):
    monkeypatch.delenv("CIPT_QUERY_METHOD", raising=False)
    monkeypatch.delenv("CIPT_QUERY_MAX_GET_URL", raising=False)
    store = RemoteStore(endpoint, union_default_graph=True)
    assert bool(store.raw_query(_ask(500))) and bool(store.raw_query(_ask(3000)))
    assert _Recorder.methods == ["GET", "POST application/x-www-form-urlencoded"]

    _Recorder.methods = []
    monkeypatch.setenv("CIPT_QUERY_MAX_GET_URL", "300")
    store = RemoteStore(endpoint, union_default_graph=True)
    assert bool(store.raw_query(_ask(50))) and bool(store.raw_query(_ask(500)))
    assert _Recorder.methods == ["GET", "POST application/x-www-form-urlencoded"]


@pytest.mark.parametrize("value", ["12", "abc", "-5", "2000000"])
def test_a_bad_get_limit_is_refused_naming_the_setting(endpoint, monkeypatch, value):
    monkeypatch.setenv("CIPT_QUERY_MAX_GET_URL", value)
    with pytest.raises(StoreError) as caught:
        RemoteStore(endpoint, union_default_graph=True)
    assert caught.value.where == "$CIPT_QUERY_MAX_GET_URL"
