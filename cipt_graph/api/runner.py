"""Running store work in processes that are killed at the time limit (issue #11).

pyoxigraph cannot interrupt a query, and a query can ask for unbounded memory (nested
``REPLACE``). So every piece of work that touches the store runs in another process, killed
(``SIGKILL``) at its time limit, its address space capped (``RLIMIT_AS``, see
:mod:`cipt_graph.api.procs`):

- work described as data — a module-level function, its arguments: ad-hoc SPARQL (lane
  ``sparql``), the named queries, the pages and the overview (lane ``app``) — runs in a
  long-lived worker of :class:`~cipt_graph.api.pool.WorkerPool` (:meth:`QueryRunner.call`): no
  fork per request, a warm store; a worker killed at the limit or past its memory is replaced;
- everything else (the JSON API, exports, the audit, a diff of versions: closures over
  the request) runs in a process forked for it (:meth:`QueryRunner.run`): the child
  inherits the served store copy-on-write, runs the work and sends the pickled result back through
  a pipe;
- a process killed by a signal from outside (the OOM killer, an operator) is not the request's
  fault: its work runs once more in a new process, within the same time limit; killed again, the
  answer is 503 with ``Retry-After`` (never 500: that is left for a failure of the service itself).

The two lanes have their own slots, and a client (the connection's address, :data:`CLIENT`) holds
at most part of each: ad-hoc SPARQL has a per-client cap (past it: 429) and a lower CPU priority
(at once in a forked child; in a worker past ``pool.NICE_AFTER`` of CPU, while other work wants the CPU:
:meth:`QueryRunner.contended`): pages, the JSON API and the named queries never wait behind it. In lane ``app`` a client runs at most ``app_per_client`` pieces of
work at once (half the slots by default); its next ones wait for one of its own to end (429 past
the time limit), so that one client cannot hold every slot. A refusal says why and when to retry (``Retry-After``). Query
processes die with the server (``PR_SET_PDEATHSIG``) and are killed when it stops.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import pickle
import time
import weakref
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from . import procs
from .errors import ApiError, log
from .pool import PoolStopping, ResultTooLarge, WorkerDied, WorkerPool, WorkerTimedOut
from .procs import QUERY_THREAD_STACK, Deadline, QueryTimeout  # noqa: F401 - the runner's public names
from .runner_answers import RunnerAnswers

T = TypeVar("T")

#: Lanes of work: ad-hoc SPARQL, and everything else (pages, JSON API, named queries, exports).
SPARQL, APP = "sparql", "app"
#: How much lower the CPU priority of ad-hoc SPARQL processes is.
SPARQL_NICE = 10
#: The address of the client whose request is being answered (set by :class:`ClientAddress`).
CLIENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("cipt_client", default=None)
#: Seconds after a request other than ad-hoc SPARQL during which long SPARQL queries yield the CPU.
CONTENDED_FOR = 2.0
#: Every runner of this process, for :func:`stop_all_queries`.
_RUNNERS: weakref.WeakSet = weakref.WeakSet()


class _ResultTooLarge(Exception):
    pass


@dataclass
class RunnerStats:
    """Counters of the runner, for tests and monitoring."""

    started: int = 0
    finished: int = 0
    timed_out: int = 0
    out_of_memory: int = 0
    refused_busy: int = 0
    refused_client: int = 0
    #: Work run once more because a signal from outside killed its process (see :meth:`QueryRunner._again`).
    retried: int = 0
    #: Requests answered 503 because that happened twice.
    killed: int = 0
    #: Requests answered 503 because the system refused a process for them (:class:`.procs.ForkFailed`).
    fork_failed: int = 0
    running: dict[str, int] = field(default_factory=lambda: {SPARQL: 0, APP: 0})


def _child_main(work: Callable[[Deadline], object], deadline: Deadline, out: int, memory_bytes: int,
                nice: int) -> None:
    """In the forked child: run ``work`` and send ``("ok", value)`` or ``("err", exception)``; never returns."""
    code = 0
    try:
        procs.become_query_process((out,), nice)
        procs.cap_memory(memory_bytes)
        kind, value = procs.run_on_big_stack(lambda: work(deadline))
        procs.write_all(out, procs.dump_outcome(kind, value))
    except MemoryError:
        code = procs.EXIT_MEMORY
    except BaseException:  # pragma: no cover - last resort: the parent sees no result
        code = 1
    finally:
        os._exit(code)


class QueryRunner(RunnerAnswers):
    """Runs store work in killable processes, within time, memory and concurrency limits.

    Args:
        timeout: seconds a piece of work may take (its process is killed past it).
        max_running: processes running at once for pages, API and named queries (lane ``app``).
        max_sparql: ad-hoc SPARQL queries running at once (lane ``sparql``); default ``max_running``.
        per_client: ad-hoc SPARQL queries one client (IP address) may run at once.
        app_per_client: pieces of lane ``app`` work one client may run at once (its next ones
            wait); default half of ``max_running``, at least 1.
        memory_bytes: address space a process may add to what it holds when it starts (0: no cap).
        max_result_bytes: largest result a process may send back (413 past it).
        sparql_wait: seconds an ad-hoc query waits for a free slot before 503.
    """

    def __init__(self, timeout: float, max_running: int, *, max_sparql: int | None = None,
                 per_client: int | None = None, memory_bytes: int = 1 << 30,
                 max_result_bytes: int = 256 << 20, sparql_wait: float = 1.0,
                 app_per_client: int | None = None) -> None:
        self.timeout = timeout
        self.max_running = max_running
        self.max_sparql = max_sparql or max_running
        self.per_client = per_client or max(1, (self.max_sparql + 1) // 2)
        self.app_per_client = app_per_client or max(1, max_running // 2)
        self.memory_bytes = memory_bytes
        self.max_result_bytes = max_result_bytes
        self.sparql_wait = min(sparql_wait, timeout)
        self._slots = {APP: asyncio.Semaphore(max_running), SPARQL: asyncio.Semaphore(self.max_sparql)}
        self._clients: dict[str, int] = {}
        #: Lane ``app``: each client's share of the slots, and how many of its requests use it.
        self._shares: dict[str, list] = {}
        self._children: set[int] = set()
        self.stats = RunnerStats()
        #: The workers of :meth:`call`, once :meth:`attach` gave the store (else :meth:`call` forks).
        self.pool: WorkerPool | None = None
        self._store_of: Callable[[], object] | None = None
        #: Set by :meth:`stop` (the server is stopping): no new work, running work killed.
        self.stopping = False
        #: When the last request other than ad-hoc SPARQL arrived (``time.monotonic()``).
        self.other_request_at = float("-inf")
        _RUNNERS.add(self)

    def attach(self, store_of: Callable[[], object], generation_of: Callable[[], object]) -> None:
        """Give the served store (``store_of()``) and its data generation: :meth:`call` then runs in
        long-lived workers (:class:`~cipt_graph.api.pool.WorkerPool`)."""
        self._store_of = store_of
        self.pool = WorkerPool(store_of, generation_of, memory_bytes=self.memory_bytes,
                               max_result_bytes=self.max_result_bytes, nice=SPARQL_NICE, contended=self.contended)

    def contended(self) -> bool:
        """Whether pages, the API or the named queries want the CPU: lane ``app`` work runs, or a
        request other than ad-hoc SPARQL arrived within ``CONTENDED_FOR`` seconds (see
        :class:`NoteActivity`). A long ad-hoc query's priority is lowered only then: alone, it
        runs at full speed (and its worker, its caches warm, is kept)."""
        return self.stats.running[APP] > 0 or time.monotonic() - self.other_request_at < CONTENDED_FOR

    # --- admission -------------------------------------------------------------------------------

    @asynccontextmanager
    async def _admitted(self, lane: str, client: str | None, timeout: float | None):
        """A slot of ``lane`` (and of the client's share): yields the work's :class:`Deadline`."""
        if self.stopping:
            raise self._stopping_error()
        arrived = time.monotonic()
        if client is None:
            client = CLIENT.get()
        counted = lane == SPARQL and client is not None
        if counted:
            if self._clients.get(client, 0) >= self.per_client:
                self.stats.refused_client += 1
                raise ApiError(429, f"you already run {self.per_client} SPARQL queries at once, this service's "
                                    "limit per client; wait for one to finish", self._retry_after(),
                               fr=f"vous faites déjà tourner {self.per_client} requêtes SPARQL à la fois, la limite "
                                  "de ce service par client ; attendez que l'une se termine")
            self._clients[client] = self._clients.get(client, 0) + 1
        share, held = None, False
        if lane == APP and client is not None:
            share = self._shares.setdefault(client, [asyncio.Semaphore(self.app_per_client), 0])
            share[1] += 1
        try:
            slots = self._slots[lane]
            limit_s = timeout or self.timeout
            if share is not None:
                try:
                    if share[0].locked():
                        await asyncio.wait_for(share[0].acquire(), limit_s)
                    else:
                        await share[0].acquire()
                except asyncio.TimeoutError:
                    self.stats.refused_client += 1
                    raise ApiError(429, f"you already run {self.app_per_client} requests at once, this service's "
                                        "limit per client; wait for one to finish", self._retry_after(),
                                   fr=f"vous avez déjà {self.app_per_client} demandes en cours, la limite de ce "
                                      "service par client ; attendez que l'une se termine") from None
                held = True
            wait = self.sparql_wait if lane == SPARQL else limit_s
            try:
                if slots.locked():  # a free slot is taken at once, without wait_for's task
                    await asyncio.wait_for(slots.acquire(), wait)
                else:
                    await slots.acquire()
            except asyncio.TimeoutError:
                self.stats.refused_busy += 1
                limit = self.max_sparql if lane == SPARQL else self.max_running
                raise ApiError(503, f"the server is busy: {limit} queries are running; try again shortly",
                               self._retry_after(),
                               fr=f"le serveur est occupé : {limit} requêtes sont en cours ; réessayez dans un instant"
                               ) from None
            self.stats.running[lane] += 1
            try:
                # Ad-hoc SPARQL: the limit counts from the request's arrival (its wait for a slot, at most
                # ``sparql_wait``, included), so a heavy query stops using CPU at the limit as its client
                # sees it; other work gets its whole limit once it has a slot.
                yield Deadline(limit_s, arrived if lane == SPARQL else None)
            finally:
                self.stats.running[lane] -= 1
                slots.release()
        finally:
            if share is not None:
                if held:
                    share[0].release()
                share[1] -= 1
                if share[1] <= 0:
                    self._shares.pop(client, None)
            if counted:
                left = self._clients.get(client, 1) - 1
                if left > 0:
                    self._clients[client] = left
                else:
                    self._clients.pop(client, None)

    # --- running ---------------------------------------------------------------------------------

    async def call(self, function: Callable[..., T], *args, lane: str = APP, client: str | None = None,
                   timeout: float | None = None) -> T:
        """``function(store, deadline, *args)`` in a pool worker, once a slot of ``lane`` is free.

        Both lanes share the workers (at most ``max_sparql + max_running`` are busy at once);
        only ad-hoc SPARQL has its priority lowered when it runs long.

        ``function`` must be a module-level function (it is sent by name) and ``args`` and its
        result picklable. Without :meth:`attach`, the work is forked as :meth:`run` does.

        Raises:
            ApiError: as :meth:`run`.
        """
        async with self._admitted(lane, client, timeout) as deadline:
            if self.pool is None:
                store = self._store_of() if self._store_of else None
                return await self._again(lambda: self._fork(lambda d: function(store, d, *args), lane, deadline),
                                         deadline)
            fresh = False

            async def pooled():
                nonlocal fresh
                self.stats.started += 1
                try:
                    kind, value = await self.pool.call(function, args, deadline, lower=lane == SPARQL, fresh=fresh)
                except WorkerTimedOut:
                    raise self._timeout_error(deadline.seconds) from None
                except ResultTooLarge:
                    raise self._too_large_error() from None
                except PoolStopping:
                    raise self._stopping_error() from None
                except procs.ForkFailed as exc:
                    raise self._fork_error(exc) from None
                finally:
                    fresh = True  # a second try runs in a worker forked for it
                self.stats.finished += 1
                return self._outcome(kind, value, deadline.seconds)

            return await self._again(pooled, deadline)

    async def _again(self, attempt: Callable[[], object], deadline: Deadline):
        """``await attempt()``; once more when a signal from outside killed its process (the OOM
        killer, an operator: not the work's doing), within the same deadline; a second such
        death is a 503 with ``Retry-After``. Any other death without an answer: see :meth:`_died_error`."""
        try:
            return await attempt()
        except WorkerDied as died:
            if (self.stopping or not procs.killed_from_outside(died.status)
                    or deadline.at - time.monotonic() <= 0):
                raise self._died_error(died.status) from None
            log.warning("a query process was killed from outside (%s); its work runs again in a new one",
                        procs.signal_name(died.status))
            self.stats.retried += 1
        try:
            return await attempt()
        except WorkerDied as died:
            raise self._died_error(died.status) from None

    async def run(self, work: Callable[[Deadline], T], *, lane: str = APP, client: str | None = None,
                  timeout: float | None = None) -> T:
        """Run ``work(deadline)`` in a child process, once a slot of ``lane`` is free.

        Returns what ``work`` returns (it must be picklable), or raises what it raised.
        ``timeout`` replaces the runner's time limit for this work (the reports' longer limit).

        Raises:
            ApiError: 503 (busy, time limit, memory limit), 429 (this client runs too many
                ad-hoc queries), 413 (result too large); each with ``Retry-After`` when retrying helps.
        """
        async with self._admitted(lane, client, timeout) as deadline:
            return await self._again(lambda: self._fork(work, lane, deadline), deadline)

    async def _fork(self, work: Callable[[Deadline], T], lane: str, deadline: Deadline) -> T:
        loop = asyncio.get_running_loop()
        try:
            pid, ((read_fd, write_fd),) = procs.fork_with_pipes(1)
        except procs.ForkFailed as exc:
            raise self._fork_error(exc) from None
        if pid == 0:  # the child
            os.close(read_fd)
            _child_main(work, deadline, write_fd, self.memory_bytes, SPARQL_NICE if lane == SPARQL else 0)
        os.close(write_fd)
        self._children.add(pid)
        self.stats.started += 1
        os.set_blocking(read_fd, False)
        chunks: list[bytes] = []
        received = 0
        done: asyncio.Future = loop.create_future()

        def readable() -> None:
            nonlocal received
            try:
                while True:
                    chunk = os.read(read_fd, 1 << 20)
                    if not chunk:
                        if not done.done():
                            done.set_result(None)
                        return
                    received += len(chunk)
                    if received > self.max_result_bytes:
                        if not done.done():
                            done.set_exception(_ResultTooLarge())
                        return
                    chunks.append(chunk)
            except BlockingIOError:
                return
            except OSError as exc:
                if not done.done():
                    done.set_exception(exc)

        loop.add_reader(read_fd, readable)
        killed = False
        try:
            await asyncio.wait_for(asyncio.shield(done), max(0.0, deadline.at - time.monotonic()))
        except asyncio.TimeoutError:
            killed = True
            raise self._timeout_error(deadline.seconds) from None
        except _ResultTooLarge:
            killed = True
            raise self._too_large_error() from None
        except BaseException:
            killed = True  # cancelled (the client left, the server stops)
            raise
        finally:
            loop.remove_reader(read_fd)
            os.close(read_fd)
            if killed:
                procs.kill(pid)
                self._reap_later(pid)
        data = b"".join(chunks)
        self.stats.finished += 1
        if data:
            self._reap_later(pid)  # the answer need not wait for the child's exit
        else:
            try:
                status = await procs.reap(pid)
            finally:
                self._children.discard(pid)
            raise WorkerDied(status)  # answered by _again
        try:
            kind, value = pickle.loads(data)
        except Exception:
            if self.stopping:  # killed while it was sending its answer
                raise self._stopping_error() from None
            raise
        return self._outcome(kind, value, deadline.seconds)

    def _reap_later(self, pid: int) -> None:
        procs.reap_later(pid, lambda: self._children.discard(pid))

    def stop(self) -> None:
        """The server is stopping: refuse new work and kill the running work now (its requests get
        503 at once), so that answers in flight do not hold the graceful stop; reaped as usual."""
        self.stopping = True
        for pid in list(self._children):
            procs.kill(pid)
        if self.pool is not None:
            self.pool.stop()

    def shutdown(self) -> None:
        """Kill every running process (the server is stopping)."""
        for pid in list(self._children):
            procs.kill(pid)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self._children.clear()
        if self.pool is not None:
            self.pool.shutdown()


def stop_all_queries() -> None:
    """Call :meth:`QueryRunner.stop` on every runner of this process (on SIGTERM / Ctrl-C)."""
    for runner in list(_RUNNERS):
        runner.stop()


async def run_limited(request, work: Callable[[Deadline], T], *, report: bool = False) -> T:
    """``work`` through the app's :class:`QueryRunner` (lane ``app``), or in a thread when the app
    has none (a router mounted alone, in tests). A ``report`` (the audit, a diff of versions) gets
    the reports' time limit (``report_timeout``) instead of the queries'."""
    runner = getattr(request.app.state, "runner", None)
    if runner is not None:
        settings = getattr(request.app.state, "settings", None)
        timeout = getattr(settings, "report_timeout", None) if report else None
        return await runner.run(work, timeout=timeout)
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(work, Deadline(3600.0))
