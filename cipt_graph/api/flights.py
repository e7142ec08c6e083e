"""Answers being computed, shared by the requests that want them (issue #11), for
:class:`~cipt_graph.api.cache.ResponseCache`.

- **Coalescing.** An uncached read is computed by a :class:`Flight`: a task of its own, running the
  application for the first request of that cache key. An identical request (same key: data
  version, normalised request, negotiated type and language) arriving while it runs does not
  start a second computation: it waits for the flight's answer (at most ``wait`` seconds, the
  longest time limit of the service) and is answered from it, as a cache hit. Eight identical
  heavy queries arriving together use one worker, not eight.
- **Abandoned work stops.** Every request waiting for a flight (its first one included) watches its
  connection (``http.disconnect``). When the last of them has gone, the flight's task is
  cancelled: the runner kills the query's worker or forked process (:mod:`.runner`,
  :mod:`.pool`), so a client that closes its connection frees the CPU at once rather than at the
  time limit. While one of them still waits, the work goes on.

Only answers that could be cached (a 200 to a read, see :mod:`.cache`) are shared; a waiter whose
flight ends otherwise (an error, a refusal for its first client) computes its own answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.types import Message, Receive


@dataclass
class Outcome:
    """What a flight computed: the response's start message and body, and the cache entry made
    of them when the answer may be shared (``None`` otherwise)."""

    start: Message | None
    body: bytes
    entry: object | None


@dataclass
class Flight:
    """One computation of an answer (``task``) and how many requests wait for it."""

    task: asyncio.Task
    waiting: int = 0
    #: Set when nobody waits any more: the application's ``receive`` then says ``http.disconnect``.
    abandoned: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class FlightStats:
    """Counters, for tests and monitoring: requests answered from another's flight, flights
    cancelled because every client waiting for them left."""

    coalesced: int = 0
    abandoned: int = 0


def start(compute: Callable[[Receive], Awaitable[Outcome]], body: bytes) -> Flight:
    """A flight running ``compute(receive)``, where ``receive`` gives the request's ``body`` once,
    then waits until the flight is abandoned (the client's own connection is watched by
    :func:`follow`, never by the application)."""
    flight: Flight

    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await flight.abandoned.wait()
        return {"type": "http.disconnect"}

    flight = Flight(asyncio.ensure_future(compute(receive)))
    return flight


async def _disconnected(receive: Receive) -> None:
    """Return once the client has gone (what is left of the request's body is skipped)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


class ClientGone(Exception):
    """The client closed its connection before the answer was ready."""


async def follow(flight: Flight, receive: Receive, stats: FlightStats, wait: float | None = None) -> Outcome | None:
    """Wait for ``flight`` on behalf of one request whose connection ``receive`` reads (its body
    already read); its outcome, or ``None`` when ``wait`` seconds passed first (or the flight was
    cancelled). The last request to stop waiting for an unfinished flight cancels it.

    Raises:
        ClientGone: the client left first.
        what the flight's computation raised.
    """
    flight.waiting += 1
    gone = asyncio.ensure_future(_disconnected(receive))
    try:
        await asyncio.wait((flight.task, gone), timeout=wait, return_when=asyncio.FIRST_COMPLETED)
    finally:
        flight.waiting -= 1
        gone.cancel()
        if flight.waiting <= 0 and not flight.task.done():
            flight.abandoned.set()
            flight.task.cancel()
            stats.abandoned += 1
    if not flight.task.done():
        if gone.done() and not gone.cancelled():
            raise ClientGone
        return None
    if flight.task.cancelled():
        return None
    return flight.task.result()
