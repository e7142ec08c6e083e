"""Test hooks: opt-in pauses that make a crash window observable to the fault tests (issue #8).

Off unless the variable is set; nothing else changes when it is. ``CIPT_TEST_PAUSE_BEFORE_SWITCH``
(seconds) makes an import stop between reading its input and the atomic switch that publishes
the result (the ``os.replace`` of a new mapping file, the move of staged RNCP files), and say so
on standard error, so that a test can kill the process exactly there and check that the data is
the previous version after a restart. Never set it in production.
"""

from __future__ import annotations

import os
import sys
import time

ENV_PAUSE_BEFORE_SWITCH = "CIPT_TEST_PAUSE_BEFORE_SWITCH"


def pause_before_switch(what: str) -> None:
    """Sleep ``$CIPT_TEST_PAUSE_BEFORE_SWITCH`` seconds (when set), after saying so on stderr."""
    raw = os.environ.get(ENV_PAUSE_BEFORE_SWITCH, "").strip()
    if not raw:
        return
    try:
        seconds = float(raw)
    except ValueError:
        return
    print(f"cipt: test hook: {what}: pausing {seconds:g} s before the switch", file=sys.stderr, flush=True)
    time.sleep(seconds)


ENV_FAIL_AT = "CIPT_TEST_FAIL_AT"


def fail_point(step: str, substep: str | None = None) -> None:
    """Raise ``OSError(ENOSPC)`` when ``$CIPT_TEST_FAIL_AT`` names this step (fault tests, issue #12).

    ``fail_point(step)``: fires when the variable is ``step``; the steps of `cipt import-rncp` are
    listed in :data:`cipt_graph.importers.rncp_import.STEPS`. ``fail_point(what, step)``: fires
    when it is ``what:step`` or ``what:*``; the steps of ``import-matrix`` are ``check`` (workbook
    checked, nothing written yet), ``baseline`` (baseline version recorded), ``stage`` (new
    mapping file written beside the old one), ``switch`` (new mapping file in place), ``record``
    (version recorded). Off unless set; never set it in production.
    """
    wanted = os.environ.get(ENV_FAIL_AT, "").strip()
    if not wanted:
        return
    names = (step,) if substep is None else (f"{step}:{substep}", f"{step}:*")
    if wanted in names:
        import errno

        raise OSError(errno.ENOSPC, f"test hook: injected failure at step {names[0]!r}")
