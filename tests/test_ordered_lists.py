"""The lists a named query concatenates come in period order, the same on every store (issue #16):
``competency_progression``'s ``steps`` ("P1:I P1:R P2:M": period code, then level rank) and
``assessment_per_competency``'s ``taught_by`` ("M07 (I) / M14 (R)": the module's period code,
then module code). SPARQL leaves GROUP_CONCAT's order to the server (Oxigraph and Virtuoso
differ); the queries key each item and ``run_query`` sorts (``cipt_graph/ordered_lists.py``).

Over the session ``store`` (the embedded Oxigraph store by default; ``CIPT_TEST_STORE=virtuoso``
runs the same tests on a real Virtuoso), the expected order worked out from ``coverage_matrix``'s
rows, and over the command line (``cipt query``) and the JSON API the same strings.
"""

from __future__ import annotations

import json

from cipt_graph.ordered_lists import order_items
from cipt_graph.queries import run_query
from cipt_graph.store import iter_records


def _records(store, name: str) -> list[dict]:
    return list(iter_records(run_query(store, name, {"lang": "fr"})))


def _links(store) -> list[dict]:
    return _records(store, "coverage_matrix")


def test_the_steps_are_in_period_then_level_order(store):
    want: dict[str, set] = {}
    for r in _links(store):
        if r["period_code"]:
            want.setdefault(r["competency_code"], set()).add((r["period_code"], r["level_rank"], r["level_code"]))
    rows = _records(store, "competency_progression")
    assert rows
    several = 0
    for r in rows:
        expected = " ".join(f"{p}:{code}" for p, _, code in sorted(want[r["competency_code"]]))
        assert r["steps"] == expected, (r["competency_code"], r["steps"], expected)
        several += len({p for p, _, _ in want[r["competency_code"]]}) > 1
    assert several >= 5  # lists spanning several periods were checked


def test_taught_by_is_in_the_modules_period_order(store):
    period = {r["module_code"]: r["period_code"] or "" for r in _records(store, "modules")}
    levels = {(r["competency_code"], r["module_code"]): r["level_code"] for r in _links(store)}
    checked = 0
    for r in _records(store, "assessment_per_competency"):
        items = (r["taught_by"] or "").split(" / ") if r["taught_by"] else []
        modules = [item.split(" (")[0] for item in items]
        assert modules == sorted(modules, key=lambda m: (period[m] == "", period[m], m)), (r["competency_code"], items)
        assert items == [f"{m} ({levels[(r['competency_code'], m)]})" for m in modules]
        assert "\t" not in (r["taught_by"] or "")
        checked += len({period[m] for m in modules}) > 1
    assert checked >= 5


def test_the_command_line_and_the_api_give_the_same_order(store, cli, server_url):
    import httpx

    client_for_store = httpx.Client(base_url=server_url, timeout=120)
    steps = {r["competency_code"]: r["steps"] for r in _records(store, "competency_progression")}
    taught = {r["competency_code"]: r["taught_by"] for r in _records(store, "assessment_per_competency")}
    answer = client_for_store.get("/api/queries/competency_progression", params={"programme": "M2_CIPT"})
    assert answer.status_code == 200, answer.text
    assert {r["competency_code"]: r["steps"] for r in answer.json()} == steps
    answer = client_for_store.get("/api/queries/assessment_per_competency", params={"programme": "M2_CIPT"})
    assert {r["competency_code"]: r["taught_by"] for r in answer.json()} == taught
    done = cli("query", "competency_progression", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert {r["competency_code"]: r["steps"] for r in json.loads(done.stdout)} == steps


def test_order_items_sorts_by_the_keys_numbers_as_numbers_and_keeps_each_text_once():
    assert order_items("P2\t2\tP2:R P1\t10\tP1:X P1\t9\tP1:M P1\t9\tP1:M", " ") == "P1:M P1:X P2:R"
    assert order_items("\tM09\tM09 (I) / S1\tM10\tM10 (R)", " / ") == "M10 (R) / M09 (I)"  # no period: last
    assert order_items("", " ") == ""
