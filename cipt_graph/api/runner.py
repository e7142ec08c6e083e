"""Running store work off the event loop, with a time limit and a cap on queries at once.

Oxigraph cannot interrupt a query. Each query runs in a worker thread (Oxigraph releases the
GIL while it evaluates, so the server keeps answering); the caller gets 503 when the time
limit passes. The work itself checks the deadline between result rows, so a query that
streams many rows stops soon after; one that computes long before its first row (a large
aggregate) runs on in its thread and keeps its slot until it ends, which is why the number of
running queries is capped: a query waits for a free slot at most the time limit, then gets 503.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ..errors import CiptError
from .errors import ApiError, log

T = TypeVar("T")

#: Stack size of the threads that run queries (see QueryRunner.__init__).
QUERY_THREAD_STACK = 256 * 1024 * 1024


class QueryTimeout(Exception):
    """Raised inside the worker when the deadline has passed."""


class Deadline:
    """A point in time the work must not run past."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def check(self) -> None:
        """Raises QueryTimeout once the deadline has passed."""
        if time.monotonic() > self.at:
            raise QueryTimeout


class QueryRunner:
    """A pool of worker threads with a slot per running query."""

    def __init__(self, timeout: float, max_running: int) -> None:
        self.timeout = timeout
        self.max_running = max_running
        self._slots = asyncio.Semaphore(max_running)
        # Oxigraph parses and optimises recursively: a long chain of operators (`!!!!…`, `1+1+…`,
        # `{…} UNION {…} …`) within the query length limit overflows a default 8 MiB thread stack and
        # kills the process (issue #8). Threads made from now on get a larger stack (address space
        # only: memory is used as the stack grows).
        if threading.stack_size() < QUERY_THREAD_STACK:
            threading.stack_size(QUERY_THREAD_STACK)
        self._executor = ThreadPoolExecutor(max_workers=max_running, thread_name_prefix="cipt-query")

    def _timeout_error(self) -> ApiError:
        return ApiError(503, f"the query ran past the time limit of {self.timeout:g} s and was stopped; "
                             "narrow it (a LIMIT, more selective patterns) or ask for a longer limit",
                        {"Retry-After": str(max(1, round(self.timeout)))})

    async def run(self, work: Callable[[Deadline], T]) -> T:
        """Run ``work(deadline)`` in a worker thread, once a slot is free.

        Raises:
            ApiError: 503 when no slot frees within the time limit, or the work passes it.
        """
        try:
            await asyncio.wait_for(self._slots.acquire(), self.timeout)
        except asyncio.TimeoutError:
            raise ApiError(503, f"the server is busy: {self.max_running} queries are running; try again shortly",
                           {"Retry-After": "1"}) from None
        loop = asyncio.get_running_loop()
        deadline = Deadline(self.timeout)

        def task() -> T:
            try:
                return work(deadline)
            except BaseException as exc:
                if not isinstance(exc, (ApiError, CiptError, QueryTimeout)):
                    log.error("unexpected error in a query", exc_info=exc)
                # Oxigraph's result iterators may only be dropped on the thread that made them:
                # cut the traceback (and its frames' locals) here, before the exception leaves.
                exc.__traceback__ = exc.__context__ = exc.__cause__ = None
                raise exc
            finally:
                try:
                    loop.call_soon_threadsafe(self._slots.release)
                except RuntimeError:  # the server stopped (its loop closed) while this ran
                    pass

        try:
            future = loop.run_in_executor(self._executor, task)
        except RuntimeError:
            self._slots.release()
            raise
        # An abandoned future's exception must still be retrieved, or asyncio logs it.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except (asyncio.TimeoutError, QueryTimeout):
            raise self._timeout_error() from None

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
