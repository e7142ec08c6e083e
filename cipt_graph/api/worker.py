"""The worker's side of :mod:`cipt_graph.api.pool` (issue #11): read a request from a pipe, run it
over the store, write the answer back; until the pipe closes.

The protocol, over two pipes: a request is its length (``REQUEST``) then the pickled
``(function, arguments, deadline)``; an answer is ``ANSWER`` (the pickled outcome's length, the
worker's resident memory in bytes, the CPU time it used so far in µs) then the pickled outcome
``(kind, value)`` (see :func:`~cipt_graph.api.procs.dump_outcome`), in one write.
"""

from __future__ import annotations

import os
import pickle
import struct
import time

from . import procs

#: Length of the pickled outcome, then the worker's resident memory (bytes) and the CPU time it
#: used so far (µs): the base of the next request's CPU watch, without reading ``/proc`` then.
ANSWER = struct.Struct("!QQQ")
REQUEST = struct.Struct("!Q")
#: Answers up to this size are written with their head in one write: the server wakes up once.
SMALL_ANSWER = 1 << 20


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _worker_store(store):
    """The store as the worker reads it: an on-disk store opened again by the worker (its own
    RocksDB handle and block cache); in memory and remote, the inherited object."""
    from ..stores.embedded import OxigraphStore

    if isinstance(store, OxigraphStore) and store.path is not None:
        try:
            return OxigraphStore(store.path, read_only=True)
        except Exception:  # the inherited handle still reads
            return store
    return store


def worker_main(store, requests: int, answers: int, memory_bytes: int, others: list[int]) -> None:
    """In the worker: serve requests until the pipe closes; never returns."""
    code = 0
    try:
        for fd in others:  # the other workers' pipe ends: their EOF must not depend on this process
            try:
                os.close(fd)
            except OSError:
                pass
        procs.become_query_process((requests, answers))
        store = _worker_store(store)
        procs.raise_stack_limit()
        procs.cap_memory(memory_bytes)
        while True:
            head = _read_exact(requests, REQUEST.size)
            if head is None:
                break
            body = _read_exact(requests, REQUEST.unpack(head)[0])
            if body is None:
                break
            function, args, deadline = pickle.loads(body)
            kind, value = procs.run_on_big_stack(lambda: function(store, deadline, *args))
            payload = procs.dump_outcome(kind, value)
            said = ANSWER.pack(len(payload), procs.rss(), int(time.process_time() * 1e6))
            if len(payload) <= SMALL_ANSWER:  # one write (the pipe holds 1 MiB, see WorkerPool._spawn)
                procs.write_all(answers, said + payload)
            else:  # no copy of a large answer under the memory cap
                procs.write_all(answers, said)
                procs.write_all(answers, payload)
            del value, payload
            if kind == "mem":
                code = procs.EXIT_MEMORY
                break
    except MemoryError:
        code = procs.EXIT_MEMORY
    except BaseException:  # pragma: no cover - last resort: the server sees no answer
        code = 1
    finally:
        os._exit(code)
