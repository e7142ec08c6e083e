"""A small generated university for the multi-programme tests (issue #16): the shipped programme
plus programmes made by ``bench/generate.py``'s university generator, as a workspace, an Oxigraph
store built from it, and a real app serving that store.

Test scaffolding only (never imported by the package). A test module takes the fixtures with
``from university_helpers import university, ustore, url``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from conftest import ROOT, serve_app


def bench_generator():
    """``bench/generate.py`` as a module (the bench directory is not a package)."""
    spec = importlib.util.spec_from_file_location("cipt_bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("cipt_bench_generate", module)
    spec.loader.exec_module(module)
    return module


def make_university(out: Path, programmes: int = 3, certifications: int = 2, seed: int = 11) -> Path:
    """A workspace at ``out`` with the shipped programme plus ``programmes`` generated ones sharing
    ``certifications`` certifications; returns ``out``."""
    counts = bench_generator().generate_university(out, programmes=programmes,
                                                   certifications=certifications, seed=seed)
    assert counts["programmes"] == programmes + 1
    return out


@pytest.fixture(scope="module")
def university(tmp_path_factory):
    """The workspace: the shipped programme and three generated ones, two sharing a certification."""
    return make_university(tmp_path_factory.mktemp("university") / "ws")


@pytest.fixture(scope="module")
def ustore(university):
    """An in-memory Oxigraph store built from :func:`university`."""
    from cipt_graph.build import build_store
    return build_store(university)


@pytest.fixture(scope="module")
def url(ustore):
    """The base URL of a real app serving :func:`ustore` on 127.0.0.1."""
    from cipt_graph.api.app import create_app
    with serve_app(create_app(ustore)) as base:
        yield base
