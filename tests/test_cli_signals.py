"""A command stopped by SIGTERM or SIGHUP unwinds: nothing half-written, the lock released.

Python's default for SIGTERM (what `timeout`, systemd and `kill` send) ends the process on the
spot, so an import stopped between writing the mapping and recording its version left a change
no version recorded, and staged files behind. `cipt` turns both signals into an exception for
every command but `serve` (which has its own graceful stop): the import's undo runs, the process
exits with 128 + the signal's number and says so in the user's language.

The test hook ``CIPT_TEST_PAUSE_BEFORE_SWITCH`` (``cipt_graph/testhooks.py``) holds the import
after its baseline version and its staged files are written, so the signal lands inside the window.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from test_write_access import edited_workbook, exported_workbook, first_link, snapshot

from conftest import run_cli


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CIPT_DATA", "CIPT_STORE")}
    env.update({"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": ""}, **extra)
    return env


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_an_import_stopped_by_a_signal_changes_nothing_and_frees_the_lock(tmp_path, signum):
    from cipt_graph.paths import init_workspace

    workspace = init_workspace(tmp_path / "ws")
    link = first_link(workspace)
    edit = tmp_path / "edit.xlsx"
    edit.write_bytes(edited_workbook(exported_workbook(workspace), link["module"], link["competency"],
                                     "M" if link["level"] != "M" else "I"))
    before = snapshot(workspace.root)

    process = subprocess.Popen([sys.executable, "-m", "cipt_graph.cli", "import-matrix", str(edit),
                                "--data", str(workspace.root)], stderr=subprocess.PIPE, text=True,
                               env=_env(CIPT_TEST_PAUSE_BEFORE_SWITCH="120"))
    try:
        lines = []
        for line in process.stderr:  # the hook says when the import is inside its window
            lines.append(line)
            if "pausing" in line:
                break
        assert any("pausing" in line for line in lines), lines
        assert snapshot(workspace.root) != before, "the import has written its baseline and staged files"
        process.send_signal(signum)
        rest = process.stderr.read()
        status = process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert status == 128 + signum, rest
    assert f"arrêté par {signal.Signals(signum).name}" in rest, rest
    assert snapshot(workspace.root) == before, "every file the import wrote was removed, every file restored"

    done = run_cli("import-matrix", str(edit), "--data", str(workspace.root))  # the lock was released
    assert done.returncode == 0, done.stderr
    assert snapshot(workspace.root) != before


def test_the_stop_message_follows_the_language(tmp_path):
    from cipt_graph.paths import init_workspace

    workspace = init_workspace(tmp_path / "ws")
    link = first_link(workspace)
    edit = tmp_path / "edit.xlsx"
    edit.write_bytes(edited_workbook(exported_workbook(workspace), link["module"], link["competency"],
                                     "M" if link["level"] != "M" else "I"))
    process = subprocess.Popen([sys.executable, "-m", "cipt_graph.cli", "--lang", "en", "import-matrix", str(edit),
                                "--data", str(workspace.root)], stderr=subprocess.PIPE, text=True,
                               env=_env(CIPT_TEST_PAUSE_BEFORE_SWITCH="120"))
    try:
        for line in process.stderr:
            if "pausing" in line:
                break
        process.send_signal(signal.SIGTERM)
        rest = process.stderr.read()
        assert process.wait(timeout=120) == 143
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "stopped by SIGTERM" in rest and "arrêté" not in rest, rest
