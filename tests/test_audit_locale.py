"""The audit report in the reader's language (issue #15): real plurals, Babel numbers, dates and
percentages, the time of generation in Paris time, shape titles without code, the CLI summary
in the report's words; the JSON form keeps raw numbers and ISO dates."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re

import pytest

from cipt_graph.audit import build_audit_report
from cipt_graph.audit.labels import counted, text
from cipt_graph.audit.render_html import generated_time, render_html
from cipt_graph.audit.render_json import report_dict
from cipt_graph.audit.render_md import render_md

NNBSP = "\u202f"


@pytest.fixture(scope="module")
def reports(store):
    return {lang: build_audit_report(store, lang=lang) for lang in ("fr", "en")}


def _prose(html: str) -> str:
    """The visible text before the appendix (which quotes SPARQL), tags removed, ordinary
    whitespace folded (narrow no-break spaces kept)."""
    body = html.split('<section id="appendix">')[0].split("</style>")[1]
    return re.sub(r"[ \t\r\n]+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_pseudo_plural_in_any_form(reports, lang):
    report = reports[lang]
    for rendered in (_prose(render_html(report)), render_md(report).split("## Annex")[0]):
        assert "(s)" not in rendered, re.findall(r".{40}\(s\).{10}", rendered)


def test_french_words_agree_with_their_counts(reports):
    report = reports["fr"]
    counts = report.counts()
    prose = _prose(render_html(report))
    # The shipped data: one violation, several warnings, no info (0 is singular in French).
    assert counts["violation"] == 1 and counts["warning"] > 1 and counts["info"] == 0
    assert f"1 constat bloquant, {counts['warning']} avertissements, 0 information{NNBSP};" in prose
    assert "Raisons\u00a0: 1 constat bloquant " in prose
    blocks = len(report.blocks)
    assert f"l'évaluation de {blocks} blocs sur {blocks} est déduite" in prose
    links = report.evidence.links
    assert f"{links} liens de correspondance sur {links} (100{NNBSP}%) sont proposés" in prose
    assert f"{links} liens, dont 0 validé par l'équipe pédagogique (0{NNBSP}%)" in prose
    # the same counted words, one and many, straight from the labels
    assert text("fr", "reason_assessment", count=1, blocks=6).startswith("l'évaluation de 1 bloc sur 6 est")
    assert text("fr", "mapping_sentence", proposed=1, links=2, percent=50.0) == (
        f"1 lien sur 2 (50{NNBSP}%) est encore «\u00a0proposé\u00a0» et non validé par l'équipe pédagogique.")
    assert text("fr", "more_rows", count=1).startswith("… et 1 ligne de plus")
    assert text("fr", "more_rows", count=84).startswith("… et 84 lignes de plus")


def test_english_words_agree_with_their_counts(reports):
    report = reports["en"]
    counts = report.counts()
    prose = _prose(render_html(report))
    assert f"1 blocking finding, {counts['warning']} warnings, 0 infos;" in prose
    links = report.evidence.links
    assert f"{links} mapping links out of {links} (100%) are proposed, not validated" in prose
    assert "100 %" not in prose and f"100{NNBSP}%" not in prose
    assert text("en", "mapping_sentence", proposed=1, links=2, percent=50.0).startswith(
        "1 link out of 2 (50%) is still")
    assert text("en", "more_rows", count=1).startswith("… and 1 more row in")


@pytest.mark.parametrize("lang, brochure, start, hours", [
    ("fr", "politique des territoires) mise à jour le 8 sept. 2025", "1 sept. 2025", f"487{NNBSP}h"),
    ("en", "Territorial Politics) updated on Sep 8, 2025", "Sep 1, 2025", f"487{NNBSP}h"),
])
def test_dates_and_hours_follow_the_locale(reports, lang, brochure, start, hours):
    report = reports[lang]
    html = render_html(report)
    prose = _prose(html)
    assert brochure in prose
    assert re.search(r'<td data-field="start_date">' + re.escape(start) + "</td>", html)
    figure = html.split('<p class="figure" data-source="query:hours_declared_vs_listed">')[1].split("</p>")[0]
    assert hours in figure and not re.search(r"\d h\b", figure)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", prose), re.findall(r".{30}\d{4}-\d{2}-\d{2}.{5}", prose)
    md = render_md(report)
    assert brochure in md and not re.search(r"\b20\d\d-\d\d-\d\dT", md.split("```")[0])


def test_generation_time_is_paris_time_with_its_zone(reports):
    assert generated_time("2026-11-30T10:32:03+00:00", "fr") == (
        "30 nov. 2026, 11:32 (heure normale d’Europe centrale)")
    assert generated_time("2026-07-01T10:32:03+00:00", "fr").startswith("1 juil. 2026, 12:32 (heure d’été")
    assert generated_time("2026-11-30T10:32:03+00:00", "en") == (
        "Nov 30, 2026, 11:32 (Central European Standard Time)")
    report = reports["fr"]
    html = render_html(report)
    assert f'<time datetime="{report.generated_at}">{generated_time(report.generated_at, "fr")}</time>' in html
    assert f"Produit le {report.generated_at}" not in html


def test_shape_titles_are_for_people_and_keep_their_terms_apart(reports):
    for lang in ("fr", "en"):
        report = reports[lang]
        (gap,) = [c for c in report.checks if c.source.name == "ProgrammeHoursSumShape"]
        assert "cipt:" not in gap.title and "schema:" not in gap.title and "()" not in gap.title
        assert gap.description == "schema:hasCourse, cipt:hours, cipt:declaredHours"
        (row,) = gap.rows  # the finding's message writes hours as the rest of the report
        assert "457\u202fh" in row["message"] and "487\u202fh" in row["message"], row["message"]
        html = render_html(report)
        assert f"<code>{gap.description}</code>" in html
        assert not re.search(r"\((?:schema|cipt):\w+", _prose(html).replace(f"<code>{gap.description}", ""))


def test_json_keeps_raw_numbers_and_iso_dates(reports):
    data = json.loads(json.dumps(report_dict(reports["fr"]), ensure_ascii=False))
    dt.datetime.fromisoformat(data["generated_at"])
    assert data["identity"]["rows"][0]["start_date"] == "2025-09-01"
    assert data["data_version"]["source_modified"] == "2025-09-08"
    (everything,) = [r for r in data["mapping_status"]["rows"] if r["link_kind"] == "all"]
    assert isinstance(everything["proposed_percent"], float) and isinstance(everything["links"], int)


@pytest.mark.parametrize("lang, words", [("fr", ("constat bloquant", "avertissements")),
                                          ("en", ("blocking finding", "warnings"))])
def test_cli_summary_uses_the_report_words(cli, tmp_path, lang, words):
    out = tmp_path / "audit.html"
    done = cli("audit", "--lang", lang, "--out", str(out))
    assert done.returncode == 1, done.stderr  # the shipped data has one violation
    assert all(w in done.stderr for w in words), done.stderr
    assert "violation" not in done.stderr
    assert counted(lang, "summary_sentence.violation", 1) in done.stderr


@pytest.mark.parametrize("lang, words, raw", [
    ("fr", ["module → compétence", "module → activité", "module → objectif", "tous les liens"],
     ["CompetencyCoverage", "ActivityCoverage", "ObjectiveCoverage", "all"]),
    ("en", ["module → competency", "module → activity", "module → objective", "all links"],
     ["CompetencyCoverage", "ActivityCoverage", "ObjectiveCoverage"])])
def test_kinds_of_links_are_named_in_words(reports, lang, words, raw):
    """Found by an attacker of issue #15: the report's « Validation de la correspondance » table
    read « CompetencyCoverage », « ActivityCoverage », « ObjectiveCoverage » (class names) and
    « all » (English) in its « Type de lien » column. Each kind is named in the report's
    language, in HTML and Markdown; the JSON keeps the query's values."""
    report = reports[lang]
    section = render_html(report).split('<section id="mapping">')[1].split("</section>")[0]
    cells = [html_lib.unescape(c) for c in re.findall(r'<td data-field="link_kind">([^<]*)</td>', section)]
    assert cells and set(cells) <= set(words), cells
    assert words[0] in cells and words[-1] in cells
    md = render_md(report).split("\n## ")
    mapping = next(part for part in md if part.startswith(text(lang, "mapping")))
    for name in raw:
        assert f"| {name} |" not in mapping and f"| {name} " not in mapping, name
    assert f"| {words[0]} |" in mapping
    kinds = {row["link_kind"] for row in report_dict(report)["mapping_status"]["rows"]}
    assert "CompetencyCoverage" in kinds and "all" in kinds
