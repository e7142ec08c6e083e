"""`cipt import-rncp`: real samples, a crafted fiche with every trap, bad files, updates in place,
reconciliation with the brochure (issue #6)."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from cipt_graph.i18n import typeset

from cipt_graph.build import build_store
from cipt_graph.errors import CiptError, InputError
from cipt_graph.importers import import_rncp
from cipt_graph.namespaces import CID, CIPT
from cipt_graph.paths import init_workspace, resolve_workspace
from cipt_graph.queries import run_query
from cipt_graph.store import iter_records, select

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rncp"
CRAFTED = FIXTURES / "crafted_traps.xml"
OFFICIAL = FIXTURES / "RNCP38175_crafted.xml"


class NoUtf8FlagZipInfo(zipfile.ZipInfo):
    """A zip entry whose UTF-8 name is stored without the UTF-8 flag, as France Compétences' zips are."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's name)
        return self.filename.encode("utf-8"), self.flag_bits


def zip_without_utf8_flag(files: list[Path], target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.writestr(NoUtf8FlagZipInfo(path.name), path.read_bytes())
    return target


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones too), by relative path: to prove nothing changed."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def records(store, name, **params):
    return list(iter_records(run_query(store, name, params)))


@pytest.fixture
def ws(tmp_path):
    return init_workspace(tmp_path / "ws")


# --- independent readings of the files ---------------------------------------------------------

_ITEM_START = re.compile(r"(?:^|\s{2,})(?:[-*o](?=\s)|C\.\d+\.)")


def blocks_in_file(path: Path) -> dict[str, dict[str, tuple[str, int]]]:
    """fiche → block code → (label, number of items), read with ElementTree by full path; the
    items counted as the markers (``- `` or ``C.n.``) that start the text or follow 2+ spaces."""
    out = {}
    for fiche in ET.parse(path).getroot().iterfind("FICHE"):
        blocks = {}
        for block in fiche.iterfind("BLOCS_COMPETENCES/BLOC_COMPETENCES"):
            text = (block.findtext("LISTE_COMPETENCES") or "").strip()
            blocks[block.findtext("CODE")] = (block.findtext("LIBELLE"), len(_ITEM_START.findall(text)))
        out[fiche.findtext("NUMERO_FICHE")] = blocks
    return out


def imported_blocks(store, number: str) -> dict[str, tuple[str, int]]:
    return {r["official_code"]: (r["block_label"], r["competencies"])
            for r in records(store, "certification_blocks", certification=number)}


# --- real samples (../shared) ------------------------------------------------------------------

def real_xml_samples() -> list[str]:
    folder = Path(__file__).resolve().parents[2] / "shared" / "rncp-samples"
    return sorted(p.name for p in folder.glob("*.xml")) or ["(none)"]


@pytest.mark.parametrize("name", real_xml_samples())
def test_real_xml_sample_matches_the_file(shared_dir, ws, name):
    path = shared_dir / "rncp-samples" / name
    if not path.is_file():
        pytest.skip("no XML sample in ../shared/rncp-samples")
    want = blocks_in_file(path)
    report = import_rncp(path, ws, record=False)
    assert sorted(report.fiches) == sorted(want)
    store = build_store(ws)
    for number, blocks in want.items():
        assert imported_blocks(store, number) == blocks
        assert (ws.root / "rncp" / f"{number}.ttl").is_file()


def test_real_xml_sample_in_its_zip(shared_dir, ws, tmp_path):
    path = next(iter(sorted((shared_dir / "rncp-samples").glob("*.xml"))), None)
    if path is None:
        pytest.skip("no XML sample in ../shared/rncp-samples")
    archive = zip_without_utf8_flag([path], tmp_path / "export_fiches_RNCP_V4_1.zip")
    report = import_rncp(archive, ws, record=False)
    assert report.format == "xml"
    store = build_store(ws)
    for number, blocks in blocks_in_file(path).items():
        assert imported_blocks(store, number) == blocks


def read_csv_dir(folder: Path, part: str) -> list[dict[str, str]]:
    path = next(p for p in folder.glob("*.csv") if part in p.name)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def check_csv_import(folder: Path, ws, tmp_path) -> None:
    """Import a folder of CSV export files zipped as France Compétences does, check against the files."""
    archive = zip_without_utf8_flag(sorted(folder.glob("*.csv")), tmp_path / "export-fiches-csv.zip")
    with zipfile.ZipFile(archive) as check:
        assert not any(i.flag_bits & 0x800 for i in check.infolist()), "the test zip must lack the UTF-8 flag"
    report = import_rncp(archive, ws, record=False)
    standard = read_csv_dir(folder, "_Standard_")
    numbers = [r["Numero_Fiche"] for r in standard]
    assert report.format == "csv"
    assert sorted(report.fiches) == sorted(n for n in numbers if n.startswith("RNCP"))
    assert sorted(report.skipped_not_rncp) == sorted(n for n in numbers if not n.startswith("RNCP"))
    store = build_store(ws)
    blocks = read_csv_dir(folder, "_Blocs_De_Comp")
    for number in report.fiches:
        want = {r["Bloc_Competences_Code"]: (r["Bloc_Competences_Libelle"], 0) for r in blocks if r["Numero_Fiche"] == number}
        assert imported_blocks(store, number) == want
    sirets = {r["Siret_Certificateur"] for r in read_csv_dir(folder, "_Certificateurs_")
              if r["Numero_Fiche"] in report.fiches}
    got = {r["id"] for r in iter_records(select(store, f"SELECT ?id WHERE {{ ?f <{CIPT.certifier}> ?o . "
                                                       f"?o <https://schema.org/identifier> ?id }}"))}
    assert sirets and all(s.startswith("\t") for s in sirets), "the files' SIRETs start with a TAB"
    assert got == {s.strip() for s in sirets}
    rome = {(r["Codes_Rome_Code"], r["Codes_Rome_Libelle"]) for r in read_csv_dir(folder, "_Rome_")
            if r["Numero_Fiche"] in report.fiches}
    labels = {(r["code"], r["label"]) for r in iter_records(select(store, """
        SELECT DISTINCT ?code ?label WHERE { ?f <https://schema.org/occupationalCategory> ?r .
          ?r <https://schema.org/codeValue> ?code ; <http://www.w3.org/2004/02/skos/core#hiddenLabel> ?label }"""))}
    assert labels == {(code, label.replace("''", "'")) for code, label in rome}
    assert any("''" in label for _, label in rome), "a ROME label with doubled apostrophes is exercised"


def test_real_csv_sample_matches_the_files(shared_dir, ws, tmp_path):
    folder = shared_dir / "rncp-samples" / "csv_export-fiches-csv-2024-02-22"
    if not folder.is_dir():
        pytest.skip("no CSV sample in ../shared/rncp-samples")
    check_csv_import(folder, ws, tmp_path)


def test_crafted_csv_export(ws, tmp_path):
    check_csv_import(FIXTURES / "csv", ws, tmp_path)


# --- the crafted fiche: every trap of the format -----------------------------------------------

@pytest.fixture(scope="module")
def crafted_store(tmp_path_factory):
    workspace = init_workspace(tmp_path_factory.mktemp("crafted") / "ws")
    report = import_rncp(CRAFTED, workspace, record=False)
    return report, build_store(workspace)


def expected_crafted() -> dict:
    return json.loads((FIXTURES / "crafted_traps.expected.json").read_text(encoding="utf-8"))["fiches"]


def test_crafted_blocks_and_competencies(crafted_store):
    report, store = crafted_store
    want = expected_crafted()
    assert sorted(report.fiches) == sorted(want)
    for number, fiche in want.items():
        got = imported_blocks(store, number)
        assert got == {code: (b["label"], len(b["competencies"])) for code, b in fiche["blocks"].items()}
        for code, block in fiche["blocks"].items():
            rows = iter_records(select(store, f"""
                SELECT ?label WHERE {{ <{CID[f'rncp/{number}/{code}']}> <{CIPT.listedCompetency}> ?c .
                  ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?label ; <{CIPT.position}> ?n }} ORDER BY ?n"""))
            assert [r["label"] for r in rows] == block["competencies"], (number, code, block["style"])


def test_crafted_ignores_elements_of_the_same_name_elsewhere(crafted_store):
    _, store = crafted_store
    for ignored in expected_crafted()["RNCP90001"]["ignored"]:
        found = select(store, "SELECT ?s ?x WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?s), ?x) || (ISLITERAL(?o) && STR(?o) = ?x)) }",
                       {"x": ox.Literal(ignored)})
        assert len(found) == 0, ignored


def test_crafted_block_code_shared_by_two_fiches_gives_two_blocks(crafted_store):
    _, store = crafted_store
    rows = list(iter_records(select(store, f"""
        SELECT ?fiche ?block WHERE {{ ?fiche <{CIPT.ficheBlock}> ?block . ?block <{CIPT.officialCode}> "BC01" }}""")))
    assert len({r["block"] for r in rows}) == 2 and len({r["fiche"] for r in rows}) == 2


def test_crafted_certification_facts(crafted_store):
    _, store = crafted_store
    for number, want in expected_crafted().items():
        (row,) = iter_records(select(store, f"""
            SELECT ?title ?level ?active ?state ?type ?pub ?decision ?start ?end WHERE {{
              ?f <{CIPT.rncpNumber}> "{number}" ; a <{CIPT.RncpFiche}> ;
                 <http://www.w3.org/2004/02/skos/core#prefLabel> ?title ; <{CIPT.qualificationLevel}> ?level ;
                 <{CIPT.active}> ?active ; <{CIPT.ficheState}> ?state ; <{CIPT.registrationType}> ?type .
              OPTIONAL {{ ?f <{CIPT.registrationDate}> ?pub }} OPTIONAL {{ ?f <{CIPT.decisionDate}> ?decision }}
              OPTIONAL {{ ?f <{CIPT.certificationStartDate}> ?start }} OPTIONAL {{ ?f <{CIPT.registrationEndDate}> ?end }}
            }}"""))
        assert (row["title"], row["level"], row["active"], row["state"], row["type"]) == (
            want["title"], want["level"], want["active"], want["state"], want["registration_type"])
        assert (row["pub"], row["decision"], row["start"], row["end"]) == (
            want.get("registration_date"), want.get("decision_date"), want.get("start_date"), want["end_date"])
        codes = {k: sorted(r["code"] for r in iter_records(select(store, f"""
            SELECT DISTINCT ?code WHERE {{ ?f <{CIPT.rncpNumber}> "{number}" ; <{prop}> ?c . ?c <https://schema.org/codeValue> ?code }}""")))
            for k, prop in (("rome", "https://schema.org/occupationalCategory"), ("nsf", CIPT.nsfCategory))}
        assert codes == {"rome": sorted(want["rome"]), "nsf": sorted(want["nsf"])}


def test_rome_codes_identify_occupations_by_code(crafted_store):
    """An old ROME label in a fiche does not rename the programme's occupation K1423."""
    _, store = crafted_store
    names = {r["name"] for r in iter_records(select(store, f"""
        SELECT ?name WHERE {{ <{CID['rome/K1423']}> <https://schema.org/name> ?name }}"""))}
    assert names == {r["name"] for r in iter_records(select(build_store(), f"""
        SELECT ?name WHERE {{ <{CID['rome/K1423']}> <https://schema.org/name> ?name }}"""))}
    fiches = {r["f"] for r in iter_records(select(store, f"""
        SELECT ?f WHERE {{ ?f <https://schema.org/occupationalCategory> <{CID['rome/K1423']}> ; a <{CIPT.RncpFiche}> }}"""))}
    assert fiches == {str(CID["rncp/RNCP90001"])}


def test_fiche_filter_imports_only_the_fiches_asked_for(ws):
    report = import_rncp(CRAFTED, ws, fiches=["rncp90002"], record=False)
    assert report.fiches == ["RNCP90002"]
    assert sorted(p.name for p in (ws.root / "rncp").iterdir()) == ["RNCP90002.ttl"]


def test_progress_is_reported_while_reading(ws):
    seen = []
    import_rncp(CRAFTED, ws, record=False, progress=lambda done, total, fiches: seen.append((done, total, fiches)))
    assert seen and seen[-1] == (CRAFTED.stat().st_size, CRAFTED.stat().st_size, 2)


# --- bad files: a clear error, and nothing written ---------------------------------------------

@pytest.fixture
def ws_with_import(ws):
    """A workspace that already holds an import (so "unchanged" covers replaced files too)."""
    import_rncp(OFFICIAL, ws, record=False)
    return ws


def test_malformed_xml_says_file_and_line_and_changes_nothing(cli, ws_with_import, tmp_path):
    lines = OFFICIAL.read_text(encoding="utf-8").splitlines(keepends=True)
    broken_line = next(i for i, line in enumerate(lines) if "<CODE>RNCP38175BC06</CODE>" in line)
    lines[broken_line] = lines[broken_line].replace("</CODE>", "</CODDE>")
    bad = tmp_path / "export_fiches_RNCP_V4_1_cassé.xml"
    bad.write_text("".join(lines), encoding="utf-8")
    before = tree(ws_with_import.root)
    result = cli("import-rncp", str(bad), "--data", str(ws_with_import.root))
    assert result.returncode == 2
    assert f"{bad}:{broken_line + 1}:" in result.stderr
    assert typeset("XML mal formé : balise fermante qui ne correspond pas", "fr") in result.stderr, result.stderr
    assert tree(ws_with_import.root) == before


@pytest.mark.parametrize("name, complaint", [("billion_laughs.xml", "DTD"), ("external_entity.xml", "DTD")])
def test_entity_attacks_are_refused(ws_with_import, name, complaint):
    before = tree(ws_with_import.root)
    with pytest.raises(InputError, match=complaint) as info:
        import_rncp(FIXTURES / name, ws_with_import)
    assert info.value.where == f"{FIXTURES / name}:2"
    assert tree(ws_with_import.root) == before


def test_entity_declarations_without_doctype_name_are_refused_too(ws, tmp_path):
    """Expat would expand an internal entity; the guard refuses the declaration itself."""
    path = tmp_path / "entity.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "x">]>\n<FICHES/>\n', encoding="utf-8")
    with pytest.raises(InputError, match="refused"):
        import_rncp(path, ws, record=False)


def test_csv_with_a_wrong_delimiter_is_refused(ws_with_import, tmp_path):
    folder = tmp_path / "comma"
    folder.mkdir()
    for path in (FIXTURES / "csv").glob("*.csv"):
        (folder / path.name).write_bytes(path.read_bytes().replace(b'";"', b'","').replace(b';"', b',"'))
    archive = zip_without_utf8_flag(sorted(folder.glob("*.csv")), tmp_path / "export.zip")
    before = tree(ws_with_import.root)
    with pytest.raises(InputError, match="wrong delimiter ','") as info:
        import_rncp(archive, ws_with_import)
    assert info.value.where.endswith(".csv:1") and "!export_fiches_CSV_" in info.value.where
    assert tree(ws_with_import.root) == before


def test_bad_date_names_the_fiche_and_element(ws, tmp_path):
    path = tmp_path / "bad-date.xml"
    path.write_text(CRAFTED.read_text(encoding="utf-8").replace("23/10/2023", "2023-10-23"), encoding="utf-8")
    with pytest.raises(InputError, match="DATE_DE_PUBLICATION: '2023-10-23' is not a date DD/MM/YYYY") as info:
        import_rncp(path, ws, record=False)
    assert "(RNCP90001)" in info.value.where
    assert not (ws.root / "rncp").exists()


def test_unknown_fiche_is_an_error_and_writes_nothing(ws):
    before = tree(ws.root)
    with pytest.raises(InputError, match="RNCP12345"):
        import_rncp(CRAFTED, ws, fiches=["RNCP90001", "RNCP12345"])
    assert tree(ws.root) == before


def test_import_needs_a_workspace(cli, tmp_path):
    result = cli("import-rncp", str(CRAFTED), cwd=tmp_path)
    assert result.returncode == 2
    assert "cipt init" in result.stderr
    with pytest.raises(CiptError, match="cipt init"):
        import_rncp(CRAFTED, resolve_workspace(None))


# --- updates in place, versions, reconciliation ------------------------------------------------

def test_cli_import_records_a_version_and_reports(cli, ws):
    result = cli("import-rncp", str(OFFICIAL), "--data", str(ws.root), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["fiches"] == ["RNCP38175"] and report["written"] == ["rncp/RNCP38175.ttl", "rncp/reconciliation.ttl"]
    versions = json.loads(cli("versions", "--data", str(ws.root), "--format", "json").stdout)
    assert versions[-1]["kind"] == "rncp-import" and versions[-1]["id"] == report["version"]
    assert versions[-1]["source"] == OFFICIAL.name


def test_cli_text_report_lists_the_reconciliation(cli, ws):
    want = json.loads((FIXTURES / "RNCP38175_crafted.expected.json").read_text(encoding="utf-8"))
    result = cli("import-rncp", str(OFFICIAL), "--fiche", "RNCP38175", "--data", str(ws.root))
    assert result.returncode == 0, result.stderr
    for block, official in want["matched"].items():
        assert f"= {block} ↔ {official}" in result.stdout
    for block in want["unmatched_brochure"]:
        assert f"? {block} " in result.stdout
    for competency in want["competencies_differing"]:
        assert f"~ {competency} " in result.stdout


def newer_export(tmp_path: Path) -> Path:
    """The crafted RNCP38175 fiche, as a later export: the brochure's BC06 heading now official,
    one competency of BC01 dropped."""
    text = OFFICIAL.read_text(encoding="utf-8")
    text = text.replace("Contribuer à l’élaboration et à l’évaluation des politiques publiques",
                        "Contribuer à la prise de décision, mettre en place et évaluer des actions publiques")
    text = text.replace("    - Se servir de façon autonome des outils numériques avancés pour un ou plusieurs "
                        "métiers ou secteurs de recherche du domaine", "")
    path = tmp_path / "export_fiches_RNCP_V4_1_2025-06-30.xml"
    path.write_text(text, encoding="utf-8")
    return path


def block_statuses(store) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in iter_records(select(store, f"""
        SELECT ?code ?status WHERE {{ ?b a <{CIPT.CompetencyBlock}> ;
          <http://www.w3.org/2004/02/skos/core#notation> ?code ; <{CIPT.dataStatus}> ?status }}""")):
        out.setdefault(r["code"], []).append(r["status"].rsplit("#", 1)[-1])
    return out


def test_reconciliation_of_the_programme_certification(ws):
    want = json.loads((FIXTURES / "RNCP38175_crafted.expected.json").read_text(encoding="utf-8"))
    report = import_rncp(OFFICIAL, ws, record=False)
    rec = report.reconciliation
    assert {m["block"]: m["official_code"] for m in rec.matched} == want["matched"]
    assert [m["block"] for m in rec.unmatched_brochure] == want["unmatched_brochure"]
    assert [m["official_code"] for m in rec.unmatched_official] == want["unmatched_official"]
    assert [d["competency"] for d in rec.competencies_differing] == want["competencies_differing"]
    assert [d["label"] for d in rec.competencies_only_official] == want["competencies_only_official"]
    assert [d["competency"] for d in rec.competencies_only_brochure] == want["competencies_only_brochure"]
    store = build_store(ws)
    statuses = block_statuses(store)
    assert all(len(s) == 1 for s in statuses.values()), f"a block has two statuses: {statuses}"
    assert {code for code, s in statuses.items() if s == ["Official"]} == set(want["matched"])
    assert {code for code, s in statuses.items() if s == ["Inferred"]} == set(want["unmatched_brochure"])
    codes = {r["code"]: r["official"] for r in iter_records(select(store, f"""
        SELECT ?code ?official WHERE {{ ?b a <{CIPT.CompetencyBlock}> ;
          <http://www.w3.org/2004/02/skos/core#notation> ?code ; <{CIPT.officialCode}> ?official }}"""))}
    assert codes == want["matched"]
    rows = records(store, "certification_blocks", certification="RNCP38175")
    assert {r["official_code"]: r["block_code"] for r in rows} == {
        **{o: b for b, o in want["matched"].items()}, **{o: None for o in want["unmatched_official"]}}


def test_fast_loader_applies_the_same_status_rule(ws):
    from cipt_graph.load import workspace_dataset
    from cipt_graph.store import OxigraphStore

    import_rncp(OFFICIAL, ws, record=False)
    fast = OxigraphStore()
    fast._store = workspace_dataset(ws)  # the dataset `cipt load` hands to a store
    assert block_statuses(fast) == block_statuses(build_store(ws))


def test_reimporting_a_newer_export_updates_in_place(ws, tmp_path):
    import_rncp(OFFICIAL, ws)
    first = build_store(ws)
    before = imported_blocks(first, "RNCP38175")
    report = import_rncp(newer_export(tmp_path), ws)
    assert report.replaced == ["RNCP38175"]
    assert sorted(p.name for p in (ws.root / "rncp").iterdir()) == ["RNCP38175.ttl", "reconciliation.ttl"]
    store = build_store(ws)
    after = imported_blocks(store, "RNCP38175")
    assert after["RNCP38175BC01"][1] == before["RNCP38175BC01"][1] - 1
    assert after["RNCP38175BC05"][0] != before["RNCP38175BC05"][0]
    gone = select(store, f"SELECT * WHERE {{ <{CID['rncp/RNCP38175/RNCP38175BC01/C2']}> ?p ?o }}")
    assert len(gone) == 0, "the dropped competency's triples are gone"
    assert [m["block"] for m in report.reconciliation.unmatched_brochure] == []
    assert all(s == ["Official"] for s in block_statuses(store).values())
    from cipt_graph.versions import list_versions

    assert [v.kind for v in list_versions(ws)] == ["baseline", "rncp-import", "rncp-import"]


def test_imported_fiches_are_not_under_the_programme_rules(tmp_path):
    """Imported national fiches are records, not the programme's referential: the shapes (the
    accreditation rules included) find nothing in them. Validated apart from the programme data,
    so that any finding could only be about the import."""
    from rdflib import Graph

    from cipt_graph.build import parse_turtle
    from cipt_graph.paths import ONTOLOGY_FILE
    from cipt_graph.validate import validate_graph

    workspace = init_workspace(tmp_path / "ws")
    import_rncp(CRAFTED, workspace, record=False)
    import_rncp(OFFICIAL, workspace, record=False)
    data = Graph()
    data += parse_turtle(ONTOLOGY_FILE)
    for path in sorted((workspace.root / "rncp").glob("RNCP*.ttl")):
        data += parse_turtle(path)
    assert len(data) > 500
    assert validate_graph(data).findings == []


def test_staging_folder_is_cleaned_up(ws):
    import_rncp(CRAFTED, ws, record=False)
    with pytest.raises(InputError):
        import_rncp(FIXTURES / "billion_laughs.xml", ws, record=False)
    assert not [p for p in ws.root.iterdir() if p.name.startswith(".rncp-import-")]


def test_regression_rncp_files_switch_in_one_step(ws):
    """Issue #8: every fiche file of an import appears at once: `rncp` is a link to one
    generation folder, replaced atomically; the previous generation is removed."""
    import_rncp(CRAFTED, ws, record=False)
    first = (ws.root / "rncp").resolve()
    names_before = sorted(p.name for p in (ws.root / "rncp").iterdir())
    import_rncp(OFFICIAL, ws, record=False)
    link = ws.root / "rncp"
    assert link.is_symlink() and link.resolve() != first and not first.exists()
    names_after = sorted(p.name for p in link.iterdir())
    assert set(names_before) < set(names_after)
    generations = [p for p in ws.root.iterdir() if p.name.startswith(".rncp-")]
    assert generations == [link.resolve()]
