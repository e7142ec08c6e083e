"""A page's header names its programme without ever making the server wait on a remote store
(issue #16): the identity (query ``programme_identity``) of a remote store's programme is fetched
in a thread when the server's event loop renders a page (an error page), and reused for a
minute; meanwhile the page gets the neutral header. A real `cipt serve --store URL` in front of a
real Oxigraph server behind a proxy that can be made slow."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from conftest import free_port, wait_for_port
from remote_proxy import Proxy, proxied_oxigraph

from cipt_graph.build import build_store
from cipt_graph.visualize.identity import neutral_identity, site_identity

SLOW = 30.0  # seconds the proxy holds each request while the store is slow


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with proxied_oxigraph(tmp_path_factory.mktemp("oxigraph-server")) as url:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
        process = subprocess.Popen([sys.executable, "-m", "cipt_graph.cli", "serve", "--port", str(port),
                                    "--store", url, "--log-level", "warning"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, process, timeout=120)
            yield f"http://127.0.0.1:{port}"
        finally:
            Proxy.delay = 0.0
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def subtitle_and_footer(page: str) -> tuple[str, str]:
    footer = re.search(r"<footer[^>]*>(.*?)</footer>", page, re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", footer.group(1))) if footer else ""
    return page, " ".join(text.split())


def test_an_error_page_never_waits_on_a_slow_remote_store(served):
    programme_label, programme_footer = site_identity(build_store(), "fr")
    neutral_label, neutral_footer = neutral_identity("fr")
    assert programme_footer != neutral_footer
    Proxy.delay = SLOW
    try:
        started = time.monotonic()
        answer = httpx.get(f"{served}/pas-de-page-{time.time_ns()}", headers={"Accept": "text/html"}, timeout=SLOW * 3)
        waited = time.monotonic() - started
        assert answer.status_code == 404
        assert waited < SLOW / 3, f"the 404 page waited {waited:.1f} s on the slow store"
        _page, footer = subtitle_and_footer(answer.text)
        assert neutral_footer in footer and programme_footer not in footer
    finally:
        Proxy.delay = 0.0
    deadline = time.monotonic() + SLOW * 4  # the fetch started above ends after the proxy's delay
    while True:
        answer = httpx.get(f"{served}/pas-de-page-{time.time_ns()}", headers={"Accept": "text/html"}, timeout=60)
        page, footer = subtitle_and_footer(answer.text)
        if programme_footer in footer:
            break
        assert time.monotonic() < deadline, f"the programme's identity never came: {footer!r}"
        time.sleep(0.5)
    assert answer.status_code == 404 and html.escape(programme_label, quote=False) in page
