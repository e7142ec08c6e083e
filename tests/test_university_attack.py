"""A university in one dataset (issue #16), what an attacker's round found: the JSON API's
``url`` fields of a programme's rows lead somewhere that answers (they keep the programme with
several programmes in the data, and stay bare with one).

The dataset is the shipped programme plus three generated ones (``bench/generate.py``'s
university generator, small), served by a real app on 127.0.0.1.
"""

from __future__ import annotations

import httpx
import pytest

from university_helpers import university, ustore, url  # noqa: F401 (fixtures)


@pytest.mark.parametrize("route", ["/api/modules", "/api/competencies", "/api/blocks"])
@pytest.mark.parametrize("programme", ["U002", "u002", "https://w3id.org/cipt-graph/id/programme/u002"])
def test_the_url_of_a_programme_row_answers_for_that_programme(url, route, programme):
    rows = httpx.get(url + route, params={"programme": programme}, timeout=60).json()
    assert rows and all(r["programme"].endswith("/programme/u002") for r in rows)
    for row in rows[:3]:
        got = httpx.get(url + row["url"], timeout=60)
        assert got.status_code == 200, (row["url"], got.text)
        detail = got.json()
        assert detail["code"] == row["code"] and detail["programme"] == row["programme"]


def test_the_detail_of_a_block_links_its_competencies_in_the_same_programme(url):
    first = httpx.get(url + "/api/blocks", params={"programme": "U002"}, timeout=60).json()[0]
    answer = httpx.get(url + first["url"], timeout=60)
    assert answer.status_code == 200, answer.text
    block = answer.json()
    assert "programme=" in block["url"]
    for comp in block["competencies"][:2]:
        got = httpx.get(url + comp["url"], timeout=60)
        assert got.status_code == 200 and got.json()["programme"] == block["programme"], got.text


def test_with_one_programme_the_urls_stay_bare():
    from cipt_graph.api.app import create_app
    from conftest import serve_app
    from cipt_graph.build import build_store

    with serve_app(create_app(build_store())) as base:
        rows = httpx.get(base + "/api/modules", params={"programme": "M2_CIPT"}, timeout=60).json()
        assert rows[0]["url"] == f"/api/modules/{rows[0]['code']}"
