"""A pool of long-lived query worker processes, for ad-hoc SPARQL and the named queries (issue #11).

Forking a process per query kept every guarantee but cost its price per request: 19 ms to fork
a 150 MiB server on this machine, and a cold RocksDB block cache in every child. A worker of
this pool lives across requests instead:

- it is forked from the server (in memory: copy-on-write, the data as served at that moment; on
  disk: the server's in-memory copy of a small store (:mod:`cipt_graph.api.mirror`), else it opens
  the store read-only itself, so its block cache warms over its requests; remote: its own
  connections) and then only reads requests from a pipe (:mod:`cipt_graph.api.worker`);
- a request is data, never a closure: a module-level function (pickled by name), its arguments
  and the :class:`~cipt_graph.api.procs.Deadline`; the worker calls ``function(store, deadline,
  *arguments)`` and sends back the pickled outcome (``ok`` value, ``err`` exception, ``mem``),
  with its resident and virtual memory after the work;
- at the time limit the server kills it (``SIGKILL``: its CPU stops at once) and forks a new
  one for the next request; past its memory cap (``RLIMIT_AS``, set once when it starts) its
  allocation fails, it ends, the request gets 503 and it is replaced; a result larger than the
  limit is cut the same way;
- a request that used ``NICE_AFTER`` seconds of CPU while other work wants the CPU (``contended``)
  has its worker's priority lowered; after its answer the priority is raised back where the
  system allows it (root, ``RLIMIT_NICE``), else the worker is retired;
- a worker whose memory grew past ``max_growth`` since its first answer, or that served
  ``MAX_REQUESTS``, is retired after its answer;
- a worker dies with the thread that forked it (``PR_SET_PDEATHSIG`` follows the forking thread,
  not the process: prctl(2)): an idle worker whose thread has ended is never given a request (an
  event loop run in a thread that then ends, as Starlette's ``TestClient`` does per request outside
  ``with``); ``cipt serve`` forks from its main thread;
- workers belong to a generation of the data (the data version; one for a remote store, whose
  data the worker does not hold): when the data changes, idle workers of older generations are
  killed at once and busy ones when they finish, so no answer comes from old data.

The caller (:class:`~cipt_graph.api.runner.QueryRunner`) bounds how many requests run at once
(its lane's slots): the pool forks a worker when none of the current generation is idle.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import procs
from .worker import ANSWER as _ANSWER
from .worker import REQUEST as _REQUEST
from .worker import worker_main as _worker_main

log = logging.getLogger("cipt_graph.api")

#: Seconds of CPU a request may use at the worker's normal priority; past them its priority is
#: lowered (so pages and named queries keep the CPU) and the worker is retired after answering.
#: CPU, not wall time: eight light queries sharing two cores are not heavy ones.
NICE_AFTER = 0.25
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
#: Requests a worker serves before it is replaced (bounds what slow leaks could add up to).
MAX_REQUESTS = 10_000


class WorkerTimedOut(Exception):
    """The request ran past its deadline; its worker was killed."""


class ResultTooLarge(Exception):
    """The outcome was larger than the pool's limit; its worker was killed."""


class PoolStopping(Exception):
    """The server is stopping; the worker was killed."""


class WorkerDied(Exception):
    """The worker ended without an answer; ``status`` is its wait status."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class PoolStats:
    """Counters of the pool, for tests and monitoring."""

    spawned: int = 0
    served: int = 0
    #: Workers ended, by reason: time, memory, died, too_large, cancelled, data, priority, growth, worn,
    #: stop, orphaned (the thread that forked it ended), killed (by a signal from outside: the OOM
    #: killer, an operator).
    retired: dict[str, int] = field(default_factory=dict)


@dataclass
class _Worker:
    pid: int
    requests: int  # write end of the requests pipe
    answers: int  # read end of the answers pipe (non-blocking)
    generation: object
    served: int = 0
    niced: bool = False
    base_rss: int | None = None
    reaped: bool = False
    watch: asyncio.TimerHandle | None = None
    cpu: float = 0.0  # CPU seconds it used up to its last answer (idle, it uses none)
    #: The thread that forked it: the worker is killed when it ends (PR_SET_PDEATHSIG).
    thread: threading.Thread = field(default_factory=threading.current_thread)


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process used so far, from ``/proc/PID/stat``; 0 when unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


class WorkerPool:
    """Long-lived query workers (see the module's doc).

    Args:
        store_of: the served store now (workers are forked with it).
        generation_of: the data's generation now; workers of another one are not used.
        memory_bytes: address space a worker may add to what it holds when it starts (0: no cap).
        max_result_bytes: largest pickled outcome accepted (``ResultTooLarge`` past it).
        nice: how much a request's priority is lowered past ``NICE_AFTER`` seconds of CPU (0: never).
        contended: whether other work (pages, the API) wants the CPU now; while it says no, a long
            request keeps its priority (default: always lowered).
        max_growth: resident memory a worker may gain over its first answer before it is retired.
    """

    def __init__(self, store_of: Callable[[], object], generation_of: Callable[[], object], *,
                 memory_bytes: int, max_result_bytes: int, nice: int = 10, max_growth: int | None = None,
                 contended: Callable[[], bool] | None = None) -> None:
        self._store_of = store_of
        #: Whether other work wants the CPU now (a long request's priority is lowered only then).
        self._contended = contended
        self._generation_of = generation_of
        self.memory_bytes = memory_bytes
        self.max_result_bytes = max_result_bytes
        self.nice = nice
        self.max_growth = max_growth or min(256 << 20, max(64 << 20, memory_bytes // 4 if memory_bytes else 256 << 20))
        self._idle: list[_Worker] = []
        self._workers: dict[int, _Worker] = {}
        self.stats = PoolStats()
        self.stopping = False

    # --- workers ---------------------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        generation = self._generation_of()  # read before the fork: a worker is never newer than its tag
        store = self._store_of()
        others = [fd for w in self._workers.values() for fd in (w.requests, w.answers)]
        pid, ((req_r, req_w), (ans_r, ans_w)) = procs.fork_with_pipes(2)  # ForkFailed: nothing opened
        if pid == 0:
            os.close(req_w)
            os.close(ans_r)
            _worker_main(store, req_r, ans_w, self.memory_bytes, others)
        os.close(req_r)
        os.close(ans_w)
        os.set_blocking(ans_r, False)
        procs.widen_pipe(ans_r)
        worker = _Worker(pid, req_w, ans_r, generation)
        self._workers[pid] = worker
        self.stats.spawned += 1
        return worker

    def _retire(self, worker: _Worker, why: str) -> None:
        """Kill the worker (it may be dead already) and reap it in the background."""
        if self._workers.pop(worker.pid, None) is None:
            return
        self.stats.retired[why] = self.stats.retired.get(why, 0) + 1
        for fd in (worker.requests, worker.answers):
            try:
                os.close(fd)
            except OSError:
                pass
        if worker.reaped:  # its pid may belong to another process by now
            return
        procs.kill(worker.pid)
        try:
            procs.reap_later(worker.pid)
        except RuntimeError:  # no running loop (shutdown): reap now
            try:
                os.waitpid(worker.pid, 0)
            except ChildProcessError:
                pass

    def recycle(self) -> None:
        """Kill the idle workers of older generations (the data changed)."""
        generation = self._generation_of()
        for worker in [w for w in self._idle if w.generation != generation]:
            self._idle.remove(worker)
            self._retire(worker, "data")

    def prestart(self, count: int) -> None:
        """Fork ``count`` idle workers now (so the first requests do not pay for it)."""
        while len(self._idle) < count and not self.stopping:
            try:
                self._idle.append(self._spawn())
            except procs.ForkFailed as exc:  # forked on demand later; a request then says why if it fails again
                log.warning("could not fork an idle query worker (%s)", exc)
                return

    def _take(self) -> _Worker:
        self.recycle()
        while self._idle:
            worker = self._idle.pop()
            if worker.thread.is_alive():
                return worker
            # Its forking thread ended: the kernel kills it (PR_SET_PDEATHSIG), perhaps only after
            # a request written to its pipe now; that request would get no answer.
            self._retire(worker, "orphaned")
        return self._spawn()

    @property
    def pids(self) -> list[int]:
        """The workers alive (idle or busy)."""
        return list(self._workers)

    # --- requests --------------------------------------------------------------------------------

    async def call(self, function: Callable, args: tuple, deadline: procs.Deadline, *,
                   lower: bool = True, fresh: bool = False) -> tuple[str, object]:
        """``function(store, deadline, *args)`` in a worker; its outcome ``(kind, value)``.
        ``lower``: lower the worker's priority once the request used ``NICE_AFTER`` s of CPU;
        ``fresh``: in a worker forked for it (the request's previous worker was killed from outside).

        Raises:
            WorkerTimedOut, ResultTooLarge, WorkerDied (status), PoolStopping,
            procs.ForkFailed (no idle worker, and the system refused a new one).
        """
        if self.stopping:
            raise PoolStopping
        request = pickle.dumps((function, args, deadline), protocol=pickle.HIGHEST_PROTOCOL)
        worker = self._spawn() if fresh else self._take()
        try:
            procs.write_all(worker.requests, _REQUEST.pack(len(request)) + request)
        except OSError:  # it died while idle (killed from outside): one more, fresh
            self._retire(worker, "died")
            worker = self._spawn()
            try:
                procs.write_all(worker.requests, _REQUEST.pack(len(request)) + request)
            except OSError:  # killed at once too: its status says by what
                status = await procs.reap(worker.pid)
                worker.reaped = True
                self._retire(worker, "killed")
                raise WorkerDied(status) from None
        loop = asyncio.get_running_loop()
        if self.nice and lower:
            worker.watch = loop.call_later(NICE_AFTER, self._watch_cpu, worker,
                                           worker.cpu if worker.served else _cpu_seconds(worker.pid))
        why = "cancelled"
        try:
            payload, rss = await self._receive(worker, deadline)
            why = ""
        except asyncio.TimeoutError:
            why = "time"
            raise WorkerTimedOut from None
        except ResultTooLarge:
            why = "too_large"
            raise
        except WorkerDied as died:
            why = ("memory" if procs.died_of_memory(died.status)
                   else "killed" if procs.killed_from_outside(died.status) else "died")
            if self.stopping:
                raise PoolStopping from None
            raise
        finally:
            if worker.watch is not None:
                worker.watch.cancel()
                worker.watch = None
            if why:
                self._retire(worker, why)
        self.stats.served += 1
        worker.served += 1
        if worker.base_rss is None:
            worker.base_rss = rss
        try:
            kind, value = pickle.loads(payload)
        except BaseException:
            self._retire(worker, "died")
            raise
        if worker.niced and kind != "mem" and not self.stopping:
            try:  # back to the normal priority, where allowed (root, or RLIMIT_NICE); else replaced
                os.setpriority(os.PRIO_PROCESS, worker.pid, 0)
                worker.niced = False
            except OSError:
                pass
        why = ("memory" if kind == "mem" else "stop" if self.stopping else "priority" if worker.niced
               else "data" if worker.generation != self._generation_of()
               else "growth" if rss > worker.base_rss + self.max_growth
               else "worn" if worker.served >= MAX_REQUESTS else "")
        if why:
            self._retire(worker, why)
        else:
            self._idle.append(worker)
        return kind, value

    def _watch_cpu(self, worker: _Worker, since: float) -> None:
        """Lower the worker's priority once its request used NICE_AFTER seconds of CPU; else look again."""
        worker.watch = None
        if worker.pid not in self._workers or worker.reaped:
            return
        if _cpu_seconds(worker.pid) - since < NICE_AFTER or (self._contended is not None and not self._contended()):
            worker.watch = asyncio.get_running_loop().call_later(NICE_AFTER, self._watch_cpu, worker, since)
            return
        try:
            os.setpriority(os.PRIO_PROCESS, worker.pid, self.nice)
            worker.niced = True
        except OSError:
            pass

    async def _receive(self, worker: _Worker, deadline: procs.Deadline) -> tuple[memoryview, int]:
        """The worker's answer (pickled outcome, resident memory), read without blocking the loop."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()
        buffer = bytearray()
        need: list[int] = []  # [payload length, rss] once the head is read
        fd = worker.answers

        def readable() -> None:
            try:
                while not done.done():
                    # One answer per request: reading past the head cannot take the next one.
                    want = 1 << 20 if not need else need[0] + _ANSWER.size - len(buffer)
                    chunk = os.read(fd, min(max(want, 1), 1 << 20))
                    if not chunk:
                        done.set_exception(_Eof())
                        return
                    buffer.extend(chunk)
                    if not need and len(buffer) >= _ANSWER.size:
                        length, rss, cpu = _ANSWER.unpack_from(buffer)
                        worker.cpu = cpu / 1e6
                        if length > self.max_result_bytes:
                            done.set_exception(ResultTooLarge())
                            return
                        need[:] = [length, rss]
                    if need and len(buffer) >= need[0] + _ANSWER.size:
                        done.set_result(None)
            except BlockingIOError:
                return
            except OSError as exc:
                if not done.done():
                    done.set_exception(exc)

        def late() -> None:
            if not done.done():
                done.set_exception(asyncio.TimeoutError())

        loop.add_reader(fd, readable)
        # A timer on the loop, not wait_for(): no task per request.
        timer = loop.call_later(max(0.0, deadline.at - time.monotonic()), late)
        try:
            await done
        except _Eof:
            pass
        else:
            return memoryview(buffer)[_ANSWER.size:], need[1]
        finally:
            timer.cancel()
            loop.remove_reader(fd)
        status = await procs.reap(worker.pid)  # it closed its end: it is ending, its status says why
        worker.reaped = True  # retired (fds closed, counted) by the caller
        raise WorkerDied(status)

    # --- stopping --------------------------------------------------------------------------------

    def stop(self) -> None:
        """The server is stopping: no new request; every worker killed now (busy ones' requests
        raise PoolStopping)."""
        self.stopping = True
        self._idle.clear()
        for pid, worker in list(self._workers.items()):
            if not worker.reaped:
                procs.kill(pid)

    def shutdown(self) -> None:
        """Kill and reap every worker."""
        self.stopping = True
        self._idle.clear()
        for pid, worker in list(self._workers.items()):
            if worker.reaped:
                continue
            procs.kill(pid)
            for fd in (worker.requests, worker.answers):
                try:
                    os.close(fd)
                except OSError:
                    pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self._workers.clear()


class _Eof(Exception):
    pass
