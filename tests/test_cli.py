"""The `cipt` command line: outputs, exit statuses and errors on bad input (issue #2)."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from cipt_graph.build import build_store
from cipt_graph.errors import InputError
from cipt_graph.i18n import typeset
from cipt_graph.queries import run_query
from cipt_graph.store import iter_records

STATS_KEYS = {"modules", "hours_listed", "hours_declared", "blocks", "competencies", "activities", "jobs",
              "objectives", "coverage_links", "triples"}


@pytest.fixture()
def workspace(tmp_path, cli):
    target = tmp_path / "ws"
    result = cli("init", str(target))
    assert result.returncode == 0, result.stderr
    return target


def test_stats_json(cli):
    result = cli("stats", "--format", "json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert STATS_KEYS <= set(stats)
    assert (stats["modules"], stats["hours_listed"], stats["hours_declared"]) == (25, 457, 487)
    assert (stats["blocks"], stats["competencies"], stats["activities"], stats["jobs"], stats["objectives"]) == (6, 16, 8, 5, 5)


def test_query_json_is_an_array_keyed_by_variables(cli, store):
    result = cli("query", "coverage_matrix", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    expected = list(iter_records(run_query(store, "coverage_matrix")))
    assert rows == expected


def test_query_csv_has_header(cli, store):
    result = cli("query", "modules_for_competency", "--param", "competency=BC05-C1", "--format", "csv")
    assert result.returncode == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == run_query(store, "modules_for_competency", {"competency": "BC05-C1"}).variables
    assert len(table) - 1 == len(run_query(store, "modules_for_competency", {"competency": "BC05-C1"}))


def test_query_table(cli):
    result = cli("query", "hours_declared_vs_listed")
    assert result.returncode == 0, result.stderr
    assert "487" in result.stdout and "457" in result.stdout and "30" in result.stdout


def _table(stdout: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of `cipt query`'s table (columns cut at the dashes line)."""
    lines = stdout.splitlines()
    spans, start = [], 0
    for dashes in lines[1].split("  "):
        spans.append((start, start + len(dashes)))
        start += len(dashes) + 2
    cut = lambda line: [line[a:b].strip() for a, b in spans]  # noqa: E731
    return cut(lines[0]), [cut(line) for line in lines[2:-1]]


def test_query_labels_follow_the_language_unless_lang_is_given(cli, store):
    """The `lang` parameter of a query defaults to the language of the messages (--lang before or
    after the command, else the environment, else French); `-p lang=…` wins (issue #15)."""
    from cipt_graph.store import iter_records

    want = {lang: [r["block_label"] for r in iter_records(run_query(store, "hours_per_block", {"lang": lang}))]
            for lang in ("fr", "en")}
    assert want["fr"] != want["en"] and all(want["fr"] + want["en"])

    def labels(*args, env=None):
        result = cli(*args, "--format", "json", env=env)
        assert result.returncode == 0, result.stderr
        return [r["block_label"] for r in json.loads(result.stdout)]

    assert labels("query", "hours_per_block") == want["fr"]
    assert labels("--lang", "en", "query", "hours_per_block") == want["en"]
    assert labels("query", "hours_per_block", "--lang", "en") == want["en"]
    assert labels("query", "hours_per_block", env={"LANG": "en_US.UTF-8"}) == want["en"]
    assert labels("query", "hours_per_block", env={"LANG": "fr_FR.UTF-8"}) == want["fr"]
    assert labels("query", "hours_per_block", "-p", "lang=fr", env={"LANG": "en_US.UTF-8"}) == want["fr"]
    assert labels("--lang", "en", "query", "hours_per_block", "-p", "lang=fr") == want["fr"]
    assert labels("query", "hours_per_block", "-p", "lang=en") == want["en"]
    # a query without a `lang` parameter runs as before in either language
    assert cli("--lang", "en", "query", "hours_declared_vs_listed").returncode == 0


def test_query_table_writes_numbers_in_the_locale(cli, store):
    """The table (for people) writes decimals as the locale does, 25,42 in French and 25.42 in
    English; CSV and JSON keep them as data (issue #15)."""
    from cipt_graph.store import iter_records

    rows = list(iter_records(run_query(store, "hours_per_block", {"lang": "fr"})))
    decimal = next(r["hours"] for r in rows if isinstance(r["hours"], float) and r["hours"] != int(r["hours"]))
    french, english = cli("query", "hours_per_block"), cli("query", "hours_per_block", "--lang", "en")
    assert french.returncode == english.returncode == 0
    head, cells = _table(french.stdout)
    hours = [row[head.index("hours")] for row in cells]
    assert f"{round(decimal, 2):.2f}".rstrip("0").replace(".", ",") in hours, hours
    assert not any("." in h for h in hours) and any("," in h for h in hours)
    assert french.stdout.rstrip().endswith(f"({len(rows)} lignes)")
    head, cells = _table(english.stdout)
    hours = [row[head.index("hours")] for row in cells]
    assert f"{round(decimal, 2):.2f}".rstrip("0") in hours and not any("," in h for h in hours), hours
    assert english.stdout.rstrip().endswith(f"({len(rows)} rows)")
    as_csv = cli("query", "hours_per_block", "--format", "csv")
    assert f",{decimal:g}," in as_csv.stdout and f"{decimal:g}".replace(".", ",") not in as_csv.stdout
    assert decimal in [r["hours"] for r in json.loads(cli("query", "hours_per_block", "--format", "json").stdout)]


def test_queries_lists_every_query(cli):
    from cipt_graph.queries import load_queries

    result = cli("queries", "--format", "json")
    assert result.returncode == 0
    assert {q["name"] for q in json.loads(result.stdout)} == set(load_queries())


def test_queries_are_listed_in_the_language(cli):
    """`cipt queries` prints each query's summary in French by default, in English with --lang en
    or an English environment (issue #15); the JSON carries both."""
    from cipt_graph.queries import load_queries

    queries = load_queries()
    french = cli("queries")
    english = cli("--lang", "en", "queries")
    by_env = cli("queries", env={"LANG": "en_GB.UTF-8"})
    assert french.returncode == english.returncode == by_env.returncode == 0
    assert english.stdout == by_env.stdout
    lines_fr, lines_en = french.stdout.splitlines(), english.stdout.splitlines()
    assert len(lines_fr) == len(lines_en) == len(queries)
    for line_fr, line_en, q in zip(lines_fr, lines_en, queries.values()):
        assert line_fr.startswith(q.name + " ") and q.summary_fr in line_fr, line_fr
        assert q.summary not in line_fr or q.summary == q.summary_fr, line_fr  # « Modules » is both
        assert line_en.startswith(q.name + " ") and q.summary in line_en, line_en
    assert "Matrice de couverture (module × compétence)" in french.stdout
    assert "Coverage matrix (module × competency)" in english.stdout
    listed = json.loads(cli("queries", "--format", "json").stdout)
    assert all(e["summary"] == e["summaries"]["fr"] and e["summaries"]["en"] for e in listed)
    assert sum(e["summaries"]["fr"] != e["summaries"]["en"] for e in listed) >= len(listed) - 2


def test_missing_parameter_is_described_in_the_language(cli, tmp_path):
    """A required parameter left out: the message names it and says what to pass in the language
    of the messages (the query header's description_fr / description), on one whole line."""
    from cipt_graph.queries import load_queries

    param = load_queries()["modules_for_competency"].param("competency")
    ws = tmp_path / "ws"
    assert cli("init", str(ws)).returncode == 0
    french = cli("query", "modules_for_competency", "--data", str(ws))
    english = cli("query", "modules_for_competency", "--data", str(ws), "--lang", "en")
    by_env = cli("query", "modules_for_competency", "--data", str(ws), env={"LANG": "en_US.UTF-8"})
    assert french.returncode == english.returncode == by_env.returncode == 2
    assert french.stderr.endswith(typeset(f"demande le paramètre 'competency' : {param.description_fr}\n", "fr")), \
        french.stderr
    assert param.description not in french.stderr and "compétence" in param.description_fr
    assert english.stderr.endswith(f"needs the parameter 'competency': {param.description}\n"), english.stderr
    assert by_env.stderr == english.stderr
    listed = {q["name"]: q for q in json.loads(cli("queries", "--format", "json").stdout)}
    described = listed["modules_for_competency"]["params"][0]["descriptions"]
    assert described == {"fr": param.description_fr, "en": param.description}


def test_unknown_query_exit_2(cli):
    result = cli("query", "no_such_query")
    assert result.returncode == 2
    assert "requête inconnue 'no_such_query'" in result.stderr and "coverage_matrix" in result.stderr
    result = cli("--lang", "en", "query", "no_such_query")
    assert result.returncode == 2
    assert "unknown query 'no_such_query'" in result.stderr and "coverage_matrix" in result.stderr


def test_unknown_parameter_exit_2(cli):
    result = cli("query", "coverage_matrix", "--param", "colour=blue")
    assert result.returncode == 2
    assert "pas de paramètre 'colour'" in result.stderr


def test_validate_reports_hours_gap(cli):
    result = cli("validate", "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    messages = " ".join(f["message_fr"] + f["message_en"] for f in report["findings"])
    assert "487" in messages and "457" in messages
    # Since the mapping review of #14, BC02-C3 is taught by no module: the one violation.
    violations = [f for f in report["findings"] if f["severity"] == "Violation"]
    assert report["counts"]["Violation"] == len(violations) == 1
    assert violations[0]["focus"].endswith("competency/RNCP38175-BC02-C3")


def test_validate_fail_on_violation_only(cli, tmp_path):
    # The shipped data has one violation (an untaught competency): exit 1 even with
    # --fail-on violation; a copy where a module covers it has warnings only: exit 0.
    assert cli("validate", "--fail-on", "violation").returncode == 1
    ws = tmp_path / "ws"
    assert cli("init", str(ws)).returncode == 0
    with (ws / "mapping" / "module_competency.csv").open("a", encoding="utf-8") as handle:
        handle.write("M04,BC02-C3,I,,proposed,Test,2026-11-29,Lien ajouté par le test.\n")
    assert cli("validate", "--fail-on", "violation", "--data", str(ws)).returncode == 0
    assert cli("validate", "--data", str(ws)).returncode == 1  # warnings remain


@pytest.mark.parametrize("fmt, marker", [("turtle", b"@prefix"), ("nquads", b"<https://w3id.org/cipt-graph/id/graph/"),
                                         ("jsonld", b"@id"), ("trig", b"GRAPH"), ("ntriples", b"<https://")])
def test_build_formats(cli, tmp_path, fmt, marker):
    out = tmp_path / f"dataset.{fmt}"
    result = cli("build", "--format", fmt, "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert marker in data or marker.lower() in data.lower()


def test_build_turtle_round_trips(cli, tmp_path, store):
    import rdflib

    out = tmp_path / "dataset.ttl"
    assert cli("build", "--out", str(out)).returncode == 0
    g = rdflib.Graph().parse(out)
    assert len(g) == len(store)  # every quad of the store once (no triple is in two graphs)


def test_init_refuses_non_empty_folder(cli, workspace):
    result = cli("init", str(workspace))
    assert result.returncode == 2 and "n'est pas vide" in result.stderr


def test_workspace_edit_changes_results(cli, workspace):
    path = workspace / "mapping" / "module_competency.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    removed = next(csv.reader([lines[1]]))
    path.write_text("".join([lines[0], *lines[2:]]), encoding="utf-8")
    result = cli("query", "coverage_matrix", "--format", "json", "--data", str(workspace))
    assert result.returncode == 0, result.stderr
    pairs = {(r["module_code"], r["competency_code"]) for r in json.loads(result.stdout)}
    assert (removed[0], removed[1]) not in pairs
    assert len(pairs) == len(lines) - 2


def test_cipt_data_environment_variable(cli, workspace):
    (workspace / "mapping" / "module_competency.csv").write_text(
        "module,competency,level,hours,status,asserted_by,asserted_on,rationale\n", encoding="utf-8")
    result = cli("stats", "--format", "json", env={"CIPT_DATA": str(workspace)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["coverage_links"] == 0


def test_malformed_turtle_says_file_and_line(cli, workspace):
    path = workspace / "programme.ttl"
    text = path.read_text(encoding="utf-8")
    line_count = text.count("\n")
    path.write_text(text + "\ncid:broken cipt:hours .\n", encoding="utf-8")
    result = cli("stats", "--data", str(workspace))
    assert result.returncode == 2
    assert "programme.ttl" in result.stderr and f"line {line_count + 2}" in result.stderr


@pytest.mark.parametrize(
    "row, french, english",
    [
        ("M99,BC01-C1,I,,proposed,X,2026-01-01,r", "ligne 4, colonne module : module inconnu 'M99'",
         "line 4, column module: unknown module 'M99'"),
        ("M01,BC09-C1,I,,proposed,X,2026-01-01,r", "ligne 4, colonne competency : compétence inconnue 'BC09-C1'",
         "line 4, column competency: unknown competency 'BC09-C1'"),
        ("M01,BC01-C1,Z,,proposed,X,2026-01-01,r", "'Z' n'est pas un niveau de l'échelle", "'Z' is not a level"),
        ("M01,BC01-C1,I,-3,proposed,X,2026-01-01,r", "'-3' n'est pas un nombre d'heures", "'-3' is not a number of hours"),
        ("M01,BC01-C1,I,,maybe,X,2026-01-01,r", "'maybe' n'est ni proposed (proposé) ni validated (validé)",
         "'maybe' is not proposed or validated"),
        ("M01,BC01-C1,I,,proposed,X,yesterday,r", "'yesterday' n'est pas une date AAAA-MM-JJ",
         "'yesterday' is not a date YYYY-MM-DD"),
        ("M01,BC01-C1,I,,proposed,X,2026-01-01", "ligne 4 : 8 champs attendus", "line 4: expected 8 fields"),
    ],
)
def test_malformed_mapping_csv_says_file_line_and_what(cli, workspace, row, french, english):
    """In French by default (1 erreur), in English with --lang en (1 error)."""
    path = workspace / "mapping" / "module_competency.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("stats", "--data", str(workspace))
    assert result.returncode == 2
    assert "module_competency.csv: 1 erreur\u00a0:" in result.stderr and "ligne 4" in result.stderr
    french = typeset(french, "fr")  # French typography: a no-break space before « : »
    assert french in result.stderr and english not in result.stderr, result.stderr
    result = cli("stats", "--lang", "en", "--data", str(workspace))
    assert result.returncode == 2
    assert "module_competency.csv: 1 error:" in result.stderr and "line 4" in result.stderr
    assert english in result.stderr and french not in result.stderr, result.stderr


def test_failed_build_leaves_store_intact(workspace):
    """A failed import leaves the previous graph intact (brief: nothing half-written)."""
    store = build_store(workspace)
    before = len(store)
    (workspace / "mapping" / "module_activity.csv").write_text("module,activity\nM01\n", encoding="utf-8")
    with pytest.raises(InputError):
        build_store(workspace, store)
    assert len(store) == before


def test_missing_workspace_folder(cli, tmp_path):
    result = cli("stats", "--data", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "n'existe pas" in result.stderr


def test_runs_from_another_directory(cli, tmp_path):
    result = cli("query", "uncovered_competencies", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # The shipped data's one uncovered competency since the mapping review of #14.
    assert [r["competency_code"] for r in json.loads(result.stdout)] == ["BC02-C3"]


def test_a_reader_that_stops_early_is_not_a_success():
    """`cipt build | head -1`: the output was cut, so the status is 141 (128 + SIGPIPE, as a shell
    reports for `yes | head`), never 0, and no traceback; found with `cipt validate | head -1`,
    which reported 0 while there was a violation."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPT_")}
    proc = subprocess.Popen([sys.executable, "-m", "cipt_graph.cli", "build", "--format", "ntriples"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout.readline().startswith(b"<")  # the output is far larger than a pipe's buffer
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
