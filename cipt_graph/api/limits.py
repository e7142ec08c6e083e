"""ASGI middlewares: request bodies past a size refused with 413 before they are read; HEAD as GET."""

from __future__ import annotations

import json

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _scope_lang(scope: Scope) -> str:
    """A request's language, as :func:`.errors.request_lang` chooses it, from the ASGI scope
    (``lang`` in the query string, else ``Accept-Language``, else French)."""
    from urllib.parse import parse_qs

    from ..i18n import LANGS, negotiate

    asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [""])[-1]
    if asked in LANGS:
        return asked
    header = next((v for k, v in scope.get("headers", ()) if k == b"accept-language"), b"")
    return negotiate(header.decode("latin-1") or None)


class BodyTooLarge(Exception):
    """The body grew past the limit while being read (no or a false Content-Length)."""


class BodySizeLimit:
    """Refuse bodies larger than ``max_bytes``: by Content-Length at once, else while reading."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        #: Paths (exact) allowed a different limit: the upload endpoints.
        self.larger = dict(larger or {})

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        lang = _scope_lang(scope)
        message = (f"le corps de la requête dépasse {limit} octets, la limite de ce service" if lang == "fr" else
                   f"the request body is larger than {limit} bytes, this service's limit")
        if scope["path"].startswith("/api"):
            body = json.dumps({"status": 413, "error": "Content Too Large", "message": message}).encode()
            media = b"application/json"
        else:
            body = f"413 Content Too Large: {message}\n".encode()
            media = b"text/plain; charset=utf-8"
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", media), (b"content-length", str(len(body)).encode()),
                                (b"content-language", lang.encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.max_bytes)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._refuse(scope, send, limit)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, send, limit)


class HeadAsGet:
    """Answer HEAD as GET (RFC 9110 §9.3.2) on every route: link checkers and caches use it.

    The route sees a copy of the scope saying GET; the server still holds the request's own
    scope (HEAD) and sends the headers without the body.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD":
            scope = dict(scope, method="GET")
        await self.app(scope, receive, send)


class RequestFraming:
    """Refuse a request with both ``Content-Length`` and ``Transfer-Encoding`` (RFC 9112 §6.3: a
    smuggling attempt or a broken proxy), or with two ``Content-Length`` values: 400 and the
    connection closed (``Connection: close``), so nothing after it on the connection is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            names = [name for name, _ in scope.get("headers", ())]
            if b"transfer-encoding" in names and b"content-length" in names or names.count(b"content-length") > 1:
                body = (b"400 Bad Request: a request may not carry both Content-Length and Transfer-Encoding "
                        b"(or two Content-Length headers)\n")
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
