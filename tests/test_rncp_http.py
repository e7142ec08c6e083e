"""`POST /api/imports/rncp` against hostile uploads (issue #13), on a real `cipt serve`: limits
answer 413/400 naming the limit and the place (never the server's temporary path), a second
import waits a bounded time then gets 503 + Retry-After, wrong tokens are rate-limited."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from rncp_gen import deep_bomb, fiche_xml, many_fiches, tree_digest, xml_export
from serve_helpers import serving, upload, writer_env

from cipt_graph.paths import init_workspace

PATH = "/api/imports/rncp"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("http")
    ws = init_workspace(root / "ws")
    env = writer_env(CIPT_IMPORT_WAIT="1", CIPT_TEST_PAUSE_BEFORE_SWITCH="6")
    with serving(["--data", str(ws.root), "--allow-writes"], root / "serve.log", env) as srv:
        srv.ws = ws.root
        srv.tmp = root
        yield srv


def test_too_many_fiches_in_an_upload_is_413_naming_the_limit(server):
    before = tree_digest(server.ws)
    data = many_fiches(server.tmp / "many.zip", 2_500).read_bytes()
    started = time.monotonic()
    answer = upload(server.url, PATH, data, "application/zip", filename="many.zip")
    assert answer.status_code == 413, answer.text
    message = answer.json()["message"]
    assert "max_fiches = 2000" in message and "many.zip!export.xml:" in message
    assert "cipt-upload-" not in message and "/tmp" not in message
    assert time.monotonic() - started < 60
    assert tree_digest(server.ws) == before


def test_deep_nesting_upload_is_400(server):
    data = deep_bomb(server.tmp / "deep.zip").read_bytes()
    answer = upload(server.url, PATH, data, "application/zip", filename="deep.zip")
    assert answer.status_code == 400 and "max_xml_depth" in answer.json()["message"]


def test_a_second_import_gets_503_with_retry_after_while_one_runs(server):
    data = xml_export([fiche_xml("RNCP8", blocks=[("RNCP8BC01", "B", "- a", "")])])
    results = {}
    first = threading.Thread(target=lambda: results.setdefault(
        "first", upload(server.url, PATH, data, "application/xml", filename="a.xml")))
    first.start()
    server.wait_for_log("test hook: import-rncp: pausing")
    started = time.monotonic()
    second = upload(server.url, PATH, data, "application/xml", filename="b.xml")
    assert second.status_code == 503 and int(second.headers["Retry-After"]) >= 1, second.text
    assert time.monotonic() - started < 30
    first.join(120)
    assert results["first"].status_code == 200, results["first"].text


def test_wrong_tokens_are_rate_limited_per_client(server):
    data = xml_export([fiche_xml("RNCP8", blocks=[("RNCP8BC01", "B", "- a", "")])])
    codes = [upload(server.url, PATH, data, "application/xml", token=f"wrong-{i}").status_code for i in range(6)]
    assert codes == [401] * 5 + [429]
    limited = upload(server.url, PATH, data, "application/xml", token="wrong-again")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
