"""Session fixtures: the shipped dataset built once into a real Oxigraph store."""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


#: Which store the session ``store`` fixture is (issue #7): ``memory`` (default), ``disk`` (an
#: on-disk Oxigraph store filled by `cipt load`) or ``remote`` (a real `oxigraph serve` on
#: 127.0.0.1, filled by `cipt load` over the Graph Store Protocol, queried over SPARQL).
STORE_MODE = os.environ.get("CIPT_TEST_STORE", "memory")


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    if STORE_MODE == "memory":
        from cipt_graph.build import build_store

        yield build_store()
    elif STORE_MODE == "disk":
        from cipt_graph.store import OxigraphStore

        folder = tmp_path_factory.mktemp("store") / "oxigraph"
        done = run_cli("load", "--store", str(folder))
        assert done.returncode == 0, done.stderr
        yield OxigraphStore(folder, read_only=True)
    elif STORE_MODE == "remote":
        from cipt_graph.store import RemoteStore

        with oxigraph_server(tmp_path_factory.mktemp("oxigraph-server")) as base:
            done = run_cli("load", "--store", f"{base}/query", "--gsp-url", f"{base}/store")
            assert done.returncode == 0, done.stderr
            yield RemoteStore(f"{base}/query")
    else:
        raise pytest.UsageError(f"CIPT_TEST_STORE must be memory, disk or remote, not {STORE_MODE!r}")


@contextlib.contextmanager
def oxigraph_server(location: Path):
    """A real Oxigraph SPARQL server (the `oxigraph` package) on a free loopback port; stopped after."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(binary).exists():
        pytest.fail("the remote store tests need Oxigraph's server: pip install oxigraph", pytrace=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(location.parent / f"{location.name}.log", "w+b")
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"oxigraph serve did not start: {log.read().decode(errors='replace')}", pytrace=False)
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    from cipt_graph.paths import DATA_DIR

    return DATA_DIR


@pytest.fixture(scope="session")
def mapping(data_dir: Path) -> dict[str, list[dict[str, str]]]:
    """The mapping CSVs as read by the csv module, independently of the package."""
    out = {}
    for path in (data_dir / "mapping").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            out[path.stem] = list(csv.DictReader(handle))
    return out


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/ (the team's reference folder) is absent: not part of a user's clone")
    return SHARED


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None):
    """Run the installed `cipt` command as a user would, in a subprocess."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("CIPT_DATA", "CIPT_STORE")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "cipt_graph.cli", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300, input=input,
    )


@pytest.fixture(scope="session")
def cli():
    return run_cli


# --- a real HTTP server (issue #3) ----------------------------------------------------------------

#: Limits of the session's `cipt serve`: small enough for the tests to cross each one quickly.
SERVER_LIMITS = {"--timeout": "5", "--max-rows": "5000", "--max-body-bytes": "65536",
                 "--max-query-length": "4000", "--cors-origin": "http://allowed.example"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")
            time.sleep(0.05)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    """`cipt serve` in a subprocess on a free loopback port (shipped data, SERVER_LIMITS)."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
    args = [arg for pair in SERVER_LIMITS.items() for arg in pair]
    with open(log_path, "w+b") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cipt_graph.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "warning", *args], stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            try:
                wait_for_port(port, process)
            except RuntimeError:
                log.seek(0)
                pytest.fail(f"cipt serve did not start: {log.read().decode(errors='replace')}", pytrace=False)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def serve_app(app):
    """Serve an ASGI app with a real uvicorn server in a thread, on a free loopback port."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn stopped before it started")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
