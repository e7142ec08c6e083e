"""The audit on a remote SPARQL server sends its queries several at once (issue #16): a server
such as Virtuoso 7.2 compiles each new query text first, so one after the other the audit took
24–28 s there. A real Oxigraph server behind a small forwarding proxy that counts the requests
in flight: the report is the same as the embedded store's, and the queries overlapped."""

from __future__ import annotations

import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import oxigraph_server, run_cli

from cipt_graph.audit.report import REMOTE_PARALLEL, build_audit_report
from cipt_graph.build import build_store
from cipt_graph.store import RemoteStore


class _Proxy(BaseHTTPRequestHandler):
    """Forwards GET and POST to ``target``; counts the requests in flight (most at once)."""

    target = ""
    lock = threading.Lock()
    in_flight = 0
    most = 0
    seen = 0

    def _forward(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.seen += 1
            cls.most = max(cls.most, cls.in_flight)
        try:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if self.command == "POST" else None
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "content-type")}
            request = urllib.request.Request(cls.target + self.path.split("/query", 1)[1] if "/query" in self.path
                                             else cls.target, data=body, headers=headers, method=self.command)
            with urllib.request.urlopen(request, timeout=120) as answer:
                payload = answer.read()
                status, kind = answer.status, answer.headers.get("Content-Type", "")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        finally:
            with cls.lock:
                cls.in_flight -= 1

    do_GET = do_POST = _forward

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-server")) as base:
        done = run_cli("load", "--store", f"{base}/query", "--gsp-url", f"{base}/store")
        assert done.returncode == 0, done.stderr
        _Proxy.target = f"{base}/query"
        proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
        thread = threading.Thread(target=proxy.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{proxy.server_address[1]}/query"
        finally:
            proxy.shutdown()
            proxy.server_close()


def _facts(report) -> dict:
    return {"identity": report.identity.rows, "hours": report.hours.rows, "mapping": report.mapping_status.rows,
            "blocks": [(b.block_code, b.hours, b.competencies, b.covered_competencies, b.modules) for b in report.blocks],
            "checks": sorted((c.source.name, c.severity, len(c.rows)) for c in report.checks),
            "inferred": report.data_status.rows, "split": report.hours_split.rows}


@pytest.mark.parametrize("programme", [None, "M2_CIPT"])
def test_the_remote_audit_sends_queries_at_once_and_says_what_the_embedded_one_says(proxied, programme):
    embedded = build_audit_report(build_store(), programme=programme)
    _Proxy.most = _Proxy.seen = 0
    remote = build_audit_report(RemoteStore(proxied), programme=programme)
    assert _facts(remote) == _facts(embedded)
    assert _Proxy.seen >= 15  # every query of the report went through the proxy
    assert 2 <= _Proxy.most <= REMOTE_PARALLEL + 1  # overlapping, and bounded (+1: a graph listing)
