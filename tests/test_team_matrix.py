"""Editing a cell from the matrix page, and the links' status on the matrix (issue #15), against a
real `cipt serve` on a workspace with accounts made by the real `cipt users` command.

The edit control exists only for a signed-in editor; its form posts to ``/edit/link`` with the
CSRF token; a refused value comes back on the cell's page beside the field it names, nothing
written; a saved one is a version authored by the editor and shows on the matrix.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

import httpx
import pytest

import team_helpers
from conftest import run_cli
from serve_helpers import serving, writer_env
from team_helpers import rows as _rows
from team_helpers import token as _token
from team_helpers import versions as _versions

PASSWORDS = {"ed": "editeur-secret-22", "rita": "lectrice-secret-333", "vera": "validatrice-secret-1"}
ROLES = {"ed": "editor", "rita": "reader", "vera": "validator"}


def _cell(page: str, module: str, competency: str) -> str:
    """The ``<td>`` of one matrix cell."""
    found = re.search(rf'<td [^>]*data-module="{module}" data-competency="{competency}"[^>]*>.*?</td>', page, re.S)
    assert found, f"no cell {module} × {competency}"
    return found.group(0)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("team-matrix")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, password in PASSWORDS.items():
        done = run_cli("users", "add", user, "--role", ROLES[user], "--password-stdin", "--data", str(workspace),
                       input=password + "\n")
        assert done.returncode == 0, done.stderr
    with serving(["--data", str(workspace), "--allow-writes"], root / "serve.log", writer_env()) as server:
        yield server, workspace


def _sign_in(server, user: str) -> httpx.Client:
    return team_helpers.sign_in(server, user, PASSWORDS[user])


def test_anonymous_and_reader_see_no_edit_control_and_cannot_post(site):
    server, workspace = site
    link = _rows(workspace)[0]
    anonymous = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
    reader = _sign_in(server, "rita")
    for client in (anonymous, reader):
        page = client.get("/matrix").text
        assert "/edit/cell" not in page and "cell-edit" not in page
        assert 'data-module="M01"' in page  # the matrix itself is there
    went = anonymous.get("/edit/cell", params={"module": link["module"], "competency": link["competency"]})
    assert went.status_code == 303 and went.headers["location"].startswith("/login?")
    assert reader.get("/edit/cell", params={"module": link["module"], "competency": link["competency"]}).status_code == 403
    before = (workspace / "mapping" / "module_competency.csv").read_bytes()
    form = {"kind": "competency", "module": link["module"], "target": link["competency"], "level": "none",
            "form": "cell"}
    assert anonymous.post("/edit/link", data=form).status_code == 403  # no CSRF token, no session
    token = _token(reader.get("/review").text)
    assert reader.post("/edit/link", data={**form, "csrftoken": token}).status_code == 403  # role too low
    assert (workspace / "mapping" / "module_competency.csv").read_bytes() == before


def test_editor_edits_a_cell_from_the_matrix(site):
    server, workspace = site
    editor = _sign_in(server, "ed")
    page = editor.get("/matrix").text
    modules = set(re.findall(r'<tr data-module="([^"]+)"', page))
    competencies = set(re.findall(r'<th class="comp[^"]*" data-competency="([^"]+)"', page))
    assert page.count('class="cell-edit"') == len(modules) * len(competencies)  # every cell, empty or not
    linked = {(r["module"], r["competency"]) for r in _rows(workspace)}
    module, competency = next((m, c) for m in sorted(modules) for c in sorted(competencies) if (m, c) not in linked)
    assert f'href="/edit/cell?lang=fr&amp;module={module}&amp;competency={competency}"' in _cell(page, module, competency)

    form_page = editor.get("/edit/cell", params={"lang": "fr", "module": module, "competency": competency})
    assert form_page.status_code == 200
    assert 'action="/edit/link"' in form_page.text and 'value="none" selected' in form_page.text
    token = _token(form_page.text)
    count = len(_versions(workspace))
    base = {"csrftoken": token, "kind": "competency", "form": "cell", "module": module, "target": competency,
            "lang": "fr", "back": f"/matrix?lang=fr#cell-{module}-{competency}", "loaded": "new"}

    # A refused value: the cell's page again (400), the field named, the values typed kept, nothing written.
    refused = editor.post("/edit/link", data={**base, "level": "R", "hours": "deux", "rationale": "Étude de cas"})
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert re.search(r'<p class="field-error" id="err-hours" role="alert"><strong>heures</strong>', text)
    assert 'aria-invalid="true" aria-describedby="err-hours"' in text
    assert 'value="deux"' in text and "Étude de cas</textarea>" in text
    missing = editor.post("/edit/link", data={**base, "level": "R", "hours": "2", "rationale": "  "})
    assert missing.status_code == 400 and 'id="err-rationale"' in missing.text
    assert len(_versions(workspace)) == count and (module, competency) not in {
        (r["module"], r["competency"]) for r in _rows(workspace)}

    # A valid one: back to the matrix at the cell, a version authored by the editor.
    saved = editor.post("/edit/link", data={**base, "level": "R", "hours": "1,5", "rationale": "Étude de cas",
                                            "message": "ajout depuis la matrice"})
    assert saved.status_code == 303 and saved.headers["location"] == f"/matrix?lang=fr#cell-{module}-{competency}"
    row = next(r for r in _rows(workspace) if (r["module"], r["competency"]) == (module, competency))
    assert (row["level"], row["hours"], row["asserted_by"], row["status"]) == ("R", "1.5", "ed", "proposed")
    version = _versions(workspace)[-1]
    assert (version["kind"], version["agent"], version["message"]) == ("edit", "ed", "ajout depuis la matrice")
    page = editor.get("/matrix").text
    cell = _cell(page, module, competency)
    assert 'data-level="R"' in cell and 'data-status="proposed"' in cell and "1,5" in html.unescape(cell)
    assert f"{module} → {competency}" in html.unescape(page) and 'class="flash"' in page
    # The reader's matrix shows it too (the served store was refreshed).
    assert 'data-level="R"' in _cell(httpx.get(f"{server.url}/matrix", timeout=60).text, module, competency)

    # Level "none" removes the link, as another version.
    shown = editor.get("/edit/cell", params={"lang": "fr", "module": module, "competency": competency}).text
    loaded = re.search(r'name="loaded" value="([^"]+)"', shown).group(1)
    removed = editor.post("/edit/link", data={**base, "level": "none", "loaded": loaded})
    assert removed.status_code == 303
    assert (module, competency) not in {(r["module"], r["competency"]) for r in _rows(workspace)}
    assert _versions(workspace)[-1]["agent"] == "ed"
    assert "data-level" not in _cell(editor.get("/matrix").text, module, competency)


def test_english_cell_page_and_unknown_cell(site):
    server, _ = site
    editor = _sign_in(server, "ed")
    page = editor.get("/edit/cell", params={"lang": "en", "module": "M01", "competency": "BC01-C1"})
    assert page.status_code == 200 and "Edit the cell M01 × BC01-C1" in page.text and "Niveau" not in page.text
    unknown = editor.get("/edit/cell", params={"module": "M99", "competency": "BC01-C1"})
    assert unknown.status_code == 404 and "M99" in unknown.text


def _network(page: str) -> dict[tuple[str, str], dict]:
    """The network page's covers edges, by (module code, competency code)."""
    data = json.loads(html.unescape(re.search(r'<script id="network-data" type="application/json">(.*?)</script>',
                                              page, re.S).group(1)))
    codes = {n["id"]: n["code"] for n in data["nodes"]}
    return {(codes[e["from"]], codes[e["to"]]): e for e in data["edges"] if e["kind"] == "covers"}


def _audit_links(page: str, competency: str) -> dict[str, str]:
    """The audit's covering modules of one competency, module code → status."""
    row = re.search(rf'<tr data-competency="{competency}">(.*?)</tr>', page, re.S).group(1)
    return {m: s for s, m in re.findall(r'<span class="link \w+" data-status="(\w+)">(\w+) \(', row)}


def test_matrix_network_and_audit_show_each_link_status(site):
    server, workspace = site
    rows = _rows(workspace)
    page = httpx.get(f"{server.url}/matrix", timeout=60).text
    for row in rows[:40]:
        status = "validated" if row["status"] in ("validated", "validé") else "proposed"
        cell = _cell(page, row["module"], row["competency"])
        assert f'data-status="{status}"' in cell and re.search(rf'class="c[^"]* lvl lvl-\d {status}"', cell)
    assert 'class="status-key" data-status="proposed"' in page and 'class="status-key" data-status="validated"' in page
    assert "hachurée" in page
    # A validator validates one: the matrix shows it plain.
    target = next(r for r in rows if r["status"] not in ("validated", "validé"))
    validator = _sign_in(server, "vera")
    token = _token(validator.get("/review").text)
    done = validator.post("/review/decision", data={"csrftoken": token, "kind": "competency", "module": target["module"],
                                                     "target": target["competency"], "decision": "validate",
                                                     "loaded": team_helpers.loaded(validator, target["module"],
                                                                                   target["competency"])})
    assert done.status_code == 303
    cell = _cell(httpx.get(f"{server.url}/matrix?lang=en", timeout=60).text, target["module"], target["competency"])
    assert 'data-status="validated"' in cell and "validated" in cell and " proposed" not in cell
    # The network: validated links plain, proposed ones dashed, with the status in the tooltip and a key.
    network = httpx.get(f"{server.url}/graph", timeout=60).text
    edges = _network(network)
    validated = {(r["module"], r["competency"]) for r in _rows(workspace) if r["status"] in ("validated", "validé")}
    assert (target["module"], target["competency"]) in validated and len(edges) >= len(_rows(workspace)) - 5
    for key, edge in edges.items():
        status = "validated" if key in validated else "proposed"
        assert edge["status"] == status and bool(edge["dashes"]) == (status == "proposed"), key
        assert ("validé" if status == "validated" else "proposé") in edge["title"]
    assert 'class="st-proposed" data-status="proposed"' in network and "Statut des liens" in network
    # The audit: each covering module with its status, proposed ones starred, and the legend.
    audit = httpx.get(f"{server.url}/audit", timeout=120).text
    shown = _audit_links(audit, target["competency"])
    assert shown[target["module"]] == "validated"
    for module, status in shown.items():
        assert status == ("validated" if (module, target["competency"]) in validated else "proposed")
    assert f'data-status="proposed">' in audit and 'data-field="status_legend"' in audit


def test_upload_reads_the_activity_and_objective_sheets(site, tmp_path):
    import openpyxl

    server, workspace = site
    editor = _sign_in(server, "ed")
    answer = editor.get("/edit/workbook.xlsx")
    assert answer.status_code == 200
    (tmp_path / "exported.xlsx").write_bytes(answer.content)
    path = tmp_path / "w.xlsx"
    wb = openpyxl.load_workbook(tmp_path / "exported.xlsx")
    assert {"Activités", "Objectifs"} <= set(wb.sheetnames)
    before = {p.name: p.read_bytes() for p in (workspace / "mapping").glob("*.csv")}

    def upload(book) -> httpx.Response:
        book.save(path)
        token = _token(editor.get("/edit/upload").text)
        with open(path, "rb") as handle:
            return editor.post("/edit/upload", data={"csrftoken": token, "message": "objectifs"},
                               files={"workbook": ("w.xlsx", handle, "application/octet-stream")})

    wb["Activités"].cell(2, 2).value = "A99"
    refused = upload(wb)
    assert refused.status_code == 400 and "Activités!B2" in html.unescape(refused.text) and "A99" in refused.text
    assert {p.name: p.read_bytes() for p in (workspace / "mapping").glob("*.csv")} == before

    wb = openpyxl.load_workbook(tmp_path / "exported.xlsx")
    wb["Objectifs"].delete_rows(2)
    done = upload(wb)
    assert done.status_code == 200, done.text[:2000]
    assert "− " + _first_pair(before["module_objective.csv"]) in html.unescape(done.text)
    assert len(_csv(workspace, "module_objective.csv")) == len(_csv_bytes(before["module_objective.csv"])) - 1
    version = _versions(workspace)[-1]
    assert (version["kind"], version["agent"], version["message"]) == ("matrix-import", "ed", "objectifs")


def _csv_bytes(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def _csv(workspace, name: str) -> list[dict[str, str]]:
    return _csv_bytes((workspace / "mapping" / name).read_bytes())


def _first_pair(data: bytes) -> str:
    row = _csv_bytes(data)[0]
    return f'{row["module"]} → {row["objective"]}'
