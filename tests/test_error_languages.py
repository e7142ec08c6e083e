"""The library's refusals of bad input reach the user in the chosen language (issue #15): French by
default, English with ``--lang en``, through the real ``cipt`` command (a subprocess), the place
(file:line, zip member, column, setting) named the same in both.

One case per kind of bad input reaching each module: the RNCP importers (a hostile or broken XML
export, a broken CSV export, the import limits and their settings), the workspace's files (a FIFO,
a dangling link, no Turtle file, a broken mapping header), the versions (a locked workspace, a
damaged index, a corrupt snapshot), the accounts (a bad name, a damaged accounts file) and the
CASE export (no certification to export).
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
from pathlib import Path

import pytest

from cipt_graph.i18n import typeset
from cipt_graph.paths import init_workspace
from cipt_graph.versions.pack import PackWriter, read_pack_index
from rncp_gen import csv_export, fiche_xml, write_zip, xml_export

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rncp"
#: The French messages are written here as people type them; the command line prints them in
#: French typography (a no-break space before « : », a narrow one before « ; », inside « … »).
HEAD = {"fr": typeset("cipt: erreur : ", "fr"), "en": "cipt: error: "}


def _xml(root: Path, name: str, text: str) -> str:
    path = root / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _fiche(extra: str = "", number: str = "RNCP5") -> str:
    return (f"<FICHE><NUMERO_FICHE>{number}</NUMERO_FICHE><INTITULE>T</INTITULE>{extra}"
            "<BLOCS_COMPETENCES><BLOC_COMPETENCES><CODE>RNCP5BC01</CODE><LIBELLE>B</LIBELLE>"
            "</BLOC_COMPETENCES></BLOCS_COMPETENCES></FICHE>\n")


def _export(root: Path, name: str, *fiches: str) -> str:
    return _xml(root, name, xml_export(list(fiches)).decode())


def _csv_zip(root: Path, name: str, standard: bytes) -> str:
    """A CSV export zip whose standard file is ``standard`` (the blocks file empty but valid)."""
    blocks = b'"Numero_Fiche";"Bloc_Competences_Code";"Bloc_Competences_Libelle"\r\n'
    return str(write_zip(root / name, {"export_fiches_CSV_Standard_2024.csv": standard,
                                       "export_fiches_CSV_Blocs_De_Compétences_2024.csv": blocks}))


def _import(path: str, ws: Path, *more: str) -> list[str]:
    return ["import-rncp", path, "--data", str(ws), *more]


# Each case: (argv, extra environment, French text, English text), built in a fresh folder.
def _cases(root: Path, ws: Path) -> dict[str, tuple[list[str], dict, str, str]]:
    good = _export(root, "good.xml", _fiche())
    return {
        "xml_root": (_import(_xml(root, "root.xml", '<?xml version="1.0"?>\n<EXPORT/>\n'), ws), {},
                     "root.xml:2: ce n'est pas un export XML du RNCP : l'élément racine est <EXPORT>, <FICHES> attendu",
                     "root.xml:2: not an RNCP XML export: the root element is <EXPORT>, expected <FICHES>"),
        "xml_dtd": (_import(str(FIXTURES / "billion_laughs.xml"), ws), {},
                    "refusé : le fichier déclare une DTD (<!DOCTYPE …>) ; un export du RNCP n'en a pas",
                    "refused: the file declares a DTD (<!DOCTYPE …>); an RNCP export has none"),
        "xml_malformed": (_import(_xml(root, "bad.xml", '<?xml version="1.0"?>\n<FICHES>\n<FICHE></FICHES>\n'), ws),
                          {}, "bad.xml:3:9: XML mal formé : balise fermante qui ne correspond pas",
                          "bad.xml:3:9: malformed XML: mismatched tag"),
        "xml_no_number": (_import(_export(root, "nonum.xml", "<FICHE><INTITULE>x</INTITULE></FICHE>\n"), ws), {},
                          "nonum.xml:4: <FICHE> sans NUMERO_FICHE", "nonum.xml:4: <FICHE> without a NUMERO_FICHE"),
        "xml_block_twice": (_import(_export(root, "twice.xml", fiche_xml("RNCP5", blocks=[
            ("RNCP5BC01", "B", "", ""), ("RNCP5BC01", "C", "", "")])), ws), {},
            "(RNCP5): le bloc RNCP5BC01 figure deux fois dans la fiche",
            "(RNCP5): block RNCP5BC01 appears twice in the fiche"),
        "xml_no_code": (_import(_export(root, "nocode.xml", fiche_xml("RNCP5", raw_blocks=(
            "<BLOC_COMPETENCES><LIBELLE>x</LIBELLE></BLOC_COMPETENCES>"))), ws), {},
            "BLOCS_COMPETENCES/BLOC_COMPETENCES sans CODE", "BLOCS_COMPETENCES/BLOC_COMPETENCES without a CODE"),
        "xml_date": (_import(_export(root, "date.xml", _fiche("<DATE_DE_PUBLICATION>2023-10-23</DATE_DE_PUBLICATION>")),
                             ws), {}, "DATE_DE_PUBLICATION : '2023-10-23' n'est pas une date JJ/MM/AAAA",
                     "DATE_DE_PUBLICATION: '2023-10-23' is not a date DD/MM/YYYY"),
        "xml_flag": (_import(_export(root, "flag.xml", _fiche("<ACTIF>Peut-être</ACTIF>")), ws), {},
                     "ACTIF : 'Peut-être' n'est ni Oui ni Non", "ACTIF: 'Peut-être' is neither Oui nor Non"),
        "xml_level": (_import(_export(root, "level.xml", _fiche(
            "<NOMENCLATURE_EUROPE><NIVEAU>NIV9</NIVEAU></NOMENCLATURE_EUROPE>")), ws), {},
            "NOMENCLATURE_EUROPE/NIVEAU : 'NIV9' n'est pas un niveau NIV1…NIV8",
            "NOMENCLATURE_EUROPE/NIVEAU: 'NIV9' is not a level NIV1…NIV8"),
        "xml_no_version": (_import(_xml(root, "nover.xml", "<FICHES>" + _fiche() + "</FICHES>"), ws), {},
                           "ce n'est pas un export XML du RNCP : pas de <VERSION_FLUX> sous <FICHES>",
                           "not an RNCP XML export: no <VERSION_FLUX> under <FICHES>"),
        "limit_depth": (_import(_export(root, "deep.xml", _fiche("<A><B><C><D>x</D></C></B></A>")), ws),
                        {"CIPT_RNCP_MAX_XML_DEPTH": "4"},
                        "refusé : éléments imbriqués sur plus de 4 niveaux (<C>) (limite d'import max_xml_depth = 4)",
                        "refused: elements nested more than 4 deep (<C>) (import limit max_xml_depth = 4)"),
        "limit_fiches": (_import(_export(root, "many.xml", *(_fiche(number=f"RNCP{n}") for n in (5, 6, 7))), ws),
                         {"CIPT_RNCP_MAX_FICHES": "2"}, "refusé : plus de 2 fiches dans l'export",
                         "refused: more than 2 fiches in the export"),
        "limit_field": (_import(_export(root, "long.xml", fiche_xml("RNCP5", "x" * 1500)), ws),
                        {"CIPT_RNCP_MAX_FIELD_CHARS": "1000"},  # (French writes 1 000 with a narrow no-break space)
                        "refusé : <INTITULE> (INTITULE) contient plus de 1\u202f000 caractères (limite d'import "
                        "max_field_chars = 1000)",
                        "refused: <INTITULE> (INTITULE) holds more than 1000 characters (import limit "
                        "max_field_chars = 1000)"),
        "limit_bytes": (_import(good, ws), {"CIPT_RNCP_MAX_BYTES": "10"},
                        f"good.xml: refusé : le fichier fait {os.path.getsize(good)} octets (limite d'import max_bytes",
                        f"good.xml: refused: the file holds {os.path.getsize(good)} bytes (import limit max_bytes"),
        "limit_setting": (_import(good, ws), {"CIPT_RNCP_MAX_FICHES": "beaucoup"},
                          "CIPT_RNCP_MAX_FICHES: CIPT_RNCP_MAX_FICHES doit être un entier positif, pas 'beaucoup'",
                          "CIPT_RNCP_MAX_FICHES: CIPT_RNCP_MAX_FICHES must be a positive integer, not 'beaucoup'"),
        "limit_members": (_import(str(write_zip(root / "members.zip", {f"f{i}.xml": b"<FICHES/>" for i in range(3)})),
                                  ws), {"CIPT_RNCP_MAX_ZIP_MEMBERS": "2"},
                          "members.zip: refusé : le zip contient 3 fichiers (limite d'import max_zip_members = 2)",
                          "members.zip: refused: the zip holds 3 members (import limit max_zip_members = 2)"),
        "zip_no_xml": (_import(str(write_zip(root / "text.zip", {"lisez-moi.txt": b"x"})), ws), {},
                       "text.zip: le zip ne contient aucun fichier .xml (est-ce l'export CSV ?)",
                       "text.zip: the zip holds no .xml file (is it the CSV export?)"),
        "one_csv": (_import(_xml(root, "fiches.csv", "a;b\n"), ws), {},
                    "fiches.csv: un seul fichier CSV n'est pas un export : donnez le zip de l'export CSV",
                    "fiches.csv: one CSV file is not an export: give the CSV export's zip"),
        "missing_file": (_import(str(root / "absent.xml"), ws), {}, "absent.xml: fichier introuvable",
                         "absent.xml: no such file"),
        "fiche_absent": (_import(good, ws, "--fiche", "RNCP404"), {}, "good.xml: fiche absente de l'export : RNCP404",
                         "good.xml: fiche not in the export: RNCP404"),
        "no_rncp_fiche": (_import(_export(root, "rs.xml", _fiche(number="RS5")), ws), {},
                          "rs.xml: aucune fiche RNCP dans l'export", "rs.xml: no RNCP fiche in the export"),
        "csv_delimiter": (_import(_csv_zip(root, "comma.zip", b'"Numero_Fiche","Intitule"\r\n'), ws), {},
                          "Standard_2024.csv:1: mauvais séparateur ',', ';' attendu entre les colonnes de l'en-tête",
                          "Standard_2024.csv:1: wrong delimiter ',', expected ';' between the columns of the header"),
        "csv_columns": (_import(_csv_zip(root, "cols.zip", b'"Numero_Fiche";"Intitule"\r\n'), ws), {},
                        "Standard_2024.csv:1: colonnes manquantes : Nomenclature_Europe_Niveau, Actif",
                        "Standard_2024.csv:1: missing column(s) Nomenclature_Europe_Niveau, Actif"),
        "csv_fields": (_import(_csv_zip(root, "fields.zip", (
            ";".join(f'"{c}"' for c in _standard_columns()) + '\r\n"1";"RNCP5"\r\n').encode()), ws), {},
            "Standard_2024.csv:2: 2 champs, l'en-tête en a 16", "Standard_2024.csv:2: 2 fields, the header has 16"),
        "csv_utf8": (_import(_csv_zip(root, "latin.zip", ";".join(f'"{c}"' for c in _standard_columns()).encode()
                                      + b'\r\n"1";"RNCP5";"Dipl\xf4me"\r\n'), ws), {},
                     "Standard_2024.csv: ce n'est pas du texte UTF-8 : octet 0xf4 invalide",
                     "Standard_2024.csv: not UTF-8 text: invalid continuation byte"),
    }


def _standard_columns() -> list[str]:
    from rncp_gen import CSV_HEADERS

    return CSV_HEADERS["Standard"]


def _check(done_fr, done_en, french: str, english: str) -> None:
    assert done_fr.returncode == done_en.returncode == 2, (done_fr.stderr, done_en.stderr)
    assert done_fr.stderr.startswith(HEAD["fr"]) and done_en.stderr.startswith(HEAD["en"]), (done_fr.stderr,
                                                                                              done_en.stderr)
    french = typeset(french, "fr")
    assert french in done_fr.stderr and english not in done_fr.stderr, done_fr.stderr
    assert english in done_en.stderr and french not in done_en.stderr, done_en.stderr
    assert "Traceback" not in done_fr.stderr + done_en.stderr


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-inputs")
    return _cases(root, init_workspace(root / "ws").root)


CASES = ["xml_root", "xml_dtd", "xml_malformed", "xml_no_number", "xml_block_twice", "xml_no_code", "xml_date",
         "xml_flag", "xml_level", "xml_no_version", "limit_depth", "limit_fiches", "limit_field", "limit_bytes",
         "limit_setting", "limit_members", "zip_no_xml", "one_csv", "missing_file", "fiche_absent", "no_rncp_fiche",
         "csv_delimiter", "csv_columns", "csv_fields", "csv_utf8"]


def test_every_case_is_run(cases):
    assert sorted(cases) == sorted(CASES)


@pytest.mark.parametrize("case", CASES)
def test_rncp_import_refusals_follow_the_language(cli, cases, case):
    """Each refusal of an RNCP export: French by default (whatever LANG says: C), English with --lang en."""
    argv, env, french, english = cases[case]
    _check(cli(*argv, env=env), cli("--lang", "en", *argv, env=env), french, english)


# --- the workspace's files, its versions, its accounts, the CASE export ------------------------------

def _spoil(ws: Path, case: str, root: Path) -> tuple[list[str], dict, str, str]:
    """Damage a fresh workspace ``ws`` for ``case``; the command that meets it and both texts."""
    data = ["--data", str(ws)]
    if case == "fifo":
        os.mkfifo(ws / "extra.ttl")
        return (["stats", *data], {},
                "extra.ttl: refusé : un tube nommé (FIFO), pas un fichier de données (il n'est pas lu) ; "
                "supprimez-le ou renommez-le",
                "extra.ttl: refused: a FIFO (named pipe), not a data file (it is not read); remove it or rename it")
    if case == "dangling_link":
        (ws / "gone.ttl").symlink_to("nowhere.ttl")
        return (["stats", *data], {}, "gone.ttl: refusé : un lien symbolique vers rien ; supprimez-le",
                "gone.ttl: refused: a symbolic link to nothing; remove it")
    if case == "no_turtle":
        for path in ws.glob("*.ttl"):
            path.unlink()
        return (["stats", *data], {}, f"{ws}: aucun fichier de données Turtle (*.ttl) dans l'espace de travail",
                f"{ws}: no Turtle data files (*.ttl) in the workspace")
    if case == "mapping_header":
        (ws / "mapping" / "module_competency.csv").write_text("module,competency,niveau\n", encoding="utf-8")
        return (["validate", *data], {},
                "module_competency.csv: ligne 1 : l'en-tête doit être module,competency,level,hours,status,"
                "asserted_by,asserted_on,rationale ; manquent level, hours, status, asserted_by, asserted_on, "
                "rationale ; en trop : 'niveau'",
                "module_competency.csv: line 1: header must be module,competency,level,hours,status,asserted_by,"
                "asserted_on,rationale; missing level, hours, status, asserted_by, asserted_on, rationale; "
                "unexpected 'niveau'")
    if case == "version_index":
        (ws / "versions").mkdir()
        (ws / "versions" / "index.json").write_text("{", encoding="utf-8")
        return (["versions", *data], {}, "index.json: index des versions mal formé : JSON invalide ligne 1, colonne 2",
                "index.json: malformed version index: Expecting property name")
    if case == "corrupt_snapshot":
        good = _export(root, "good.xml", _fiche())
        done = _run_ok(["import-rncp", good, *data])
        assert done.returncode == 0, done.stderr
        pack = ws / "versions" / "packs" / "v1.pack"  # every graph of v1 replaced by another one
        writer = PackWriter(pack, "v1")
        for sha in read_pack_index(pack):
            writer.add_member(sha, gzip.compress(b"<urn:a> <urn:b> <urn:c> .\n"))
        writer.commit()
        return (["diff", "v1", "current", *data], {},
                "pour la version v1 corrompu (empreinte différente)", "for version v1 is corrupt (hash mismatch)")
    if case == "truncated_snapshot":
        good = _export(root, "good.xml", _fiche())
        assert _run_ok(["import-rncp", good, *data]).returncode == 0
        pack = ws / "versions" / "packs" / "v1.pack"  # the largest graph of v1 cut short
        offset, length = max(read_pack_index(pack).values(), key=lambda place: place[1])
        raw = bytearray(pack.read_bytes())
        raw[offset + 20:offset + length] = bytes(length - 20)
        pack.write_bytes(bytes(raw))
        return (["diff", "v1", "current", *data], {},
                "pour la version v1 illisible : fichier gzip tronqué ou endommagé", "for version v1 unreadable: ")
    if case == "bad_username":
        return (["users", "add", "marie dupont", "--password-stdin", *data], {},
                "erreur : un nom d'utilisateur a de 1 à 64 lettres, chiffres ou . _ @ -",
                "error: a username has 1 to 64 letters, digits or . _ @ -")
    if case == "accounts_json":
        (ws / "accounts.json").write_text('{"accounts": [', encoding="utf-8")
        return (["users", "list", *data], {},
                "accounts.json: le fichier des comptes n'est pas valide (JSON invalide ligne 1, colonne 15) ; "
                "corrigez-le ou supprimez-le",
                "accounts.json: the accounts file is not valid (Expecting value: line 1 column 15 (char 14)); "
                "fix or remove it")
    if case == "accounts_role":
        (ws / "accounts.json").write_text(json.dumps({"accounts": [
            {"username": "marie", "role": "chef", "display_name": "Marie"}]}), encoding="utf-8")
        return (["users", "list", *data], {},
                "le fichier des comptes n'est pas valide (rôle inconnu « chef » : choisissez parmi reader (lecteur)",
                "the accounts file is not valid (unknown role 'chef': choose one of")
    if case == "case_no_certification":  # no programme at all (and so no link to check)
        (ws / "programme.ttl").unlink()
        for path in (ws / "mapping").glob("*.csv"):
            path.unlink()
        return (["export-case", *data, "--out", str(root / "case.json")], {},
                "l'entrepôt ne contient aucun programme rattaché à une certification à exporter",
                "the store holds no programme with a certification to export")
    raise AssertionError(case)


def _run_ok(argv: list[str]):
    from conftest import run_cli

    return run_cli(*argv)


WORKSPACE_CASES = ["fifo", "dangling_link", "no_turtle", "mapping_header", "version_index", "corrupt_snapshot",
                   "truncated_snapshot", "bad_username", "accounts_json", "accounts_role", "case_no_certification"]


@pytest.mark.parametrize("case", WORKSPACE_CASES)
def test_workspace_refusals_follow_the_language(cli, tmp_path, case):
    ws = init_workspace(tmp_path / "ws").root
    argv, env, french, english = _spoil(ws, case, tmp_path)
    stdin = "un-mot-de-passe-long\n" if case == "bad_username" else None
    _check(cli(*argv, env=env, input=stdin), cli("--lang", "en", *argv, env=env, input=stdin), french, english)


def test_a_locked_workspace_is_refused_in_the_language(cli, tmp_path):
    """Another import holds the workspace's lock: told to retry, in French, then in English; nothing written."""
    ws = init_workspace(tmp_path / "ws").root
    good = _export(tmp_path, "good.xml", _fiche())
    fd = os.open(ws, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # flock is per open file: the command's own lock must wait
    try:
        env = {"CIPT_LOCK_TIMEOUT": "1"}
        argv = ["import-rncp", good, "--data", str(ws)]
        done_fr, done_en = cli(*argv, env=env), cli("--lang", "en", *argv, env=env)
    finally:
        os.close(fd)
    _check(done_fr, done_en,
           f"{ws}: un autre import modifie cet espace de travail ; attente de 1 s (CIPT_LOCK_TIMEOUT) dépassée ; "
           "réessayez plus tard",
           f"{ws}: another import is changing this workspace; waited 1 s (CIPT_LOCK_TIMEOUT); try again later")
    assert not (ws / "rncp").exists() and not (ws / "versions").exists()


# --- over HTTP: `POST /api/imports/rncp` answers in the request's language ---------------------------

def _post(server, data: bytes, name: str, language: str | None = None):
    import httpx
    from serve_helpers import TOKEN

    headers = {"Content-Type": "application/xml", "Authorization": f"Bearer {TOKEN}"}
    if language:
        headers["Accept-Language"] = language
    return httpx.post(f"{server.url}/api/imports/rncp", content=data, headers=headers,
                      params={"filename": name}, timeout=120)


def test_an_upload_is_refused_in_the_request_language(tmp_path):
    """A broken export and a locked workspace over HTTP: French without Accept-Language, English
    with ``Accept-Language: en``; the place named in both, never the server's upload folder."""
    from serve_helpers import serving, writer_env

    ws = init_workspace(tmp_path / "ws").root
    broken = xml_export([_fiche("<DATE_EFFET>31/02/2024x</DATE_EFFET>")])
    good = xml_export([_fiche()])
    with serving(["--data", str(ws), "--allow-writes"], tmp_path / "serve.log",
                 writer_env(CIPT_LOCK_TIMEOUT="1")) as server:
        french, english = _post(server, broken, "date.xml"), _post(server, broken, "date.xml", "en-GB,en;q=0.9")
        assert french.status_code == english.status_code == 400, (french.text, english.text)
        assert french.json()["message"] == "date.xml:4 (RNCP5): DATE_EFFET : '31/02/2024x' n'est pas une date JJ/MM/AAAA"
        assert english.json()["message"] == "date.xml:4 (RNCP5): DATE_EFFET: '31/02/2024x' is not a date DD/MM/YYYY"
        fd = os.open(ws, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)  # another process's import holds the workspace
        try:
            french, english = _post(server, good, "good.xml"), _post(server, good, "good.xml", "en")
        finally:
            os.close(fd)
    assert french.status_code == english.status_code == 503 and french.headers["Retry-After"]
    assert "un autre import modifie cet espace de travail ; attente de 1 s" in french.json()["message"]
    assert "another import is changing this workspace; waited 1 s" in english.json()["message"]
    assert not (ws / "rncp").exists()
