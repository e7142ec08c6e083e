"""A query process killed from outside the service (the kernel's OOM killer, an operator) is not
the request's fault (issue #11): over a real `cipt serve`, its work runs once more in a new
process and the request gets its answer; killed again, the request gets 503 with ``Retry-After``
in French by default, never a 500; the server keeps answering.

The kills here are real signals to the server's real worker processes (found as its children),
sent at moments the test makes certain: a worker stopped (``SIGSTOP``) while a request waits,
unread, in its pipe.
"""

from __future__ import annotations

import fcntl
import os
import signal
import termios
import threading
import time

import httpx
import psutil
from serve_helpers import serving

from university_helpers import university  # noqa: F401 (fixture)

#: Every wait below is bounded by this (the work itself takes well under a second).
PATIENCE = 60.0
#: Counts forever on the small university (7 711 quads, cubed): stopped only by a kill or the limit.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def children(server) -> list[psutil.Process]:
    return psutil.Process(server.process.pid).children()


def wait_for(check, what: str):
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.01)
    raise AssertionError(f"never happened within {PATIENCE} s: {what}")


def unread_request(pid: int) -> bool:
    """Whether one of the pipes process ``pid`` holds has bytes waiting (its request, unread)."""
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith("pipe:"):
                continue
            handle = os.open(f"/proc/{pid}/fd/{fd}", os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            waiting = fcntl.ioctl(handle, termios.FIONREAD, b"\0\0\0\0")
        finally:
            os.close(handle)
        if int.from_bytes(waiting, "little"):
            return True
    return False


def in_background(call) -> tuple[threading.Thread, list]:
    box: list = []
    thread = threading.Thread(target=lambda: box.append(call()), daemon=True)
    thread.start()
    return thread, box


def test_a_worker_killed_with_the_request_in_its_pipe_is_replaced_and_the_request_answered(university, tmp_path):
    args = ["--data", str(university), "--cache-bytes", "0", "--timeout", str(PATIENCE)]
    with serving(args, tmp_path / "serve.log") as server:
        # The sequence first reported as a 500 ("status 9"), then the same with a worker killed.
        expected = httpx.get(f"{server.url}/graph?programme=U001", timeout=PATIENCE)
        assert expected.status_code == 200
        wait_for(lambda: len(children(server)) >= 2, "both idle workers")
        idle = children(server)
        for worker in idle:
            worker.send_signal(signal.SIGSTOP)
        thread, box = in_background(lambda: httpx.get(f"{server.url}/graph", timeout=PATIENCE))
        stopped = wait_for(lambda: [w for w in idle if unread_request(w.pid)], "the request written to a worker")
        for worker in stopped:
            worker.send_signal(signal.SIGKILL)  # as the OOM killer would
        thread.join(PATIENCE)
        answer = box[0]
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"].startswith("/programmes")
        assert "killed from outside (SIGKILL); its work runs again" in server.log()
        # The other stopped worker (idle, then killed) is not given a request either.
        for worker in idle:
            try:
                worker.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:  # the one killed above, reaped
                pass
        again = httpx.get(f"{server.url}/graph?programme=U001", timeout=PATIENCE)
        assert again.status_code == 200
        assert again.text == expected.text
        assert "status 9" not in server.log()


def killed_twice(server, headers: dict[str, str]) -> httpx.Response:
    """An endless query sent while every worker of the server is killed as it comes (10 ms apart)."""
    thread, box = in_background(lambda: httpx.post(f"{server.url}/sparql", data={"query": ENDLESS}, headers=headers,
                                                   timeout=2 * PATIENCE))
    killed: set[int] = set()
    deadline = time.monotonic() + PATIENCE
    while thread.is_alive() and time.monotonic() < deadline:
        for worker in children(server):
            try:
                worker.send_signal(signal.SIGKILL)
                killed.add(worker.pid)
            except psutil.NoSuchProcess:
                pass
        time.sleep(0.01)
    thread.join(PATIENCE)
    assert len(killed) >= 2, killed  # the worker that took the request, then the one forked to run it again
    return box[0]


def test_a_request_whose_workers_are_killed_twice_gets_503_not_500(university, tmp_path):
    args = ["--data", str(university), "--cache-bytes", "0", "--timeout", str(PATIENCE)]
    with serving(args, tmp_path / "serve.log") as server:
        wait_for(lambda: len(children(server)) >= 2, "both idle workers")
        answer = killed_twice(server, {})  # French by default, as every message
        assert answer.status_code == 503, answer.text
        assert int(answer.headers["retry-after"]) >= 1
        assert ("le processus de la requête a été arrêté de l'extérieur de ce service (SIGKILL\u00a0: la machine "
                "manque peut-être de mémoire, ou l'arrête), deux fois\u202f; réessayez dans un instant") in answer.text

        english = killed_twice(server, {"Accept-Language": "en"})
        assert english.status_code == 503 and english.headers["retry-after"], english.text
        assert "stopped from outside this service (SIGKILL: the machine may be short of memory" in english.text
        assert "status 9" not in server.log() and "Internal Server Error" not in answer.text + english.text
        # The server lives and answers with a new worker.
        count = httpx.post(f"{server.url}/sparql", data={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                           headers={"Accept": "text/csv"}, timeout=PATIENCE)
        assert count.status_code == 200 and count.text.split()[1].isdigit()
