"""The audit of one programme of a university claims only what that programme's data supports
(issue #16): its sentences are built from its own figures (named queries run for it), say
"brochure" only when its data names one, its "Statut des informations" lists its own inferred
statements (``inferred_statements`` takes the programme, rows name it), and its data line gives
its own source dates, the triple count being labelled as the whole dataset's.

On the shipped programme plus three generated ones (``bench/generate.py``, small)."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from university_helpers import university, ustore  # noqa: F401 (fixtures)

from cipt_graph.audit.labels import text
from cipt_graph.audit.render_html import format_value, render_html
from cipt_graph.audit.render_md import render_md
from cipt_graph.audit.report import build_audit_report
from cipt_graph.build import build_store
from cipt_graph.queries import run_query
from cipt_graph.store import iter_records


def rows(store, name, **params):
    return list(iter_records(run_query(store, name, params)))


def iri(store, code):
    (found,) = [r["programme"] for r in rows(store, "programmes") if r["programme_code"] == code]
    return found


@pytest.fixture(scope="module")
def reports(ustore):
    return {code: build_audit_report(ustore, programme=code, lang="fr") for code in ("M2_CIPT", "U002")}


def prose(html: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html)))


def field(html: str, name: str) -> str:
    found = re.search(rf'<p[^>]*data-field="{name}"[^>]*>(.*?)</p>', html, re.S)
    assert found, name
    return re.sub(r"[ \t\r\n]+", " ", html_lib.unescape(re.sub(r"<[^>]+>", "", found.group(1)))).strip()


@pytest.mark.parametrize("code", ["M2_CIPT", "U002"])
def test_sentences_come_from_the_programmes_figures(ustore, reports, code):
    report, p = reports[code], iri(ustore, code)
    html = render_html(report)
    (identity,) = rows(ustore, "programme_identity", lang="fr", programme=p)
    competencies = sum(r["competencies"] for r in rows(ustore, "hours_per_block", lang="fr", programme=p))
    referential = field(html, "evidence_referential")
    if identity["referential_extent_label"]:
        assert referential == text("fr", "evidence_referential", competencies=competencies,
                                    extent=identity["referential_extent_label"], source=identity["source_label"])
    else:
        assert referential == text("fr", "evidence_referential_plain", competencies=competencies)
    (hours,) = rows(ustore, "hours_declared_vs_listed", programme=p)
    gap = field(html, "hours_gap")
    listed = format_value(hours["listed"], "fr")
    if hours["difference"]:
        assert f"déclare {format_value(hours['declared'], 'fr')}\u202fh" in gap
        assert f"liste {hours['modules']} lignes totalisant {listed}\u202fh" in gap
    else:
        assert gap.startswith(text("fr", "hours_no_gap", listed=listed))
    (split,) = rows(ustore, "hours_teaching_assessment", programme=p)
    assert f"{format_value(split['teaching_hours'], 'fr')}\u202fh de l'enseignement" in gap
    # "brochure" only where the programme's data names one (its source, its referential's extent)
    said = " ".join(str(identity[k] or "") for k in ("source_label", "referential_extent_label")).lower()
    for sentence in (referential, gap, field(html, "data_version")):
        assert ("brochure" in sentence.lower()) <= ("brochure" in said), sentence
    assert md_has(render_md(report), referential) and md_has(render_md(report), gap)


def md_has(md: str, sentence: str) -> bool:
    return sentence in re.sub(r"[*`]", "", md)


def test_the_generated_programme_states_none_of_the_shipped_ones_facts(reports):
    page = prose(render_html(reports["U002"]).split('<section id="data-status">')[0])
    for fixed in ("487", "457", "16 compétences", "Soutenances", "brochure", "31 janv. 2025"):
        assert fixed not in page, fixed


def test_inferred_statements_take_the_programme_and_rows_name_it(ustore):
    everything = rows(ustore, "inferred_statements", lang="fr")
    programmes = [r["programme"] for r in rows(ustore, "programmes")]
    assert {r["programme"] for r in everything} <= set(programmes) and all(r["programme"] for r in everything)
    for p in programmes:
        assert rows(ustore, "inferred_statements", lang="fr", programme=p) == \
            [r for r in everything if r["programme"] == p]
    # On the shipped data alone, its programme's statements are every statement (nothing lost).
    shipped = build_store()
    (only,) = {r["programme"] for r in rows(shipped, "programmes")}
    alone = rows(shipped, "inferred_statements", lang="fr")
    assert alone and {r["programme"] for r in alone} == {only}
    assert rows(shipped, "inferred_statements", lang="fr", programme=only) == alone
    assert sum(r["statement_kind"] == "statement" for r in alone) > 0


@pytest.mark.parametrize("code", ["M2_CIPT", "U002"])
def test_the_audit_runs_them_for_its_programme(ustore, reports, code):
    report, p = reports[code], iri(ustore, code)
    assert report.data_status.source.params.get("programme") == p
    assert report.data_status.rows == rows(ustore, "inferred_statements", lang="fr", programme=p)
    (version,) = rows(ustore, "data_version", programme=p)
    assert (report.data_version.get("source_modified"), report.data_version.get("official_source_issued")) == \
        (version["source_modified"], version["official_source_issued"])
    line = field(render_html(report), "data_version")
    assert ("mise à jour le" in line) == bool(version["source_modified"])
    assert ("source officielle" in line) == bool(version["official_source_issued"])
    assert f"jeu de données entier\u00a0: {format_value(version['triples'], 'fr')} triplets" in line


def test_the_same_data_gives_the_same_fingerprint_named_or_not():
    """With one programme, its audit with and without naming it shows the same data digest; in a
    university each programme has its own."""
    shipped = build_store()
    assert build_audit_report(shipped).data_version["digest"] == \
        build_audit_report(shipped, programme="M2_CIPT").data_version["digest"]


def test_each_programme_has_its_own_fingerprint(reports):
    assert reports["M2_CIPT"].data_version["digest"] != reports["U002"].data_version["digest"]
