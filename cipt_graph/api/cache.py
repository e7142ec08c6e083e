"""Answers reused until the data changes (issue #11): an in-memory LRU cache of whole responses.

The data changes only on imports and loads, so every read is cached, keyed on the data's version
(:class:`DataVersion`, moved on by :mod:`cipt_graph.api.watch` whenever the served data may have
changed), the normalised request (path, sorted parameters, the SPARQL text of a POST) and what
the answer depends on in the request (``Accept`` in a canonical form, the language
``Accept-Language`` picks). Bounded in bytes, least
recently used first out.

Every cacheable answer (200 to a read) gets ``ETag`` (a hash of its body), ``Last-Modified``
(when the data last changed) and ``Cache-Control: no-cache`` (a client may keep it but asks
again, cheaply: ``If-None-Match``/``If-Modified-Since`` on a GET or HEAD get 304; on a POST
read, ``If-Modified-Since`` is ignored and a matching ``If-None-Match`` gets 412, RFC 9110
§13.1). The ETag covers the body and its ``Content-Type``. ``X-Cipt-Cache: hit`` or
``miss`` tells where an answer came from. Requests with a ``Cookie`` or ``Authorization``
header (the team's sessions) and answers that set a cookie or say ``private``/``no-store`` are
never cached; an answer to a request with credentials says ``Cache-Control: private, no-store``
(unless it says otherwise) and ``Vary: Cookie``: its page may name the signed-in person.

A miss is computed by a flight (:mod:`cipt_graph.api.flights`): identical requests arriving while
it runs wait for its answer (one computation), and it is cancelled when every client waiting for
it has disconnected.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .cache_keys import negotiated_language, normalised_accept, route_parameters  # noqa: F401 - public here too
from .flights import ClientGone, Flight, FlightStats, Outcome, follow, start

#: Paths never cached (writes, and what changes without a data change).
UNCACHED_PREFIXES = ("/api/imports",)
#: POST paths that are reads (the SPARQL protocol's query by POST).
POST_READS = ("/sparql",)
CACHE_CONTROL = b"no-cache"
#: The ``Cache-Control`` of an answer to a request with credentials that gives none.
PRIVATE = b"private, no-store"
HEADER = b"x-cipt-cache"


class DataVersion:
    """The version of the served data: a token that changes whenever the data may have changed.

    Attributes:
        token: an integer, increased by :meth:`bump`.
        changed_at: when it last changed (seconds since the epoch), for ``Last-Modified``.
    """

    def __init__(self) -> None:
        self.token = 1
        self.changed_at = int(time.time())
        #: Called after each :meth:`bump` (the query workers' pool recycles its idle workers).
        self.listeners: list = []

    def bump(self) -> None:
        """The data changed (or may have): answers cached before are not reused."""
        self.token += 1
        self.changed_at = int(time.time())
        for listener in self.listeners:
            listener()


@dataclass
class _Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    not_modified: int = 0
    entries: int = 0
    bytes: int = 0
    evicted: int = 0
    stored_versions: set = field(default_factory=set)


class LruCache:
    """Responses by key, at most ``max_bytes`` in all; an entry over an eighth of it is not kept."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self.stats = CacheStats()

    def get(self, key: tuple) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        if entry.size > self.max_bytes // 8:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.stats.bytes -= old.size
        self._entries[key] = entry
        self.stats.bytes += entry.size
        while self.stats.bytes > self.max_bytes and self._entries:
            _, dropped = self._entries.popitem(last=False)
            self.stats.bytes -= dropped.size
            self.stats.evicted += 1
        self.stats.entries = len(self._entries)

    def drop_older_than(self, token: int) -> None:
        """Forget entries of earlier data versions (they can never be hit again)."""
        for key in [k for k in self._entries if k[0] < token]:
            self.stats.bytes -= self._entries.pop(key).size
        self.stats.entries = len(self._entries)


def _private(send: Send) -> Send:
    """``send`` with ``Cache-Control: private, no-store`` and ``Vary: Cookie`` added to an answer
    that says nothing of its caching (see :class:`ResponseCache`: answers to a request with
    credentials)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(k.lower() == b"cache-control" for k, _ in headers):
                headers.append((b"cache-control", PRIVATE))
            varies = [i for i, (k, _) in enumerate(headers) if k.lower() == b"vary"]
            if not varies:
                headers.append((b"vary", b"Cookie"))
            elif b"cookie" not in headers[varies[0]][1].lower():
                headers[varies[0]] = (headers[varies[0]][0], headers[varies[0]][1] + b", Cookie")
            message = {**message, "headers": headers}
        await send(message)

    return sending


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return b""


def _http_date(seconds: int) -> bytes:
    return formatdate(seconds, usegmt=True).encode()


def _matches(inm: bytes, etag: bytes) -> bool:
    """``If-None-Match`` against ``etag``: weak comparison (RFC 9110 §13.1.2), ``*`` matches."""
    if inm.strip() == b"*":
        return True
    return etag in [t.strip().removeprefix(b"W/") for t in inm.split(b",")]


def _not_modified(scope: Scope, etag: bytes, changed_at: int) -> bool:
    """RFC 9110 §13.1: If-None-Match (weak comparison) first, else If-Modified-Since."""
    inm = _header(scope, b"if-none-match")
    if inm:
        return _matches(inm, etag)
    ims = _header(scope, b"if-modified-since")
    if ims:
        try:
            return changed_at <= int(parsedate_to_datetime(ims.decode("latin-1")).timestamp())
        except (TypeError, ValueError, OverflowError):
            return False
    return False


def _etag(headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    """A strong ETag: a hash of the body and of the representation's type and language, so that
    the same bytes sent as ``application/json`` and as ``application/sparql-results+json`` (two
    representations, RFC 9110 §8.8.3) get two tags."""
    digest = hashlib.blake2b(digest_size=12)
    for name in (b"content-type", b"content-language", b"content-encoding"):
        digest.update(name + b":" + b",".join(v for k, v in headers if k == name) + b"\n")
    digest.update(body)
    return b'"' + digest.hexdigest().encode() + b'"'


def _same_route(a, b) -> bool:
    return a is b or (getattr(a, "endpoint", 0) is getattr(b, "endpoint", 1) and getattr(a, "path", 0) == getattr(b, "path", 1))


def _name(pair: bytes) -> str:
    return unquote_to_bytes(pair.partition(b"=")[0].replace(b"+", b" ")).decode("utf-8", "replace")


class ResponseCache:
    """ASGI middleware: serve reads from :class:`LruCache`; add validators; answer 304.

    With ``parameters`` (see :func:`route_parameters`), a request's query string is cut to the
    parameters its route reads before the route sees it and before it makes the key: ``/matrix?zz=1``
    is ``/matrix`` (one computation, one cache entry, the same answer), so junk parameters can
    neither defeat the cache nor show up in an answer (a language link, say).
    """

    def __init__(self, app: ASGIApp, cache: LruCache, version: DataVersion, parameters=None,
                 wait: float | None = None, offered: frozenset[str] | None = None) -> None:
        self.app = app
        self.cache = cache
        self.version = version
        self.parameters = parameters
        #: Seconds a request waits for an identical one's answer (then computes its own).
        self.wait = wait
        #: The media types the routes negotiate (see :func:`normalised_accept`).
        self.offered = offered
        self._flights: dict[tuple, Flight] = {}
        self.flight_stats = FlightStats()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        path = scope.get("path", "")
        if (scope["type"] != "http" or path.startswith(UNCACHED_PREFIXES)
                or not (method == "GET" or method == "POST" and path in POST_READS)
                or _header(scope, b"cookie") or _header(scope, b"authorization")):
            # A request with credentials (a session, a CSRF cookie, a token) may get an answer
            # made for it alone (a page naming the signed-in person): never served from, nor
            # stored in, the shared cache, and marked so for every cache on the way.
            if scope["type"] == "http" and (_header(scope, b"cookie") or _header(scope, b"authorization")):
                await self.app(scope, receive, _private(send))
            else:
                await self.app(scope, receive, send)
            return
        body = b""
        if method == "POST":
            chunks = []
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
        token, changed_at = self.version.token, self.version.changed_at
        pairs = [p for p in scope.get("query_string", b"").split(b"&") if p]
        route = None
        if pairs and self.parameters is not None:
            route, names = self.parameters(scope)
            if names is not None:
                kept = [p for p in pairs if _name(p) in names]
                if len(kept) != len(pairs):
                    pairs = kept
                    scope = {**scope, "query_string": b"&".join(kept)}
        params = sorted(pairs)
        content_type = _header(scope, b"content-type").split(b";")[0].strip().lower()
        if method == "POST" and content_type == b"application/x-www-form-urlencoded":
            params = sorted(params + [p for p in body.split(b"&") if p])
            digest = b""
        else:
            digest = hashlib.blake2b(body, digest_size=16).digest() if body else b""
        key = (token, method, path, tuple(params), content_type if body else b"", digest,
               normalised_accept(_header(scope, b"accept"), self.offered), negotiated_language(_header(scope, b"accept-language")))
        entry = self.cache.get(key) if self.cache.max_bytes else None
        if entry is not None:
            self.cache.stats.hits += 1
            await self._send(scope, send, entry, changed_at, b"hit")
            return
        # A miss: computed by a flight (flights.py) that identical requests arriving meanwhile
        # share, and that stops when every client waiting for it has gone.
        flight = self._flights.get(key) if self.cache.max_bytes else None
        if flight is not None:
            try:
                outcome = await follow(flight, receive, self.flight_stats, self.wait)
            except ClientGone:
                return
            except Exception:  # the first request's computation failed: this one tries its own
                outcome = None
            if outcome is not None and outcome.entry is not None:
                self.flight_stats.coalesced += 1
                self.cache.stats.hits += 1
                await self._send(scope, send, outcome.entry, changed_at, b"hit")
                return
        flight = start(lambda flight_receive: self._compute(scope, flight_receive, key, token, route), body)
        if self.cache.max_bytes and key not in self._flights:
            self._flights[key] = flight
            flight.task.add_done_callback(lambda _t, k=key, f=flight: self._flights.pop(k, None)
                                          if self._flights.get(k) is f else None)
        try:
            outcome = await follow(flight, receive, self.flight_stats)
        except ClientGone:
            return  # its work was stopped, unless another client waits for it
        if outcome is None or outcome.start is None:
            return
        if outcome.entry is None:
            headers = [(k, v) for k, v in outcome.start.get("headers", []) if k != b"content-length"]
            await send({**outcome.start, "headers": headers + [(b"content-length", str(len(outcome.body)).encode())]})
            await send({"type": "http.response.body", "body": outcome.body})
            return
        await self._send(scope, send, outcome.entry, changed_at, b"miss")

    async def _compute(self, scope: Scope, receive: Receive, key: tuple, token: int, route) -> Outcome:
        """Run the application for ``scope``; its answer, stored in the cache when it may be."""
        start_message: Message | None = None
        parts: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start_message
            if message["type"] == "http.response.start":
                start_message = message
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        content = b"".join(parts)
        if start_message is None:
            return Outcome(None, content, None)
        headers = [(k, v) for k, v in start_message.get("headers", []) if k != b"content-length"]
        status = start_message["status"]
        # A request cut for a route that did not answer it (never seen: a safety net) is not kept.
        cacheable = (route is None or _same_route(route, scope.get("route"))) and status == 200 and not any(
            k == b"set-cookie" or k == b"cache-control" and (b"no-store" in v or b"private" in v) for k, v in headers)
        if not cacheable:
            return Outcome(start_message, content, None)
        entry = _Entry(status, headers, content, _etag(headers, content))
        self.cache.stats.misses += 1
        if self.cache.max_bytes and token == self.version.token:
            self.cache.drop_older_than(token)
            self.cache.put(key, entry)
        return Outcome(start_message, content, entry)

    async def _send(self, scope: Scope, send: Send, entry: _Entry, changed_at: int, origin: bytes) -> None:
        validators = [(b"etag", entry.etag), (b"last-modified", _http_date(changed_at)),
                      (HEADER, origin)]
        if not any(k == b"cache-control" for k, _ in entry.headers):
            validators.append((b"cache-control", CACHE_CONTROL))
        if scope.get("method") != "GET":
            # A read by POST (RFC 9110 §13.1): If-Modified-Since is ignored; an If-None-Match that
            # matches is a failed precondition (412), not 304.
            inm = _header(scope, b"if-none-match")
            if inm and _matches(inm, entry.etag):
                await send({"type": "http.response.start", "status": 412, "headers": validators + [
                    (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"0")]})
                await send({"type": "http.response.body", "body": b""})
                return
        elif _not_modified(scope, entry.etag, changed_at):
            self.cache.stats.not_modified += 1
            keep = [(k, v) for k, v in entry.headers if k in (b"vary", b"content-location", b"cache-control",
                                                              b"expires", b"link")]
            await send({"type": "http.response.start", "status": 304, "headers": keep + validators})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = entry.headers + validators + [(b"content-length", str(len(entry.body)).encode())]
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": entry.body})
