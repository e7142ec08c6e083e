"""Write access over HTTP: off by default, then only with the bearer token; uploads checked (issue #8).

The only operations that change data are the two uploads (a mapping workbook, an RNCP export).
These tests run real `cipt serve` processes: the read-only default, and one started as an
administrator would (`--allow-writes`, `CIPT_WRITE_TOKEN`) on a workspace. Every refusal leaves
the workspace byte for byte as it was; an accepted upload goes through the importer (a version
is recorded) and the served data changes with it.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import httpx
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serve_helpers import TOKEN, XLSX, serving, upload, writer_env

from conftest import run_cli

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rncp"
MATRIX, RNCP = "/api/imports/matrix", "/api/imports/rncp"


def snapshot(root: Path) -> dict[str, str]:
    """Every file of a workspace and the SHA-256 of its bytes."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def exported_workbook(workspace) -> bytes:
    from cipt_graph.spreadsheet import MatrixModel, write_matrix_xlsx

    return write_matrix_xlsx(MatrixModel.from_workspace(workspace))


def locate(ws, module: str, competency: str) -> tuple[int, int]:
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == competency)
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value == module)
    return row, col


def edited_workbook(data: bytes, module: str, competency: str, level: str) -> bytes:
    """The exported workbook with one matrix cell set to ``level``."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb["Matrice"].cell(*locate(wb["Matrice"], module, competency)).value = level
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def first_link(workspace) -> dict[str, str]:
    import csv

    with open(workspace.mapping_dir / "module_competency.csv", encoding="utf-8", newline="") as handle:
        return next(csv.DictReader(handle))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    from cipt_graph.paths import init_workspace

    return init_workspace(tmp_path_factory.mktemp("writes") / "ws")


@pytest.fixture(scope="module")
def writer(workspace, tmp_path_factory):
    """`cipt serve --allow-writes` on the workspace, uploads limited to 2 MB."""
    log = tmp_path_factory.mktemp("writer") / "serve.log"
    with serving(["--data", str(workspace.root), "--allow-writes", "--max-upload-bytes", "2000000"], log,
                 writer_env()) as server:
        yield server


# --- off by default --------------------------------------------------------------------------------

@pytest.mark.parametrize("path, media", [(MATRIX, XLSX), (RNCP, "application/xml")])
def test_writes_are_off_by_default(server_url, path, media):
    response = upload(server_url, path, b"<FICHES/>", media)
    assert response.status_code == 403
    assert "lecture seule" in response.json()["message"]  # French by default (issue #15)
    english = upload(server_url, path, b"<FICHES/>", media, lang="en")
    assert english.status_code == 403 and "read-only" in english.json()["message"]


@pytest.mark.parametrize("args, env, message", [
    (["--allow-writes"], {}, "CIPT_WRITE_TOKEN"),
    (["--allow-writes"], {"CIPT_WRITE_TOKEN": "short"}, "au moins 16 caractères"),
    (["--allow-writes"], writer_env(), "demande un espace de travail"),
    (["--allow-writes", "--workers", "2", "--data", "{ws}"], writer_env(), "entrepôt partagé"),
])
def test_writes_need_a_token_a_workspace_and_one_copy_of_the_data(workspace, args, env, message):
    args = [a.replace("{ws}", str(workspace.root)) for a in args]
    done = run_cli("serve", "--port", "9", *args, env=env)
    assert done.returncode == 2
    assert message in done.stderr


def test_loopback_is_the_default():
    from cipt_graph.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.allow_writes, args.workers) == ("127.0.0.1", None, 1)


# --- the token ------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer " + TOKEN[:-1] + "x"},  # same length, last character differs
    {"Authorization": "Bearer " + TOKEN + "x"},
    {"Authorization": "Basic " + TOKEN},
    {"Authorization": "Bearer"},
    {"Authorization": TOKEN},
], ids=["none", "last-char", "longer", "basic", "empty", "no-scheme"])
def test_a_write_needs_the_bearer_token(writer, workspace, headers):
    before = snapshot(workspace.root)
    data = exported_workbook(workspace)
    response = httpx.post(writer.url + MATRIX, content=data, headers={"Content-Type": XLSX, **headers}, timeout=60)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert snapshot(workspace.root) == before


# --- uploads: size and type -----------------------------------------------------------------------

@pytest.mark.parametrize("path, media, body, status, message", [
    (MATRIX, "text/csv", b"module,competency\n", 415, "envoyez le classeur en"),
    (MATRIX, XLSX, b"module,competency,level\nM01,BC01-C1,I\n", 415, "pas une archive zip"),
    (MATRIX, XLSX, b"", 400, "vide"),
    (RNCP, "application/json", b"{}", 415, "envoyez l'export en"),
    (RNCP, "application/xml", b"PK\x03\x04 not xml", 415, "pas un document XML"),
    (RNCP, "application/zip", b"<FICHES/>", 415, "pas une archive zip"),
    (MATRIX, XLSX, b"PK\x03\x04" + b"\0" * 3_000_000, 413, "dépasse 2000000 octets"),
    (RNCP, "application/xml", b"<" + b"a" * 3_000_000, 413, "dépasse 2000000 octets"),
], ids=["csv-type", "csv-as-xlsx", "empty", "json", "zip-as-xml", "xml-as-zip", "big-xlsx", "big-xml"])
def test_uploads_are_type_checked_and_size_limited(writer, workspace, path, media, body, status, message):
    before = snapshot(workspace.root)
    response = upload(writer.url, path, body, media)
    assert response.status_code == status, response.text
    assert message in response.json()["message"]
    assert snapshot(workspace.root) == before


def test_oversized_upload_without_content_length_is_cut(writer, workspace):
    """A chunked body (no Content-Length) is counted as it arrives and refused past the limit."""
    before = snapshot(workspace.root)

    def chunks():
        for _ in range(40):
            yield b"PK\x03\x04" + b"\0" * 100_000

    response = httpx.post(writer.url + MATRIX, content=chunks(), timeout=60,
                          headers={"Content-Type": XLSX, "Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 413
    assert snapshot(workspace.root) == before


@pytest.mark.parametrize("fixture, message", [("billion_laughs.xml", "DTD"), ("external_entity.xml", "refusé")])
def test_hostile_xml_is_refused_and_nothing_written(writer, workspace, fixture, message):
    before = snapshot(workspace.root)
    response = upload(writer.url, RNCP, (FIXTURES / fixture).read_bytes(), "application/xml")
    assert response.status_code == 400, response.text
    assert message in response.json()["message"]
    assert snapshot(workspace.root) == before


def test_invalid_workbook_lists_every_error_and_applies_nothing(writer, workspace):
    before = snapshot(workspace.root)
    link = first_link(workspace)
    data = edited_workbook(exported_workbook(workspace), link["module"], link["competency"], "X")
    response = upload(writer.url, MATRIX, data, XLSX)
    assert response.status_code == 400
    body = response.json()
    assert any("«\u00a0X\u00a0»" in e["message"] and e["sheet"] == "Matrice" for e in body["errors"]), body
    assert snapshot(workspace.root) == before


def test_workbook_errors_follow_the_request_language(writer, workspace):
    """The cell errors of an uploaded workbook (issue #15): French by default, English with
    ``Accept-Language: en`` or ``?lang=en`` (the pages' choice), each naming its sheet!cell in both;
    nothing written."""
    before = snapshot(workspace.root)
    link = first_link(workspace)
    wb = openpyxl.load_workbook(io.BytesIO(edited_workbook(exported_workbook(workspace), link["module"],
                                                           link["competency"], "X")))
    wb["Justifications"].cell(4, 3).value = "beaucoup"  # hours that are not a number
    wb["Justifications"].cell(3, 4).value = "peut-être"  # an unknown status
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    answers = {
        "default": upload(writer.url, MATRIX, data, XLSX),
        "fr-header": httpx.post(writer.url + MATRIX, content=data, timeout=120, headers={
            "Content-Type": XLSX, "Authorization": f"Bearer {TOKEN}", "Accept-Language": "fr-FR,fr;q=0.9"}),
        "en-header": httpx.post(writer.url + MATRIX, content=data, timeout=120, headers={
            "Content-Type": XLSX, "Authorization": f"Bearer {TOKEN}", "Accept-Language": "en-GB,en;q=0.8"}),
        "en-param": upload(writer.url, MATRIX, data, XLSX, lang="en"),
    }
    bodies = {k: r.json() for k, r in answers.items()}
    assert all(r.status_code == 400 for r in answers.values()), bodies
    places = {k: [f"{e['sheet']}!{e['cell']}" for e in b["errors"]] for k, b in bodies.items()}
    assert len(set(map(tuple, places.values()))) == 1 and len(places["default"]) == 3, places
    # (a wrong level is one error, at its cell: no second "link without a level" on Justifications)
    assert set(places["default"]) == {"Matrice!O5", "Justifications!C4", "Justifications!D3"}, places
    french, english = bodies["default"], bodies["en-header"]
    assert bodies["fr-header"] == french and bodies["en-param"] == english
    assert answers["default"].headers["content-language"] == "fr"
    assert answers["en-header"].headers["content-language"] == "en"
    assert french["message"].startswith("3 erreurs, rien n'a été appliqué :")
    assert english["message"].startswith("3 errors, nothing was applied:")
    fr_text = " ".join(e["message"] for e in french["errors"])
    en_text = " ".join(e["message"] for e in english["errors"])
    assert "n'est pas un niveau de l'échelle" in fr_text and "«\u00a0beaucoup\u00a0» n'est pas un nombre d'heures" in fr_text
    assert "statut «\u00a0peut-être\u00a0» inconnu" in fr_text
    assert "is not a level of the scale" in en_text and "'beaucoup' is not a number of hours" in en_text
    assert "unknown status 'peut-être'" in en_text
    for words, text in ((("is not", "unknown", "level of"), fr_text + french["message"]),
                        (("n'est pas", "inconnu", "niveau"), en_text + english["message"])):
        assert not [w for w in words if w in text], text
    for place in places["default"]:  # each error's place is in the list of both languages
        assert place in french["message"] and place in english["message"]
    assert snapshot(workspace.root) == before


def test_refusals_follow_the_request_language(writer, workspace):
    """The upload's own refusals (type, empty body, damaged workbook) in French by default,
    English on request; the status is the same."""
    cases = [(XLSX, b"", 400, "le corps de la requête est vide", "the request body is empty"),
             ("text/csv", b"a,b\n", 415, "envoyez le classeur en", "send the workbook as"),
             (XLSX, b"PK\x03\x04 not a zip", 400, "classeur .xlsx endommagé", "damaged .xlsx workbook")]
    for media, body, status, french, english in cases:
        fr = upload(writer.url, MATRIX, body, media)
        en = upload(writer.url, MATRIX, body, media, lang="en")
        assert fr.status_code == en.status_code == status, (fr.text, en.text)
        assert french in fr.json()["message"] and english not in fr.json()["message"], fr.text
        assert english in en.json()["message"] and french not in en.json()["message"], en.text


@given(body=st.one_of(st.binary(max_size=2000), st.binary(max_size=2000).map(lambda b: b"PK\x03\x04" + b)))
@settings(max_examples=15, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_arbitrary_uploads_are_refused_cleanly(writer, workspace, body):
    before = snapshot(workspace.root)
    for path, media in ((MATRIX, XLSX), (RNCP, "application/zip"), (RNCP, "application/xml")):
        response = upload(writer.url, path, body, media)
        assert response.status_code in (400, 415), f"{path} → {response.status_code}: {response.text[:300]}"
        assert "Traceback" not in response.text
    assert snapshot(workspace.root) == before


# --- accepted writes: through the importers, then served ---------------------------------------

def test_valid_workbook_is_applied_recorded_and_served(writer, workspace):
    link = first_link(workspace)
    level = "M" if link["level"] != "M" else "I"
    data = edited_workbook(exported_workbook(workspace), link["module"], link["competency"], level)
    response = upload(writer.url, MATRIX, data, XLSX, author="Marie Testeuse", filename="../../etc/matrice.xlsx")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["applied"] is True and body["refreshed"] is True
    assert body["summary"] == {"added": 0, "removed": 0, "changed": 1}
    assert body["version"]["agent"] == "Marie Testeuse" and body["version"]["source"] == "matrice.xlsx"
    assert first_link(workspace)["level"] == level
    rows = httpx.get(f"{writer.url}/api/queries/competencies_for_module", params={"module": link["module"]},
                     timeout=30).json()
    assert {r["competency_code"]: r["level_code"] for r in rows}[link["competency"]] == level
    versions = httpx.get(f"{writer.url}/api/versions", timeout=30).json()
    assert [v["kind"] for v in versions][-1] == "matrix-import"


def test_rncp_export_is_imported_and_served(writer, workspace):
    expected = json.loads((FIXTURES / "RNCP38175_crafted.expected.json").read_text(encoding="utf-8"))
    response = upload(writer.url, RNCP, (FIXTURES / "RNCP38175_crafted.xml").read_bytes(), "application/xml",
                      fiche="RNCP38175")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fiches"] == ["RNCP38175"] and body["refreshed"] is True
    assert "/" not in body["source"], "the server's temporary path must not leak"
    assert (workspace.root / "rncp" / "RNCP38175.ttl").is_file()
    blocks = httpx.get(f"{writer.url}/api/queries/certification_blocks", params={"certification": "RNCP38175"},
                       timeout=30).json()
    assert {b["official_code"] for b in blocks} == set(expected["matched"].values()) | set(expected["unmatched_official"])


def test_read_only_server_on_the_same_workspace_still_refuses(workspace, tmp_path):
    """The token alone does not open writes: without --allow-writes the server stays read-only."""
    with serving(["--data", str(workspace.root)], tmp_path / "serve.log", writer_env()) as server:
        before = snapshot(workspace.root)
        response = upload(server.url, MATRIX, exported_workbook(workspace), XLSX)
        assert response.status_code == 403
        assert snapshot(workspace.root) == before
