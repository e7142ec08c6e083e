"""Hostile SPARQL on a real `cipt serve`: random text, pathological queries, the limits that stop them (issue #8).

The server of this module runs with a short time limit and few query slots, so that the limits
are crossed quickly; a query past its limit is killed with its process (issue #11).
Every answer must be a documented status with a message — never a 5xx other than the 503 of
the limits, never a stack trace, never a crashed process — and the server must answer a normal
query afterwards.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest
from conftest import free_port, wait_for_port
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TIMEOUT = 3.0  # the row limit (413) must win on a busy machine: a 2,000-row cut takes ~10 ms
MAX_ROWS = 2000
TRACE = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")
PREFIX = "PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>\nPREFIX schema: <https://schema.org/>\n"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """`cipt serve` with a 3 s time limit, 2,000 rows and 3 SPARQL slots; its process handle too."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("hostile") / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
    with open(log_path, "w+b") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cipt_graph.cli", "serve", "--port", str(port), "--log-level", "warning",
             "--timeout", str(TIMEOUT), "--max-rows", str(MAX_ROWS), "--max-sparql-running", "3"],
            stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            wait_for_port(port, process)
            yield f"http://127.0.0.1:{port}", process, log_path
        finally:
            process.kill()
            process.wait()


def ask(base: str, query: str, **kwargs) -> httpx.Response:
    """The query by form POST, its refusals asked in English (French is the service's default)."""
    return httpx.post(f"{base}/sparql", data={"query": query},
                      headers={"Accept": "application/sparql-results+json", "Accept-Language": "en"},
                      timeout=kwargs.pop("timeout", 30), **kwargs)


def assert_alive(server) -> None:
    base, process, log_path = server
    assert process.poll() is None, f"the server died: {log_path.read_text(errors='replace')[-2000:]}"
    response = ask(base, PREFIX + "SELECT (COUNT(?m) AS ?n) WHERE { ?m a cipt:Module }")
    assert response.status_code == 200, response.text
    assert int(response.json()["results"]["bindings"][0]["n"]["value"]) > 0


def assert_documented(response: httpx.Response) -> None:
    assert response.status_code in (200, 400, 413, 414, 503), f"{response.status_code}: {response.text[:300]}"
    if response.status_code == 503:
        assert "time limit" in response.text or "busy" in response.text, response.text
    assert not TRACE.search(response.text), response.text[:500]


# --- random text ---------------------------------------------------------------------------------

FRAGMENTS = ["SELECT", "*", "WHERE", "{", "}", "?s", "?p", "?o", "(", ")", "[", "]", "FILTER", "REGEX(",
             "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "<http://x>", '"a"', "'b'@fr", "1", ".", ";",
             ",", "/", "*", "+", "|", "^", "!", "a", "COUNT(*)", "AS", "LIMIT", "OFFSET", "ORDER BY", "VALUES",
             "BIND(", "INSERT DATA", "DROP ALL", "LOAD", "#", "\n", "\\", '"""', "schema:courseCode", "cipt:hours"]


@given(text=st.one_of(st.text(max_size=200), st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(" ".join)))
@settings(max_examples=80, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_random_query_text_gets_a_documented_answer(hostile_server, text):
    base = hostile_server[0]
    response = ask(base, text)
    assert_documented(response)
    get = httpx.get(f"{base}/sparql", params={"query": text}, headers={"Accept-Language": "en"}, timeout=30)
    assert_documented(get)


def test_server_answers_after_random_text(hostile_server):
    assert_alive(hostile_server)


# --- what would crash a parser ---------------------------------------------------------------------

def test_regression_deeply_nested_query_does_not_crash_the_server(hostile_server):
    """Issue #8: 5,000 nested braces (10 KB) overflowed Oxigraph's parser stack: the process segfaulted."""
    response = ask(hostile_server[0], "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000)
    assert response.status_code == 400
    assert "nests" in response.text and "100" in response.text
    assert_alive(hostile_server)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { FILTER(" + "!" * 20000 + "true) }",
    "SELECT * WHERE { BIND(" + "+".join(["1"] * 10000) + " AS ?x) }",
    "SELECT * WHERE { " + " UNION ".join(["{?s ?p ?o}"] * 2500) + " } LIMIT 1",
], ids=["not-chain", "plus-chain", "union-chain"])
def test_regression_long_operator_chains_do_not_crash_the_server(hostile_server, query):
    """Issue #8: a chain of 10,000 operators (10–20 KB) overflowed the 8 MiB stack of the query thread."""
    response = ask(hostile_server[0], query)
    assert_documented(response)
    assert_alive(hostile_server)


# --- pathological but valid: the limits stop them ------------------------------------------------

def test_cartesian_product_is_stopped_by_the_row_limit(hostile_server):
    started = time.monotonic()
    response = ask(hostile_server[0], "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    assert response.status_code == 413
    assert f"more than {MAX_ROWS} rows" in response.text
    assert time.monotonic() - started < TIMEOUT + 5


def test_huge_regex_is_refused_or_answered_in_time(hostile_server):
    pattern = "(" * 200 + "a|b" + ")*" * 200 + "c{1000}{1000}"
    started = time.monotonic()
    response = ask(hostile_server[0], f'SELECT ?o WHERE {{ ?s ?p ?o FILTER(REGEX(STR(?o), "{pattern}")) }}')
    assert_documented(response)
    assert time.monotonic() - started < TIMEOUT + 5
    catastrophic = ask(hostile_server[0], 'SELECT ?o WHERE { ?s ?p ?o FILTER(REGEX(CONCAT(STR(?o), STR(?o), STR(?o)), '
                                          '"^(a+)+$|^(.*a){20}$")) }')
    assert_documented(catastrophic)
    assert time.monotonic() - started < 2 * (TIMEOUT + 5)
    assert_alive(hostile_server)


@pytest.mark.parametrize("query", [
    # Cartesian product behind an aggregate: nothing to stream, so only the time limit stops it.
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    # Deep property path: every node to every node it reaches by any edge, either way.
    "SELECT (COUNT(*) AS ?n) WHERE { ?s (!<urn:x:none>|^!<urn:x:none>)*/(!<urn:x:none>|^!<urn:x:none>)* ?o }",
], ids=["count-cartesian", "deep-property-path"])
def test_expensive_query_is_stopped_by_the_time_limit(hostile_server, query):
    """The query's process is killed at the limit: its slot is free again at once (issue #11)."""
    started = time.monotonic()
    response = ask(hostile_server[0], query)
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text[:300]
    assert "time limit" in response.text and response.headers.get("retry-after")
    assert elapsed < 10 * TIMEOUT + 10, f"answered after {elapsed:.1f} s"
    for _ in range(3):  # every slot is free again: no query keeps computing after its 503
        assert_alive(hostile_server)
