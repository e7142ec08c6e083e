"""A university in one dataset (issue #16), what a second round of testing found: the audit's
identity table, the exported workbook and the text diff name the chosen programme (not the
shipped one, not a raw IRI or variable name); a programme's pages link back to the overview; a
programme without target jobs says so; the overview's search ignores the apostrophe's form; the
messages name the option and speak French by default.

The dataset is the shipped programme plus three generated ones (``bench/generate.py``'s
university generator, small), served by a real app on 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
from html import unescape

import httpx
import openpyxl
import pytest

from university_helpers import university, ustore, url  # noqa: F401 (fixtures)

from cipt_graph.visualize.overview import folded


def _identity_rows(markdown: str) -> dict[str, str]:
    """The "Identité et certification" table of a Markdown audit: row label → value."""
    section = markdown.split("## Identité et certification", 1)[1].split("\n## ", 1)[0]
    return {m.group(1).strip(): m.group(2).strip()
            for m in re.finditer(r"^\| ([^|]+) \| ([^|]*) \|$", section, flags=re.M)}


def test_the_audit_identity_table_names_every_row_in_french(university, cli):
    """A generated programme has no referential extent: the empty IRI column showed as a raw
    ``referential\\_extent`` row beside « Étendue du référentiel »."""
    done = cli("audit", "--format", "md", "--programme", "U001", "--data", str(university))
    assert done.returncode in (0, 1), done.stderr
    table = _identity_rows(done.stdout)
    assert table["Identifiant"] == "U001" and table["Étendue du référentiel"] == "—"
    raw = [label for label in table if re.fullmatch(r"[a-z_\\]+", label)]
    assert raw == [] and "referential" not in done.stdout.split("## Synthèse", 1)[0]


def test_the_shipped_audit_still_shows_its_referential_extent(cli):
    done = cli("audit", "--format", "md")
    assert done.returncode in (0, 1), done.stderr
    table = _identity_rows(done.stdout)
    assert table["Étendue du référentiel"] == "extrait de la brochure"
    assert not any(re.fullmatch(r"[a-z_\\]+", label) for label in table)


def test_the_audit_of_an_unknown_programme_names_the_option(university, cli, tmp_path):
    out = tmp_path / "audit.md"
    done = cli("audit", "--format", "md", "--out", str(out), "--programme", "U999", "--data", str(university))
    assert done.returncode == 2 and "--programme 'U999'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


@pytest.mark.parametrize("code", ["U002", "M2_CIPT"])
def test_the_exported_workbook_names_its_programme(university, cli, tmp_path, code):
    """Every programme's workbook was titled "… — M2 CIPT (cipt-graph)"."""
    book = tmp_path / "m.xlsx"
    assert cli("export-matrix", "--out", str(book), "--programme", code, "--data", str(university)).returncode == 0
    title = openpyxl.load_workbook(book)["Instructions"]["A1"].value
    assert title == f"Matrice de couverture modules × compétences — {'M2 CIPT' if code == 'M2_CIPT' else code} (cipt-graph)"


def test_the_shipped_workbook_keeps_its_name_in_english(cli, tmp_path):
    book = tmp_path / "m.xlsx"
    assert cli("--lang", "en", "export-matrix", "--out", str(book)).returncode == 0
    assert openpyxl.load_workbook(book)["Instructions"]["A1"].value == \
        "Coverage matrix modules × competencies — M2 CIPT (cipt-graph)"


def _change_first_level(path, out):
    """Change the first non-empty level of the workbook's matrix; returns the module's code."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Matrice"]
    for r in range(4, ws.max_row + 1):
        for c in range(5, ws.max_column + 1):
            if ws.cell(r, c).value:
                ws.cell(r, c).value = "M" if ws.cell(r, c).value != "M" else "I"
                wb.save(out)
                return ws.cell(r, 2).value
    raise AssertionError("no link in the matrix")


def test_the_text_diff_names_programmes_by_their_code(university, cli, tmp_path):
    """The text report's heading and block lines showed programme IRIs, and its links none."""
    ws = tmp_path / "ws"
    shutil.copytree(university, ws)
    book, edited = tmp_path / "u002.xlsx", tmp_path / "u002-edited.xlsx"
    assert cli("export-matrix", "--out", str(book), "--programme", "U002", "--data", str(ws)).returncode == 0
    module = _change_first_level(book, edited)
    assert cli("import-matrix", str(edited), "--author", "Test", "--data", str(ws)).returncode == 0

    one = cli("diff", "v1", "current", "--programme", "u002", "--data", str(ws))
    assert one.returncode == 0, one.stderr
    assert one.stdout.splitlines()[0] == "Différences de v1 à current (U002)"
    assert "https://" not in one.stdout
    changed = [line for line in one.stdout.splitlines() if line.startswith("  ~ ")]
    assert len(changed) == 1 and changed[0].startswith(f"  ~ {module} → ")

    whole = cli("diff", "v1", "current", "--data", str(ws))
    assert whole.returncode == 0, whole.stderr
    assert "https://" not in whole.stdout
    changed = [line for line in whole.stdout.splitlines() if line.startswith("  ~ ")]
    assert len(changed) == 1 and changed[0].startswith(f"  ~ U002  {module} → ")
    blocks = whole.stdout.split("Couverture par bloc", 1)[1].splitlines()[1:]
    assert {line[3:].split()[0] for line in blocks} == {"M2_CIPT", "U001", "U002", "U003"}


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.parametrize("path", ["/", "/graph", "/matrix", "/jobs", "/audit", "/versions"])
def test_a_programme_page_links_back_to_the_overview(ustore, url, path):
    with httpx.Client(base_url=url, timeout=120) as client:
        page = client.get(path, params={"programme": "U001"})
        assert page.status_code == 200
        link = re.search(r'<a id="nav-programmes" href="([^"]+)">([^<]+)</a>', page.text)
        assert link and unescape(link.group(1)) == "/programmes?lang=fr" and link.group(2) == "Formations"
        overview = client.get(unescape(link.group(1)))
        assert overview.status_code == 200 and "U001" in overview.text
        english = client.get(path, params={"programme": "U001", "lang": "en"})
        assert '<a id="nav-programmes" href="/programmes?lang=en">Programmes</a>' in english.text
        # the overview itself, and a page about no chosen programme, have no such link
        assert 'id="nav-programmes"' not in overview.text


def test_a_programme_without_target_jobs_says_so(ustore, url):
    with httpx.Client(base_url=url, timeout=120) as client:
        fr = client.get("/jobs", params={"programme": "U001"})
        en = client.get("/jobs", params={"programme": "U001", "lang": "en"})
        shipped = client.get("/jobs", params={"programme": "M2_CIPT"})
    assert fr.status_code == en.status_code == shipped.status_code == 200
    assert "Les données de ce programme ne nomment aucun métier visé" in _text(fr.text)
    assert "This programme's data names no target job" in _text(en.text)
    assert 'id="jobs-none"' not in shipped.text and 'id="jobs-legend"' in shipped.text


def test_the_overview_search_ignores_case_accents_spaces_and_the_apostrophe_form(ustore, url):
    assert folded("Sciences de l’Éducation") == folded("sciences de l'education") == "sciences de l'education"
    assert folded("  MATHÉMATIQUES   appliquées ") == "mathematiques appliquees"
    with httpx.Client(base_url=url, timeout=120) as client:
        page = client.get("/programmes", params={"q": " MATHEMATIQUES   Appliquées"})
    assert page.status_code == 200
    listed = _text(page.text).split("Certifications partagées", 1)[0]
    assert "1 formation sur 4" in listed and "U003" in listed and "U001" not in listed and "U002" not in listed


def test_the_versions_api_without_a_workspace_answers_in_french_by_default(url):
    with httpx.Client(base_url=url, timeout=120) as client:
        fr = client.get("/api/versions")
        en = client.get("/api/versions", headers={"Accept-Language": "en"})
        diff = client.get("/api/versions/diff", params={"a": "v1", "programme": "U001"})
    assert fr.status_code == en.status_code == diff.status_code == 404
    assert fr.json()["message"].startswith("aucun espace de travail : ")
    assert diff.json()["message"].startswith("aucun espace de travail : ")
    assert en.json()["message"].startswith("no workspace: ")


# --- the team's pages on a university workspace ---------------------------------------------------

@pytest.fixture(scope="module")
def team_university(university, tmp_path_factory):
    """A real `cipt serve` on a copy of the university workspace, with an editor account."""
    from serve_helpers import serving
    from team_helpers import add_user

    ws = tmp_path_factory.mktemp("team-university") / "ws"
    shutil.copytree(university, ws)
    add_user(ws, "ed", "editor", "un-mot-de-passe-long")
    with serving(["--data", str(ws)], tmp_path_factory.mktemp("team-university-log") / "serve.log") as server:
        yield server, ws


def test_the_review_page_of_a_university_takes_the_programme(team_university, ustore):
    """/review answered 503 "donnez --programme" with several programmes, even given one."""
    from team_helpers import rows as mapping_rows
    from team_helpers import sign_in

    server, ws = team_university
    with httpx.Client(base_url=server.url, timeout=120) as client:
        none = client.get("/review")
        assert none.status_code == 303 and none.headers["location"] == "/programmes?lang=fr"
        unknown = client.get("/review", params={"programme": "U999"}, headers={"Accept": "text/html"})
        assert unknown.status_code == 404 and "programme" in _text(unknown.text)
        page = client.get("/review", params={"programme": "u002"})
        assert page.status_code == 200
        own = [r for r in mapping_rows(ws) if r["module"].startswith("U002-")]
        assert f"{len(own)} liens" in _text(page.text)
        shown = re.findall(r'<tr class="status-\w+" id="link-(U\d+-M\d+)-', page.text)
        assert len(shown) == len(own) and all(code.startswith("U002-") for code in shown)
        assert '<input type="hidden" name="programme" value="u002">' in page.text  # the filters keep it
        other = client.get("/review", params={"programme": "U002", "module": "U001-M01"})
        assert other.status_code == 400 and "programme=U002" in other.text
    editor = sign_in(server, "ed", "un-mot-de-passe-long")
    try:
        assert editor.get("/edit/workbook.xlsx").headers["location"] == "/programmes?lang=fr"
        book = editor.get("/edit/workbook.xlsx", params={"programme": "U002"})
        assert book.status_code == 200
        wb = openpyxl.load_workbook(__import__("io").BytesIO(book.content))
        assert wb["Instructions"]["A1"].value.endswith("— U002 (cipt-graph)")
        assert dict(wb["_cipt"].iter_rows(values_only=True))["programme"].endswith("/programme/u002")
        target = sorted(r["competency"] for r in mapping_rows(ws) if r["module"] == "U002-M01")[0]
        cell = editor.get("/edit/cell", params={"programme": "U002", "module": "U002-M01", "competency": target})
        assert cell.status_code == 200
        back = unescape(re.search(r'name="back" value="([^"]+)"', cell.text).group(1))
        assert back == f"/matrix?lang=fr&programme=U002#cell-U002-M01-{target}"
    finally:
        editor.close()


def test_a_change_records_the_paris_date_whatever_the_machine_zone(university, cli, tmp_path):
    """The rationale's Date column got the machine's date (UTC here) while the versions show
    Paris times: at 00:57 in Paris on 1 Dec it said 2026-11-30. Two machines 26 hours apart
    (UTC+14 and UTC-12) cannot both have Paris's date: each import must record Paris's."""
    import datetime as dt
    import io
    from zoneinfo import ZoneInfo

    from cipt_graph.i18n import paris_today

    assert paris_today(dt.datetime(2026, 11, 30, 23, 57, tzinfo=dt.timezone.utc)) == dt.date(2026, 12, 1)
    assert paris_today(dt.datetime(2026, 7, 1, 21, 59, tzinfo=dt.timezone.utc)) == dt.date(2026, 7, 1)
    for zone in ("Etc/GMT-14", "Etc/GMT+12"):
        ws = tmp_path / zone.replace("/", "_")
        shutil.copytree(university, ws)
        book, edited = tmp_path / "b.xlsx", tmp_path / "e.xlsx"
        assert cli("export-matrix", "--out", str(book), "--programme", "U001", "--data", str(ws)).returncode == 0
        module = _change_first_level(book, edited)
        before = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
        done = cli("import-matrix", str(edited), "--author", "Test", "--data", str(ws), env={"TZ": zone})
        after = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
        assert done.returncode == 0, done.stderr
        import csv
        rows = list(csv.DictReader(io.StringIO((ws / "mapping" / "module_competency.csv").read_text(encoding="utf-8"))))
        (changed,) = [r for r in rows if r["module"] == module and r["asserted_by"] == "Test"]
        assert changed["asserted_on"] in (before.isoformat(), after.isoformat()), zone


def test_the_versions_diff_page_names_the_programme_of_each_row(team_university, cli, tmp_path):
    """Without `programme`, the page's block rows (shared certifications: the same block code in
    several programmes) and links did not say whose they were."""
    server, ws = team_university
    book, edited = tmp_path / "u003.xlsx", tmp_path / "u003-edited.xlsx"
    assert cli("export-matrix", "--out", str(book), "--programme", "U003", "--data", str(ws)).returncode == 0
    wb = openpyxl.load_workbook(book)  # a new link: its block's module count changes
    sheet = wb["Matrice"]
    row = next(r for r in range(4, sheet.max_row + 1) if sheet.cell(r, 2).value)
    col = next(c for c in range(5, sheet.max_column + 1) if not sheet.cell(row, c).value)
    module, competency = sheet.cell(row, 2).value, sheet.cell(2, col).value
    sheet.cell(row, col).value = "I"
    wb["Justifications"].append([module, competency, None, None, None, None, "Le module en donne les bases."])
    wb.save(edited)
    done = cli("import-matrix", str(edited), "--author", "Test", "--data", str(ws))
    assert done.returncode == 0, done.stderr
    with httpx.Client(base_url=server.url, timeout=120) as client:
        whole = client.get("/versions/diff", params={"a": "v1", "b": "current"})
        one = client.get("/versions/diff", params={"a": "v1", "b": "current", "programme": "U003"})
    assert whole.status_code == one.status_code == 200
    rows = re.findall(r"<tr><td>(.*?)</td><td>", whole.text.split('id="diff-versions"', 1)[1])
    named = [unescape(re.sub(r"<[^>]+>", "", r)) for r in rows]  # the blocks whose figures changed
    assert named and all(r.startswith("U003 RNCP") for r in named), named
    added = [unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li>\+ (.*?)</li>", whole.text)]
    assert len(added) == 1 and added[0].startswith(f"U003 {module} ") and competency in added[0]
    assert '<span class="programme">' not in one.text  # one programme's page: nothing to tell apart


def test_the_english_overview_names_programmes_labelled_in_french_only(ustore, url):
    """Generated (as real RNCP) programmes are labelled in French only: the English overview
    showed no name at all, nor its certifications' and blocks' labels. French stands in."""
    from cipt_graph.queries import run_query
    from cipt_graph.store import iter_records

    fr = {r["programme_code"]: r["programme_label"] for r in iter_records(run_query(ustore, "programmes", {"lang": "fr"}))}
    en = {r["programme_code"]: r["programme_label"] for r in iter_records(run_query(ustore, "programmes", {"lang": "en"}))}
    assert en["U001"] == fr["U001"] and en["U001"]  # no English label: the French one
    assert en["M2_CIPT"] != fr["M2_CIPT"] and en["M2_CIPT"].startswith("Master 2 in")  # its own English one
    shared = [r for r in iter_records(run_query(ustore, "certification_coverage", {"lang": "en"}))
              if r["programme_code"] != "M2_CIPT"]
    assert shared and all(r["block_label"] and r["certification_label"] for r in shared)
    with httpx.Client(base_url=url, timeout=120) as client:
        page = client.get("/programmes", params={"lang": "en"})
    assert page.status_code == 200 and unescape(fr["U001"]) in unescape(page.text)
    assert shared[0]["block_label"] in unescape(page.text)


@pytest.mark.parametrize("name", ["hours_per_block", "uncovered_blocks", "uncovered_competencies",
                                  "modules_without_competency", "modules", "competencies", "coverage_matrix",
                                  "hours_per_competency", "modules_for_competency", "competencies_for_module",
                                  "assessment_per_competency"])
def test_the_dashboard_queries_give_the_same_figures_in_english(ustore, name):
    """A label required in ?lang dropped every row of a thing labelled in French only: in
    English the dashboard of a generated programme said 0 / 6 blocks covered, 30 / 30
    competencies covered, 0 gaps (French: 6 / 6, 29 / 30, 3). The label falls back to French."""
    from cipt_graph.queries import resolve_programme, run_query
    from cipt_graph.store import iter_records

    for code in ("U001", "M2_CIPT"):
        p = resolve_programme(ustore, code).value
        given = {"programme": p}
        if name in ("modules_for_competency", "competencies_for_module"):  # the first link of the programme
            (link, *_) = iter_records(run_query(ustore, "coverage_matrix", {"programme": p}))
            given[name.split("_for_")[1]] = link[name.split("_for_")[1]]
        fr = list(iter_records(run_query(ustore, name, {"lang": "fr", **given})))
        en = list(iter_records(run_query(ustore, name, {"lang": "en", **given})))
        assert fr or name in ("uncovered_blocks", "uncovered_competencies", "modules_without_competency"), name
        words = ("lang", "untaught_aspect")  # text in the language asked, not figures
        strip = lambda rows: [{k: v for k, v in r.items() if k not in words and not k.endswith("_label")}  # noqa: E731
                              for r in rows]
        assert strip(en) == strip(fr), (name, code)
        if code == "U001":  # French only: the French label stands in (levels and periods have English ones)
            labels = [k for k in (fr[0] if fr else {}) if k.endswith("_label") and k not in ("level_label", "period_label")]
            assert [[r[k] for k in labels] for r in en] == [[r[k] for k in labels] for r in fr]
            assert all(r[k] for r in en for k in labels)
    if name == "hours_per_block":
        assert fr and all(r["block_label"] for r in en)


def test_the_english_dashboard_of_a_programme_labelled_in_french_has_its_figures(ustore, url):
    with httpx.Client(base_url=url, timeout=120) as client:
        fr = _text(client.get("/", params={"programme": "U001", "lang": "fr"}).text)
        en = _text(client.get("/", params={"programme": "U001", "lang": "en"}).text)
    covered_fr = re.search(r"(\d+) / (\d+) Blocs couverts", fr).groups()
    covered_en = re.search(r"(\d+) / (\d+) Blocks covered", en).groups()
    assert covered_fr == covered_en and covered_fr[0] != "0"
    assert re.search(r"(\d+) / (\d+) Compétences couvertes", fr).groups() == \
        re.search(r"(\d+) / (\d+) Competencies covered", en).groups()


def test_the_english_audit_of_a_programme_labelled_in_french_finds_the_same(university, cli, tmp_path):
    """In English the check queries dropped every competency, block or module labelled in French
    only: the audit of a generated programme found 31 violations and 3 warnings, not 37 and 43."""
    fr = cli("audit", "--format", "md", "--out", str(tmp_path / "fr.md"), "--programme", "U001",
             "--data", str(university))
    en = cli("--lang", "en", "audit", "--format", "md", "--out", str(tmp_path / "en.md"), "--programme", "U001",
             "--data", str(university))
    assert fr.returncode == en.returncode == 1, fr.stderr + en.stderr
    counts_fr = re.search(r"(\d+) constats? bloquants?, (\d+) avertissements?", fr.stderr).groups()
    counts_en = re.search(r"(\d+) blocking findings?, (\d+) warnings?", en.stderr).groups()
    assert counts_en == counts_fr and int(counts_fr[1]) > 0
