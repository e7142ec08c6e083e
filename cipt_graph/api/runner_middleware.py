"""ASGI middlewares the :class:`~cipt_graph.api.runner.QueryRunner` reads (issue #11): who the
client is (its share of the slots) and when a request other than ad-hoc SPARQL last arrived (the
priority of long ad-hoc queries)."""

from __future__ import annotations

import time

from .runner import CLIENT, QueryRunner


class ClientAddress:
    """ASGI middleware: :data:`CLIENT` is the request's client address (the connection's peer:
    ``X-Forwarded-For`` is not read) while the request is answered."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        client = scope.get("client")
        token = CLIENT.set(client[0] if client else None)
        try:
            await self.app(scope, receive, send)
        finally:
            CLIENT.reset(token)


class NoteActivity:
    """ASGI middleware: notes when a request other than ad-hoc SPARQL arrives
    (:attr:`QueryRunner.other_request_at`), answered from the cache or not."""

    def __init__(self, app, runner: QueryRunner) -> None:
        self.app = app
        self.runner = runner

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and not scope.get("path", "").startswith("/sparql"):
            self.runner.other_request_at = time.monotonic()
        await self.app(scope, receive, send)
