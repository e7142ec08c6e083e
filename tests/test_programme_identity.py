"""Every page names the programme it is about (issue #16): the header's subtitle and the footer
come from the programme's data (query ``programme_identity``), never from the shipped programme's
fixed text; the university overview gets the neutral ones. On a generated university (the
shipped programme plus three generated ones) served by a real app, and in `cipt viz` files."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from university_helpers import university, ustore, url  # noqa: F401 (fixtures)

from cipt_graph.build import build_store
from cipt_graph.queries import run_query
from cipt_graph.store import iter_records
from cipt_graph.visualize.i18n import tr


def identity(store, code, lang):
    """The programme's row of ``programme_identity`` (its French labels when it has none in ``lang``)."""
    (programme,) = [r["programme"] for r in iter_records(run_query(store, "programmes", {"lang": "fr"}))
                    if r["programme_code"] == code]
    for label_lang in (lang, "fr"):
        found = list(iter_records(run_query(store, "programme_identity", {"lang": label_lang, "programme": programme})))
        if found:
            return found[0]
    raise AssertionError(f"no identity for {code}")


def header_and_footer(page: str, footed: bool = True) -> tuple[str, str]:
    small = re.search(r'<a class="brand"[^>]*>[^<]*<small[^>]*>([^<]*)</small>', page)
    foot = re.search(r"<footer>([^<]*)</footer>", page)
    assert small and (foot or not footed), page[:500]
    return html.unescape(small.group(1)), html.unescape(foot.group(1)) if foot else ""


def assert_names(page: str, row: dict, lang: str, footed: bool = True) -> None:
    """The header names the programme; so does the footer (the audit report has none of the site's)."""
    subtitle, footer = header_and_footer(page, footed)
    assert subtitle == row["programme_label"]
    name = row["short_label"] or row["identifier"]
    if not footed:
        return
    assert footer.startswith(tr(lang, "footer.programme", name=name)), footer
    digits = re.sub(r"\D", "", row["rncp_number"])
    assert row["rncp_number"] and digits in footer, footer
    if row["provider_label"]:
        assert row["provider_label"] in footer
    for fixed in ("M2 CIPT", "RNCP 38175", "Communication institutionnelle"):  # the shipped programme's
        assert (fixed in footer + subtitle) == (fixed in f"{row['programme_label']} {name} {row['rncp_number']} "
                                                       f"{row['rncp_number'].replace('RNCP', 'RNCP ')}")


@pytest.mark.parametrize("code", ["U003", "M2_CIPT"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_names_its_programme(ustore, url, code, lang):
    row = identity(ustore, code, lang)
    with httpx.Client(base_url=url, timeout=120) as client:
        for path in ("/", "/graph", "/matrix", "/jobs", "/audit", "/sparql"):
            page = client.get(path, params={"programme": code, "lang": lang}, headers={"Accept": "text/html"})
            assert page.status_code == 200, (path, page.status_code)
            assert_names(page.text, row, lang, footed=path != "/audit")


def test_the_overview_has_a_neutral_title(ustore, url):
    labels = {r["programme_label"] for r in iter_records(run_query(ustore, "programme_identity", {"lang": "fr"}))}
    with httpx.Client(base_url=url, timeout=120) as client:
        for path in ("/programmes", "/"):  # without a programme, / is the overview
            subtitle, footer = header_and_footer(client.get(path).text)
            assert (subtitle, footer) == (tr("fr", "programme"), tr("fr", "footer"))
            assert subtitle not in labels and "RNCP" not in footer


def test_viz_files_name_their_programme(university, ustore, cli, tmp_path):
    done = cli("viz", "--programme", "U002", "--out", str(tmp_path / "u002"), "--data", str(university))
    assert done.returncode == 0, done.stderr
    row = identity(ustore, "U002", "fr")
    for name in ("index.html", "graph.html", "matrix.html", "jobs.html"):
        assert_names((tmp_path / "u002" / name).read_text(encoding="utf-8"), row, "fr")


def test_the_shipped_programme_is_named_from_its_data(cli, tmp_path):
    """With the shipped data alone, no programme given: its own label, short name, institution and
    RNCP number, as its data states them."""
    store = build_store()
    (row,) = iter_records(run_query(store, "programme_identity", {"lang": "fr"}))
    done = cli("viz", "--out", str(tmp_path / "v"))
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "v" / "index.html").read_text(encoding="utf-8")
    assert_names(page, row, "fr")
    assert header_and_footer(page)[1].startswith(f"Graphe de compétences du {row['short_label']} · {row['provider_label']}")
