"""Regenerate the screenshots of the site in ``docs/`` (``screenshot-*.png``, 1280×720, French):
every page of ``cipt serve`` on the shipped data, as Debian's Chromium draws it.

Usage (from the repository root, with the package and its ``test`` extra installed)::

    python docs/make_screenshots.py [--chromium /usr/bin/chromium] [--out docs] [--only graph matrix …]

A temporary workspace (``cipt init``) with a baseline version makes ``/versions`` show a row.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from cipt_graph.api.app import create_app
from cipt_graph.build import build_store
from cipt_graph.paths import init_workspace
from cipt_graph.versions import ensure_baseline

HERE = Path(__file__).resolve().parent
#: File name → (path, what to do on the page before the shot).
SHOTS = {
    "dashboard": ("/", None),
    "graph": ("/graph", "select"),
    "graph-focus": ("/graph", "focus"),
    "matrix": ("/matrix", None),
    "jobs": ("/jobs", None),
    "sparql": ("/sparql", "run"),
    "audit": ("/audit", None),
    "versions": ("/versions", None),
    "review": ("/review", None),
    "interchange": ("/interchange", None),
    "docs": ("/docs", "swagger"),
    "ontology": ("/ontology", None),
    "resource": ("/id/module/M01", None),
    "coverage-link": ("/id/coverage/M01--BC03-C2", None),
    "not-found": ("/nulle/part", None),
    "programmes": ("/programmes", None),
}


def _serve(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", default=str(HERE))
    parser.add_argument("--only", nargs="+", choices=sorted(SHOTS), metavar="NAME",
                        help="only these shots (names as in screenshot-NAME.png)")
    args = parser.parse_args()
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        workspace = init_workspace(Path(tmp) / "ws")
        ensure_baseline(workspace, agent="Équipe pédagogique")
        app = create_app(build_store())
        app.state.workspace = workspace
        server, thread, base = _serve(app)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
                context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
                page = context.new_page()
                for name, (path, action) in SHOTS.items():
                    if args.only and name not in args.only:
                        continue
                    page.goto(base + path, timeout=180_000)
                    if page.locator("#network").count():
                        page.wait_for_selector("#network[data-ready='1']")
                    if action in ("select", "focus"):
                        competency = page.eval_on_selector(
                            "#node-picker optgroup:nth-child(3) option:nth-child(4)", "o => o.value")
                        view = page.evaluate("({position: network.getViewPosition(), scale: network.getScale()})")
                        page.select_option("#node-picker", competency)
                        # (choosing centres the node; the shot keeps the page's first view, the node in it)
                        page.evaluate("v => network.moveTo(Object.assign(v, {animation: false}))", view)
                        page.evaluate("window.scrollTo(0, 0)")
                        if action == "focus":
                            page.click("#focus-toggle")
                    elif action == "run":
                        page.click("button[data-name='coverage_matrix']")
                        page.click("button.run")
                        page.wait_for_selector("#results tbody tr")
                        page.evaluate("window.scrollTo(0, document.getElementById('editor').getBoundingClientRect().top + window.scrollY - 60)")
                    elif action == "swagger":
                        page.wait_for_selector("#swagger-ui .info")
                    page.screenshot(path=str(out / f"screenshot-{name}.png"))
                    print(f"screenshot-{name}.png  {path}")
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
