"""Running `cipt serve`: one process, or several uvicorn worker processes built by a factory (issue #8).

uvicorn starts workers from an import string, so each worker builds its own app with
:func:`app_from_env`, from the configuration `cipt serve` leaves in ``$CIPT_SERVE_CONFIG``
(JSON: the store, the workspace and the limits; the write token stays in ``$CIPT_WRITE_TOKEN``,
inherited, never written anywhere). The parent has already opened the data once — a malformed
or half-written file stops `cipt serve` with exit status 2 before any worker starts — and filled
a persistent store when it had to, so workers only open it.

With an in-memory store every worker holds its own copy of the graph, built at start; with
``--store DIR`` (on-disk Oxigraph) workers share one copy read-only and see a new version within
a second of a write (see :mod:`cipt_graph.stores.embedded`).
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from .api.settings import Settings
from .errors import CiptError, os_reason

ENV_SERVE_CONFIG = "CIPT_SERVE_CONFIG"
FACTORY = "cipt_graph.serving:app_from_env"


def settings_to_config(settings: Settings) -> dict[str, Any]:
    """The settings as JSON-able values, without the write token."""
    values = dataclasses.asdict(settings)
    values.pop("write_token", None)
    values["cors_origins"] = list(settings.cors_origins)
    return values


def build_service(config: dict[str, Any], store=None):
    """The app `cipt serve` runs, from a configuration (see the module's doc).

    Args:
        config: ``data``, ``store``, ``update_url``, ``gsp_url`` and ``settings`` (a dict).
        store: an already opened store; else it is opened (persistent) or built (in memory).
    """
    from .api import create_app
    from .api.auth import install_sessions
    from .load import load_workspace
    from .paths import resolve_workspace
    from .store import OxigraphStore, open_store

    values = dict(config.get("settings") or {})
    values["cors_origins"] = tuple(values.get("cors_origins") or ())
    settings = Settings(**values, write_token=os.environ.get("CIPT_WRITE_TOKEN"))
    workspace = resolve_workspace(config.get("data"))
    from .importers import clean_workspace_leftovers

    clean_workspace_leftovers(workspace)  # what killed imports left behind (issue #13)
    if store is None:
        if config.get("store"):
            store = open_store(config["store"], update_url=config.get("update_url"), gsp_url=config.get("gsp_url"))
        else:
            store = OxigraphStore()
            load_workspace(store, workspace)
    app = create_app(store, settings)
    app.state.workspace = workspace  # for /api/versions, the imports and the team's pages
    # A store served without --data holds what `cipt load` put there, not this workspace's data
    # (the shipped one by default): the review page, which lists the workspace's rows, says so.
    app.state.workspace_serves_store = bool(config.get("data")) or not config.get("store")
    install_sessions(app, workspace, getattr(settings, "base_url", None))
    return app


def app_from_env():
    """uvicorn's factory for worker processes: the app described by ``$CIPT_SERVE_CONFIG``."""
    raw = os.environ.get(ENV_SERVE_CONFIG)
    if not raw:
        raise CiptError(f"{ENV_SERVE_CONFIG} is not set: start the service with `cipt serve`",
                        fr=f"{ENV_SERVE_CONFIG} n'est pas défini : lancez le service avec `cipt serve`")
    return build_service(json.loads(raw))


# --- the HTTP server: bound socket, slow clients, graceful stop (issue #11) ------------------------

#: Seconds a client has to send a request's headers, then its body; past it the connection closes.
HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 30.0
#: Most connections open at once (per process). Past it, a new connection takes the place of the one
#: that has waited longest for its client (half-sent headers or body: slowloris);
#: when every connection has a request being answered, the new one is closed.
MAX_CONNECTIONS = 512
#: Seconds in-flight requests get to finish after SIGTERM / Ctrl-C before the server stops anyway.
GRACEFUL_SECONDS = 2.0
#: Seconds a client may leave its connection's write buffer full (it reads less than the buffer's
#: 48 KiB between its high and low water marks in that time): past it the connection is aborted and
#: its buffers freed (``$CIPT_WRITE_TIMEOUT`` overrides it).
WRITE_TIMEOUT = float(os.environ.get("CIPT_WRITE_TIMEOUT") or 30.0)
#: Bytes of response bodies being sent at once, per process, each distinct body counted once
#: (``$CIPT_RESPONSE_BUDGET`` overrides it): past it a new answer of ``LARGE_BODY`` bytes or more
#: is replaced by 503 with ``Retry-After``.
RESPONSE_BUDGET = int(os.environ.get("CIPT_RESPONSE_BUDGET") or 256 << 20)
LARGE_BODY = 1 << 20
#: Size of the slices a large body is handed to the connection in: the connection's buffer then
#: holds at most one slice beyond its high-water mark, never a copy of the whole body.
SEND_CHUNK = 256 << 10


def bind_socket(host: str, port: int):
    """A listening TCP socket on ``host:port``.

    Raises:
        CiptError: the port is in use or the address cannot be used (`cipt serve` exits 2).
    """
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio then sets TCP_NODELAY on accepted connections (no 40 ms Nagle delays).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CiptError(f"port {port} is already in use (another `cipt serve`?): stop that process or "
                            "choose another port with --port", where=f"{host}:{port}",
                            fr=f"le port {port} est déjà utilisé (un autre `cipt serve` ?) : arrêtez ce processus "
                               "ou choisissez un autre port avec --port") from None
        raise CiptError(f"cannot listen on this address: {exc.strerror or exc}", where=f"{host}:{port}",
                        fr=f"impossible d'écouter sur cette adresse : {os_reason(exc, 'fr')}",
                        en=f"cannot listen on this address: {os_reason(exc, 'en')}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class _ResponsesInFlight:
    """The bodies being sent by this process, each distinct ``bytes`` object counted once (a body
    shared with the cache, sent to many clients, is one copy)."""

    def __init__(self) -> None:
        self.bodies: dict[int, list] = {}  # id -> [body, number of connections sending it]
        self.total = 0

    def admit(self, body) -> bool:
        """Count ``body`` as being sent; ``False`` (not counted) when it is large, not already
        being sent, and would take the total past ``RESPONSE_BUDGET``."""
        entry = self.bodies.get(id(body))
        if entry is not None and entry[0] is body:
            entry[1] += 1
            return True
        if len(body) >= LARGE_BODY and self.total + len(body) > RESPONSE_BUDGET:
            return False
        self.bodies[id(body)] = [body, 1]
        self.total += len(body)
        return True

    def release(self, body) -> None:
        entry = self.bodies.get(id(body))
        if entry is not None and entry[0] is body:
            entry[1] -= 1
            if entry[1] == 0:
                del self.bodies[id(body)]
                self.total -= len(body)


IN_FLIGHT = _ResponsesInFlight()


def _busy_answer(scope) -> tuple[dict, dict]:
    """503 "too many large answers being sent", in French unless the client asks for English."""
    languages = b"".join(v for k, v in scope.get("headers", ()) if k == b"accept-language").lower()
    if languages.startswith(b"en"):
        text = ("the server is already sending too many large answers to slow clients; "
                "retry in a few seconds")
    else:
        text = ("le serveur envoie déjà trop de grandes réponses à des clients lents ; "
                "réessayez dans quelques secondes")
    body = (text + "\n").encode("utf-8")
    start = {"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"retry-after", b"10"), (b"cache-control", b"no-store")]}
    return start, {"type": "http.response.body", "body": body, "more_body": False}


def budgeted(app):
    """``app`` whose large answers are sent in slices (no copy per connection) within
    ``RESPONSE_BUDGET`` bytes in flight (:class:`_ResponsesInFlight`); past it: 503."""

    async def budgeted_app(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        held: list = []

        async def sliced_send(message):
            if message["type"] == "http.response.start":
                held.append(message)  # sent with the body, once the budget is known
                return
            if held and message["type"] == "http.response.body":
                start = held.pop()
                body = message.get("body", b"")
                if message.get("more_body") or len(body) < LARGE_BODY:
                    await send(start)
                    return await send(message)
                if not IN_FLIGHT.admit(body):
                    busy_start, busy_body = _busy_answer(scope)
                    await send(busy_start)
                    return await send(busy_body)
                try:
                    await send(start)
                    view = memoryview(body)
                    for at in range(0, len(body), SEND_CHUNK):
                        last = at + SEND_CHUNK >= len(body)
                        await send({"type": "http.response.body", "body": view[at:at + SEND_CHUNK],
                                    "more_body": not last})
                finally:
                    IN_FLIGHT.release(body)
                return
            if held:
                await send(held.pop())
            await send(message)

        await app(scope, receive, sliced_send)
        if held:
            await send(held.pop())

    return budgeted_app


def _guarded_protocol():
    """uvicorn's h11 protocol with header and body read timeouts and a cap on open connections."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        header_timeout = HEADER_TIMEOUT
        body_timeout = BODY_TIMEOUT
        write_timeout = WRITE_TIMEOUT
        max_connections = MAX_CONNECTIONS

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.app = budgeted(self.app)
            self._write_timer = None

        def pause_writing(self) -> None:  # the client does not read: it has write_timeout seconds
            super().pause_writing()
            if self._write_timer is None:
                self._write_timer = self.loop.call_later(self.write_timeout, self._write_timed_out)

        def resume_writing(self) -> None:
            self._stop_write_timer()
            super().resume_writing()

        def _stop_write_timer(self) -> None:
            if self._write_timer is not None:
                self._write_timer.cancel()
                self._write_timer = None

        def _write_timed_out(self) -> None:
            self._write_timer = None
            self.logger.info("aborting a connection whose client read nothing for %s s", self.write_timeout)
            self.transport.abort()  # close() would wait for the buffer to drain: abort frees it

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._read_timer = None
            self._waiting_since = None
            if len(self.connections) > self.max_connections and not self._evict_a_waiting_one():
                self.logger.warning("more than %d connections open, each with a request: closing a new one",
                                    self.max_connections)
                transport.close()
                return
            self._arm(self.header_timeout)

        def _evict_a_waiting_one(self) -> bool:
            """Close the connection that has waited longest for its client (slowloris: half-sent
            requests hold no place a real request needs); ``False`` when none is waiting."""
            oldest = None
            for other in self.connections:
                since = getattr(other, "_waiting_since", None)
                if other is not self and since is not None and not other.transport.is_closing() and (
                        oldest is None or since < oldest._waiting_since):
                    oldest = other
            if oldest is None:
                return False
            self.logger.info("%d connections open: closing the one waiting longest for its client",
                             len(self.connections))
            oldest._disarm()
            oldest.transport.close()
            return True

        def _arm(self, seconds: float) -> None:
            self._disarm()
            self._read_timer = self.loop.call_later(seconds, self._read_timed_out)
            self._waiting_since = self.loop.time()

        def _disarm(self) -> None:
            timer = getattr(self, "_read_timer", None)
            if timer is not None:
                timer.cancel()
                self._read_timer = None
            self._waiting_since = None

        def _read_timed_out(self) -> None:
            self._read_timer = None
            if self.transport.is_closing():
                return
            waiting = self.cycle is None or self.cycle.response_complete or self.cycle.more_body
            if waiting:
                self.logger.info("closing a connection that sent no complete request in time")
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            idle = self.cycle is None or self.cycle.response_complete
            if idle and getattr(self, "_read_timer", None) is None:
                self._arm(self.header_timeout)  # the next request on a kept-alive connection
            super().data_received(data)

        def handle_events(self) -> None:
            super().handle_events()
            cycle = self.cycle
            if cycle is None or cycle.response_complete:
                return  # between requests: the header timer (or keep-alive) runs
            if cycle.more_body:
                if getattr(self, "_phase", None) is not cycle:
                    self._phase = cycle  # headers in: the body has its own time
                    self._arm(self.body_timeout)
            else:
                self._disarm()  # the whole request is in: the application's limits apply

        def connection_lost(self, exc) -> None:
            self._disarm()
            self._stop_write_timer()
            super().connection_lost(exc)

    return GuardedH11Protocol


def return_large_blocks_to_the_system(threshold: int = 1 << 20) -> None:
    """Have glibc's malloc map blocks of ``threshold`` bytes or more on their own, so a large
    answer's memory goes back to the system when freed. By default the threshold grows with the
    blocks freed (up to 32 MiB): answers of a few MiB then stay in the heap, fragmented, and the
    process's memory only grows. No effect on another C library."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, threshold)  # M_MMAP_THRESHOLD (glibc malloc.h)
    except (OSError, AttributeError):
        pass


def raise_open_files_limit(wanted: int = 8192) -> None:
    """Raise the soft limit on open files towards ``wanted`` (connections are files)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _stopping_server():
    """uvicorn's server that, on SIGTERM / Ctrl-C, also kills the running query processes at once:
    their requests answer 503 "stopping" right away, so the graceful stop (which waits for the
    requests in flight) takes a fraction of a second instead of its whole timeout (issue #11).
    Built when the server starts (uvicorn is imported once the port is open)."""
    import uvicorn

    class StoppingServer(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:  # type: ignore[override]
            super().handle_exit(sig, frame)
            from .api.runner import stop_all_queries

            stop_all_queries()

    return StoppingServer


def run_server(app, sock, *, workers: int = 1, log_level: str = "info", factory: bool = False) -> None:
    """Serve ``app`` (an ASGI app, or with ``factory`` an import string) on the bound ``sock``.

    uvicorn with: HTTP/1.1 by h11 with header ({HEADER_TIMEOUT} s) and body ({BODY_TIMEOUT} s)
    read timeouts and at most {MAX_CONNECTIONS} connections (past it a new one replaces the one
    waiting longest for its client); keep-alive 5 s; ``X-Forwarded-For`` ignored (the client is
    the connection's peer, so no client can claim another's address); SIGTERM / Ctrl-C
    kill the running query processes at once (their requests answer 503) and stop it, waiting at
    most {GRACEFUL_SECONDS} s for answers still being sent (:func:`_stopping_server`).
    """
    import uvicorn

    raise_open_files_limit()
    return_large_blocks_to_the_system()
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        app, host=host, port=port, factory=factory, workers=workers, log_level=log_level,
        http=_guarded_protocol(), ws="none", lifespan="on", timeout_keep_alive=5,
        timeout_graceful_shutdown=GRACEFUL_SECONDS, h11_max_incomplete_event_size=64 * 1024,
        server_header=False, proxy_headers=False,
    )
    server = _stopping_server()(config)
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, target=server.run, sockets=[sock]).run()
    else:
        server.run(sockets=[sock])
