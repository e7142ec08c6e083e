"""Language choice and locale formatting (issue #15): Babel numbers, hours, percentages, dates and
plurals; Accept-Language; the catalogs of both languages; the command line's --lang and
environment."""

from __future__ import annotations

import re

import pytest

from cipt_graph import i18n
from cipt_graph.visualize.catalog import CATALOGS
from cipt_graph.visualize.i18n import tr

NNBSP = "\u202f"


def test_numbers_hours_percentages_and_dates_follow_the_locale():
    assert i18n.number(15.92, "fr") == "15,92" and i18n.number(15.92, "en") == "15.92"
    assert i18n.number(1234.5, "fr") == f"1{NNBSP}234,5" and i18n.number(1234.5, "en") == "1,234.5"
    assert i18n.number(20.0, "fr") == "20" and i18n.number("16.666", "fr") == "16,67"
    assert i18n.hours(20, "fr") == f"20{NNBSP}h" and i18n.hours("333.59", "fr") == f"333,59{NNBSP}h"
    assert i18n.hours(333.59, "en") == f"333.59{NNBSP}h"
    assert i18n.percent(25.37, "fr") == f"25,4{NNBSP}%" and i18n.percent(0.2537, "en", ratio=True) == "25.4%"
    assert i18n.date("2026-11-29", "fr") == "29 nov. 2026" and i18n.date("2026-11-29", "en") == "Nov 29, 2026"
    assert i18n.datetime("2026-11-29T22:05:00+00:00", "fr") == "29 nov. 2026, 22:05 UTC"


def test_plurals_follow_each_language_rules():
    # French: 0 and 1 take the singular; English: only 1.
    assert tr("fr", "count.modules", 0) == "0 module" and tr("en", "count.modules", 0) == "0 modules"
    assert tr("fr", "count.modules", 1) == "1 module" and tr("fr", "count.modules", 2) == "2 modules"
    assert tr("fr", "dash.gaps.comp", 3) == "3 compétences non couvertes"
    assert tr("en", "dash.gaps.comp", 1) == "1 uncovered competency"
    assert tr("fr", "count.links", 1200) == f"1{NNBSP}200 liens de couverture"
    with pytest.raises(TypeError):
        tr("fr", "count.modules")


@pytest.mark.parametrize("header, lang", [
    (None, "fr"), ("", "fr"), ("de-DE,de;q=0.9", "fr"), ("en-GB,en;q=0.9,fr;q=0.5", "en"),
    ("en-US", "en"), ("fr-CA,en;q=0.8", "fr"), ("de, en;q=0.5", "en"), ("en;q=0, fr;q=0.1", "fr"),
    ("*", "fr"), ("x" * 5000, "fr"),
])
def test_accept_language_picks_the_language(header, lang):
    assert i18n.negotiate(header) == lang


@pytest.mark.parametrize("environ, lang", [
    ({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "fr_FR.UTF-8"}, "fr"), ({"LANG": "C.UTF-8"}, "fr"),
    ({"LC_ALL": "en_GB.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"), ({"LANGUAGE": "en:fr"}, "en"), ({}, "fr"),
])
def test_environment_language(environ, lang):
    assert i18n.env_lang(environ) == lang


def test_both_catalogs_have_the_same_keys_placeholders_and_plurals():
    fr, en = CATALOGS["fr"], CATALOGS["en"]
    assert set(fr) == set(en)
    for key in fr:
        assert isinstance(fr[key], dict) == isinstance(en[key], dict), key
        texts_fr = fr[key].values() if isinstance(fr[key], dict) else [fr[key]]
        texts_en = en[key].values() if isinstance(en[key], dict) else [en[key]]
        holes = {frozenset(re.findall(r"{(\w+)}", t)) for t in [*texts_fr, *texts_en]}
        assert len(holes) == 1, f"{key}: placeholders differ: {holes}"


def _cli_env(lang_var: str) -> dict[str, str]:
    return {"LANG": lang_var, "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": ""}


def test_cli_messages_follow_lang_else_the_environment(cli):
    french = cli("query", "no_such_query", env=_cli_env("fr_FR.UTF-8"))
    english = cli("query", "no_such_query", env=_cli_env("en_US.UTF-8"))
    chosen = cli("--lang", "en", "query", "no_such_query", env=_cli_env("fr_FR.UTF-8"))
    assert french.returncode == english.returncode == chosen.returncode == 2
    assert french.stderr.startswith("cipt: erreur\u00a0: ") and english.stderr.startswith("cipt: error: ")
    assert chosen.stderr.startswith("cipt: error: ")


def test_cli_viz_follows_the_environment_and_lang_wins(cli, tmp_path):
    done = cli("viz", "--out", str(tmp_path / "env"), env=_cli_env("en_US.UTF-8"))
    assert done.returncode == 0, done.stderr
    assert '<html lang="en">' in (tmp_path / "env" / "index.html").read_text(encoding="utf-8")
    done = cli("viz", "--out", str(tmp_path / "opt"), "--lang", "fr", env=_cli_env("en_US.UTF-8"))
    assert done.returncode == 0, done.stderr
    assert '<html lang="fr">' in (tmp_path / "opt" / "index.html").read_text(encoding="utf-8")
