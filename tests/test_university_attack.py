"""A university in one dataset (issue #16), what an attacker's round found: the JSON API's
``url`` fields of a programme's rows lead somewhere that answers (they keep the programme with
several programmes in the data, and stay bare with one).

The dataset is the shipped programme plus three generated ones (``bench/generate.py``'s
university generator, small), served by a real app on 127.0.0.1.
"""

from __future__ import annotations

import re
from html import unescape

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


@pytest.mark.parametrize("route", ["/matrix", "/audit", "/api/modules", "/api/gaps", "/api/programme",
                                   "/api/queries/stats", "/matrix.csv"])
def test_two_different_programmes_are_refused_naming_the_parameter(url, route):
    """``?programme=U001&programme=U002`` silently answered for U002 (the last one)."""
    got = httpx.get(url + route + "?programme=U001&programme=U002", timeout=60)
    assert got.status_code == 400, got.text[:300]
    assert "programme" in got.text and "U001" in got.text and "U002" in got.text
    assert "plusieurs fois" in got.text  # French by default
    english = httpx.get(url + route + "?programme=U001&programme=U002&lang=en", timeout=60)
    assert english.status_code == 400 and "more than once" in english.text


def test_two_different_programmes_on_a_page_give_an_html_page(url):
    got = httpx.get(url + "/matrix?programme=U001&programme=U002", headers={"Accept": "text/html"}, timeout=60)
    assert got.status_code == 400 and got.headers["content-type"].startswith("text/html")
    assert "«\u00a0programme\u00a0»" in got.text


@pytest.mark.parametrize("query", ["programme=U001&programme=U001", "programme=U001&programme=", "programme=+&programme=U001"])
def test_the_same_programme_twice_or_a_blank_beside_it_is_one_programme(url, query):
    got = httpx.get(url + "/api/modules?" + query, timeout=60)
    assert got.status_code == 200 and all(r["programme"].endswith("/u001") for r in got.json())


@pytest.mark.parametrize("query", ["programme=U999", "programme=%22%3E%3Cx", "programme=U001&programme=U002"])
def test_the_links_of_a_page_refusing_the_programme_do_not_carry_it(url, query):
    """The error page of an unknown programme linked « Retour au tableau de bord » (and its whole
    navigation) to ``/?programme=U999``: the same error again, from every link."""
    got = httpx.get(url + "/matrix?" + query, headers={"Accept": "text/html"}, timeout=60)
    assert got.status_code in (400, 404)
    links = [unescape(h) for h in re.findall(r'href="([^"]*)"', got.text)]
    site = [h for h in links if h.startswith("/") and not h.startswith(("/static", "/api/static", "/favicon"))]
    assert site and not [h for h in site if "programme=" in h and "lang=en" not in h], site
    home = httpx.get(url + [h for h in site if h.startswith("/?")][-1], timeout=60)
    assert home.status_code == 200


def test_the_links_of_a_page_not_finding_a_resource_keep_the_programme(url):
    got = httpx.get(url + "/id/module/NOPE?programme=U001", headers={"Accept": "text/html"}, timeout=60)
    assert got.status_code == 404 and "programme=U001" in got.text


_EMPTY_PROGRAMMES = """@base <https://w3id.org/cipt-graph/id/> .
@prefix cipt: <https://w3id.org/cipt-graph/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

<programme/z001> a cipt:Programme ; skos:prefLabel "Master sans modules (Z001)"@fr ;
    skos:notation "Z001" ; dcterms:identifier "Z001" ; cipt:declaredHours 500 ;
    cipt:certification <certification/RNCP40001> ; schema:educationalCredentialAwarded <certification/RNCP40001> .
<programme/z002> a cipt:Programme ; skos:prefLabel "Master sans rien (Z002)"@fr ;
    skos:notation "Z002" ; dcterms:identifier "Z002" ; cipt:declaredHours 0 .
<programme/z003> a cipt:Programme ; skos:prefLabel "Master sans volume déclaré (Z003)"@fr ;
    skos:notation "Z003" ; dcterms:identifier "Z003" ; schema:hasCourse <module/Z003-M01> .
<module/Z003-M01> a cipt:Module ; skos:prefLabel "Module seul"@fr ; skos:notation "Z003-M01" ;
    schema:courseCode "Z003-M01" ; cipt:hours 40 ; cipt:period <period/P1> ; cipt:sequence 1 .
"""


@pytest.fixture(scope="module")
def empties(tmp_path_factory):
    """The small university plus a programme declaring 500 h without any module (sharing a
    generated certification), one declaring 0 h with nothing at all, and one listing a 40 h
    module without declaring its volume."""
    from university_helpers import make_university

    from cipt_graph.build import build_store

    root = make_university(tmp_path_factory.mktemp("empties") / "ws")
    (root / "zeros.ttl").write_text(_EMPTY_PROGRAMMES, encoding="utf-8")
    return root, build_store(root)


def test_a_programme_without_modules_keeps_its_hours_gap(empties):
    """``hours_declared_vs_listed`` had no row for a programme without modules: its 500 declared
    hours, all missing, vanished from the gaps, the API and the audit (an empty section)."""
    from cipt_graph.queries import run_query
    from cipt_graph.store import iter_records

    _, store = empties
    overview = {r["programme_code"]: r for r in iter_records(run_query(store, "programmes"))}
    hours = {r["programme"]: r for r in iter_records(run_query(store, "hours_declared_vs_listed"))}
    assert hours["https://w3id.org/cipt-graph/id/programme/z001"] == {
        "programme": "https://w3id.org/cipt-graph/id/programme/z001", "declared": 500, "listed": 0,
        "difference": 500, "modules": 0}
    assert hours["https://w3id.org/cipt-graph/id/programme/z002"]["difference"] == 0
    split = {r["programme"]: r for r in iter_records(run_query(store, "hours_teaching_assessment"))}
    z001 = split["https://w3id.org/cipt-graph/id/programme/z001"]
    assert (z001["declared"], z001["listed"], z001["teaching_hours"], z001["assessment_hours"]) == (500, 0, 0, 0)
    assert set(split) == set(r["programme"] for r in overview.values())
    for code, row in overview.items():  # the overview's figures are the query's, programme by programme
        if row["declared"] is not None:
            mine = hours[row["programme"]]
            assert (mine["declared"], mine["listed"], mine["modules"]) == (row["declared"], row["listed"], row["modules"]), code


def test_the_api_and_the_audit_of_a_programme_without_modules_give_its_gap(empties, cli):
    from cipt_graph.api.app import create_app
    from conftest import serve_app

    root, store = empties
    with serve_app(create_app(store)) as base:
        gaps = httpx.get(base + "/api/gaps", params={"programme": "Z001"}, timeout=60).json()
        assert [(h["declared"], h["listed"], h["difference"]) for h in gaps["hours"]] == [(500, 0, 500)]
        assert gaps["complete"] is False
        identity = httpx.get(base + "/api/programme", params={"programme": "Z001"}, timeout=60).json()
        assert identity[0]["hours_difference"] == 500
    done = cli("audit", "--format", "md", "--programme", "Z001", "--data", str(root))
    assert done.returncode == 1, done.stderr
    section = done.stdout.split("## Volume horaire", 1)[1].split("\n## ", 1)[0]
    assert "500" in section, section


def _certification(url: str, code: str) -> str:
    row = httpx.get(url + "/api/programme", params={"programme": code}, timeout=60).json()[0]
    return row["rncp_number"]


@pytest.mark.parametrize("path", ["/interchange/case.json", "/interchange/moodle.csv", "/interchange/elm.jsonld"])
def test_the_interchange_files_are_the_programme_s(url, path):
    """The files of /interchange were always the first programme's (M2_CIPT's RNCP38175), even
    downloaded from U002's page, whose links did not carry the programme either."""
    page = httpx.get(url + "/interchange", params={"programme": "U002"}, timeout=60).text
    links = [unescape(h) for h in re.findall(r'href="(/interchange/[^"]*)"', page)]
    link = next(h for h in links if h.startswith(path))
    assert "programme=U002" in link, links
    got = httpx.get(url + link, timeout=60)
    rncp = _certification(url, "U002")
    assert got.status_code == 200 and rncp in got.headers["content-disposition"], got.headers
    assert "RNCP38175" not in got.text and rncp in got.text
    shipped = httpx.get(url + path, params={"programme": "M2_CIPT"}, timeout=60)
    assert shipped.status_code == 200 and "RNCP38175" in shipped.headers["content-disposition"]
    # The page claims nothing of another programme, and its commands write the same file.
    assert "38175" not in page
    command = path.rsplit("/", 1)[1].split(".")[0]
    assert f"cipt export-{command} --programme U002 --out" in page, page


def test_the_interchange_files_refuse_an_unknown_or_missing_programme(url):
    assert httpx.get(url + "/interchange/moodle.csv", params={"programme": "U999"}, timeout=60).status_code == 404
    missing = httpx.get(url + "/interchange/moodle.csv", timeout=60)
    assert missing.status_code == 400 and "programme" in missing.text, missing.text


def test_the_interchange_file_of_a_programme_without_certification_is_refused(empties):
    from cipt_graph.api.app import create_app
    from conftest import serve_app

    _, store = empties
    with serve_app(create_app(store)) as base:
        got = httpx.get(base + "/interchange/case.json", params={"programme": "Z002"}, timeout=60)
        assert got.status_code == 400 and "Z002" in got.text and "certification" in got.text, got.text


def test_with_one_programme_the_interchange_files_need_no_programme():
    from cipt_graph.api.app import create_app
    from cipt_graph.build import build_store
    from conftest import serve_app

    with serve_app(create_app(build_store())) as base:
        got = httpx.get(base + "/interchange/moodle.csv", timeout=60)
        assert got.status_code == 200 and "RNCP38175" in got.headers["content-disposition"]


@pytest.mark.parametrize("command", ["export-case", "export-moodle", "export-elm"])
def test_the_export_commands_take_the_programme(university, cli, tmp_path, command):
    out = tmp_path / "export"
    done = cli(command, "--out", str(out), "--programme", "U002", "--data", str(university))
    assert done.returncode == 0, done.stderr
    assert "RNCP38175" not in out.read_text(encoding="utf-8")
    several = cli(command, "--out", str(tmp_path / "none"), "--data", str(university))
    assert several.returncode == 2 and "--programme" in several.stderr and not (tmp_path / "none").exists()
    unknown = cli(command, "--out", str(tmp_path / "none"), "--programme", "U999", "--data", str(university))
    assert unknown.returncode == 2 and "--programme 'U999'" in unknown.stderr


@pytest.mark.parametrize("route", ["/api/modules", "/matrix", "/api/queries/coverage_matrix", "/versions"])
def test_a_very_long_programme_is_refused_without_being_echoed(url, route):
    """A 30,000-character ``programme`` was a 404 echoing it twice (60 KB of answer)."""
    value = "U0" * 15_000
    got = httpx.get(url + route, params={"programme": value}, timeout=60)
    assert got.status_code == 400 and len(got.content) < 4000, (got.status_code, len(got.content))
    assert "programme" in got.text and "U0U0" in got.text  # its start, to recognise it


def test_a_very_long_programme_on_the_command_line_is_refused_naming_the_option(university, cli):
    done = cli("stats", "--programme", "U0" * 20_000, "--data", str(university))
    assert done.returncode == 2 and "--programme" in done.stderr and len(done.stderr) < 2000, done.stderr[:500]


def _hours_card(html: str) -> str:
    card = re.search(r'data-figure="hours">(.*?)</div></div>', html, flags=re.S).group(1)
    return unescape(re.sub(r"<[^>]+>", " ", card)).replace("\u00a0", " ").replace("\u202f", " ")


def test_the_dashboard_gives_the_hours_of_a_programme_without_modules_or_declared_volume(empties):
    """The dashboard's hours card summed ``hours_declared_vs_listed``'s rows: a programme declaring
    500 h without modules showed « 0 / 0 », and one listing 40 h without a declared volume « 0 / 0,
    écart : 0 h » (its listed hours lost, a declared volume of 0 made up)."""
    from cipt_graph.api.app import create_app
    from conftest import serve_app

    _, store = empties
    with serve_app(create_app(store)) as base:
        z001 = _hours_card(httpx.get(base + "/", params={"programme": "Z001"}, timeout=60).text)
        assert "0 / 500" in z001 and "500 h" in z001, z001
        z003 = _hours_card(httpx.get(base + "/", params={"programme": "Z003"}, timeout=60).text)
        assert "40 / —" in z003 and "0 h" not in z003, z003
        english = _hours_card(httpx.get(base + "/", params={"programme": "Z003", "lang": "en"}, timeout=60).text)
        assert "40 / —" in english, english


def test_stats_of_a_programme_without_declared_volume_does_not_make_up_zero(empties, cli):
    """``cipt stats`` said « heures déclarées 0 » for a programme declaring no volume (the
    overview says « — », the audit a violation)."""
    from cipt_graph.queries import run_query
    from cipt_graph.store import iter_records

    root, store = empties
    (row,) = iter_records(run_query(store, "stats", {"programme": "programme/z003"}))
    assert row["hours_declared"] is None and row["hours_listed"] == 40
    (z002,) = iter_records(run_query(store, "stats", {"programme": "programme/z002"}))
    assert z002["hours_declared"] == 0
    done = cli("stats", "--programme", "Z003", "--data", str(root))
    assert done.returncode == 0, done.stderr
    declared = [line for line in done.stdout.splitlines() if line.startswith("heures déclarées")]
    assert declared and declared[0].split()[-1] == "—", done.stdout


def test_the_review_of_a_store_served_without_its_workspace_says_so(university, tmp_path):
    """``cipt serve --store DIR`` (a university loaded by ``cipt load``) without ``--data``: the
    review page read the shipped workspace and answered 503 « 'https://…/u002' n'est pas un
    programme connu (programmes : M2_CIPT) » for a programme the served data holds."""
    from serve_helpers import Server

    from conftest import run_cli

    folder = tmp_path / "store"
    done = run_cli("load", "--store", str(folder), "--data", str(university))
    assert done.returncode == 0, done.stderr
    server = Server(["--store", str(folder)], tmp_path / "serve.log")
    try:
        got = httpx.get(server.url + "/review", params={"programme": "U002"}, timeout=60)
        assert got.status_code == 404 and "--data" in got.text and "programme connu" not in got.text, got.text[-800:]
        english = httpx.get(server.url + "/review", params={"programme": "U002", "lang": "en"}, timeout=60)
        assert english.status_code == 404 and "--data" in english.text and "workspace" in english.text
        assert httpx.get(server.url + "/matrix", params={"programme": "U002"}, timeout=60).status_code == 200
    finally:
        server.stop()


def test_the_interchange_page_without_a_programme_sends_to_the_overview(url):
    """With several programmes, /interchange without one listed downloads that each answer 400
    (it is linked from the overview's navigation): it sends to the overview, as the views do."""
    got = httpx.get(url + "/interchange", params={"lang": "en"}, timeout=60, follow_redirects=False)
    assert got.status_code == 303 and got.headers["location"].startswith("/programmes"), got.status_code
    assert "lang=en" in got.headers["location"]


@pytest.mark.parametrize("name", ["matrix.csv", "matrix.xlsx"])
def test_the_matrix_files_of_two_programmes_have_two_names(url, name):
    """Every programme's matrix downloaded as « matrix-fr.xlsx »: ten programmes, ten files of one name."""
    names = {code: httpx.get(url + "/" + name, params={"programme": code}, timeout=60).headers["content-disposition"]
             for code in ("U001", "U002", "https://w3id.org/cipt-graph/id/programme/u003")}
    assert names["U001"].endswith(f'filename="matrix-U001-fr.{name.split(".")[1]}"'), names
    assert len(set(names.values())) == 3 and "u003" in names["https://w3id.org/cipt-graph/id/programme/u003"]


def test_with_one_programme_the_matrix_file_keeps_its_name():
    from cipt_graph.api.app import create_app
    from cipt_graph.build import build_store
    from conftest import serve_app

    with serve_app(create_app(build_store())) as base:
        got = httpx.get(base + "/matrix.csv", params={"lang": "en"}, timeout=60)
        assert got.headers["content-disposition"] == 'attachment; filename="matrix-en.csv"'


def test_the_case_api_serves_the_chosen_programme_s_certification(url):
    """The CASE 1.0 REST API (/ims/case/v1p0) served the first programme's certification whatever
    the dataset held; with several programmes it takes ``?programme=`` as the downloads do, and
    without it refuses (400, imsx_StatusInfo naming the parameter) rather than answer for another."""
    base = url + "/ims/case/v1p0"
    rncp = _certification(url, "U002")
    (doc,) = httpx.get(base + "/CFDocuments", params={"programme": "U002"}, timeout=60).json()["CFDocuments"]
    package = httpx.get(f"{base}/CFPackages/{doc['identifier']}", params={"programme": "U002"}, timeout=60)
    assert package.status_code == 200 and rncp in package.text and "RNCP38175" not in package.text
    item = package.json()["CFItems"][0]
    one = httpx.get(f"{base}/CFItems/{item['identifier']}", params={"programme": "U002"}, timeout=60)
    assert one.status_code == 200 and one.json()["identifier"] == item["identifier"]
    # Another programme's identifiers are unknown objects of this one's certification.
    shipped = httpx.get(f"{base}/CFItems/{item['identifier']}", params={"programme": "M2_CIPT"}, timeout=60)
    assert shipped.status_code == 404 and "unknownobject" in shipped.text
    for path in ("/CFDocuments", f"/CFItems/{item['identifier']}"):
        missing = httpx.get(base + path, timeout=60)
        assert missing.status_code == 400 and "programme" in missing.json()["imsx_description"], missing.text
        unknown = httpx.get(base + path, params={"programme": "U999"}, timeout=60)
        assert unknown.status_code == 404 and "U999" in unknown.json()["imsx_description"], unknown.text
