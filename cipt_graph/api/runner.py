"""Running store work in a child process that is killed at the time limit (issue #11).

pyoxigraph cannot interrupt a query, and a query can ask for unbounded memory (nested
``REPLACE``). So every piece of work that touches the store — a SPARQL query, a named query, a
page, an export, the audit, a diff of versions — runs in a process forked for it:

- the child inherits the served store as it is at that moment (copy-on-write pages: no copy,
  no serialisation), runs the work in a thread with a 256 MiB stack (deep parser recursion
  stays inside the child), and sends the pickled result back through a pipe;
- its address space is capped (``RLIMIT_AS``: its size at fork plus ``memory_bytes``): a query
  past the cap fails its allocation and the child dies; the answer is 503, the server lives;
- at the time limit the parent kills it (``SIGKILL``): its CPU and memory are released at once,
  whatever it was doing; a result larger than ``max_result_bytes`` is cut the same way (413);
- the children of ad-hoc SPARQL (lane ``sparql``) run at a lower CPU priority (``nice``) and on
  their own slots, with a per-client cap: pages, the JSON API and the named queries (lane
  ``app``) never wait behind them.

A refusal says why and when to retry (``Retry-After``). Children die with the server
(``PR_SET_PDEATHSIG``) and are killed when it stops.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import pickle
import resource
import signal
import stat
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ..errors import CiptError
from .errors import ApiError, log

T = TypeVar("T")

#: Stack size of the thread that runs the work in the child (Oxigraph parses recursively: a long
#: chain of operators overflows a default 8 MiB stack, issue #8).
QUERY_THREAD_STACK = 256 * 1024 * 1024
#: Lanes of work: ad-hoc SPARQL, and everything else (pages, JSON API, named queries, exports).
SPARQL, APP = "sparql", "app"
#: How much lower the CPU priority of ad-hoc SPARQL children is.
SPARQL_NICE = 10
_PR_SET_PDEATHSIG = 1
#: Every runner of this process, for :func:`stop_all_queries`.
_RUNNERS: weakref.WeakSet = weakref.WeakSet()


class QueryTimeout(Exception):
    """Raised inside the work when the deadline has passed (a cooperative check)."""


class Deadline:
    """A point in time the work must not run past."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def check(self) -> None:
        """Raises QueryTimeout once the deadline has passed."""
        if time.monotonic() > self.at:
            raise QueryTimeout


class _ResultTooLarge(Exception):
    pass


@dataclass
class RunnerStats:
    """Counters of the runner, for tests and monitoring (``/api/service/stats``)."""

    started: int = 0
    finished: int = 0
    timed_out: int = 0
    out_of_memory: int = 0
    refused_busy: int = 0
    refused_client: int = 0
    running: dict[str, int] = field(default_factory=lambda: {SPARQL: 0, APP: 0})


def _libc_prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _close_inherited_sockets(keep: int) -> None:
    """Close the sockets the child inherited (listening socket, client connections): the server's
    connections then close when the server says so, not when a child ends."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # pragma: no cover - no /proc
        return
    for fd in fds:
        if fd <= 2 or fd == keep:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass


def _vm_size() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * resource.getpagesize()


def _raise_stack_limit() -> bool:
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    if soft == resource.RLIM_INFINITY or soft >= QUERY_THREAD_STACK:
        return True
    if hard != resource.RLIM_INFINITY and hard < QUERY_THREAD_STACK:
        return False
    try:
        resource.setrlimit(resource.RLIMIT_STACK, (QUERY_THREAD_STACK, hard))
        return True
    except (ValueError, OSError):
        return False


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _child_main(work: Callable[[Deadline], object], deadline: Deadline, out: int, memory_bytes: int,
                nice: int) -> None:
    """In the forked child: run ``work`` and send ``("ok", value)`` or ``("err", exception)``; never returns."""
    code = 0
    try:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        try:
            signal.set_wakeup_fd(-1)
        except (ValueError, OSError):
            pass
        _libc_prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the server died between fork and prctl
            os._exit(1)
        _close_inherited_sockets(out)
        if nice:
            os.nice(nice)
        box: list = []

        def target() -> None:
            try:
                box.append(("ok", work(deadline)))
            except MemoryError:
                box.append(("mem", None))
            except BaseException as exc:  # sent to the parent, which answers for it
                exc.__traceback__ = exc.__context__ = exc.__cause__ = None
                box.append(("err", exc))

        # The main thread's stack grows up to RLIMIT_STACK, read when it grows: raise it in place of a
        # thread with a large stack (a thread costs milliseconds per request).
        in_main = threading.current_thread() is threading.main_thread() and _raise_stack_limit()
        if memory_bytes:
            limit = _vm_size() + QUERY_THREAD_STACK + memory_bytes
            _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        if in_main:
            target()
        else:
            threading.stack_size(QUERY_THREAD_STACK)
            thread = threading.Thread(target=target, name="cipt-query")
            thread.start()
            thread.join()
        kind, value = box[0] if box else ("err", RuntimeError("no result"))
        try:
            payload = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            payload = pickle.dumps(("mem", None))
        except Exception as exc:  # an unpicklable value or exception
            payload = pickle.dumps(("err", RuntimeError(f"unpicklable result: {type(exc).__name__}: {exc}")))
        _write_all(out, payload)
    except MemoryError:
        code = 3
    except BaseException:  # pragma: no cover - last resort: the parent sees no result
        code = 1
    finally:
        os._exit(code)


class QueryRunner:
    """Runs store work in killable child processes, within time, memory and concurrency limits.

    Args:
        timeout: seconds a piece of work may take (the child is killed past it).
        max_running: children running at once for pages, API and named queries (lane ``app``).
        max_sparql: children running at once for ad-hoc SPARQL (lane ``sparql``); default ``max_running``.
        per_client: ad-hoc SPARQL queries one client (IP address) may run at once.
        memory_bytes: address space a child may add to what it inherited (0: no cap).
        max_result_bytes: largest result a child may send back (413 past it).
        sparql_wait: seconds an ad-hoc query waits for a free slot before 503.
    """

    def __init__(self, timeout: float, max_running: int, *, max_sparql: int | None = None,
                 per_client: int | None = None, memory_bytes: int = 1 << 30,
                 max_result_bytes: int = 256 << 20, sparql_wait: float = 1.0) -> None:
        self.timeout = timeout
        self.max_running = max_running
        self.max_sparql = max_sparql or max_running
        self.per_client = per_client or max(1, (self.max_sparql + 1) // 2)
        self.memory_bytes = memory_bytes
        self.max_result_bytes = max_result_bytes
        self.sparql_wait = min(sparql_wait, timeout)
        self._slots = {APP: asyncio.Semaphore(max_running), SPARQL: asyncio.Semaphore(self.max_sparql)}
        self._clients: dict[str, int] = {}
        self._children: set[int] = set()
        self.stats = RunnerStats()
        #: Set by :meth:`stop` (the server is stopping): no new work, running work killed.
        self.stopping = False
        _RUNNERS.add(self)

    # --- answers ---------------------------------------------------------------------------------

    def _retry_after(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, round(self.timeout)))}

    def _timeout_error(self, seconds: float | None = None) -> ApiError:
        return ApiError(503, f"the query ran past the time limit of {seconds or self.timeout:g} s and was stopped; "
                             "narrow it (a LIMIT, more selective patterns) or ask for a longer limit",
                        self._retry_after())

    def _stopping_error(self) -> ApiError:
        return ApiError(503, "the server is stopping; try again shortly", self._retry_after())

    def _memory_error(self) -> ApiError:
        return ApiError(503, f"the query needed more memory than this service's limit of "
                             f"{self.memory_bytes // (1 << 20)} MiB and was stopped; narrow it",
                        self._retry_after())

    # --- running ---------------------------------------------------------------------------------

    async def run(self, work: Callable[[Deadline], T], *, lane: str = APP, client: str | None = None,
                  timeout: float | None = None) -> T:
        """Run ``work(deadline)`` in a child process, once a slot of ``lane`` is free.

        Returns what ``work`` returns (it must be picklable), or raises what it raised.
        ``timeout`` replaces the runner's time limit for this work (the reports' longer limit).

        Raises:
            ApiError: 503 (busy, time limit, memory limit), 429 (this client runs too many
                ad-hoc queries), 413 (result too large); each with ``Retry-After`` when retrying helps.
        """
        if self.stopping:
            raise self._stopping_error()
        arrived = time.monotonic()
        counted = lane == SPARQL and client is not None
        if counted:
            if self._clients.get(client, 0) >= self.per_client:
                self.stats.refused_client += 1
                raise ApiError(429, f"you already run {self.per_client} SPARQL queries at once, this service's "
                                    "limit per client; wait for one to finish", self._retry_after())
            self._clients[client] = self._clients.get(client, 0) + 1
        try:
            slots = self._slots[lane]
            limit_s = timeout or self.timeout
            wait = self.sparql_wait if lane == SPARQL else limit_s
            try:
                await asyncio.wait_for(slots.acquire(), wait)
            except asyncio.TimeoutError:
                self.stats.refused_busy += 1
                limit = self.max_sparql if lane == SPARQL else self.max_running
                raise ApiError(503, f"the server is busy: {limit} queries are running; try again shortly",
                               self._retry_after()) from None
            self.stats.running[lane] += 1
            try:
                # Ad-hoc SPARQL: the limit counts from the request's arrival (its wait for a slot, at most
                # ``sparql_wait``, included), so a heavy query stops using CPU at the limit as its client
                # sees it; other work gets its whole limit once it has a slot.
                return await self._fork(work, lane, limit_s, arrived if lane == SPARQL else None)
            finally:
                self.stats.running[lane] -= 1
                slots.release()
        finally:
            if counted:
                left = self._clients.get(client, 1) - 1
                if left > 0:
                    self._clients[client] = left
                else:
                    self._clients.pop(client, None)

    async def _fork(self, work: Callable[[Deadline], T], lane: str, seconds: float, since: float | None = None) -> T:
        loop = asyncio.get_running_loop()
        deadline = Deadline(seconds)
        if since is not None:
            deadline.at = since + seconds
        read_fd, write_fd = os.pipe()
        pid = os.fork()
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
            self.stats.timed_out += 1
            raise self._timeout_error(seconds) from None
        except _ResultTooLarge:
            killed = True
            raise ApiError(413, f"the result is larger than {self.max_result_bytes} bytes, this service's limit; "
                                "page through it with LIMIT and OFFSET") from None
        except BaseException:
            killed = True  # cancelled (the client left, the server stops)
            raise
        finally:
            loop.remove_reader(read_fd)
            os.close(read_fd)
            if killed:
                self._kill(pid)
                self._reap_later(pid)
        data = b"".join(chunks)
        self.stats.finished += 1
        if data:
            self._reap_later(pid)  # the answer need not wait for the child's exit
        else:
            status = await self._reap(pid)
            if self.stopping:
                raise self._stopping_error()
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS) \
                    or os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3:
                # Rust aborts when an allocation fails under RLIMIT_AS.
                self.stats.out_of_memory += 1
                raise self._memory_error()
            log.error("a query process ended without an answer (status %s)", status)
            raise ApiError(500, "internal error (logged on the server)")
        try:
            kind, value = pickle.loads(data)
        except Exception:
            if self.stopping:  # killed while it was sending its answer
                raise self._stopping_error() from None
            raise
        if kind == "ok":
            return value
        if kind == "mem":
            self.stats.out_of_memory += 1
            raise self._memory_error()
        if isinstance(value, QueryTimeout):
            self.stats.timed_out += 1
            raise self._timeout_error()
        if isinstance(value, MemoryError):
            self.stats.out_of_memory += 1
            raise self._memory_error()
        if not isinstance(value, (ApiError, CiptError)):
            log.error("unexpected error in a query: %s: %s", type(value).__name__, value)
        raise value

    def _kill(self, pid: int) -> None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    async def _reap(self, pid: int) -> int:
        """Wait for the child's end without blocking the event loop; its wait status."""
        delay = 0.0005
        try:
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    return status
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
        except ChildProcessError:
            return 0
        finally:
            self._children.discard(pid)

    def _reap_later(self, pid: int) -> None:
        """Reap the child when it exits, from the event loop (a pidfd), without waiting for it."""
        loop = asyncio.get_running_loop()
        try:
            pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):  # pragma: no cover - old kernel: poll instead
            loop.create_task(self._reap(pid))
            return

        def exited() -> None:
            loop.remove_reader(pidfd)
            os.close(pidfd)
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            self._children.discard(pid)

        loop.add_reader(pidfd, exited)

    def stop(self) -> None:
        """The server is stopping: refuse new work and kill the running work now (its requests get
        503 at once), so that answers in flight do not hold the graceful stop; reaped as usual."""
        self.stopping = True
        for pid in list(self._children):
            self._kill(pid)

    def shutdown(self) -> None:
        """Kill every running child (the server is stopping)."""
        for pid in list(self._children):
            self._kill(pid)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self._children.clear()


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
