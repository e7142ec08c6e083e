"""A programme on every command (issue #16): `validate`, `export-matrix`, `import-matrix` and
`diff` take `--programme` and give exactly that programme's figures, compared with the named
queries run for it; the rows of multi-programme answers name their programme; an unknown
programme, or none when several exist and it matters, is a clear exit 2 naming the option.

The dataset is the shipped programme plus three generated ones (``bench/generate.py``'s university
generator, small), two of them sharing a certification.
"""

from __future__ import annotations

import csv
import io
import json
import shutil

import openpyxl
import pytest
from cipt_graph.i18n import typeset

from university_helpers import university, ustore  # noqa: F401 (fixtures)

from cipt_graph.build import build_store
from cipt_graph.queries import resolve_programme, run_query
from cipt_graph.store import iter_records


def rows(store, name, **params):
    return list(iter_records(run_query(store, name, params)))


def iri(store, code):
    return resolve_programme(store, code).value


PROGRAMMES = ("M2_CIPT", "U001", "U002", "U003")


# --- validate -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def validated(university, cli):
    """`cipt validate` of the whole data, and of U002 only (SHACL is slow: run once each)."""
    whole = cli("validate", "--format", "json", "--data", str(university))
    scoped = cli("validate", "--format", "json", "--programme", "U002", "--data", str(university))
    assert whole.returncode == 1 and scoped.returncode == 1, whole.stderr + scoped.stderr
    return json.loads(whole.stdout), json.loads(scoped.stdout)


def test_validate_findings_name_their_programmes(validated, ustore):
    whole, _ = validated
    every = {iri(ustore, code) for code in PROGRAMMES}
    named = [f for f in whole["findings"] if f.get("programmes")]
    assert named and {p for f in named for p in f["programmes"]} == every
    for code in PROGRAMMES:  # a module covering nothing is a finding of its programme, and only of it
        p = iri(ustore, code)
        want = {str(r["module"]) for r in rows(ustore, "modules_without_competency", programme=p)}
        got = {f["focus"] for f in whole["findings"]
               if f["shape"].endswith("ModuleCoversCompetencyShape") and f.get("programmes") == [p]}
        assert got == want


def test_validate_programme_keeps_its_findings(validated, ustore):
    whole, scoped = validated
    p = iri(ustore, "U002")
    want = [f for f in whole["findings"] if not f.get("programmes") or p in f["programmes"]]
    assert scoped["findings"] == want and scoped["counts"]["Violation"] < whole["counts"]["Violation"]
    (hours,) = rows(ustore, "hours_declared_vs_listed", programme=p)
    mismatch = [f for f in scoped["findings"] if f["shape"].endswith("ProgrammeHoursSumShape")]
    assert [f["focus"] for f in mismatch] == ([p] if hours["declared"] != hours["listed"] else [])


def test_validate_programme_runs_the_shapes_on_its_part_only(ustore):
    """Defect 6 of #16: `validate --programme` ran SHACL on the whole store (>30 min at university
    scale) and filtered afterwards. It validates the programme's part of the data (the part the
    audit of one programme validates); for every programme its findings are those of the whole
    run kept for that programme, and the owners named are the same, with one difference by
    design: a competency of a shared certification that another programme's module covers is
    uncovered *for this programme* (as `uncovered_competencies` with the programme says, and the
    audit of that programme), where the whole run sees it covered."""
    from cipt_graph.validate import programme_ntriples, programme_owners, validate_store

    whole = validate_store(ustore).findings
    every = programme_owners(ustore)
    shared = set()
    for code in PROGRAMMES:
        p = iri(ustore, code)
        part = programme_ntriples(ustore, p)
        other = {iri(ustore, c) for c in PROGRAMMES if c != code}
        assert b"<%s>" % p.encode() in part and not any(b"<%s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
                                                         % o.encode() in part for o in other)
        scoped = validate_store(ustore, p, data=part).findings
        kept = [f for f in whole if not f.programmes or p in f.programmes]
        covered = "#CompetencyCoveredShape"
        assert [f for f in scoped if not f.shape.endswith(covered)] == [f for f in kept if not f.shape.endswith(covered)], code
        uncovered = {str(r["competency"]) for r in rows(ustore, "uncovered_competencies", programme=p)}
        assert {f.focus for f in scoped if f.shape.endswith(covered)} == uncovered, code
        assert all(f in scoped for f in kept), code
        shared.update((f.focus, f.programmes) for f in scoped if f not in kept)
        foci = {f.focus for f in whole}
        assert programme_owners(ustore, foci) == {r: ps for r, ps in every.items() if r in foci}
    # the generated data holds such competencies (else the difference above would be untested)
    assert shared and all(len(owners) > 1 for _, owners in shared)


def test_validate_unknown_programme(university, cli):
    done = cli("validate", "--programme", "NOPE", "--data", str(university))
    assert done.returncode == 2 and "--programme" in done.stderr and "NOPE" in done.stderr


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_unknown_programme_suggests_the_nearest_real_codes(university, cli, lang):
    """Found by a tester: the message suggested "U007", a code of no dataset. It names the nearest
    codes of the data (difflib) and lists them all, in the command line's language."""
    near = cli("--lang", lang, "stats", "--programme", "u02", "--data", str(university))
    assert near.returncode == 2, near.stderr
    listed = ", ".join(sorted(PROGRAMMES))
    if lang == "fr":
        assert typeset("'u02' n'est pas un programme connu ; vouliez-vous dire U002 ?", "fr") in near.stderr, near.stderr
        assert typeset(f"(programmes : {listed})", "fr") in near.stderr
    else:
        assert "'u02' is not a known programme; did you mean U002?" in near.stderr, near.stderr
        assert f"(programmes: {listed})" in near.stderr
    far = cli("--lang", lang, "export-matrix", "--format", "csv", "--programme", "ZZZZZZ", "--data", str(university))
    assert far.returncode == 2 and listed in far.stderr and "U007" not in far.stderr
    assert ("vouliez-vous" if lang == "fr" else "did you mean") not in far.stderr
    several = cli("--lang", lang, "export-matrix", "--format", "csv", "--data", str(university))
    assert several.returncode == 2 and listed in several.stderr and "U007" not in several.stderr, several.stderr


@pytest.mark.parametrize("command", [("stats",), ("validate",), ("audit",), ("export-matrix", "--format", "csv"),
                                     ("export-case",)])
def test_two_different_programmes_are_refused_naming_the_option(university, cli, command):
    """``--programme A --programme B`` took the last one silently, where ``?programme=A&programme=B``
    is a 400 over HTTP: exit 2 naming the option and both values, nothing written; the same
    programme twice (spaces aside) is one."""
    done = cli(*command, "--programme", "U001", "--programme", "U002", "--data", str(university))
    assert done.returncode == 2 and done.stdout == "", (done.stdout[:300], done.stderr)
    assert typeset("--programme donné deux fois avec deux valeurs ('U001', 'U002')", "fr") in done.stderr, done.stderr
    english = cli("--lang", "en", *command, "--programme", "U001", "--programme", "U002", "--data", str(university))
    assert english.returncode == 2 and "--programme given twice with two values ('U001', 'U002')" in english.stderr
    same = cli(*command, "--programme", "U002", "--programme", " U002 ", "--data", str(university))
    assert same.returncode in (0, 1) and "deux fois" not in same.stderr, same.stderr


def test_a_query_parameter_given_twice_with_two_values_is_refused(university, cli):
    done = cli("query", "coverage_matrix", "--param", "programme=U001", "--param", "programme=U002",
               "--data", str(university))
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert typeset("--param 'programme' donné deux fois avec deux valeurs ('U001', 'U002')", "fr") in done.stderr
    same = cli("query", "coverage_matrix", "--param", "programme=U002", "--param", "programme=U002",
               "--format", "csv", "--data", str(university))
    assert same.returncode == 0 and "U002" in same.stdout, same.stderr


@pytest.mark.parametrize("command", [("stats",), ("viz", "--out", "VIZ")])
def test_stats_and_viz_name_the_option_of_an_unknown_programme(university, cli, tmp_path, command):
    """Defect 9 of #16: they said "paramètre 'programme'" (the query's parameter)."""
    args = [str(tmp_path / "viz") if a == "VIZ" else a for a in command]
    done = cli(*args, "--programme", "U999", "--data", str(university))
    assert done.returncode == 2 and "--programme 'U999'" in done.stderr, done.stderr
    assert "paramètre" not in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "viz").exists()


def test_stats_of_a_programme_in_any_case_without_empty_rows(university, ustore, cli):
    """Defect 10 of #16: "triplets None" (the dataset's count is not given for one programme);
    codes match in any case (m2_cipt)."""
    done = cli("--lang", "fr", "stats", "--programme", "m2_cipt", "--data", str(university))
    assert done.returncode == 0, done.stderr
    assert "None" not in done.stdout and "triplets" not in done.stdout, done.stdout
    (want,) = rows(ustore, "stats", programme=iri(ustore, "M2_CIPT"))
    shown = [line.split()[0] for line in done.stdout.splitlines() if line.strip()]
    assert len(shown) == sum(1 for v in want.values() if v is not None)
    whole = cli("--lang", "fr", "stats", "--format", "json", "--data", str(university))
    assert any(r.get("triples") for r in json.loads(whole.stdout))  # the whole dataset's count stays


@pytest.mark.parametrize("value", ["https://evil.example/x", "module/M01",
                                   "https://w3id.org/cipt-graph/id/module/M01"])
def test_an_iri_or_path_that_is_not_a_programme_is_refused(university, cli, value):
    """Found by a tester: anything with a "/" was taken as the programme, and every row came back."""
    done = cli("validate", "--programme", value, "--data", str(university))
    assert done.returncode == 2 and f"--programme {value!r}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


# --- export-matrix --------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["M2_CIPT", "U003"])
def test_export_matrix_of_one_programme(university, ustore, cli, code):
    done = cli("export-matrix", "--format", "csv", "--programme", code, "--data", str(university))
    assert done.returncode == 0, done.stderr
    table = list(csv.reader(io.StringIO(done.stdout)))
    p = iri(ustore, code)
    assert [r[1] for r in table[1:]] == [r["module_code"] for r in rows(ustore, "modules", programme=p)]
    competencies = {r["competency_code"] for r in rows(ustore, "hours_per_competency", programme=p)}
    assert sorted(table[0][4:]) == sorted(competencies)
    links = sum(1 for r in table[1:] for cell in r[4:] if cell)
    assert links == len(rows(ustore, "coverage_matrix", programme=p))


def test_export_matrix_needs_the_programme_when_several(university, cli, tmp_path):
    done = cli("export-matrix", "--format", "csv", "--data", str(university))
    assert done.returncode == 2 and "--programme" in done.stderr and "plusieurs programmes" in done.stderr
    done = cli("export-matrix", "--out", str(tmp_path / "m.xlsx"), "--programme", "NOPE", "--data", str(university))
    assert done.returncode == 2 and "--programme 'NOPE'" in done.stderr
    assert not (tmp_path / "m.xlsx").exists()


def test_export_matrix_one_programme_needs_no_option(cli):
    done = cli("export-matrix", "--format", "csv")  # the shipped data: its only programme
    assert done.returncode == 0 and done.stdout.count("\n") > 10, done.stderr


# --- import-matrix and diff -----------------------------------------------------------------------

def _change_first_level(path, out):
    """Change the first non-empty level of the workbook's matrix; returns (module, competency, old, new)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Matrice"]
    for r in range(4, ws.max_row + 1):
        for c in range(5, ws.max_column + 1):
            old = ws.cell(r, c).value
            if old:
                new = "M" if old != "M" else "I"
                ws.cell(r, c).value = new
                wb.save(out)
                return ws.cell(r, 2).value, ws.cell(2, c).value, old, new
    raise AssertionError("no link in the matrix")


@pytest.fixture()
def workspace(university, tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(university, ws)
    return ws


def test_import_matrix_changes_only_its_programme(workspace, ustore, cli, tmp_path):
    book, edited = tmp_path / "u001.xlsx", tmp_path / "u001-edited.xlsx"
    assert cli("export-matrix", "--out", str(book), "--programme", "U001", "--data", str(workspace)).returncode == 0
    module, competency, old, new = _change_first_level(book, edited)
    target = workspace / "mapping" / "module_competency.csv"
    before = target.read_text(encoding="utf-8").splitlines()

    wrong = cli("import-matrix", str(edited), "--programme", "U002", "--data", str(workspace))
    assert wrong.returncode == 2 and "--programme" in wrong.stderr and "u001" in wrong.stderr
    assert target.read_text(encoding="utf-8").splitlines() == before

    done = cli("import-matrix", str(edited), "--format", "json", "--author", "Test", "--data", str(workspace))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["summary"] == {"added": 0, "removed": 0, "changed": 1}
    after = target.read_text(encoding="utf-8").splitlines()
    differing = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and len(differing) == 1
    assert differing[0][1].startswith(f"{module},{competency},{new},")

    p = iri(ustore, "U001")
    now = build_store(workspace)
    (link,) = [r for r in rows(now, "coverage_matrix", programme=p)
               if (r["module_code"], r["competency_code"]) == (module, competency)]
    assert link["level_code"] == new
    for other in ("M2_CIPT", "U002", "U003"):  # the other programmes' links are as they were
        q = iri(ustore, other)
        assert rows(now, "coverage_matrix", programme=q) == rows(ustore, "coverage_matrix", programme=q)

    diff = cli("diff", "v1", "current", "--programme", "U001", "--format", "json", "--data", str(workspace))
    assert diff.returncode == 0, diff.stderr
    d = json.loads(diff.stdout)
    assert d["programme"] == p
    assert [(c["module"], c["competency"], c["level_before"], c["level_after"]) for c in d["changed"]] == \
        [(module, competency, old, new)]
    assert [b["block"] for b in d["blocks"]] == [r["block_code"] for r in rows(now, "hours_per_block", programme=p)]
    assert {b["covered_after"] for b in d["blocks"]} <= {r["covered_competencies"] for r in
                                                         rows(now, "hours_per_block", programme=p)}
    assert all("programme" not in b for b in d["blocks"])
    other = cli("diff", "v1", "current", "--programme", "U002", "--format", "json", "--data", str(workspace))
    assert json.loads(other.stdout)["summary"]["changed"] == 0

    whole = json.loads(cli("diff", "v1", "current", "--format", "json", "--data", str(workspace)).stdout)
    assert [c["programme"] for c in whole["changed"]] == [p]
    _versions_over_http_take_the_programme(workspace, now, d, p)
    per_programme = rows(now, "hours_per_block")
    assert sorted((b["programme"], b["block"]) for b in whole["blocks"]) == \
        sorted((str(r["programme"]), r["block_code"]) for r in per_programme)

    bad = cli("diff", "v1", "current", "--programme", "NOPE", "--data", str(workspace))
    assert bad.returncode == 2 and "--programme 'NOPE'" in bad.stderr


def test_import_matrix_of_another_programme_after_one(workspace, cli, tmp_path):
    """Two teams export their programme's matrix; each import applies, whatever the other did."""
    for code in ("U001", "U002"):
        assert cli("export-matrix", "--out", str(tmp_path / f"{code}.xlsx"), "--programme", code,
                   "--data", str(workspace)).returncode == 0
    for code in ("U001", "U002"):
        _change_first_level(tmp_path / f"{code}.xlsx", tmp_path / f"{code}-e.xlsx")
        done = cli("import-matrix", str(tmp_path / f"{code}-e.xlsx"), "--format", "json", "--data", str(workspace))
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["summary"]["changed"] == 1


def test_import_matrix_without_programme_in_the_workbook_needs_one(workspace, cli, tmp_path):
    book = tmp_path / "u003.xlsx"
    assert cli("export-matrix", "--out", str(book), "--programme", "U003", "--data", str(workspace)).returncode == 0
    wb = openpyxl.load_workbook(book)
    meta = wb["_cipt"]
    for r in range(1, meta.max_row + 1):
        if meta.cell(r, 1).value == "programme":
            meta.cell(r, 1).value = meta.cell(r, 2).value = None
    wb.save(book)
    done = cli("import-matrix", str(book), "--data", str(workspace))
    assert done.returncode == 2 and "--programme" in done.stderr and "plusieurs programmes" in done.stderr
    done = cli("import-matrix", str(book), "--programme", "U003", "--dry-run", "--data", str(workspace))
    assert done.returncode == 0, done.stderr


# --- audit ------------------------------------------------------------------------------------------

def test_audit_of_one_programme_validates_its_part_of_the_data(university, ustore, cli):
    """The shapes of `cipt audit --programme` run on that programme's part of the data: a module
    covering nothing is found for its own programme only."""
    done = cli("audit", "--programme", "U001", "--format", "json", "--data", str(university))
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    text = json.dumps(report)
    (check,) = [c for c in report["checks"] if str(c.get("source", {}).get("name", "")).endswith("ModuleCoversCompetencyShape")]
    p = iri(ustore, "U001")
    want = {str(r["module"]) for r in rows(ustore, "modules_without_competency", programme=p)}
    assert {r["focus"] for r in check["rows"]} == want
    others = {str(r["module"]) for code in ("U002", "U003") for r in
              rows(ustore, "modules_without_competency", programme=iri(ustore, code))}
    assert not any(m in text for m in others)


def _versions_over_http_take_the_programme(workspace, store, cli_diff, p):
    """/versions, /versions/diff and /api/versions/diff take ``programme`` (issue #16, defect 5):
    the diff of one programme is the command's; an unknown one is a 404 naming the parameter."""
    import httpx
    from conftest import serve_app

    from cipt_graph.api.app import create_app
    from cipt_graph.paths import resolve_workspace

    app = create_app(store)
    app.state.workspace = resolve_workspace(str(workspace))
    with serve_app(app) as base, httpx.Client(base_url=base, timeout=120) as client:
        got = client.get("/api/versions/diff", params={"a": "v1", "b": "current", "programme": "U001"})
        assert got.status_code == 200, got.text
        assert got.json()["changed"] == cli_diff["changed"] and got.json()["programme"] == p
        other = client.get("/api/versions/diff", params={"a": "v1", "b": "current", "programme": "U002"})
        assert other.status_code == 200 and other.json()["summary"]["changed"] == 0
        for path in ("/api/versions/diff", "/versions", "/versions/diff"):
            nope = client.get(path, params={"a": "v1", "b": "current", "programme": "U999"})
            assert nope.status_code == 404 and "programme" in nope.text and "U999" in nope.text, (path, nope.text[:300])
        page = client.get("/versions", params={"programme": "U001"})
        assert page.status_code == 200
        assert "toutes formations confondues" in page.text and "programme=U001" in page.text
        assert "toutes formations confondues" not in client.get("/versions").text
        diff_page = client.get("/versions/diff", params={"a": "v1", "b": "current", "programme": "U002"})
        assert diff_page.status_code == 200
        whole_page = client.get("/versions/diff", params={"a": "v1", "b": "current"})
        assert whole_page.status_code == 200 and whole_page.text != diff_page.text


@pytest.mark.parametrize("command", [("export-matrix", "--format", "csv", "--programme", "U001"),
                                     ("import-matrix", "book.xlsx", "--dry-run"), ("diff", "v1", "current")])
def test_workspace_commands_refuse_a_store(university, cli, tmp_path, command):
    """`export-matrix`, `import-matrix` and `diff` read a workspace's files: --store is refused
    (exit 2, naming --store and --data), never ignored for the shipped data (issue #16, defect 7)."""
    store = tmp_path / "store"
    assert cli("load", "--data", str(university), "--store", str(store)).returncode == 0
    done = cli(*command, "--store", str(store))
    assert done.returncode == 2 and done.stdout == "", done.stdout[:300]
    assert "--store n'est pas accepté" in done.stderr and "--data" in done.stderr and str(store) in done.stderr
    en = cli("--lang", "en", *command, "--store", str(store))
    assert en.returncode == 2 and "--store is not accepted" in en.stderr


@pytest.mark.parametrize("command", [("stats",), ("validate",), ("export-matrix", "--format", "csv"),
                                     ("import-matrix", "book.xlsx", "--dry-run"), ("diff", "v1", "current"),
                                     ("audit",), ("viz", "--out", "views")])
def test_an_unknown_programme_fails_before_anything_is_built(university, cli, tmp_path, command):
    """`--programme U999` is checked against the programme data alone (issue #16): the command
    fails naming --programme before reading the mapping, so a mapping the build would refuse
    is never reached (at university scale: about a second instead of a minute and more)."""
    from cipt_graph.paths import Workspace
    from cipt_graph.versions import ensure_baseline

    ws = tmp_path / "ws"
    shutil.copytree(university, ws)
    ensure_baseline(Workspace(ws))  # v1, for diff
    mapping = ws / "mapping" / "module_competency.csv"
    mapping.write_text(mapping.read_text(encoding="utf-8") + "NOPE,NOPE,Z,x,proposed,,,\n", encoding="utf-8")
    assert cli("stats", "--data", str(ws)).returncode == 2  # the build does refuse this mapping
    args = [str(tmp_path / a) if a in ("book.xlsx", "views") else a for a in command]
    done = cli(*args, "--programme", "U999", "--data", str(ws))
    assert done.returncode == 2 and "--programme 'U999'" in done.stderr, done.stderr
    assert "U003" in done.stderr and "module_competency" not in done.stderr, done.stderr
