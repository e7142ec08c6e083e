"""Regenerate the screenshots of the team's signed-in pages in ``docs/`` (``screenshot-team-*.png``,
1280×720, French), as Debian's Chromium draws them through Playwright.

The story they tell: an editor signs in, sees the matrix with its edit links, edits a cell,
uploads a workbook with a cell error; a validator reviews the proposed links, then looks at the
versions and a diff. Everything runs against a real ``cipt serve --data DIR`` on a temporary
workspace (``cipt init``) with two accounts; nothing is left behind.

Usage (from the repository root, with the package and its ``test`` extra installed)::

    python docs/make_team_screenshots.py [--chromium /usr/bin/chromium] [--out docs]

When ``pngquant`` is on the PATH (Debian package ``pngquant``) the PNGs are reduced to a
256-colour palette (typically a third of their size); otherwise they are kept as Chromium wrote them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
from playwright.sync_api import sync_playwright

from cipt_graph.accounts import AccountStore
from cipt_graph.paths import init_workspace

HERE = Path(__file__).resolve().parent
USERS = {"edith": ("editor", "Édith Moreau", "edith-secret-0001"),
         "victor": ("validator", "Victor Lenoir", "victor-secret-0002")}


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(workspace: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
    process = subprocess.Popen([sys.executable, "-m", "cipt_graph.cli", "serve", "--data", str(workspace),
                                "--port", str(port), "--log-level", "warning"],
                               stdout=open(log, "ab"), stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"cipt serve stopped: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("cipt serve did not start in 300 s")


def _shot(page, out: Path, name: str) -> None:
    path = out / f"screenshot-team-{name}.png"
    page.screenshot(path=str(path))
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--strip", "--quality", "70-95",
                        "--output", str(path), str(path)], check=False)
    print(f"{path.name}  {page.url.split('/', 3)[-1]}  {path.stat().st_size // 1024} KiB")


def _sign_in(page, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", user)
    page.fill("#password", USERS[user][2])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/review")


def _bad_workbook(page, base: str, folder: Path) -> Path:
    """The editable workbook, downloaded from the page, with one level that is not on the scale."""
    page.goto(f"{base}/review")
    with page.expect_download() as info:
        page.click("a[href^='/edit/workbook.xlsx']")
    path = folder / "matrice.xlsx"
    info.value.save_as(path)
    wb = openpyxl.load_workbook(path)
    sheet = wb["Matrice"]
    row = next(r for r in range(4, sheet.max_row + 1) if sheet.cell(r, 2).value == "M02")
    col = next(c for c in range(3, sheet.max_column + 1)
               if re.fullmatch(r"BC\d+-C\d+", str(sheet.cell(2, c).value or "")) and sheet.cell(row, c).value)
    sheet.cell(row, col).value = "Z"
    bad = folder / "matrice-modifiee.xlsx"
    wb.save(bad)
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", default=str(HERE))
    args = parser.parse_args()
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workspace = init_workspace(folder / "ws")
        store = AccountStore(workspace)
        for user, (role, name, password) in USERS.items():
            store.add(user, role, password, display_name=name)
        process, base = _serve(workspace.root, folder / "serve.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox", "--lang=fr-FR"])
                context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR",
                                              accept_downloads=True)
                context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
                page = context.new_page()
                page.set_default_timeout(180_000)
                page.goto(f"{base}/login")
                page.fill("#username", "edith")
                _shot(page, out, "sign-in")
                page.fill("#password", USERS["edith"][2])
                page.click("form[action='/login'] button[type=submit]")
                page.wait_for_url(f"{base}/review")
                # The editor: the matrix with its edit links, then the cell editor.
                page.goto(f"{base}/matrix")
                page.hover("td[data-module='M01'] a.cell-edit >> nth=0")
                _shot(page, out, "matrix-editor")
                page.goto(f"{base}/edit/cell?module=M01&competency=BC05-C1")
                page.select_option("#level", "R")
                page.fill("#hours", "2,5")
                page.fill("#rationale", "Le module fait pratiquer la prise de parole en séance publique.")
                page.fill("#message", "Relecture du module M01")
                _shot(page, out, "cell-editor")
                page.click("#cell-form button[type=submit]")
                page.wait_for_url(f"{base}/matrix**")
                for module, competency, level in (("M02", "BC01-C1", "M"), ("M03", "BC02-C1", "I")):
                    page.goto(f"{base}/edit/cell?module={module}&competency={competency}")
                    page.select_option("#level", level)
                    page.fill("#rationale", "Proposé après la réunion d'équipe du bloc.")
                    page.click("#cell-form button[type=submit]")
                    page.wait_for_url(f"{base}/matrix**")
                # A workbook with a cell error: the cell is named on the page.
                bad = _bad_workbook(page, base, folder)
                page.goto(f"{base}/edit/upload")
                page.fill("#message", "Niveaux du bloc 1")
                page.set_input_files("#workbook", str(bad))
                page.click("form[action='/edit/upload'] button[type=submit]")
                page.wait_for_selector(".error")
                _shot(page, out, "upload-error")
                page.click(".team-account button[type=submit]")  # signed out: back to the dashboard
                page.wait_for_selector("header.top .team-account >> text=Se connecter")
                # The validator: the proposed links, one validated; then the versions and a diff.
                _sign_in(page, base, "victor")
                page.goto(f"{base}/review?status=proposed")
                row = page.locator("tr#link-M02-BC01-C1")
                row.locator("input[name=comment]").fill("Conforme à l'intitulé du module")
                row.locator("button[value=validate]").click()
                page.wait_for_selector(".flash")
                page.goto(f"{base}/review?status=proposed")
                _shot(page, out, "review-validator")
                page.goto(f"{base}/versions")
                _shot(page, out, "versions")
                page.locator("tbody tr").first.locator("a", has_text="différences").click()
                page.wait_for_url(f"{base}/versions/diff**")
                _shot(page, out, "diff")
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
