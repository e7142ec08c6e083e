"""Session fixtures: the shipped dataset built once into a real Oxigraph store."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def store():
    from cipt_graph.build import build_store

    return build_store()


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
