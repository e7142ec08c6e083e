"""Four eyes by account, not by name (issue #15), against a real `cipt serve` with real accounts.

A link changed by a signed-in person records their account's stable id (``asserted_by_account``;
in the graph ``prov:wasAttributedTo cid:agent/account/<id>``), and so does the version. A
validator may not validate a link their account proposed, whatever names are shown:

- two accounts showing the same name are two people: one validates the other's proposal;
- an account renamed (``cipt users add --replace --name``) keeps its id: its proposals stay its own;
- the same through the workbook upload;
- a link recorded without an account (command line, older data) is judged by its name.
"""

from __future__ import annotations

import csv
import io
import json
import uuid

import httpx
import openpyxl
import pytest
import team_helpers as th
from conftest import run_cli
from serve_helpers import serving, writer_env

SAME_NAME = "Marie Durand"
USERS = {  # username: (role, password, name shown)
    "marie.d": ("validator", "marie-secret-0001", SAME_NAME),
    "marie.durand": ("validator", "marie-secret-0002", SAME_NAME),
    "paul": ("validator", "paul-secret-00003", "Paul Martin"),
}


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    root = tmp_path_factory.mktemp("accounts")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, (role, password, name) in USERS.items():
        th.add_user(workspace, user, role, password, name=name)
    with serving(["--data", str(workspace), "--allow-writes"], root / "serve.log", writer_env()) as server:
        yield server, workspace, root


def sign_in(server, user: str) -> httpx.Client:
    return th.sign_in(server, user, USERS[user][1])


def _attributed_to(server, module: str, competency: str) -> list[str]:
    query = ("PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?a WHERE { "
             f"<https://w3id.org/cipt-graph/id/coverage/{module}--{competency}> prov:wasAttributedTo ?a }}")
    answer = httpx.get(f"{server.url}/sparql", params={"query": query},
                       headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert answer.status_code == 200, answer.text[:300]
    return [b["a"]["value"] for b in answer.json()["results"]["bindings"]]


def test_accounts_have_distinct_stable_ids_kept_by_a_reset(team):
    _, workspace, _ = team
    ids = {user: a["id"] for user, a in th.accounts(workspace).items()}
    assert len(set(ids.values())) == len(USERS) and all(uuid.UUID(i) for i in ids.values())
    th.add_user(workspace, "paul", "validator", USERS["paul"][1], name="Paul M.", replace=True)
    after = th.accounts(workspace)["paul"]
    assert (after["id"], after["display_name"]) == (ids["paul"], "Paul M.")
    th.add_user(workspace, "paul", "validator", USERS["paul"][1], name="Paul Martin", replace=True)


def test_same_name_shown_by_two_accounts_is_two_people(team):
    server, workspace, _ = team
    ids = {user: a["id"] for user, a in th.accounts(workspace).items()}
    first, second = sign_in(server, "marie.d"), sign_in(server, "marie.durand")
    th.propose(first, "M03", "BC01-C1")
    link = th.link(workspace, "M03", "BC01-C1")
    assert (link["asserted_by"], link["asserted_by_account"]) == (SAME_NAME, ids["marie.d"])
    assert _attributed_to(server, "M03", "BC01-C1") == [f"https://w3id.org/cipt-graph/id/agent/account/{ids['marie.d']}"]
    proposed = th.versions(workspace)[-1]
    assert (proposed["agent"], proposed["agent_account"], proposed["kind"]) == (SAME_NAME, ids["marie.d"], "edit")
    # The other account, same name shown: the review page offers "Valider", and validating is allowed.
    page = second.get("/review?module=M03").text
    assert 'value="validate"' in page.split('id="link-M03-BC01-C1"')[1].split("</tr>")[0]
    done = th.decide(second, "M03", "BC01-C1", "validate", "Vu")
    assert done.status_code == 303, th.alert(done.text)
    link = th.link(workspace, "M03", "BC01-C1")
    assert (link["status"], link["asserted_by_account"]) == ("validated", ids["marie.d"])  # still the proposer's
    review = th.versions(workspace)[-1]
    assert (review["kind"], review["agent_account"]) == ("review", ids["marie.durand"])


def test_a_renamed_account_still_may_not_validate_its_own_proposal(team):
    server, workspace, _ = team
    th.propose(sign_in(server, "paul"), "M04", "BC02-C1")
    before = (workspace / "mapping" / th.MAPPING).read_bytes()
    count = len(th.versions(workspace))
    th.add_user(workspace, "paul", "validator", USERS["paul"][1], name="Paul-Henri Martin", replace=True)
    try:
        renamed = sign_in(server, "paul")
        refused = th.decide(renamed, "M04", "BC02-C1", "validate")
        assert refused.status_code == 403, refused.text[:500]
        assert "proposé par vous (Paul Martin)" in th.alert(refused.text)
        assert (workspace / "mapping" / th.MAPPING).read_bytes() == before and len(th.versions(workspace)) == count
        row = renamed.get("/review?module=M04").text.split('id="link-M04-BC02-C1"')[1].split("</tr>")[0]
        assert 'value="validate"' not in row and "Proposé par vous" in row
        # Someone else may, even one who shows the old name of the proposer.
        th.add_user(workspace, "marie.d", "validator", USERS["marie.d"][1], name="Paul Martin", replace=True)
        assert th.decide(sign_in(server, "marie.d"), "M04", "BC02-C1", "validate").status_code == 303
        assert th.link(workspace, "M04", "BC02-C1")["status"] == "validated"
    finally:
        th.add_user(workspace, "paul", "validator", USERS["paul"][1], name="Paul Martin", replace=True)
        th.add_user(workspace, "marie.d", "validator", USERS["marie.d"][1], name=SAME_NAME, replace=True)


def _validating_workbook(client: httpx.Client, path, module: str, competency: str):
    data = client.get("/edit/workbook.xlsx")
    assert data.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(data.content))
    sheet = wb["Justifications"]
    row = next(r for r in range(2, sheet.max_row + 1)
               if (sheet.cell(r, 1).value, sheet.cell(r, 2).value) == (module, competency))
    sheet.cell(row, 4).value = "validated"
    wb.save(path)
    return path


def test_the_workbook_upload_judges_by_account_too(team):
    server, workspace, root = team
    first, second = sign_in(server, "marie.d"), sign_in(server, "marie.durand")
    th.propose(first, "M05", "BC01-C2")
    th.propose(second, "M06", "BC01-C2")
    # Same name shown, other account: her workbook validates marie.d's proposal.
    accepted = th.upload(second, _validating_workbook(second, root / "other.xlsx", "M05", "BC01-C2"), "statut")
    assert accepted.status_code == 200, accepted.text[:800]
    assert th.link(workspace, "M05", "BC01-C2")["status"] == "validated"
    assert th.versions(workspace)[-1]["agent_account"] == th.accounts(workspace)["marie.durand"]["id"]
    # Renamed, marie.durand's workbook still may not validate her own proposal.
    th.add_user(workspace, "marie.durand", "validator", USERS["marie.durand"][1], name="Marie D.", replace=True)
    try:
        renamed = sign_in(server, "marie.durand")
        path = _validating_workbook(renamed, root / "own.xlsx", "M06", "BC01-C2")
        before = (workspace / "mapping" / th.MAPPING).read_bytes()
        refused = th.upload(renamed, path, "statut")
        assert refused.status_code == 403, refused.text[:800]
        assert "M06 → BC01-C2" in th.alert(refused.text) or "M06 → BC01-C2" in refused.text
        assert (workspace / "mapping" / th.MAPPING).read_bytes() == before
    finally:
        th.add_user(workspace, "marie.durand", "validator", USERS["marie.durand"][1], name=SAME_NAME, replace=True)


def test_links_recorded_without_an_account_are_judged_by_name(team):
    """Older data (no ``asserted_by_account`` column) and command-line links: by name."""
    server, workspace, _ = team
    path = workspace / "mapping" / th.MAPPING
    rows = th.rows(workspace)
    taken = {(r["module"], r["competency"]) for r in rows}
    free = [(f"M{n:02d}", c) for n in range(7, 13) for c in ("BC02-C2", "BC01-C2", "BC03-C1") if (f"M{n:02d}", c) not in taken]
    (mine, theirs) = free[:2]
    for (module, competency), who in ((mine, SAME_NAME), (theirs, "Quelqu'un d'autre")):
        rows.append({"module": module, "competency": competency, "level": "I", "hours": "", "status": "proposed",
                     "asserted_by": who, "asserted_on": "2024-01-15", "rationale": "Données anciennes"})
    columns = ["module", "competency", "level", "hours", "status", "asserted_by", "asserted_on", "rationale"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")  # the old format: no account column at all
    marie = sign_in(server, "marie.durand")
    refused = th.decide(marie, *mine, "validate")
    assert refused.status_code == 403 and f"proposé par vous ({SAME_NAME})" in th.alert(refused.text)
    assert th.decide(marie, *theirs, "validate").status_code == 303
    assert th.decide(sign_in(server, "paul"), *mine, "validate").status_code == 303
    after = {(r["module"], r["competency"]): r for r in th.rows(workspace)}
    assert after[mine]["status"] == after[theirs]["status"] == "validated"
    assert after[mine].get("asserted_by_account", "") == ""  # still judged by name next time


def test_an_accounts_file_without_ids_gets_stable_ones(team):
    _, workspace, _ = team
    accounts_file = workspace / "accounts.json"
    saved = accounts_file.read_bytes()
    try:
        raw = json.loads(saved)
        for item in raw["accounts"]:
            item.pop("id")
        accounts_file.write_text(json.dumps(raw), encoding="utf-8")
        first, again = th.accounts(workspace), th.accounts(workspace)
        assert {u: a["id"] for u, a in first.items()} == {u: a["id"] for u, a in again.items()}
        assert len({a["id"] for a in first.values()}) == len(USERS) and all(uuid.UUID(a["id"]) for a in first.values())
    finally:
        accounts_file.write_bytes(saved)
