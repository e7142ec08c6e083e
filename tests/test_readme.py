"""The README stays true: its commands exist and every command and named query is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cipt_graph.cli import build_parser
from cipt_graph.queries import load_queries

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
CI_RUN = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sorted(sub.choices)


@pytest.mark.parametrize("command", _commands())
def test_every_cli_command_is_documented(command):
    assert f"cipt {command}" in README, f"README does not document `cipt {command}`"


@pytest.mark.parametrize("name", sorted(load_queries()))
def test_every_named_query_is_documented(name):
    assert f"`{name}`" in README, f"README does not list the named query {name}"


def test_quick_start_has_two_commands_and_ci_runs_the_test_one():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", quick, re.S)
    assert len(blocks) == 2, "the quick start gives exactly two commands"
    assert blocks[1].strip() in CI_RUN, ".ci/run must run the README's test command"


def test_every_page_has_its_screenshot_at_1280x720_shown_by_the_readme():
    """Issue #15: a screenshot of every page at 1280×720 in docs/, each one shown in the README
    (and none shown that is missing); the site's pages all have their shot in make_screenshots.py."""
    import struct

    from cipt_graph.visualize.page import EXTRAS

    docs = Path(__file__).resolve().parents[1] / "docs"
    shown = sorted(re.findall(r"\]\((docs/screenshot-[\w-]+\.png)\)", README))
    files = sorted(f"docs/{p.name}" for p in docs.glob("screenshot-*.png"))
    assert shown == files
    for name in files:
        head = (docs.parent / name).read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", head[16:24]) == (1280, 720), name
    shots = set(re.findall(r'^\s+"[\w-]+": \("(/[^"]*)"', (docs / "make_screenshots.py").read_text(encoding="utf-8"),
                           re.M))
    pages = {"/", "/graph", "/matrix", "/jobs", "/ontology", "/programmes", "/id/module/M01",
             *(f"/{name}" for name in EXTRAS)}
    assert pages <= shots, pages - shots
    team = (docs / "make_team_screenshots.py").read_text(encoding="utf-8")
    for page in ("/login", "/edit/cell", "/edit/upload", "/review", "/versions", "/versions/diff"):
        assert page in team, page
