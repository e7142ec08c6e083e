"""A university in one dataset (issue #16): every view, API route and command scoped by programme
gives exactly that programme's figures (compared with the named queries run for it), and the
overview lists every programme.

The dataset is the shipped programme plus three generated ones (``bench/generate.py``'s
university generator, small), two of them sharing a certification.
"""

from __future__ import annotations

import json
import re
from html import unescape

import httpx
import pytest

from university_helpers import university, ustore, url  # noqa: F401 (fixtures)

from cipt_graph.build import build_store
from cipt_graph.queries import run_query
from cipt_graph.store import iter_records


def rows(store, name, **params):
    return list(iter_records(run_query(store, name, params)))


def iri_of(store, code):
    from cipt_graph.queries import resolve_programme

    return resolve_programme(store, code).value


def codes(store):
    return [r["programme_code"] for r in rows(store, "programmes")]


def test_overview_query_lists_every_programme(ustore):
    got = rows(ustore, "programmes")
    assert sorted(r["programme_code"] for r in got) == ["M2_CIPT", "U001", "U002", "U003"]
    for r in got:  # each figure is the programme's own, from the programme-scoped queries
        (stats,) = rows(ustore, "stats", programme=r["programme"])
        assert (r["modules"], r["listed"], r["declared"], r["links"]) == \
            (stats["modules"], stats["hours_listed"], stats["hours_declared"], stats["coverage_links"])
        assert r["uncovered"] == len(rows(ustore, "uncovered_competencies", programme=r["programme"]))
        assert r["empty_modules"] == len(rows(ustore, "modules_without_competency", programme=r["programme"]))


def test_rows_of_every_programme_name_their_programme(ustore):
    everything = rows(ustore, "modules")
    assert {r["programme"] for r in everything} == {r["programme"] for r in rows(ustore, "programmes")}
    for p in {r["programme"] for r in everything}:
        assert [r for r in everything if r["programme"] == p] == rows(ustore, "modules", programme=p)


@pytest.mark.parametrize("code", ["M2_CIPT", "U002"])
def test_api_routes_scoped_by_programme(ustore, url, code):
    with httpx.Client(base_url=url, timeout=120) as client:
        modules = client.get("/api/modules", params={"programme": code}).json()
        want = rows(ustore, "modules", programme=code)
        assert [m["code"] for m in modules] == [r["module_code"] for r in want]
        assert {m["programme"] for m in modules} == {want[0]["programme"]}
        gaps = client.get("/api/gaps", params={"programme": code}).json()
        assert [c["code"] for c in gaps["uncovered_competencies"]] == \
            [r["competency_code"] for r in rows(ustore, "uncovered_competencies", programme=code)]
        (hours,) = gaps["hours"]
        (want_hours,) = rows(ustore, "hours_declared_vs_listed", programme=code)
        assert (hours["declared"], hours["listed"], hours["programme"]) == \
            (want_hours["declared"], want_hours["listed"], want_hours["programme"])
        matrix = client.get("/api/coverage-matrix", params={"programme": code}).json()
        assert len(matrix["links"]) == len(rows(ustore, "coverage_matrix", programme=code))
        assert {link["programme"] for link in matrix["links"]} == {want[0]["programme"]}
        blocks = client.get("/api/blocks", params={"programme": code}).json()
        assert [b["code"] for b in blocks] == [r["block_code"] for r in rows(ustore, "hours_per_block", programme=code)]
        nope = client.get("/api/modules", params={"programme": "NOPE"})
        assert nope.status_code == 404  # the message in French by default, English on request (issue #15)
        assert "paramètre « programme » : « NOPE » n'est pas un programme connu" in nope.json()["message"], nope.text
        nope_en = client.get("/api/modules", params={"programme": "NOPE", "lang": "en"})
        assert nope_en.status_code == 404 and "parameter 'programme': 'NOPE' is not a known programme" in nope_en.json()["message"]


@pytest.mark.parametrize("code", ["M2_CIPT", "U003"])
def test_views_scoped_by_programme(ustore, url, code):
    with httpx.Client(base_url=url, timeout=120) as client:
        (stats,) = rows(ustore, "stats", programme=code)
        page = client.get("/", params={"programme": code, "lang": "en"})
        assert page.status_code == 200
        assert re.search(rf'data-figure="modules"><div class="value">{stats["modules"]}<', page.text)
        matrix = client.get("/matrix", params={"programme": code})
        assert matrix.status_code == 200
        own = {r["module_code"] for r in rows(ustore, "modules", programme=code)}
        others = {r["module_code"] for r in rows(ustore, "modules")} - own
        assert all(m in matrix.text for m in own) and not any(f">{m}<" in matrix.text for m in others)
        csv_text = client.get("/matrix.csv", params={"programme": code}).text
        assert len(csv_text.strip().splitlines()) - 1 == len(rows(ustore, "coverage_matrix", programme=code))
        assert client.get("/jobs", params={"programme": code}).status_code == 200
        graph = client.get("/graph", params={"programme": code})
        assert graph.status_code == 200
        # its own learning objectives only (the generated programmes have none, M2_CIPT five)
        own_objectives = {r["objective"] for r in rows(ustore, "module_objectives", programme=code)}
        other_objectives = {r["objective"] for r in rows(ustore, "module_objectives")} - own_objectives
        assert {r["programme"] for r in rows(ustore, "module_objectives", programme=code)} <= {stats["programme"]}
        assert other_objectives or own_objectives
        assert all(o in graph.text for o in own_objectives) and not any(o in graph.text for o in other_objectives)
        # its own module → activity links only (query module_links for the programme)
        data = json.loads(re.search(r'<script id="network-data" type="application/json">(.*?)</script>',
                                    graph.text, re.S).group(1))
        drawn = {(e["from"], e["to"]) for e in data["edges"] if e["kind"] == "prepares"}
        own_links = {(r["module"], r["target"]) for r in rows(ustore, "module_links", programme=code)
                     if r["link_kind"] == "activity"}
        assert drawn == own_links
        assert {r["programme"] for r in rows(ustore, "module_links", programme=code)} <= {stats["programme"]}
        assert drawn or code != "M2_CIPT", "the shipped programme links modules to activities"
        assert client.get("/matrix", params={"programme": "NOPE"}).status_code == 404


def test_without_a_programme_the_views_send_to_the_overview(ustore, url):
    with httpx.Client(base_url=url, timeout=120) as client:
        home = client.get("/")
        assert home.status_code == 200
        for code in codes(ustore):
            assert f">{code}</a>" in home.text
        r = client.get("/matrix", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/programmes")


def test_overview_search_sort_and_shared_certifications(ustore, url):
    with httpx.Client(base_url=url, timeout=120) as client:
        page = client.get("/programmes", params={"q": "u00", "sort": "modules", "order": "desc"}).text
        shown = re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a>', page)
        assert sorted(shown) == ["U001", "U002", "U003"]
        want = sorted((r for r in rows(ustore, "programmes") if r["programme_code"].startswith("U")),
                      key=lambda r: -r["modules"])
        assert [r["modules"] for r in want] == sorted((r["modules"] for r in want), reverse=True)
        assert shown[0] == want[0]["programme_code"] or want[0]["modules"] == want[1]["modules"]
        shared = {r["rncp_number"] for r in rows(ustore, "certification_coverage") if r["programme_count"] > 1}
        assert shared and all(f"{n} — " in page for n in shared)
        assert client.get("/programmes", params={"sort": "nope"}).status_code == 400  # the app answers 400 for bad parameters


def _plain(text: str) -> str:
    """A page's text with its French no-break spaces (before « : », inside « … ») read as spaces."""
    return re.sub(r"[\u00a0\u202f]", " ", unescape(text))


def test_programme_parameter_refusals_agree(ustore, url):
    """Defect 9 of #16: a programme naming none is a 404 naming the `programme` parameter on the
    API as on the views; a malformed value a 400 in the request's language, without pyoxigraph's
    English; codes match in any case; a module of another programme is "not in that programme"."""
    html = {"Accept": "text/html"}
    with httpx.Client(base_url=url, timeout=120) as client:
        for path, headers in (("/api/modules", {}), ("/", html), ("/matrix", html)):
            nope = client.get(path, params={"programme": "U999"}, headers=headers)
            assert nope.status_code == 404 and "paramètre « programme »" in _plain(nope.text), (path, nope.text)
            bad = client.get(path, params={"programme": '"><script>'}, headers=headers)
            assert bad.status_code == 400 and "n'est pas un code de programme" in _plain(bad.text), (path, bad.text)
            assert "Invalid IRI" not in bad.text and "code point" not in bad.text
            assert "<script>" not in bad.text or not headers  # a page escapes it
        named = client.get("/api/queries/modules", params={"programme": "U999"})  # a named query: the same 404
        assert named.status_code == 404, named.text
        assert named.json()["message"] == client.get("/api/modules", params={"programme": "U999"}).json()["message"]
        bad = client.get("/api/queries/modules", params={"programme": '"><script>'})
        assert bad.status_code == 400 and "n'est pas un code de programme" in bad.json()["message"], bad.text
        assert client.get("/api/queries/modules", params={"programme": "u002"}).status_code == 200
        bad_en = client.get("/api/modules", params={"programme": '"><script>', "lang": "en"})
        assert bad_en.status_code == 400 and "is not a programme code" in bad_en.json()["message"]
        assert "Invalid IRI" not in bad_en.text
        want = [m["code"] for m in client.get("/api/modules", params={"programme": "M2_CIPT"}).json()]
        assert [m["code"] for m in client.get("/api/modules", params={"programme": "m2_cipt"}).json()] == want
        assert client.get("/", params={"programme": "m2_Cipt"}).status_code == 200
        other = rows(ustore, "modules", programme=iri_of(ustore, "U002"))[0]["module_code"]
        assert client.get(f"/api/modules/{other}", params={"programme": "U002"}).status_code == 200
        elsewhere = client.get(f"/api/modules/{other}", params={"programme": "U003"})
        assert elsewhere.status_code == 404
        assert elsewhere.json()["message"] == f"aucun module de code « {other} » dans le programme « U003 »"
        elsewhere_en = client.get(f"/api/modules/{other}", params={"programme": "U003", "lang": "en"})
        assert elsewhere_en.json()["message"] == f"no module with code {other!r} in programme 'U003'"


@pytest.mark.parametrize("params, name", [({"page": "0"}, "page"), ({"page": "x"}, "page"),
                                          ({"sort": "bogus"}, "sort"), ({"order": "up"}, "order")])
def test_overview_refuses_a_bad_parameter_in_the_page_language(url, params, name):
    with httpx.Client(base_url=url, timeout=120) as client:
        fr = client.get("/programmes", params=params)
        assert fr.status_code == 400 and f"paramètre « {name} »" in _plain(fr.text), fr.text
        assert "Input should" not in fr.text and "greater than" not in fr.text
        en = client.get("/programmes", params={**params, "lang": "en"})
        assert en.status_code == 400 and f"{name}: " in en.text and "Input should" not in en.text, en.text


def test_overview_pages_and_accent_free_search(ustore, url):
    """Defect 10 of #16: a page past the last is a 404 (not the last page again); the search
    ignores accents and case (``geographie`` finds ``Géographie``)."""
    import unicodedata

    every = rows(ustore, "programmes")
    with httpx.Client(base_url=url, timeout=120) as client:
        assert client.get("/programmes", params={"page": "1"}).status_code == 200
        past = client.get("/programmes", params={"page": "2"})  # 4 programmes: one page of 50
        assert past.status_code == 404 and "il n'y a pas de page 2, le tableau en a 1" in _plain(past.text), past.text
        accented = [r for r in every if any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", r["programme_label"]))]
        assert accented, "the generated labels hold accents"
        word = next(w for w in accented[0]["programme_label"].split()
                    if any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", w)))
        plain = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c)).upper()
        page = client.get("/programmes", params={"q": plain}).text
        shown = re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a>', page)
        assert accented[0]["programme_code"] in shown
        assert set(shown) == {r["programme_code"] for r in every if word.casefold() in r["programme_label"].casefold()}


def test_commands_take_the_programme(university, ustore, cli):
    done = cli("stats", "--programme", "U001", "--format", "json", "--data", str(university))
    assert done.returncode == 0, done.stderr
    (want,) = rows(ustore, "stats", programme="U001")
    assert json.loads(done.stdout) == want
    everything = cli("stats", "--format", "json", "--data", str(university))
    assert len(json.loads(everything.stdout)) == 4
    bad = cli("stats", "--programme", "NOPE", "--data", str(university))
    assert bad.returncode == 2 and "NOPE" in bad.stderr
    audit = cli("audit", "--programme", "U002", "--format", "json", "--data", str(university))
    assert audit.returncode in (0, 1), audit.stderr
    report = json.loads(audit.stdout)
    (hours,) = rows(ustore, "hours_declared_vs_listed", programme="U002")
    assert json.dumps(report).count(hours["programme"]) > 0
    assert hours["programme"] in json.dumps(report["hours"]) and "m2-cipt" not in json.dumps(report["hours"])


def test_a_programme_without_a_certification_gets_none_of_another(tmp_path):
    """``programme_identity``: the certification's facts hang on the programme's own certification;
    a programme that has none shows none (before, the facts' OPTIONALs matched any certification)."""
    store = build_store()
    extra = (
        "<https://example.org/p/nocert> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/cipt-graph/ontology#Programme> .\n"
        '<https://example.org/p/nocert> <http://www.w3.org/2004/02/skos/core#prefLabel> "Sans certification"@fr .\n'
    ).encode()
    store.replace_graphs({"https://example.org/graph/nocert": extra})
    found = {r["programme"]: r for r in rows(store, "programme_identity")}
    bare = found["https://example.org/p/nocert"]
    assert bare["certification"] is None and bare["rncp_number"] is None and bare["certifier_label"] is None
    shipped = [r for key, r in found.items() if key != "https://example.org/p/nocert"]
    assert len(shipped) == 1 and shipped[0]["rncp_number"] == "RNCP38175"


#: The pages and data routes whose answer over every programme is slow at university scale: with
#: several programmes and none given, each answers at once (defect 4 of issue #16) — pages send to
#: the overview (303), data routes answer 400 naming the ``programme`` parameter.
NEEDS_PROGRAMME_PAGES = ["/graph", "/matrix", "/jobs", "/audit"]
NEEDS_PROGRAMME_DATA = ["/audit?format=json", "/audit?format=md", "/matrix.csv", "/matrix.xlsx", "/api/modules",
                        "/api/blocks", "/api/blocks/BC01", "/api/competencies", "/api/competencies/BC01-C1",
                        "/api/coverage-matrix", "/api/gaps", "/api/queries/mapping_status",
                        "/api/queries/coverage_matrix", "/api/queries/competencies", "/api/queries/hours_per_block"]


def _message(r):
    """An error's message: the JSON answer's ``message`` (API routes), else the text (views)."""
    return r.json()["message"] if r.headers["content-type"].startswith("application/json") else r.text


def test_without_a_programme_slow_routes_answer_at_once(ustore, url):
    with httpx.Client(base_url=url, timeout=120) as client:
        for path in NEEDS_PROGRAMME_PAGES:
            r = client.get(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/programmes"), (path, r.status_code)
        for path in NEEDS_PROGRAMME_DATA:
            r = client.get(path)
            assert r.status_code == 400, (path, r.status_code, r.text[:300])
            message = _message(r)
            assert "le paramètre « programme » est nécessaire" in message and "4 programmes" in message, (path, message)
            assert all(code in message for code in codes(ustore)), message
            en = client.get(path, headers={"Accept-Language": "en"})
            assert en.status_code == 400 and "the programme parameter is needed" in _message(en), (path, en.text)
        # given the programme, each answers
        for path in NEEDS_PROGRAMME_PAGES + NEEDS_PROGRAMME_DATA:
            if "/BC01" in path:
                continue  # the generated programmes' blocks have other codes
            sep = "&" if "?" in path else "?"
            r = client.get(f"{path}{sep}programme=U002")
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
        # cheap answers over every programme stay: jobs, the programme list, a query without the flag
        assert client.get("/api/jobs").status_code == 200
        assert client.get("/api/programme").status_code == 200
        assert client.get("/api/queries/programmes").status_code == 200


def test_cli_audit_without_a_programme_needs_one(university, cli):
    done = cli("audit", "--format", "md", "--data", str(university))
    assert done.returncode == 2, done.stderr
    assert "--programme" in done.stderr and "plusieurs programmes" in done.stderr and done.stdout == ""
    en = cli("--lang", "en", "audit", "--format", "md", "--data", str(university))
    assert en.returncode == 2 and "--programme" in en.stderr and "several programmes" in en.stderr


def test_competency_queries_scoped_by_programme_agree_with_the_matrix(ustore):
    """`competencies` and `modules_for_competency` (their programme-scoped sub-selects, issue #16):
    for each programme, the same rows as the unscoped answer's rows of that programme, and the
    counts and ranks those of the programme's `coverage_matrix` links."""
    everything = rows(ustore, "competencies")
    for p in {r["programme"] for r in rows(ustore, "programmes")}:
        scoped = rows(ustore, "competencies", programme=p)
        assert scoped == [r for r in everything if r["programme"] == p]
        links = rows(ustore, "coverage_matrix", programme=p)
        assert scoped and links
        for r in scoped:
            mine = [link for link in links if link["competency"] == r["competency"]]
            assert r["modules"] == len({link["module"] for link in mine})
            assert r["max_rank"] == (max(link["level_rank"] for link in mine) if mine else None)
            covering = rows(ustore, "modules_for_competency", competency=r["competency"], programme=p)
            assert sorted(c["module"] for c in covering) == sorted(link["module"] for link in mine)
            assert {c["programme"] for c in covering} <= {p}
        block = scoped[0]["block"]
        assert rows(ustore, "competencies", programme=p, block=block) == [r for r in scoped if r["block"] == block]


def test_overview_counts_are_real_plurals(ustore, url):
    """« 1 formation sur 4 », « 4 formations sur 4 », "1 programme of 4", "0 programmes of 4":
    plurals of the locale (Babel, CLDR), never "(s)"."""
    every = rows(ustore, "programmes")
    total = len(every)
    one = every[0]["programme_code"]
    with httpx.Client(base_url=url, timeout=120) as client:
        for lang, params, want in (
                ("fr", {}, f"{total} formations sur {total}"), ("fr", {"q": one}, f"1 formation sur {total}"),
                ("fr", {"q": "zzzz-nothing"}, f"0 formation sur {total}"),
                ("en", {}, f"{total} programmes of {total}"), ("en", {"q": one}, f"1 programme of {total}"),
                ("en", {"q": "zzzz-nothing"}, f"0 programmes of {total}")):
            page = unescape(client.get("/programmes", params={**params, "lang": lang}).text)
            assert want in page, (lang, params)
            assert "(s)" not in page
            shared = re.findall(r"\((\d+) (formations?|programmes?)\)", page)
            assert shared and all(word.endswith("s") == (int(n) > 1) for n, word in shared), shared
