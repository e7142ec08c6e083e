"""Named queries over HTTP and the JSON API of the main resources, on a real `cipt serve`,
compared with the named queries run in-process (issue #3)."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest

from cipt_graph.queries import load_queries, run_query
from cipt_graph.store import iter_records
from test_api_sparql import concat_vars

QUERIES = load_queries()


@pytest.fixture(scope="module")
def client(server_url):
    with httpx.Client(base_url=server_url, timeout=30) as c:
        yield c


def records(store, name, **params):
    return list(iter_records(run_query(store, name, params)))


def plain(value):
    """A JSON value as the CSV cell the CLI writes for it."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --- /api/queries ---------------------------------------------------------------------------------

def test_list_of_named_queries(client):
    """Issue #15: titles, summaries and parameter descriptions in the request's language (French
    by default, `?lang=en` or `Accept-Language: en` for English), both languages always given."""
    r = client.get("/api/queries")
    assert r.status_code == 200 and r.headers["content-language"] == "fr"
    listed = {q["name"]: q for q in r.json()}
    assert list(listed) == list(QUERIES)
    english = {q["name"]: q for q in client.get("/api/queries", params={"lang": "en"}).json()}
    by_header = client.get("/api/queries", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert by_header.headers["content-language"] == "en" and by_header.json() == list(english.values())
    for name, q in QUERIES.items():
        item, item_en = listed[name], english[name]
        assert item["summary"] == item["title"] == q.summary_fr and item["description"] == q.description
        assert item_en["summary"] == item_en["title"] == q.summary
        assert item["summaries"] == item_en["summaries"] == {"fr": q.summary_fr, "en": q.summary}
        assert item["lang"] == "fr" and item_en["lang"] == "en"
        assert [(p["name"], p["type"], p["required"]) for p in item["params"]] == [
            (p.name, p.kind, p.required) for p in q.params]
        for got, got_en, p in zip(item["params"], item_en["params"], q.params):
            assert got["description"] == p.description_fr and got_en["description"] == p.description, (name, p)
            assert got["descriptions"] == got_en["descriptions"] == {"fr": p.description_fr, "en": p.description}
        assert item["sparql"] == q.text
        assert item["url"].startswith(f"/api/queries/{name}")
    # Every parameter of every query has its French description, and it is not the English one.
    params = [p for q in QUERIES.values() for p in q.params]
    assert params and all(p.description_fr and p.description_fr != p.description for p in params)


@pytest.mark.parametrize("name", list(QUERIES))
def test_named_query_json_equals_in_process(store, client, name):
    q = QUERIES[name]
    r = client.get(f"/api/queries/{name}", params=q.example)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    unordered = concat_vars(q.text)

    def norm(row):
        return {k: frozenset(v.split(" ")) if k in unordered and v else v for k, v in row.items()}

    assert [norm(row) for row in r.json()] == [norm(row) for row in records(store, name, **q.example)]


@pytest.mark.parametrize("how", ["suffix", "accept"])
def test_named_query_csv(store, client, how):
    params = {"competency": "BC05-C1"}
    if how == "suffix":
        r = client.get("/api/queries/modules_for_competency.csv", params=params)
    else:
        r = client.get("/api/queries/modules_for_competency", params=params, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    want = records(store, "modules_for_competency", **params)
    assert len(rows) == len(want) > 0
    assert rows == [{k: plain(v) for k, v in row.items()} for row in want]


def test_named_query_json_suffix_wins_over_accept(store, client):
    r = client.get("/api/queries/programmes.json", headers={"Accept": "text/csv"})
    assert r.headers["content-type"] == "application/json"
    assert r.json() == records(store, "programmes") != []


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/tab-separated-values"])
def test_named_query_sparql_results_formats(store, client, accept):
    r = client.get("/api/queries/competencies_for_module", params={"module": "M01"}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    want = records(store, "competencies_for_module", module="M01")
    if accept.endswith("json"):
        bindings = r.json()["results"]["bindings"]
        assert [b["competency_code"]["value"] for b in bindings] == [w["competency_code"] for w in want]
    else:
        codes = re.findall(r'[">](BC\d\d-C\d)["<]', r.text)
        assert codes == [w["competency_code"] for w in want]


@pytest.mark.parametrize("url,status,message", [
    ("/api/queries/no_such_query", 404, "known queries: "),
    ("/api/queries/no_such_query.csv", 404, "no named query 'no_such_query'"),
    ("/api/queries/modules_for_competency", 400, "needs the parameter 'competency'"),
    ("/api/queries/coverage_matrix?nope=1", 400, "no parameter 'nope'"),
    ("/api/queries/modules_for_competency?competency=BC99-C9", 400, "BC99-C9"),
    ("/api/queries/coverage_matrix?lang=fr&lang=en", 400, "given twice"),
])
def test_named_query_errors(client, url, status, message):
    r = client.get(url, headers={"Accept-Language": "en"})
    assert r.status_code == status
    body = r.json()
    assert body["status"] == status and message in body["message"]


@pytest.mark.parametrize("url, french, english", [
    ("/api/queries/modules_for_competency", "demande le paramètre 'competency'", "needs the parameter 'competency'"),
    ("/api/queries/coverage_matrix?nope=1", "n'a pas de paramètre 'nope'", "no parameter 'nope'"),
    ("/api/queries/modules_for_competency?competency=BC99-C9", "'BC99-C9' n'est ni une IRI ni un code connu",
     "'BC99-C9' is neither an IRI nor a known code"),
])
def test_named_query_errors_follow_the_language(client, url, french, english):
    """The library's errors over HTTP (issue #15): French by default, English with
    Accept-Language: en or ?lang=en; the parameter at fault named in both."""
    fr = client.get(url).json()["message"]
    en = client.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"}).json()["message"]
    assert french in fr and english not in fr, fr
    assert english in en and french not in en, en
    asked = client.get(url + ("&" if "?" in url else "?") + "lang=en").json()["message"]
    assert english in asked


def test_named_query_labels_follow_the_request_language(client, store):
    """A query's `lang` parameter, when not given, is the request's language (Accept-Language,
    else French); ?lang= wins; the cache keeps one answer per language (issue #15)."""
    want = {lang: [r["block_label"] for r in records(store, "hours_per_block", lang=lang)] for lang in ("fr", "en")}
    assert want["fr"] != want["en"]
    url = "/api/queries/hours_per_block"

    def labels(path, accept_language=None):
        r = client.get(path, headers={"Accept-Language": accept_language} if accept_language else {})
        assert r.status_code == 200, r.text
        assert "accept-language" in r.headers["vary"].lower()
        return [row["block_label"] for row in r.json()]

    for _ in range(2):  # the second round comes from the cache: still one language per request
        assert labels(url) == want["fr"]
        assert labels(url, "en-GB,en;q=0.9") == want["en"]
        assert labels(url, "fr-FR,fr;q=0.9,en;q=0.5") == want["fr"]
        assert labels(url + "?lang=fr", "en") == want["fr"]
        assert labels(url + "?lang=en") == want["en"]
    as_csv = client.get(url + ".csv", headers={"Accept-Language": "en"})
    assert want["en"][0] in as_csv.text and want["fr"][0] not in as_csv.text


# --- the JSON API ---------------------------------------------------------------------------------

def get(client, url, **params):
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_modules(store, client, lang):
    got = get(client, "/api/modules", lang=lang)
    want = records(store, "modules", lang=lang)
    assert [(m["code"], m["label"], m["hours"], m["period_code"], m["competency_count"]) for m in got] == [
        (w["module_code"], w["module_label"], w["module_hours"], w["period_code"], w["competencies"]) for w in want]


def test_each_module_with_its_coverage(store, client):
    for row in records(store, "modules"):
        got = get(client, f"/api/modules/{row['module_code']}")
        assert got["iri"] == row["module"] and got["url"] == f"/api/modules/{row['module_code']}"
        want = records(store, "competencies_for_module", module=row["module_code"])
        assert [(c["competency_code"], c["level_code"], c["rationale"]) for c in got["coverage"]] == [
            (w["competency_code"], w["level_code"], w["rationale"]) for w in want]
        assert got["competency_count"] == len({c["competency_code"] for c in got["coverage"]})


def test_competencies_and_each_with_its_modules(store, client):
    got = get(client, "/api/competencies")
    assert [c["code"] for c in got] == [w["competency_code"] for w in records(store, "competencies")]
    for comp in got:
        detail = get(client, comp["url"])
        want = records(store, "modules_for_competency", competency=comp["code"])
        assert [(m["module_code"], m["level_code"]) for m in detail["modules"]] == [
            (w["module_code"], w["level_code"]) for w in want]
        assert detail["module_count"] == len(want)


def test_blocks_and_each_with_its_competencies(store, client):
    got = get(client, "/api/blocks", lang="en")
    want = records(store, "hours_per_block", lang="en")
    assert [(b["code"], b["label"], b["hours"], b["competency_count"]) for b in got] == [
        (w["block_code"], w["block_label"], w["hours"], w["competencies"]) for w in want]
    for block in got:
        detail = get(client, block["url"])
        assert {c["code"] for c in detail["competencies"]} == {
            r["competency_code"] for r in records(store, "competencies") if r["block_code"] == block["code"]}
    filtered = get(client, "/api/competencies", block=got[0]["code"])
    assert {c["block_code"] for c in filtered} == {got[0]["code"]}


def test_jobs_and_each_with_its_paths(store, client):
    got = get(client, "/api/jobs")
    assert [j["code"] for j in got] == [w["job_code"] for w in records(store, "jobs")]
    for job in got:
        detail = get(client, job["url"])
        paths = records(store, "job_paths", job=job["code"])
        assert {a["code"] for a in detail["activities"]} == {p["activity_code"] for p in paths}
        assert len(detail["activities"]) == job["activity_count"]
        flat = {(a["code"], c["code"], m["code"]) for a in detail["activities"] for c in a["competencies"]
                for m in c["modules"]}
        assert flat == {(p["activity_code"], p["competency_code"], p["module_code"]) for p in paths if p["module_code"]}
        # Hours along the chain (issue #14), as the /jobs page: per competency the estimate of
        # hours_per_competency, per module its hours; every link carries its status.
        estimates = {r["competency_code"]: r["hours"] for r in records(store, "hours_per_competency")}
        module_hours = {r["module_code"]: r["module_hours"] for r in records(store, "modules")}
        for a in detail["activities"]:
            assert a["link_status"] in ("inferred", "judgement")
            for c in a["competencies"]:
                assert c["estimated_hours"] == pytest.approx(estimates[c["code"]]), c["code"]
                assert c["link_status"] == "inferred"
                assert all(m["hours"] == module_hours[m["code"]] for m in c["modules"])
        needed = {c["code"] for a in detail["activities"] for c in a["competencies"]}
        assert detail["estimated_hours"] == pytest.approx(sum(estimates[c] for c in needed), abs=0.01)
        assert detail["rome_status"] == ("judgement" if job["code"] == "J5" else "inferred")


def test_coverage_matrix(store, client):
    got = get(client, "/api/coverage-matrix", lang="en")
    want = records(store, "coverage_matrix", lang="en")
    assert got["lang"] == "en"
    assert [(l["module_code"], l["competency_code"], l["level_code"], l["level_label"], l["status"])
            for l in got["links"]] == [
        (w["module_code"], w["competency_code"], w["level_code"], w["level_label"], w["status"]) for w in want]
    assert {l["module_code"] for l in got["links"]} <= {m["code"] for m in got["modules"]}
    assert {l["competency_code"] for l in got["links"]} <= {c["code"] for c in got["competencies"]}


def test_gaps(store, client):
    got = get(client, "/api/gaps")
    assert [c["code"] for c in got["uncovered_competencies"]] == [
        r["competency_code"] for r in records(store, "uncovered_competencies")]
    assert [b["code"] for b in got["uncovered_blocks"]] == [r["block_code"] for r in records(store, "uncovered_blocks")]
    assert [m["code"] for m in got["modules_without_competency"]] == [
        r["module_code"] for r in records(store, "modules_without_competency")]
    (hours,) = records(store, "hours_declared_vs_listed")
    assert got["hours"] == [{"programme": hours["programme"], "declared": hours["declared"], "listed": hours["listed"],
                             "difference": hours["difference"], "module_count": hours["modules"]}]
    assert got["complete"] == (not got["uncovered_competencies"] and not got["uncovered_blocks"]
                               and not got["modules_without_competency"])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_programme(store, client, lang):
    (got,) = get(client, "/api/programme", lang=lang)
    (identity,) = records(store, "programme_identity", lang=lang)
    (hours,) = records(store, "hours_declared_vs_listed")
    assert got["label"] == identity["programme_label"] and got["lang"] == lang
    assert (got["declared_hours"], got["listed_hours"], got["hours_difference"], got["module_count"]) == (
        hours["declared"], hours["listed"], hours["difference"], hours["modules"])
    assert got["rncp_number"] == identity["rncp_number"]


@pytest.mark.parametrize("url,status,message", [
    ("/api/modules/M99?lang=en", 404, "no module with code 'M99'"),
    ("/api/modules/M99", 404, "aucun module de code « M99 »"),  # French by default (issue #16)
    ("/api/competencies/BC99-C1?lang=en", 404, "no competency"),
    ("/api/blocks/BC99?lang=en", 404, "no block"),
    ("/api/jobs/J99", 404, "aucun métier"),
    ("/api/modules?lang=de", 400, "lang"),
    ("/api/competencies?block=BC99", 400, "BC99"),
    ("/api/nothing-here?lang=en", 404, "no resource at /api/nothing-here"),
    ("/api/nothing-here", 404, "aucune ressource à l'adresse /api/nothing-here"),  # French by default
])
def test_api_errors(client, url, status, message):
    r = client.get(url)
    assert r.status_code == status and r.headers["content-type"] == "application/json"
    assert r.json()["status"] == status and message in r.json()["message"]


def test_openapi_documents_the_api_with_snake_case_fields(client):
    spec = get(client, "/openapi.json")
    for path in ("/sparql", "/api/queries", "/api/queries/{name}", "/api/programme", "/api/modules",
                 "/api/modules/{code}", "/api/competencies", "/api/competencies/{code}", "/api/blocks",
                 "/api/blocks/{code}", "/api/jobs", "/api/jobs/{code}", "/api/coverage-matrix", "/api/gaps",
                 "/id/{path}", "/ontology"):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    for model in ("ModuleDetail", "CompetencyDetail", "BlockDetail", "JobDetail", "CoverageMatrix", "Gaps",
                  "Programme", "QueryInfo"):
        fields = schemas[model]["properties"]
        assert fields and all(re.fullmatch(r"[a-z][a-z0-9_]*", f) for f in fields), model
    assert "coverage" in schemas["ModuleDetail"]["properties"]
    lang = next(p for p in spec["paths"]["/api/modules"]["get"]["parameters"] if p["name"] == "lang")
    assert lang["schema"]["default"] == "fr"
