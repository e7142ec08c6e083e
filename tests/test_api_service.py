"""The service around the endpoints: offline pages in a real Chromium, CORS, settings, truncation,
the cap on running queries (issue #3)."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from cipt_graph.api import Settings, create_app
from cipt_graph.errors import CiptError
from cipt_graph.queries import run_query
from conftest import serve_app

CHROMIUM = os.environ.get("CIPT_CHROMIUM", "/usr/bin/chromium")
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # 9 million pairs: about a second


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href") and attrs.get("rel") in ("stylesheet", "icon", "shortcut icon"):
            self.urls.append(attrs["href"])


@pytest.mark.parametrize("page", ["/docs", "/sparql", "/id/module/M01", "/ontology"])
def test_pages_load_only_local_assets(server_url, page):
    with httpx.Client(base_url=server_url, timeout=60) as client:
        r = client.get(page, headers={"Accept": "text/html"})
        assert r.status_code == 200
        parser = Assets()
        parser.feed(r.text)
        assert parser.urls, "the page has its script or style sheet"
        for url in parser.urls:
            assert url.startswith("/") and not url.startswith("//"), url
            assert client.get(url).status_code == 200, url


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)", pytrace=False)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server_url):
    """A browser page that may reach the server only: anything else is blocked and recorded."""
    context = browser.new_context()
    outside: list[str] = []

    def route(r):
        if r.request.url.startswith(server_url):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    context.close()
    assert not outside, f"requests outside the server: {outside}"
    assert not errors, f"script errors: {errors}"


def test_swagger_ui_works_offline(page, server_url):
    page.goto(f"{server_url}/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() >= 10
    assert "cipt-graph" in page.title() or page.locator("text=cipt-graph").count()


def test_query_page_runs_an_example_offline(page, server_url, store):
    page.goto(f"{server_url}/sparql")  # a browser's Accept: the HTML page
    page.click("button[data-name='modules_without_competency']")
    page.click("button.run")
    page.wait_for_selector("#status:has-text('ms')", timeout=15_000)
    page.click("button[data-name='coverage_matrix']")
    page.click("button.run")
    page.wait_for_selector("#results tbody tr", timeout=15_000)  # (wait_for_function needs eval: the CSP forbids it)
    rows = page.locator("#results tbody tr").count()
    assert rows == len(run_query(store, "coverage_matrix", {}))
    link = page.locator("#results a[href^='/id/module/']").first
    link.click()
    page.wait_for_selector("h1")
    assert page.url.startswith(f"{server_url}/id/module/")


def test_cors_allows_only_the_configured_origins(server_url):
    with httpx.Client(base_url=server_url, timeout=60) as client:
        r = client.get("/api/queries/stats", headers={"Origin": "http://allowed.example"})
        assert r.headers.get("access-control-allow-origin") == "http://allowed.example"
        r = client.get("/api/queries/stats", headers={"Origin": "http://other.example"})
        assert "access-control-allow-origin" not in r.headers
        pre = client.options("/sparql", headers={"Origin": "http://allowed.example",
                                                 "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "content-type"})
        assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]


@pytest.fixture(scope="module")
def default_server(store):
    with serve_app(create_app(store)) as url:
        yield url


def test_cors_is_off_by_default(default_server):
    with httpx.Client(base_url=default_server, timeout=60) as client:
        r = client.get("/api/queries/stats", headers={"Origin": "http://allowed.example"})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
        pre = client.options("/sparql", headers={"Origin": "http://allowed.example",
                                                 "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 405 and "access-control-allow-origin" not in pre.headers


def test_truncation_mode_sends_the_first_rows_with_a_header(store):
    with serve_app(create_app(store, Settings(max_rows=10, truncate_results=True))) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
            assert r.status_code == 200 and r.headers["x-cipt-truncated"] == "max-rows=10"
            assert len(r.json()["results"]["bindings"]) == 10
            r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
            assert "x-cipt-truncated" not in r.headers
            r = client.get("/api/queries/coverage_matrix")
            assert r.headers["x-cipt-truncated"] == "max-rows=10" and len(r.json()) == 10


def test_queries_past_the_limit_are_stopped_and_slots_come_back(store):
    """A query past its time limit is killed (its process) and its slot is free at once; one client
    cannot hold every slot (429, with Retry-After), and pages are on other slots."""
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # hours of work
    app = create_app(store, Settings(query_timeout=2, max_sparql_running=2, max_client_queries=1))
    with serve_app(app) as url:
        with httpx.Client(base_url=url, timeout=60, headers={"Accept-Language": "en"}) as client:
            started = time.monotonic()
            r = client.get("/sparql", params={"query": endless})
            assert r.status_code == 503 and "time limit" in r.text and r.headers["retry-after"]
            assert time.monotonic() - started < 2 + 20
            assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200  # the slot is back
            stats = app.state.runner.stats
            slow = threading.Thread(target=lambda: client.get("/sparql", params={"query": endless + " "}))
            slow.start()
            deadline = time.monotonic() + 20
            while stats.running["sparql"] < 1:
                assert time.monotonic() < deadline, "the slow query never started"
                time.sleep(0.01)
            mine = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
            assert mine.status_code == 429 and "at once" in mine.text and mine.headers["retry-after"]
            assert client.get("/api/queries/stats").status_code == 200  # pages are on other slots
            slow.join()


def test_settings_from_environment_and_options():
    env = {"CIPT_QUERY_TIMEOUT": "2.5", "CIPT_MAX_ROWS": "7", "CIPT_CORS_ORIGINS": "http://a.example, http://b.example",
           "CIPT_TRUNCATE_RESULTS": "yes"}
    settings = Settings.from_env(env, max_rows=9)
    assert (settings.query_timeout, settings.max_rows, settings.truncate_results) == (2.5, 9, True)
    assert settings.cors_origins == ("http://a.example", "http://b.example")
    assert Settings.from_env({}) == Settings()
    with pytest.raises(CiptError, match="CIPT_MAX_ROWS"):
        Settings.from_env({"CIPT_MAX_ROWS": "many"})
    with pytest.raises(CiptError, match="must be positive"):
        Settings.from_env({}, query_timeout=0)


@pytest.mark.parametrize("args,env,message", [
    (["--max-rows", "0"], {}, "--max-rows doit être positif, reçu 0"),
    (["--lang", "en", "--timeout", "-5"], {}, "--timeout must be positive, got -5.0"),
    (["--cache-bytes", "-1"], {}, "--cache-bytes doit valoir 0 ou plus"),
    (["--memory-copy-bytes", "-1"], {}, "--memory-copy-bytes doit valoir 0 ou plus"),
    ([], {"CIPT_MEMORY_COPY_BYTES": "-2"}, "CIPT_MEMORY_COPY_BYTES: memory_copy_bytes doit valoir 0 ou plus"),
    ([], {"CIPT_MAX_ROWS": "0"}, "CIPT_MAX_ROWS: max_rows doit être positif"),
    ([], {"CIPT_QUERY_TIMEOUT": "soon"}, "CIPT_QUERY_TIMEOUT"),
])
def test_serve_refuses_bad_settings(cli, args, env, message):
    done = cli("serve", "--port", "0", *args, env=env)
    assert done.returncode == 2 and message in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_help_names_the_limits(cli):
    done = cli("serve", "--help")
    assert done.returncode == 0
    for option in ("--host", "--port", "--timeout", "--max-rows", "--max-body-bytes", "--cors-origin"):
        assert option in done.stdout
    assert re.search(r"127\.0\.0\.1", done.stdout)
