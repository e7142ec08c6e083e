"""`cipt serve --store DIR` start-up (issue #11): the port opens before the web framework and the
heavy modules are imported, and a port in use stops it with exit status 2.

Timing-free: the order of the events is read from the server's own stderr, where
``python -X importtime`` writes each import as it happens and `cipt serve` its "serving on" line
right after the port is bound. The measured times are in the README's Performance section.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cipt_graph.i18n import typeset

from conftest import run_cli

#: Modules the first pages and ad-hoc SPARQL do not need: imported when a route first needs them.
HEAVY = ("pyshacl", "pyvis", "networkx", "openpyxl")
#: The web stack: imported after the port is open.
WEB = ("fastapi", "uvicorn", "starlette", "pydantic")
LISTENING = typeset("cipt-graph : service sur http://127.0.0.1:", "fr")


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("startup") / "store"
    done = run_cli("load", "--store", str(folder))
    assert done.returncode == 0, done.stderr
    return folder


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
    env.update({"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": "", "PYTHONUNBUFFERED": "1"})
    return env


def _imported(lines: list[str], top: str) -> int | None:
    """Index of the first ``-X importtime`` line importing the package ``top`` (or a module of it)."""
    pattern = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*" + re.escape(top) + r"(\.|$)")
    return next((i for i, line in enumerate(lines) if pattern.match(line)), None)


def _wait_for(path: Path, process: subprocess.Popen, text: str, timeout: float = 120, *, module: bool = False) -> str:
    """The stderr once it holds ``text`` (with ``module``: once it imported the package ``text``)."""
    deadline = time.monotonic() + timeout
    while True:
        log = path.read_text(encoding="utf-8", errors="replace")
        if (_imported(log.splitlines(), text) is not None) if module else text in log:
            return log
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared in the server's stderr: {log[-3000:]}")
        time.sleep(0.05)


def test_port_opens_before_the_web_stack_and_heavy_modules_are_imported_when_needed(disk_store, tmp_path):
    log_path = tmp_path / "serve.err"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", "cipt_graph.cli", "serve", "--store", str(disk_store),
             "--port", "0", "--log-level", "info"], stdout=subprocess.DEVNULL, stderr=log, env=_env(), cwd=tmp_path)
    try:
        text = _wait_for(log_path, process, LISTENING)
        port = int(re.search(re.escape(LISTENING) + r"(\d+)/", text).group(1))
        # The port accepts now; the requests wait (in the listen queue) for the application, then are answered.
        with socket.create_connection(("127.0.0.1", port), timeout=60):
            pass
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            assert client.get("/").status_code == 200
            r = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                           headers={"Accept": "application/sparql-results+json"})
            assert r.status_code == 200 and int(r.json()["results"]["bindings"][0]["n"]["value"]) > 1000
            # The audit needs SHACL: imported when first asked for, and then it works.
            audit = client.get("/audit", params={"format": "json"})
            assert audit.status_code == 200 and audit.json()
    finally:
        process.terminate()
        process.wait(timeout=60)
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    listening = next(i for i, line in enumerate(lines) if line.startswith(LISTENING))
    started = next(i for i, line in enumerate(lines) if "Application startup complete" in line)
    for name in WEB:
        at = _imported(lines, name)
        assert at is not None and at > listening, f"{name} imported before the port opened (line {at})"
    for name in HEAVY:
        at = _imported(lines, name)
        assert at is None or at > started, f"{name} imported before the server was ready (line {at})"
    assert _imported(lines, "pyshacl") is not None  # by the audit, after start-up


def test_port_in_use_says_so_and_exits_2(disk_store, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "cipt_graph.cli", "serve", "--store", str(disk_store),
                               "--port", str(port)], capture_output=True, text=True, timeout=120, env=_env(),
                              cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"le port {port} est déjà utilisé" in done.stderr
    assert "service sur" not in done.stderr and "Traceback" not in done.stderr
