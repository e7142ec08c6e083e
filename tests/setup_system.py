"""Install the system packages the test suite needs, when they are missing (issue #16).

    python3 -m tests.setup_system            # the first step of the README's test command

The suite drives Debian's Chromium (browser tests, PDF printing), reads PDFs with poppler
(``pdftoppm``, ``pdftotext``), renders with the DejaVu fonts, starts Debian's Virtuoso 7
(``CIPT_TEST_STORE=virtuoso``), reads Turtle answers with npm packages (Node.js, npm) and creates the virtual environment with ``python3 -m venv``
(Debian's ``python3-venv``). Each is looked for first (a command on ``PATH`` or a file); only the
missing ones are installed, with ``apt-get`` (Debian, Ubuntu) and only when running as root.
Otherwise the command prints what to install and exits 1, so the test command stops with that
message instead of failing test by test.

Standard library only: it runs before the virtual environment exists. Exit status: 0 all
present (or installed), 1 something missing that cannot be installed here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: (Debian package, how to tell it is there: commands on PATH or files, any of them).
PACKAGES: list[tuple[str, tuple[str, ...]]] = [
    ("chromium", ("chromium", "/usr/bin/chromium")),
    ("fonts-dejavu-core", ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)),
    ("poppler-utils", ("pdftoppm",)),
    ("virtuoso-opensource", ("virtuoso-t",)),
    ("nodejs", ("node",)),
    ("npm", ("npm",)),
]


def _venv_works() -> bool:
    """``python3 -m venv`` needs ensurepip, which Debian ships apart (python3-venv)."""
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        return False
    return True


def present(probes: tuple[str, ...]) -> bool:
    return any(Path(p).exists() if p.startswith("/") else shutil.which(p) is not None for p in probes)


def missing_packages() -> list[str]:
    missing = [name for name, probes in PACKAGES if not present(probes)]
    if not _venv_works():
        missing.append("python3-venv")
    return missing


def main() -> int:
    missing = missing_packages()
    if not missing:
        print("setup_system: the system packages the tests need are present")
        return 0
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        print(f"setup_system: missing system packages: {' '.join(missing)}\n"
              f"  install them (as root): apt-get install -y {' '.join(missing)}", file=sys.stderr)
        return 1
    print(f"setup_system: installing {' '.join(missing)} with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", *missing]):
        done = subprocess.run(command, env=env)
        if done.returncode != 0:
            print(f"setup_system: {' '.join(command)} failed (exit {done.returncode})", file=sys.stderr)
            return 1
    still = missing_packages()
    if still:
        print(f"setup_system: still missing after apt-get: {' '.join(still)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
