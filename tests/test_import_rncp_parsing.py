"""The RNCP export's text formats: competency lists, labels, dates, flags, levels, structure (issue #6)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from cipt_graph.errors import InputError
from cipt_graph.importers.competencies import normalise_label, split_competencies
from cipt_graph.importers.fiche import parse_bool, parse_date, parse_level
from cipt_graph.importers.rncp_xml import read_xml_export

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rncp"


def crafted_lists() -> list[tuple[str, str, list[str]]]:
    """(style, raw list as in the crafted XML, expected items) for every block of the crafted fixture."""
    import xml.etree.ElementTree as ET

    want = json.loads((FIXTURES / "crafted_traps.expected.json").read_text(encoding="utf-8"))["fiches"]
    out = []
    for fiche in ET.parse(FIXTURES / "crafted_traps.xml").getroot().iterfind("FICHE"):
        number = fiche.findtext("NUMERO_FICHE")
        for block in fiche.iterfind("BLOCS_COMPETENCES/BLOC_COMPETENCES"):
            expected = want[number]["blocks"][block.findtext("CODE")]
            out.append((expected["style"], block.findtext("LISTE_COMPETENCES") or "", expected["competencies"]))
    return out


@pytest.mark.parametrize("style, raw, items", crafted_lists(), ids=lambda v: v if isinstance(v, str) and len(v) < 60 else None)
def test_every_list_style_splits(style, raw, items):
    assert split_competencies(raw) == items


def test_soft_wraps_are_not_item_breaks():
    raw = "Identifier les usages   numériques du domaine    Se servir  de façon autonome des outils"
    assert split_competencies(raw) == ["Identifier les usages numériques du domaine",
                                       "Se servir de façon autonome des outils"]


def test_numbers_inside_an_item_are_not_numbering():
    raw = "1. Analyser les budgets de   2021 à 2023    2. Conduire 3 projets"
    assert split_competencies(raw) == ["1. Analyser les budgets de 2021 à 2023", "2. Conduire 3 projets"]


def test_merged_items_stay_merged():
    """Two items glued by a single space (as in RNCP35625BC05) cannot be told apart: kept as one."""
    raw = "- Comprendre le langage dramaturgique Participer aux réunions    - Réunir une iconographie"
    assert split_competencies(raw) == ["Comprendre le langage dramaturgique Participer aux réunions",
                                       "Réunir une iconographie"]


@pytest.mark.parametrize("raw", ["", "   ", None, "-"])
def test_empty_lists(raw):
    assert split_competencies(raw) == []


@pytest.mark.parametrize("a, b", [
    ("Mettre en œuvre les usages avancés", "METTRE EN OEUVRE LES USAGES AVANCES."),
    ("Contribuer à l’élaboration", "Contribuer a l'elaboration"),
    ("Mettre en oeuvre une   communication", "mettre en oeuvre une communication"),
    ("- C.1. Organiser une réunion", "Organiser une réunion"),
])
def test_normalised_labels_match(a, b):
    assert normalise_label(a) == normalise_label(b)


def test_normalised_labels_still_differ_on_words():
    assert normalise_label("Analyser les dynamiques du champ politique") != normalise_label(
        "Analyser les dynamiques du champ social")


def test_values():
    kw = {"where": "f.xml:3", "what": "X"}
    assert parse_date("01/02/2024", **kw) == dt.date(2024, 2, 1)
    assert parse_date("", **kw) is None
    assert (parse_bool("Oui", **kw), parse_bool("Non", **kw), parse_bool("INACTIVE", **kw)) == (True, False, False)
    assert [parse_level(f"NIV{n}", **kw) for n in range(3, 9)] == list(range(3, 9))
    assert parse_level("REPRISE", **kw) is None and parse_level("", **kw) is None


@pytest.mark.parametrize("func, value, complaint", [
    (parse_date, "31/02/2024", "not a date"), (parse_date, "2024-01-31", "not a date"),
    (parse_bool, "Peut-être", "neither Oui nor Non"), (parse_level, "NIV9", "not a level"),
])
def test_bad_values_say_where_and_what(func, value, complaint):
    with pytest.raises(InputError, match=complaint) as info:
        func(value, where="f.xml:3 (RNCP1)", what="ELEMENT")
    assert info.value.where == "f.xml:3 (RNCP1)" and "ELEMENT" in info.value.message


@pytest.mark.parametrize("text, complaint, line", [
    ('<?xml version="1.0"?>\n<EXPORT><VERSION_FLUX>4.1</VERSION_FLUX></EXPORT>\n', "root element is <EXPORT>", 2),
    ('<?xml version="1.0"?>\n<FICHES>\n<FICHE><INTITULE>x</INTITULE></FICHE>\n</FICHES>\n', "without a NUMERO_FICHE", 3),
    ('<?xml version="1.0"?>\n<FICHES>\n<VERSION_FLUX>4.1</VERSION_FLUX>\n<FICHE>\n<NUMERO_FICHE>RNCP1</NUMERO_FICHE>\n'
     '<BLOCS_COMPETENCES><BLOC_COMPETENCES><LIBELLE>x</LIBELLE></BLOC_COMPETENCES></BLOCS_COMPETENCES>\n</FICHE>\n</FICHES>\n',
     "BLOC_COMPETENCES without a CODE", 4),
    ('<?xml version="1.0"?>\n<FICHES>\n<VERSION_FLUX>4.1</VERSION_FLUX>\n<FICHE>&amp;\n', "malformed XML: no element found", 5),
])
def test_structure_errors_say_file_and_line(tmp_path, text, complaint, line):
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=complaint) as info:
        list(read_xml_export(path))
    assert info.value.where.startswith(f"{path}:{line}")


def test_a_file_without_version_flux_is_not_an_export(tmp_path):
    path = tmp_path / "export.xml"
    path.write_text('<?xml version="1.0"?>\n<FICHES/>\n', encoding="utf-8")
    with pytest.raises(InputError, match="VERSION_FLUX"):
        list(read_xml_export(path))
