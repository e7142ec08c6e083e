"""The accreditation audit on the shipped data: every figure matches the query it cites (issue #5)."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF, SKOS

from cipt_graph.audit import build_audit_report
from cipt_graph.audit.render_html import format_value, render_html
from cipt_graph.audit.render_json import report_dict
from cipt_graph.audit.render_md import render_md
from cipt_graph.audit.model import SEVERITIES
from cipt_graph.audit.report import check_queries
from cipt_graph.audit.shapes import load_shape_graphs
from cipt_graph.paths import QUERIES_DIR
from cipt_graph.queries import get_query, load_queries, run_query
from cipt_graph.store import iter_records, select
from cipt_graph.validate import validate_store

CIPT = Namespace("https://w3id.org/cipt-graph/ontology#")

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1:8765"


def records(store, name, params=None):
    return list(iter_records(run_query(store, name, params or {})))


@pytest.fixture(scope="module")
def report(store):
    return build_audit_report(store)


@pytest.fixture(scope="module")
def data(report):
    """The JSON form, through a real encode/decode."""
    return json.loads(json.dumps(report_dict(report), ensure_ascii=False))


@pytest.fixture(scope="module")
def html(report):
    return render_html(report)


# --- the figures ------------------------------------------------------------------------------

def test_states_the_30_hour_gap(store, data):
    """Acceptance: 487 h declared, 457 h listed, 30 h difference, from hours_declared_vs_listed."""
    (row,) = data["hours"]["rows"]
    assert data["hours"]["source"]["name"] == "hours_declared_vs_listed"
    assert row == records(store, "hours_declared_vs_listed")[0]
    assert (row["declared"], row["listed"], row["difference"]) == (487, 457, 30)


def test_every_table_matches_the_query_it_cites(store, data):
    tables = [data["identity"], data["hours"], data["mapping_status"]]
    tables += [c for c in data["checks"] if c["source"]["kind"] == "query"]
    for table in tables:
        source = table["source"]
        assert source["kind"] == "query"
        result = run_query(store, source["name"], source["params"])
        assert table["columns"] == result.variables, source["name"]
        assert table["rows"] == json.loads(json.dumps(list(iter_records(result)))), source["name"]


def test_blocks_and_competencies_match_their_queries(store, data):
    blocks = data["blocks"]
    src = {key: (s["name"], s["params"]) for key, s in blocks["sources"].items()}
    per_block = {r["block_code"]: r for r in records(store, *src["block"])}
    unassessed = {r["block_code"] for r in records(store, *src["assessed"])}
    hours = {r["competency_code"]: r for r in records(store, *src["hours"])}
    matrix = records(store, *src["modules"])
    progression = {r["competency_code"]: r for r in records(store, *src["progression"])}
    assert [b["block_code"] for b in blocks["items"]] == list(per_block)
    seen = set()
    for block in blocks["items"]:
        row = per_block[block["block_code"]]
        for key in ("block_label", "hours", "competencies", "covered_competencies", "modules"):
            assert block[key] == row[key], (block["block_code"], key)
        assert block["assessed"] == (block["block_code"] not in unassessed)
        assert len(block["competency_details"]) == row["competencies"]
        for comp in block["competency_details"]:
            code = comp["competency_code"]
            seen.add(code)
            assert hours[code]["block_code"] == block["block_code"]
            assert comp["hours"] == pytest.approx(hours[code]["hours"])
            covering = [r for r in matrix if r["competency_code"] == code]
            assert [(m["module_code"], m["level_code"]) for m in comp["modules"]] == \
                [(r["module_code"], r["level_code"]) for r in covering]
            prog = progression.get(code)
            assert comp["max_rank"] == (prog and prog["max_rank"])
            assert comp["reaches_top"] == (prog and prog["reaches_top"])
            assert comp["in_order"] == (prog and prog["in_order"])
            assert comp["steps"] == ((prog or {}).get("steps") or "").split()  # the query's (period) order
            if covering:
                best = max(covering, key=lambda r: r["level_rank"])
                assert comp["max_level"] == best["level_code"]
    assert seen == set(hours)


def test_shacl_findings_are_the_validation_results(store, data):
    findings = validate_store(store).findings
    shape_checks = [c for c in data["checks"] if c["source"]["kind"] == "shape"]
    got = sorted((c["source"]["iri"], c["severity"], r["focus"], r["message"])
                 for c in shape_checks for r in c["rows"])
    want = sorted((f.shape, f.severity.lower(), f.focus, f.message("fr")) for f in findings)
    assert got == want
    assert any(c["source"]["name"] == "ProgrammeHoursSumShape" and c["count"] == 1 for c in shape_checks)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_shacl_messages_are_in_the_report_language(store, lang):
    """Regression (issue #5): pyshacl drops the language tag of SPARQL-constraint messages; the
    report must still pick the message of its own language, the shape's sh:message filled in."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import SH

    shapes, _ = load_shape_graphs()
    report = build_audit_report(store, lang=lang)
    failing = [c for c in report.checks if c.source.kind == "shape" and c.rows]
    assert failing, "the shipped data has at least the hours-gap warning"
    for check in failing:
        templates = [str(m) for m in shapes.objects(URIRef(check.source.iri), SH.message)
                     if isinstance(m, Literal) and m.language == lang]
        patterns = [".+?".join(map(re.escape, re.split(r"\{[?$]\w+\}", tpl))) for tpl in templates]
        for row in check.rows:
            assert any(re.fullmatch(p, row["message"]) for p in patterns), (check.source.name, row["message"])


def test_status_counts_every_finding_by_severity_once(data):
    for severity, key in (("violation", "violations"), ("warning", "warnings"), ("info", "infos")):
        assert data["status"][key] == sum(c["count"] for c in data["checks"]
                                          if c["severity"] == severity and c["counted"])
    # A shape that doubles a check query (its `#+ shape:` header) is not counted a second time.
    for check in data["checks"]:
        if not check["counted"]:
            (twin,) = [c for c in data["checks"] if c["source"]["name"] == check["duplicate_of"]]
            assert get_query(twin["source"]["name"]).header["shape"] == check["source"]["name"]
            assert twin["count"] == check["count"] and twin["severity"] == check["severity"]
    assert data["status"]["exit_code"] == (1 if data["status"]["violations"] else 0)


def untaught_competencies(data_dir) -> set[str]:
    """Competencies of the Turtle that no row of the shipped module → competency CSV covers."""
    g = Graph()
    for path in data_dir.glob("*.ttl"):
        g.parse(path)
    codes = {str(g.value(c, SKOS.notation)) for c in g.subjects(RDF.type, CIPT.Competency)}
    with (data_dir / "mapping" / "module_competency.csv").open(encoding="utf-8", newline="") as handle:
        covered = {r["competency"] for r in csv.DictReader(handle)}
    return codes - covered


def test_shipped_data_violations_are_the_untaught_competencies_and_proposed_links_warn(store, data, data_dir):
    # Since the mapping review of issue #14, a competency no module teaches stays uncovered
    # (BC02-C3): the audit must report it as the violation it is, not hide it.
    untaught = untaught_competencies(data_dir)
    failing = {c["source"]["name"]: c for c in data["checks"] if c["severity"] == "violation" and c["count"]}
    assert set(failing) == ({"uncovered_competencies", "CompetencyCoveredShape"} if untaught else set())
    if untaught:
        assert {r["competency_code"] for r in failing["uncovered_competencies"]["rows"]} == untaught
    assert data["status"]["exit_code"] == (1 if untaught else 0)
    (everything,) = [r for r in data["mapping_status"]["rows"] if r["link_kind"] == "all"]
    proposed = {c["source"]["name"]: c for c in data["checks"]}["mapping_links_proposed"]
    assert proposed["severity"] == "warning"
    assert sum(r["proposed"] for r in proposed["rows"]) == everything["proposed"] > 0


# --- checks are data --------------------------------------------------------------------------

@pytest.mark.parametrize("name", [q.name for q in check_queries(load_queries())])
def test_every_check_query_declares_severity_and_title(name):
    q = get_query(name)
    assert q.header.get("severity") in SEVERITIES, "declare `#+ severity: violation|warning|info`"
    assert set(q.header.get("title") or {}) >= {"fr", "en"}, "declare `#+ title: {fr: …, en: …}`"
    assert set(q.header.get("rule") or {}) >= {"fr", "en"}, "declare `#+ rule: {fr: …, en: …}`"


def test_every_check_query_and_every_shape_is_run(data):
    run = {(c["source"]["kind"], c["source"]["name"]): c for c in data["checks"]}
    for q in check_queries(load_queries()):
        assert run[("query", q.name)]["severity"] == q.header["severity"]
    _, shapes = load_shape_graphs()
    assert len(shapes) > 20
    for shape in shapes:
        check = run[("shape", shape.iri.rsplit("#", 1)[-1])]
        assert check["source"]["iri"] == shape.iri and check["source"]["file"] == shape.file
        assert check["severity"] == shape.severity


def test_adding_a_check_is_adding_a_file(store, tmp_path):
    """A new `.rq` tagged check, and a new shapes file, each become a rule of the audit."""
    folder = tmp_path / "queries"
    shutil.copytree(QUERIES_DIR, folder)
    (folder / "modules_over_twenty_hours.rq").write_text(
        "#+ summary: Modules over twenty hours\n#+ description: A test rule.\n#+ tags: [check]\n"
        "#+ severity: violation\n#+ title: {fr: Modules longs, en: Long modules}\n"
        "PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>\n"
        "SELECT ?module ?hours WHERE { ?module cipt:hours ?hours . FILTER(?hours > 20) } ORDER BY ?module\n",
        encoding="utf-8")
    shapes = tmp_path / "shapes-extra.ttl"
    shapes.write_text(
        "@prefix cipt: <https://w3id.org/cipt-graph/ontology#> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix ex: <https://example.org/shapes#> .\n"
        "ex:ModuleAtMostTwentyHoursShape a sh:PropertyShape ;\n  sh:description \"Au plus 20 h.\"@fr ;\n"
        "  sh:targetClass cipt:Module ;\n  sh:path cipt:hours ;\n  sh:maxInclusive 20 ;\n"
        "  sh:severity sh:Info ;\n  sh:message \"Plus de 20 h.\"@fr .\n", encoding="utf-8")
    from cipt_graph.paths import SHAPES_FILES

    report = build_audit_report(store, queries=load_queries(folder), shapes=[*SHAPES_FILES, shapes])
    checks = {c.source.name: c for c in report.checks}
    long_modules = select(store, "PREFIX cipt: <https://w3id.org/cipt-graph/ontology#> "
                                 "SELECT ?m WHERE { ?m cipt:hours ?h FILTER(?h > 20) }")
    assert len(long_modules) > 0
    assert checks["modules_over_twenty_hours"].severity == "violation"
    assert len(checks["modules_over_twenty_hours"].rows) == len(long_modules)
    assert checks["ModuleAtMostTwentyHoursShape"].severity == "info"
    assert len(checks["ModuleAtMostTwentyHoursShape"].rows) == len(long_modules)
    assert report.exit_code == 1 and report.counts()["info"] == len(long_modules)


def test_bad_severity_is_an_error(store, tmp_path):
    from cipt_graph.errors import CiptError

    folder = tmp_path / "queries"
    shutil.copytree(QUERIES_DIR, folder)
    (folder / "bad_rule.rq").write_text(
        "#+ summary: Bad\n#+ tags: [check]\n#+ severity: fatal\nSELECT ?x WHERE { ?x ?p ?o } LIMIT 1\n")
    with pytest.raises(CiptError, match=r"bad_rule\.rq.*fatal"):
        build_audit_report(store, queries=load_queries(folder))


# --- the HTML page ----------------------------------------------------------------------------

class Cells(HTMLParser):
    """Collects the text of elements with data-field, under their table's data-source and row."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, str]] = []
        self.cells: list[tuple[dict[str, str], str]] = []
        self.open: list[list] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        context = dict(self.stack[-1]) if self.stack else {}
        for key in ("data-source", "data-row", "data-block", "data-competency"):
            if key in attrs:
                context[key] = attrs[key]
        if tag not in ("br", "col", "meta", "link", "img", "input"):
            self.stack.append(context)
        if "data-field" in attrs:
            self.open.append([{**context, "field": attrs["data-field"]}, ""])

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()
        if self.open and tag in ("td", "span"):
            ctx, text = self.open.pop()
            self.cells.append((ctx, text.strip()))

    def handle_data(self, data):
        for item in self.open:
            item[1] += data


def html_cells(html: str) -> list[tuple[dict[str, str], str]]:
    parser = Cells()
    parser.feed(html)
    return parser.cells


def test_every_number_in_the_html_comes_from_its_query(store, report, html):
    cells = html_cells(html)
    tables = {f"query:{t.source.name}": t for t in (report.identity, report.hours, report.mapping_status)}
    tables.update({f"query:{c.source.name}": c for c in report.checks if c.source.kind == "query"})
    checked = 0
    answers: dict[str, list[dict]] = {}  # each query run once (a remote store answers in ~0.1 s)
    for ctx, text in cells:
        source = ctx.get("data-source", "")
        if source in tables and "data-row" in ctx and "data-block" not in ctx:
            table = tables[source]
            if source not in answers:
                answers[source] = records(store, source.split(":", 1)[1], table.source.params)
            rows = answers[source]
            assert text == format_value(rows[int(ctx["data-row"])][ctx["field"]], "fr", ctx["field"]), (source, ctx)
            checked += 1
    per_block = {r["block_code"]: r for r in records(store, "hours_per_block", {"lang": "fr"})}
    per_comp = {r["competency_code"]: r for r in records(store, "hours_per_competency", {"lang": "fr"})}
    for ctx, text in cells:
        block_fields = ("hours", "modules", "competencies", "covered_competencies")
        if "data-block" in ctx and "data-competency" not in ctx and ctx["field"] in block_fields:
            want = per_block[ctx["data-block"]][ctx["field"]]
            assert text.split("/")[0].strip() == format_value(want, "fr"), ctx
            checked += 1
        if "data-competency" in ctx and ctx["field"] == "hours":
            assert text == format_value(per_comp[ctx["data-competency"]]["hours"], "fr"), ctx
            checked += 1
    assert checked > 60


def test_html_states_the_gap_and_cites_the_query(html):
    text = re.sub(r"<[^>]+>", "", html)
    assert "déclare 487\u202fh\u202f; ses 25 modules listés totalisent 457\u202fh, soit un écart de 30\u202fh" in text
    assert 'data-cite="query:hours_declared_vs_listed"' in html


def test_html_is_printable_french_and_self_contained(html):
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    assert "size: A4" in html and "table-layout: fixed" in html
    assert "<script" not in html.lower()
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html), "nothing loaded from elsewhere"
    assert "@import" not in html and "url(" not in html


def test_appendix_lists_every_cited_query_and_markdown_gives_its_text(report, html):
    """The printed appendix lists each cited query in one line (issue #14: the texts took half the
    printed pages); the Markdown form gives every text in full."""
    cited = set(re.findall(r'data-cite="query:([a-z_]+)"', html))
    assert {"programme_identity", "hours_per_block", "uncovered_competencies", "mapping_status",
            "inferred_statements", "assessment_per_competency"} <= cited
    listed = set(re.findall(r'<li id="q-([a-z_]+)" data-query=', html))
    assert cited <= listed == {q.name for q in report.queries}
    assert "<pre>" not in html
    md = render_md(report)
    for name in listed:
        assert get_query(name).text.rstrip() in md, name


def test_headline_states_the_evidence_first_and_is_provisional(report, html, data):
    """Acceptance (#14): the first page states the share of proposed links and does not say
    "conforme" on the shipped data, whose links are all proposed."""
    first = re.sub(r"<[^>]+>", " ", html.split('<nav class="toc">')[0])
    first = re.sub(r"[ \t\r\n]+", " ", first)  # keeps the narrow no-break spaces
    (everything,) = [r for r in data["mapping_status"]["rows"] if r["link_kind"] == "all"]
    validated = everything["validated"]
    assert f"{everything['links']} liens, dont {validated} {'validé' if validated < 2 else 'validés'}" in first
    assert f"{everything['proposed']} proposés ({format_value(everything['proposed_percent'], 'fr')}\u202f%)" in first
    assert first.index("État des preuves") < first.index("Provisoire")
    assert "Conforme" not in first and "conforme aux règles" not in first
    assert data["verdict"]["status"] == "provisoire"
    assert {r["key"] for r in data["verdict"]["reasons"]} >= {"reason_proposed", "reason_assessment"}
    assert f"{data['evidence']['inferred_statements']} énoncés" in first
    assert data["data_version"]["digest"] in first and "politique des territoires) mise à jour le 8 sept. 2025" in first


def test_people_read_names_not_technique(html, report):
    """No SHACL shape name, no raw IRI in the prose, no "nœud de couverture" (issue #14)."""
    text = re.sub(r"<[^>]+>", " ", html.split('<section id="appendix">')[0])
    assert not re.search(r"[A-Z][A-Za-z]+Shape\b", text)
    assert "nœud de couverture" not in text and "SHACL" not in text
    assert not re.search(r"https?://", text)
    shapes = [c for c in report.checks if c.source.kind == "shape" and c.rows and c.counted]
    assert shapes and all(r["item"] and not str(r["item"]).startswith("http") for c in shapes for r in c.rows)


def test_hours_gap_is_explained_and_estimates_are_labelled(html, data):
    import html as html_lib

    text = re.sub(r"[ \t\r\n]+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html)))
    assert "D'où vient l'écart" in text and "suivi de la période en entreprise" in text
    (split,) = data["hours_split"]["rows"]
    assert (split["teaching_hours"], split["assessment_hours"]) == (450, 7)
    assert "7\u202fh sont de l'évaluation" in text and "450\u202fh de l'enseignement" in text
    assert "Heures estimées" in text and "réparties à parts égales" in text


def test_links_run_the_cited_query_on_the_service(store, report):
    """With a base URL, each cited query links to /api/queries/NAME and to /sparql with its text;
    the SPARQL text of the link returns the same rows as the named query (its lists' sort keys dropped)."""
    from cipt_graph.ordered_lists import order_lists
    from cipt_graph.queries import get_query

    report = dataclasses.replace(report, base_url=BASE)
    html = render_html(report)
    assert f'href="{BASE}/api/queries/uncovered_competencies?lang=fr"' in html
    assert html.count(f'href="{BASE}/sparql?query=') >= len(report.queries)
    data = report_dict(report)
    sources = [data["identity"]["source"], data["hours"]["source"], data["mapping_status"]["source"],
               *data["blocks"]["sources"].values(), *(c["source"] for c in data["checks"])]
    linked = [s for s in sources if s["kind"] == "query"]
    assert linked and all("links" in s for s in linked)
    for s in linked:
        api = urlsplit(s["links"]["api"])
        assert api.path == f"/api/queries/{s['name']}"
        assert parse_qs(api.query) == {"lang": [report.lang]} | {k: [v] for k, v in s["params"].items()}
        assert parse_qs(urlsplit(s["links"]["sparql"]).query)["lang"] == [report.lang]
        sparql = parse_qs(urlsplit(s["links"]["sparql"]).query)["query"][0]
        # the raw SPARQL's lists carry their sort keys, which the named query orders by and drops
        raw = order_lists(select(store, sparql), get_query(s["name"]).header.get("ordered_lists") or {})
        assert list(iter_records(raw)) == records(store, s["name"], s["params"]), s["name"]
    assert all(q["links"]["api"].startswith(BASE + "/api/queries/") for q in data["queries"])


def test_no_links_without_a_base_url(html, data):
    assert "/sparql?query=" not in html and "/api/queries/" not in html
    assert all("links" not in q for q in data["queries"])


def test_english_report(store):
    report = build_audit_report(store, lang="en")
    html = render_html(report)
    assert '<html lang="en">' in html and "Analysis of the coverage of the competency referential" in html
    assert "declares 487\u202fh; its 25 listed modules add up to 457\u202fh, a difference of 30\u202fh" in re.sub(r"<[^>]+>", "", html)
    assert report.identity.rows == records(store, "programme_identity", {"lang": "en"})


# --- Markdown and JSON ------------------------------------------------------------------------

def test_markdown_has_the_figures_and_every_query(report):
    md = render_md(report)
    assert "Le programme déclare 487\u202fh\u202f; ses 25 modules listés totalisent 457\u202fh, soit un écart de 30\u202fh." in md
    for q in report.queries:
        assert f"### {q.name}\n" in md and q.text.rstrip() in md
    for block in report.blocks:
        assert f"### {block.block_code} — {block.block_label}" in md
    assert all(line.count("|") >= 3 for line in md.splitlines() if line.startswith("| ")), "table rows"


def test_json_schema_is_documented(data):
    doc = (ROOT / "docs" / "audit-json.md").read_text(encoding="utf-8")
    keys = set(data) | set(data["status"]) | set(data["blocks"]) | set(data["blocks"]["items"][0])
    keys |= set(data["blocks"]["items"][0]["competency_details"][0]) | set(data["checks"][0])
    keys |= set(data["checks"][0]["source"]) | set(data["queries"][0])
    for key in keys:
        assert f"`{key}`" in doc, f"docs/audit-json.md does not document the key {key!r}"
    assert data["schema_version"] == 1


# --- the command line -------------------------------------------------------------------------

def test_cli_json_on_shipped_data(cli, store, data_dir):
    result = cli("audit", "--format", "json", "--lang", "en")
    untaught = untaught_competencies(data_dir)
    assert result.returncode == (1 if untaught else 0), result.stderr
    data = json.loads(result.stdout)
    # counted once: the query and the shape report the same untaught competencies
    assert data["lang"] == "en" and data["status"]["violations"] == len(untaught)
    assert data["hours"]["rows"] == records(store, "hours_declared_vs_listed")


def test_cli_writes_the_html_file(cli, tmp_path):
    out = tmp_path / "audit.html"
    result = cli("audit", "--out", str(out), "--base-url", BASE)
    assert result.returncode in (0, 1), result.stderr  # 1: the shipped data has a violation
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert f"{BASE}/api/queries/" in out.read_text(encoding="utf-8")
    assert "avertissement" in result.stderr and not (tmp_path / "audit.html.tmp").exists()


@pytest.mark.parametrize("args, complaint", [
    (["--lang", "de"], "choix invalide"),
    (["--format", "pdf"], "choix invalide"),
    (["--base-url", "ftp://x"], "--base-url doit être une URL http"),
    (["--out", "/nonexistent-dir/audit.html"], "/nonexistent-dir/audit.html"),
])
def test_cli_errors_exit_2(cli, args, complaint):
    result = cli("audit", *args)
    assert result.returncode == 2 and complaint in result.stderr, result.stderr
    assert result.stdout == ""
