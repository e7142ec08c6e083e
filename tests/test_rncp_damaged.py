"""Damaged RNCP exports are named for what they are (issue #16): a zip cut during its download
(it starts as a zip but its directory, at the end, is gone) and an XML file saved in another
encoding than UTF-8 without declaring it; both refused with exit 2, the place named, the
workspace untouched."""

from __future__ import annotations

import pytest
from rncp_gen import fiche_xml, tree_digest, write_zip, xml_export

from cipt_graph.paths import init_workspace
from conftest import run_cli


@pytest.fixture
def ws(tmp_path):
    return init_workspace(tmp_path / "ws")


def _export() -> bytes:
    return xml_export([fiche_xml("RNCP90001", "Licence de géographie et d'aménagement",
                                 [("RNCP90001BC01", "Analyser un territoire", "- Décrire un espace", "Étude de cas")])])


def test_a_zip_cut_in_half_is_called_a_damaged_zip(ws, tmp_path):
    whole = write_zip(tmp_path / "export.zip", {"export.xml": _export()})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    before = tree_digest(ws.root)
    for lang, words in (("fr", ("archive zip endommagée", "téléchargez-le de nouveau")),
                        ("en", ("a damaged zip", "download it again"))):
        result = run_cli("--lang", lang, "import-rncp", str(cut), "--data", str(ws.root))
        assert result.returncode == 2, result.stderr
        assert str(cut) in result.stderr and all(w in result.stderr for w in words), result.stderr
        assert "XML" not in result.stderr, result.stderr
    assert tree_digest(ws.root) == before
    assert run_cli("import-rncp", str(whole), "--data", str(ws.root)).returncode == 0  # the whole one imports


def test_a_latin1_file_without_declaration_is_said_not_utf8(ws, tmp_path):
    text = _export().decode("utf-8")
    body = text.split("?>", 1)[1] if text.startswith("<?xml") else text
    latin = tmp_path / "latin1.xml"
    latin.write_bytes(body.encode("latin-1"))
    before = tree_digest(ws.root)
    result = run_cli("import-rncp", str(latin), "--data", str(ws.root))
    assert result.returncode == 2, result.stderr
    assert f"{latin}:" in result.stderr and "pas en UTF-8 (octet 0xE9)" in result.stderr, result.stderr
    assert tree_digest(ws.root) == before
    english = run_cli("--lang", "en", "import-rncp", str(latin), "--data", str(ws.root))
    assert "not UTF-8 (byte 0xE9)" in english.stderr, english.stderr

    declared = tmp_path / "declared.xml"  # the same bytes, their encoding declared: imported
    declared.write_bytes(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n' + body.encode("latin-1"))
    done = run_cli("import-rncp", str(declared), "--data", str(ws.root))
    assert done.returncode == 0, done.stderr


def test_a_real_syntax_error_is_still_called_malformed_xml(ws, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_bytes(_export().replace(b"</FICHES>", b"</FICHE>"))
    result = run_cli("import-rncp", str(broken), "--data", str(ws.root))
    assert result.returncode == 2 and "XML mal formé" in result.stderr and "UTF-8" not in result.stderr, result.stderr
