"""Property tests on the importers: hostile or broken input gives InputError, never a crash (issue #8).

The mapping CSV reader (``cipt_graph/mapping.py``), the matrix workbook reader
(``cipt_graph/spreadsheet``), the RNCP XML reader and its competency-list splitter
(``cipt_graph/importers``) get generated input — valid rows mixed with garbage, cells overwritten
with arbitrary values, XML cut or corrupted anywhere — with a fixed seed and bounded examples.
Whatever they get, they either read it correctly or raise :class:`InputError` saying where.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cipt_graph.errors import InputError
from cipt_graph.importers.competencies import split_competencies
from cipt_graph.importers.rncp_xml import read_xml_export
from cipt_graph.mapping import LINK_KINDS, Vocabulary, columns_of, mapping_triples
from cipt_graph.namespaces import CIPT

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rncp"
BOUNDED = settings(max_examples=40, derandomize=True, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck))
KIND = next(k for k in LINK_KINDS if k.file_name == "module_competency.csv")


@pytest.fixture(scope="module")
def vocabulary(data_dir):
    from rdflib import Graph

    from cipt_graph.build import parse_turtle

    graph = Graph()
    for path in sorted(data_dir.glob("*.ttl")):
        graph += parse_turtle(path)
    return Vocabulary.from_graph(graph)


# --- the mapping CSV reader --------------------------------------------------------------------

def mapping_rows(vocab: Vocabulary):
    """Rows that are valid, or valid with one field replaced by arbitrary text."""
    valid = st.fixed_dictionaries({
        "module": st.sampled_from(sorted(vocab.modules)),
        "competency": st.sampled_from(sorted(vocab.targets[CIPT.Competency])),
        "level": st.sampled_from(["I", "R", "M", "i", "Maîtrise"]),
        "hours": st.one_of(st.just(""), st.integers(0, 60).map(str), st.just("2,5")),
        "status": st.sampled_from(["proposed", "validated", "validé"]),
        "asserted_by": st.just("Fuzz"),
        "asserted_on": st.just("2025-01-31"),
        "rationale": st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(str.strip),
    })
    broken = st.tuples(valid, st.sampled_from(columns_of(KIND)), st.text(max_size=20)).map(
        lambda t: {**t[0], t[1]: t[2]})
    return st.one_of(valid, broken)


@given(data=st.data())
@BOUNDED
def test_mapping_reader_reads_valid_rows_and_refuses_the_rest(tmp_path_factory, vocabulary, data):
    rows = data.draw(st.lists(mapping_rows(vocabulary), max_size=8))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns_of(KIND), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("csv") / KIND.file_name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    keys = [(r["module"].strip(), r["competency"].strip()) for r in rows]
    try:
        triples = mapping_triples(path, KIND, vocabulary)
    except InputError as exc:
        assert str(path) in str(exc) and "line" in exc.message
        return
    # Accepted: one coverage node per row, no duplicates, each with a known level.
    assert len(set(keys)) == len(keys)
    nodes = {s for s, p, o in triples if o == KIND.node_class}
    assert len(nodes) == len(rows)
    assert {o for s, p, o in triples if p == CIPT.level} <= set(vocabulary.levels.values())


@given(raw=st.binary(max_size=400))
@BOUNDED
def test_mapping_reader_on_arbitrary_bytes(tmp_path_factory, vocabulary, raw):
    path = tmp_path_factory.mktemp("csv") / KIND.file_name
    head = ",".join(columns_of(KIND)).encode() + b"\n"
    path.write_bytes(head + raw)
    try:
        mapping_triples(path, KIND, vocabulary)
    except InputError as exc:
        assert exc.where == str(path)


# --- the matrix workbook reader ----------------------------------------------------------------

@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    from cipt_graph.paths import init_workspace
    from cipt_graph.spreadsheet import MatrixModel, write_matrix_xlsx

    workspace = init_workspace(tmp_path_factory.mktemp("matrix") / "ws")
    model = MatrixModel.from_workspace(workspace)
    return workspace, model, write_matrix_xlsx(model)


CELL_VALUES = st.one_of(
    st.none(), st.sampled_from(["I", "R", "M", "X", "", " ", "=1+1", "=HYPERLINK(\"http://x\")", "validé", "M01"]),
    st.text(max_size=30), st.integers(-5, 10**6), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
)


@given(edits=st.lists(st.tuples(st.sampled_from(["Matrice", "Justifications", "_cipt", "Niveaux"]),
                                st.integers(1, 40), st.integers(1, 25), CELL_VALUES), min_size=1, max_size=6))
@settings(max_examples=20, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_matrix_reader_on_edited_cells(tmp_path_factory, matrix, edits):
    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    from cipt_graph.spreadsheet import MatrixError, read_matrix

    _, model, data = matrix
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for sheet, row, column, value in edits:
        cell = workbook[sheet].cell(row, column)
        if type(cell).__name__ == "MergedCell":
            continue
        try:
            cell.value = value
        except (ValueError, TypeError, IllegalCharacterError):  # openpyxl refuses some values itself
            assume(False)
    path = tmp_path_factory.mktemp("xlsx") / "matrice.xlsx"
    workbook.save(path)
    try:
        edit = read_matrix(path, model)
    except MatrixError as exc:
        assert exc.errors and all(e.sheet for e in exc.errors)
        return
    except InputError as exc:
        assert exc.where == str(path)
        return
    modules = {m.code for m in model.modules}
    competencies = {c.code for c in model.competencies}
    for (module, competency), link in edit.links.items():
        assert module in modules and competency in competencies
        assert model.level_of(link.level) == link.level


@given(raw=st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b)))
@BOUNDED
def test_matrix_reader_on_arbitrary_bytes(tmp_path_factory, matrix, raw):
    from cipt_graph.spreadsheet import read_matrix

    path = tmp_path_factory.mktemp("xlsx") / "matrice.xlsx"
    path.write_bytes(raw)
    with pytest.raises(InputError):
        read_matrix(path, matrix[1])


# --- the RNCP XML reader and the competency splitter --------------------------------------------

CRAFTED = (FIXTURES / "RNCP38175_crafted.xml").read_bytes()


@given(cut=st.integers(0, len(CRAFTED)), flip=st.one_of(st.none(), st.tuples(st.integers(0, len(CRAFTED) - 1),
                                                                             st.integers(0, 255))))
@BOUNDED
def test_rncp_reader_on_cut_or_corrupted_exports(tmp_path_factory, cut, flip):
    data = bytearray(CRAFTED[:cut] if flip is None else CRAFTED)
    if flip is not None:
        data[flip[0]] = flip[1]
    path = tmp_path_factory.mktemp("rncp") / "export.xml"
    path.write_bytes(bytes(data))
    try:
        fiches = list(read_xml_export(path))
    except InputError as exc:
        assert exc.where and exc.where.startswith(str(path))
        return
    assert flip is not None or cut == len(CRAFTED), "a cut export was read as complete"
    assert all(f.number for f in fiches)


FIELD_TEXT = st.one_of(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="<&\x00"), max_size=30),
                       st.sampled_from(["2025-01-31", "31/01/2025", "Oui", "Non", "NIV7", "7", "", "RNCP38175"]))


@given(fields=st.fixed_dictionaries({name: FIELD_TEXT for name in (
    "NUMERO_FICHE", "INTITULE", "ACTIF", "DATE_DE_PUBLICATION", "DATE_EFFET", "NIVEAU", "CODE", "LISTE")}))
@BOUNDED
def test_rncp_reader_on_generated_fiches(tmp_path_factory, fields):
    from xml.sax.saxutils import escape

    f = {k: escape(v) for k, v in fields.items()}
    xml = (f"<?xml version='1.0' encoding='UTF-8'?><FICHES><VERSION_FLUX>V4.1</VERSION_FLUX><FICHE>"
           f"<NUMERO_FICHE>{f['NUMERO_FICHE']}</NUMERO_FICHE><INTITULE>{f['INTITULE']}</INTITULE>"
           f"<ACTIF>{f['ACTIF']}</ACTIF><DATE_DE_PUBLICATION>{f['DATE_DE_PUBLICATION']}</DATE_DE_PUBLICATION>"
           f"<DATE_EFFET>{f['DATE_EFFET']}</DATE_EFFET><NOMENCLATURE_EUROPE><NIVEAU>{f['NIVEAU']}</NIVEAU>"
           f"</NOMENCLATURE_EUROPE><BLOCS_COMPETENCES><BLOC_COMPETENCES><CODE>{f['CODE']}</CODE>"
           f"<LIBELLE>x</LIBELLE><LISTE_COMPETENCES>{f['LISTE']}</LISTE_COMPETENCES></BLOC_COMPETENCES>"
           f"</BLOCS_COMPETENCES></FICHE></FICHES>")
    path = tmp_path_factory.mktemp("rncp") / "export.xml"
    path.write_text(xml, encoding="utf-8")
    try:
        fiches = list(read_xml_export(path))
    except InputError as exc:
        assert exc.where
        return
    assert [fiche.number for fiche in fiches] == [fields["NUMERO_FICHE"].strip()]


WORDS = st.lists(st.from_regex(r"[A-Za-zéèàç]{2,12}", fullmatch=True), min_size=1, max_size=5).map(" ".join)


@given(raw=st.text(max_size=200))
@BOUNDED
def test_splitter_items_are_clean(raw):
    for item in split_competencies(raw):
        assert item and item == item.strip() and "  " not in item


@given(items=st.lists(WORDS, min_size=1, max_size=6), gap=st.integers(4, 10))
@BOUNDED
def test_splitter_unmarked_items_cut_at_line_breaks(items, gap):
    assume(all(not re.match(r"o\s", item) for item in items))
    assert split_competencies((" " * gap).join(items)) == items


@given(items=st.lists(WORDS, min_size=1, max_size=6), bullet=st.sampled_from(["-", "*", "•", "–"]),
       gap=st.integers(2, 10))
@BOUNDED
def test_splitter_bulleted_items(items, bullet, gap):
    assert split_competencies((" " * gap).join(f"{bullet} {item}" for item in items)) == items
