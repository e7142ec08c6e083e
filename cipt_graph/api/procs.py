"""What every query process does for itself (issue #11): shared by the forked children of
:mod:`cipt_graph.api.runner` and the long-lived workers of :mod:`cipt_graph.api.pool`.

A query process dies with the server (``PR_SET_PDEATHSIG``), closes the sockets it inherited
(client connections close when the server says so, not when a child ends), restores the default
signal handlers, may lower its CPU priority (``nice``), raises its stack limit (Oxigraph parses
recursively, issue #8) and caps its address space (``RLIMIT_AS``): an allocation past the cap fails
and the process ends, the server lives.
"""

from __future__ import annotations

import ctypes
import errno
import os
import pickle
import resource
import signal
import stat
import threading
import time

#: Stack size of the thread that runs the work (Oxigraph parses recursively: a long chain of
#: operators overflows a default 8 MiB stack, issue #8).
QUERY_THREAD_STACK = 256 * 1024 * 1024
_PR_SET_PDEATHSIG = 1
#: Exit status of a query process that ran out of memory.
EXIT_MEMORY = 3


class QueryTimeout(Exception):
    """Raised inside the work when the deadline has passed (a cooperative check)."""


class ForkFailed(Exception):
    """The system refused a new query process or its pipes (``EAGAIN``: too many processes for the
    user or the cgroup's ``pids.max``; ``ENOMEM``; ``EMFILE``/``ENFILE``: too many open files).

    ``reason`` names the error (``"EAGAIN"``) for the answer's message and the log."""

    def __init__(self, error: OSError) -> None:
        self.reason = errno.errorcode.get(error.errno or 0, "OSError")
        super().__init__(f"{self.reason}: {error.strerror}")


def fork_with_pipes(count: int) -> tuple[int, list[tuple[int, int]]]:
    """``count`` pipes, then ``os.fork()``: ``(pid, [(read_fd, write_fd), ...])``, ``pid`` 0 in the child.

    Raises:
        ForkFailed: the system refused a pipe or the fork; every pipe opened is closed (nothing leaks).
    """
    pipes: list[tuple[int, int]] = []
    try:
        for _ in range(count):
            pipes.append(os.pipe())
        return os.fork(), pipes
    except OSError as exc:
        for pair in pipes:
            for fd in pair:
                os.close(fd)
        raise ForkFailed(exc) from None


class Deadline:
    """A point in time the work must not run past (``CLOCK_MONOTONIC``: the same in every process)."""

    def __init__(self, seconds: float, since: float | None = None) -> None:
        self.seconds = seconds
        self.at = (time.monotonic() if since is None else since) + seconds

    def check(self) -> None:
        """Raises QueryTimeout once the deadline has passed."""
        if time.monotonic() > self.at:
            raise QueryTimeout


def _libc_prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def close_inherited_sockets(keep: tuple[int, ...]) -> None:
    """Close the sockets the process inherited (listening socket, client connections) but ``keep``."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # pragma: no cover - no /proc
        return
    for fd in fds:
        if fd <= 2 or fd in keep:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass


def vm_size() -> int:
    """Bytes of this process's address space."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * resource.getpagesize()


def rss() -> int:
    """Bytes of this process's resident memory."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()


#: ``fcntl``'s F_SETPIPE_SZ (Linux).
_F_SETPIPE_SZ = 1031


def widen_pipe(fd: int, size: int = 1 << 20) -> None:
    """Let the pipe of ``fd`` hold ``size`` bytes (Linux; the default 64 KiB makes a larger answer
    cross in several wake-ups of both processes); left as it is where refused."""
    try:
        import fcntl

        fcntl.fcntl(fd, _F_SETPIPE_SZ, size)
    except (OSError, ImportError):
        pass


def raise_stack_limit() -> bool:
    """Let the main thread's stack grow to QUERY_THREAD_STACK; False when the hard limit forbids it."""
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


def cap_memory(memory_bytes: int) -> None:
    """Cap the address space at its size now, plus a work stack, plus ``memory_bytes`` (0: no cap)."""
    if not memory_bytes:
        return
    limit = vm_size() + QUERY_THREAD_STACK + memory_bytes
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def become_query_process(keep: tuple[int, ...], nice: int = 0) -> None:
    """In a freshly forked child: default signals, die with the server, inherited sockets closed,
    ``nice`` applied. Exits at once when the server died between fork and here."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    try:
        signal.set_wakeup_fd(-1)
    except (ValueError, OSError):
        pass
    _libc_prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the server died between fork and prctl
        os._exit(1)
    close_inherited_sockets(keep)
    if nice:
        os.nice(nice)


def died_of_memory(status: int) -> bool:
    """Whether a query process's wait status says it ran out of memory (Rust aborts when an
    allocation fails under RLIMIT_AS; Python code exits with EXIT_MEMORY)."""
    return (os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS)
            or os.WIFEXITED(status) and os.WEXITSTATUS(status) == EXIT_MEMORY)


def killed_from_outside(status: int) -> bool:
    """Whether a query process's wait status says a signal ended it that its work did not cause
    (``SIGKILL`` from the kernel's OOM killer or an operator, ``SIGTERM``/``SIGINT`` sent to the
    whole process group, the death of the thread that forked it: ``PR_SET_PDEATHSIG``); the
    server's own kills (time limit, result too large, stopping) are known without the status."""
    return os.WIFSIGNALED(status) and not died_of_memory(status)


def signal_name(status: int) -> str:
    """The name of the signal that ended a process (``SIGKILL``), from its wait status."""
    number = os.WTERMSIG(status)
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run_on_big_stack(call) -> tuple[str, object]:
    """``call()`` on a stack of QUERY_THREAD_STACK: ``("ok", value)``, ``("mem", None)`` or ``("err", exception)``."""
    box: list = []

    def target() -> None:
        try:
            box.append(("ok", call()))
        except MemoryError:
            box.append(("mem", None))
        except BaseException as exc:  # sent to the server, which answers for it
            exc.__traceback__ = exc.__context__ = exc.__cause__ = None
            box.append(("err", exc))

    # The main thread's stack grows up to RLIMIT_STACK, read when it grows: raised in place of a
    # thread with a large stack (a thread costs milliseconds per request).
    if threading.current_thread() is threading.main_thread() and raise_stack_limit():
        target()
    else:
        threading.stack_size(QUERY_THREAD_STACK)
        thread = threading.Thread(target=target, name="cipt-query")
        thread.start()
        thread.join()
    return box[0] if box else ("err", RuntimeError("no result"))


def dump_outcome(kind: str, value: object) -> bytes:
    """The pickled outcome, or what to say when it cannot be pickled."""
    try:
        return pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return pickle.dumps(("mem", None))
    except Exception as exc:  # an unpicklable value or exception
        return pickle.dumps(("err", RuntimeError(f"unpicklable result: {type(exc).__name__}: {exc}")))


async def reap(pid: int) -> int:
    """Wait for a child's end without blocking the event loop; its wait status (0 if already reaped)."""
    import asyncio

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


def reap_later(pid: int, then=None) -> None:
    """Reap a child when it exits, from the running event loop (a pidfd), without waiting for it;
    then call ``then()``."""
    import asyncio

    loop = asyncio.get_running_loop()
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # pragma: no cover - old kernel: poll instead
        async def poll() -> None:
            await reap(pid)
            if then is not None:
                then()
        loop.create_task(poll())
        return

    def exited() -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        if then is not None:
            then()

    loop.add_reader(pidfd, exited)


def kill(pid: int) -> None:
    """SIGKILL, if it is still there."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
