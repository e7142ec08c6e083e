"""The system refuses the service a new process (too many processes: a cgroup's ``pids.max``, the
user's ``RLIMIT_NPROC``; no memory): a request that needs one is answered 503 with
``Retry-After`` and the reason, in French by default — never a 500, nothing leaked — and the
server answers again once processes are allowed.

The refusal is real: a ``pids`` cgroup (v1) whose limit is the count of tasks the server already
has, so its next ``fork()`` fails with ``EAGAIN``. Creating a cgroup needs root and a writable
``pids`` hierarchy: elsewhere the test skips with the reason.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import httpx
import psutil
import pytest
from serve_helpers import serving

PIDS = Path("/sys/fs/cgroup/pids")
#: Every wait below is bounded by this (the work itself takes well under a second).
PATIENCE = 60.0
QUERY = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}


@pytest.fixture
def pids_cgroup():
    """A fresh ``pids`` cgroup (removed after the test), or a skip saying why there is none."""
    if os.geteuid() != 0:
        pytest.skip("a pids cgroup needs root (the test creates one to make fork() fail)")
    group = PIDS / f"cipt-test-{uuid.uuid4().hex[:8]}"
    try:
        group.mkdir()
    except OSError as exc:
        pytest.skip(f"no writable pids cgroup hierarchy at {PIDS} ({exc.strerror})")
    try:
        yield group
    finally:
        for pid in (group / "cgroup.procs").read_text().split():
            try:
                (PIDS / "cgroup.procs").write_text(pid)  # back to the root group
            except OSError:
                pass
        for _ in range(100):
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.05)


def wait_for(check, what: str):
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"never happened within {PATIENCE} s: {what}")


def _dead(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_refused_fork_is_a_503_with_its_reason_and_the_server_lives(pids_cgroup, tmp_path):
    with serving(["--cache-bytes", "0", "--timeout", str(PATIENCE)], tmp_path / "serve.log") as server:
        assert httpx.post(f"{server.url}/sparql", data=QUERY, timeout=PATIENCE).status_code == 200
        main = psutil.Process(server.process.pid)
        wait_for(lambda: len(main.children()) >= 2, "the idle query workers")
        for worker in main.children():  # no idle worker left: the next query needs a fork
            worker.send_signal(signal.SIGKILL)
        wait_for(lambda: all(_dead(w) for w in main.children()), "the killed workers dead")
        (pids_cgroup / "cgroup.procs").write_text(str(main.pid))
        (pids_cgroup / "pids.max").write_text((pids_cgroup / "pids.current").read_text())
        fds = len(os.listdir(f"/proc/{main.pid}/fd"))

        french = httpx.post(f"{server.url}/sparql", data=QUERY, timeout=PATIENCE)
        english = httpx.post(f"{server.url}/sparql", data=QUERY, headers={"Accept-Language": "en"}, timeout=PATIENCE)
        page = httpx.get(f"{server.url}/api/gaps", timeout=PATIENCE)  # the views' lane forks the same way

        assert int((pids_cgroup / "pids.events").read_text().split()[-1]) > 0, "no fork was refused"
        assert french.status_code == 503 and int(french.headers["retry-after"]) >= 1, french.text
        assert "la machine n'a pas pu démarrer de processus pour la requête (EAGAIN" in french.text, french.text
        assert english.status_code == 503 and "could not start a process for the query (EAGAIN" in english.text
        assert page.status_code == 503 and "EAGAIN" in page.json()["message"], page.text
        assert "Internal Server Error" not in french.text + english.text + page.text
        assert len(os.listdir(f"/proc/{main.pid}/fd")) <= fds, "the refused forks leaked their pipes"

        (pids_cgroup / "pids.max").write_text("max")
        again = httpx.post(f"{server.url}/sparql", data=QUERY, headers={"Accept": "text/csv"}, timeout=PATIENCE)
        assert again.status_code == 200 and int(again.text.split()[1]) > 0, again.text
        assert server.process.poll() is None
        assert "could not start a query process: EAGAIN" in server.log()
