"""Fuzzing the HTTP API from its own OpenAPI description (schemathesis), on a real `cipt serve` (issue #8).

Every operation the service documents gets generated requests — valid ones and, for the
parameters, arbitrary text — with a fixed seed and a small number of examples: no answer may be
a 5xx, no body may hold a Python stack trace, every answer must be quick, and the server must
answer normally afterwards.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

#: A Python traceback or exception repr leaking into a body.
TRACE = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+|\b\w+Error\(")
#: Operations whose answer is expensive to build (the audit report runs every check and shape):
#: fewer examples, same checks.
SLOW = {"/audit"}


def _operations():
    """The documented operations, read from the app's OpenAPI (it does not depend on the data)."""
    from cipt_graph.api import create_app
    from cipt_graph.store import OxigraphStore

    spec = create_app(OxigraphStore()).openapi()
    return spec, [(method.upper(), path) for path, item in spec["paths"].items() for method in item
                  if method in ("get", "post", "put", "delete", "patch")]


SPEC, OPERATIONS = _operations()


@schemathesis.serializer("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip")
def _binary(ctx, value):
    """Uploads are raw bodies (a workbook, a zip): send the generated value as bytes."""
    from schemathesis.transport.serialization import serialize_binary

    return serialize_binary(value)


def _check(case, base_url: str) -> None:
    started = time.monotonic()
    response = case.call(base_url=base_url, timeout=30)
    elapsed = time.monotonic() - started
    where = f"{case.method} {case.formatted_path} {case.query or ''}"
    assert response.status_code < 500 or response.status_code == 503, (
        f"{where} → {response.status_code}: {response.text[:500]}")
    if response.status_code == 503:
        # Only the documented refusals: the time limit, the cap on running queries.
        assert any(w in response.text for w in ("time limit", "busy", "limite de temps", "occupé")), response.text[:300]
    body = response.content[:200_000].decode("utf-8", "replace")
    assert not TRACE.search(body), f"{where}: stack trace in the body: {body[:500]}"
    assert elapsed < 20, f"{where} took {elapsed:.1f} s"


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_error_and_no_stack_trace(server_url, method, path):
    schema = schemathesis.openapi.from_dict(SPEC)
    operation = schema[path][method]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    try:  # values that break the schema on purpose (wrong types, missing required parameters…)
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    except Exception:  # noqa: BLE001 - an operation without parameters has no negative case
        pass

    @given(case=st.one_of(*strategies))
    @settings(max_examples=3 if path in SLOW else 12, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        _check(case, server_url)

    fuzz()


def test_server_still_answers_after_fuzzing(server_url, store):
    """Runs after the fuzzing (same module, file order): the service is intact and answers normally."""
    from cipt_graph.queries import run_query

    expected = len(run_query(store, "coverage_matrix"))
    response = httpx.get(f"{server_url}/api/queries/coverage_matrix", timeout=30)
    assert response.status_code == 200
    assert len(response.json()) == expected
    assert httpx.get(f"{server_url}/sparql", params={"query": "ASK { ?s ?p ?o }"},
                     headers={"Accept": "application/sparql-results+json"}, timeout=30).json()["boolean"] is True
