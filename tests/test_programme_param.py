"""Every route taking ``programme`` says the same thing about it (issue #16): a value naming no
programme is a 404 worded as the command line's ``--programme`` (« paramètre « programme » :
« U999 » n'est pas un programme connu ; vouliez-vous dire … ? (programmes : … ; voir /programmes) »,
French by default, English on request), the named queries (``/api/queries/NAME``) included; an
empty ``programme=`` is no programme given, on every route (the same answer as without it).

The routes are the app's own (each route whose parameters include ``programme``, the named
queries that take one, and the pages reading it themselves), served by a real ``cipt serve
--data`` on the university workspace of ``university_helpers`` (four programmes).
"""

from __future__ import annotations

import re
import shutil

import httpx
import pytest

from university_helpers import university  # noqa: F401 (fixture)

#: Routes reading ``programme`` from the query string themselves (not in their signature).
READ_BY_HAND = ["/versions/diff?a=v1&b=current"]


def programme_routes() -> list[str]:
    """Every GET route of the app taking ``programme`` (path parameters filled), then each named
    query taking it (its other required parameters given their example), then :data:`READ_BY_HAND`."""
    from fastapi.routing import APIRoute

    from cipt_graph.api.app import create_app
    from cipt_graph.queries import load_queries
    from cipt_graph.store import OxigraphStore

    def flat(routes) -> list:  # FastAPI keeps an included router whole
        out = []
        for route in routes:
            included = getattr(route, "original_router", None)
            out += flat(included.routes) if included is not None else [route]
        return out

    routes = []
    for route in flat(create_app(OxigraphStore()).router.routes):
        if (isinstance(route, APIRoute) and "GET" in route.methods
                and any(p.name == "programme" for p in route.dependant.query_params)):
            path = route.path.replace("{code}", "X").replace("{sourcedId}", "00000000-0000-5000-8000-000000000000")
            if path.startswith("/api/versions/diff"):
                path += "?a=v1&b=current"
            routes.append(path)
    for name, query in sorted(load_queries().items()):
        if any(p.name == "programme" for p in query.params):
            needed = {p.name: query.example.get(p.name, "X") for p in query.params if p.required}
            routes.append(f"/api/queries/{name}" + ("?" + "&".join(f"{k}={v}" for k, v in needed.items()) if needed else ""))
    return routes + READ_BY_HAND


def _with(route: str, query: str) -> str:
    return route + ("&" if "?" in route else "?") + query


def _message(response: httpx.Response) -> str:
    """The message of an error answer: the JSON's, else the page's text (tags dropped)."""
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()  # the CASE API's failures are imsx_StatusInfo (its imsx_description)
        return body["message"] if "message" in body else body["imsx_description"]
    from html import unescape
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.text)))


@pytest.fixture(scope="module")
def server(university, tmp_path_factory):
    """A real `cipt serve --data` on a copy of the university workspace (versions routes included)."""
    from serve_helpers import serving

    ws = tmp_path_factory.mktemp("programme-param") / "ws"
    shutil.copytree(university, ws)
    with serving(["--data", str(ws)], tmp_path_factory.mktemp("programme-param-log") / "serve.log") as running:
        yield running


def test_the_routes_list_holds_the_views_the_api_and_the_named_queries():
    routes = programme_routes()
    for expected in ("/", "/matrix", "/graph", "/jobs", "/audit", "/api/modules", "/api/gaps",
                     "/api/versions/diff?a=v1&b=current", "/api/queries/competency_progression",
                     "/api/queries/modules", "/versions/diff?a=v1&b=current"):
        assert expected in routes, routes


def test_an_unknown_programme_is_the_same_404_on_every_route(server):
    fr = re.compile(r"paramètre « programme » : « U999 » n'est pas un programme connu "
                    r"\(programmes : M2_CIPT, U001, U002, U003 ; voir /programmes\)")
    en = re.compile(r"parameter 'programme': 'U999' is not a known programme "
                    r"\(programmes: M2_CIPT, U001, U002, U003; see /programmes\)")
    wrong = []
    with httpx.Client(base_url=server.url, timeout=120) as client:
        for route in programme_routes():
            french = client.get(_with(route, "programme=U999"))
            english = client.get(_with(route, "programme=U999"), headers={"Accept-Language": "en"})
            if not (french.status_code == english.status_code == 404 and fr.search(_message(french))
                    and en.search(_message(english))):
                wrong.append((route, french.status_code, _message(french)[:300], english.status_code,
                              _message(english)[:300]))
    assert not wrong, "\n".join(map(str, wrong))


def test_a_near_code_is_suggested_on_every_kind_of_route(server):
    with httpx.Client(base_url=server.url, timeout=120) as client:
        for route in ("/matrix", "/api/modules", "/api/queries/competency_progression",
                      "/api/versions/diff?a=v1&b=current", "/versions/diff?a=v1&b=current"):
            answer = client.get(_with(route, "programme=U01"))
            assert answer.status_code == 404, (route, answer.text[:300])
            assert "paramètre « programme » : « U01 » n'est pas un programme connu ; vouliez-vous dire U001" \
                in _message(answer), (route, _message(answer)[:300])


def test_an_empty_programme_is_no_programme_given_on_every_route(server):
    """``?programme=`` (or blanks) answers as the same route without it: the overview (or a 303 to it), the 400
    naming the parameter where one programme is needed, never a 404 for a programme named « »."""
    different = []
    with httpx.Client(base_url=server.url, timeout=120) as client:
        for route in programme_routes():
            absent = client.get(route)
            for blank in ("programme=", "programme=+%20"):
                given = client.get(_with(route, blank))
                if (given.status_code, given.content) != (absent.status_code, absent.content):
                    different.append((route, blank, absent.status_code, given.status_code, _message(given)[:200]))
            assert absent.status_code in (200, 303, 400, 404), (route, absent.status_code, _message(absent)[:300])
            if absent.status_code == 400:
                assert "le paramètre « programme » est nécessaire" in _message(absent), (route, _message(absent)[:300])
    assert not different, "\n".join(map(str, different))
