"""Starting and stopping real `cipt serve` processes for the fault and write-access tests (issue #8)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from conftest import free_port, wait_for_port

TOKEN = "test-token-0123456789abcdef"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Server:
    """A `cipt serve` subprocess: its URL, process and log file."""

    def __init__(self, args: list[str], log_path: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
        full_env.update(env or {})
        self._log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cipt_graph.cli", "serve", "--port", str(self.port), "--log-level", "warning", *args],
            stdout=self._log, stderr=subprocess.STDOUT, env=full_env)
        try:
            wait_for_port(self.port, self.process)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"cipt serve did not start: {self.log()}") from None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"{text!r} never appeared in the server's log: {self.log()[-2000:]}")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup, as a crash or an OOM killer would."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@contextlib.contextmanager
def serving(args: list[str], log_path: Path, env: dict[str, str] | None = None):
    server = Server(args, log_path, env)
    try:
        yield server
    finally:
        server.stop()


def writer_env(**extra: str) -> dict[str, str]:
    return {"CIPT_WRITE_TOKEN": TOKEN, **extra}


def upload(url: str, path: str, data: bytes, media: str, token: str | None = TOKEN, **params) -> httpx.Response:
    headers = {"Content-Type": media}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{url}{path}", content=data, headers=headers, params=params, timeout=120)


def tree_digest_of(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path → SHA-256): to check that nothing was written."""
    import hashlib

    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}
