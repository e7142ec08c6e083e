"""A small forwarding proxy in front of a real SPARQL server, for the remote-store tests: it
counts the requests in flight (the most at once) and can hold each request ``delay`` seconds
first (a slow server). Test scaffolding only (never imported by the package)."""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Proxy(BaseHTTPRequestHandler):
    """Forwards GET and POST on ``/query`` to ``target``; counts the requests in flight."""

    target = ""
    delay = 0.0
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
            if cls.delay:
                time.sleep(cls.delay)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if self.command == "POST" else None
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "content-type")}
            rest = self.path.split("/query", 1)[1] if "/query" in self.path else ""
            request = urllib.request.Request(cls.target + rest, data=body, headers=headers, method=self.command)
            with urllib.request.urlopen(request, timeout=120) as answer:
                payload = answer.read()
                status, kind = answer.status, answer.headers.get("Content-Type", "")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with cls.lock:
                cls.in_flight -= 1

    do_GET = do_POST = _forward

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def proxy_to(target: str):
    """The URL of a :class:`Proxy` (its ``/query``) forwarding to ``target``; counters reset."""
    Proxy.target, Proxy.delay, Proxy.most, Proxy.seen, Proxy.in_flight = target, 0.0, 0, 0, 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/query"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def proxied_oxigraph(location):
    """A real Oxigraph server (in ``location``) loaded with the shipped data by `cipt load`, and
    the URL of a :func:`proxy_to` in front of it."""
    from conftest import oxigraph_server, run_cli

    with oxigraph_server(location) as base:
        done = run_cli("load", "--store", f"{base}/query", "--gsp-url", f"{base}/store")
        assert done.returncode == 0, done.stderr
        with proxy_to(f"{base}/query") as url:
            yield url
