"""All or nothing (issue #12): a failure injected at every step of `cipt import-rncp` (XML and CSV)
and of the HTTP import leaves the workspace byte-identical; `cipt validate` and `cipt serve` still
work on it. The steps are ``cipt_graph.importers.rncp_import.STEPS``; the hook is
``CIPT_TEST_FAIL_AT`` (cipt_graph/testhooks.py)."""

from __future__ import annotations

import httpx
import pytest
from cipt_graph.i18n import typeset
from rncp_gen import csv_export, fiche_xml, tree_digest, xml_export
from serve_helpers import TOKEN, serving, upload, writer_env

from cipt_graph.importers.rncp_import import STEPS
from cipt_graph.paths import init_workspace
from conftest import run_cli


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A workspace with one import done (so ``rncp`` is a generation link and versions exist)."""
    root = tmp_path_factory.mktemp("tpl")
    ws = init_workspace(root / "ws")
    first = root / "first.xml"
    first.write_bytes(xml_export([fiche_xml("RNCP1", blocks=[("RNCP1BC01", "Premier", "- a    - b", "")])]))
    assert run_cli("import-rncp", str(first), "--data", str(ws.root), "--author", "T").returncode == 0
    return ws.root


@pytest.fixture
def exports(tmp_path):
    xml = tmp_path / "second.xml"
    xml.write_bytes(xml_export([
        fiche_xml("RNCP1", blocks=[("RNCP1BC01", "Premier, modifié", "- a    - c", "")]),
        fiche_xml("RNCP2", blocks=[("RNCP2 BC01", "Deux\u2028lignes", "<p>- x</p><p>- y</p>", "")])]))
    zipped = csv_export(tmp_path / "export-fiches-csv.zip",
                        [("RNCP3", "Trois", [("RNCP3BC01", "Bloc\x0btrois")]), ("RNCP1", "Un", [("RNCP1BC09", "Neuf")])])
    return {"xml": xml, "csv": zipped}


def copy_of(template, tmp_path):
    import shutil

    target = tmp_path / "ws"
    shutil.copytree(template, target, symlinks=True)
    return target


@pytest.mark.parametrize("kind", ["xml", "csv"])
@pytest.mark.parametrize("step", STEPS)
def test_a_failure_at_any_step_leaves_the_workspace_byte_identical(template, exports, tmp_path, monkeypatch,
                                                                   kind, step):
    from cipt_graph.errors import StoreError
    from cipt_graph.importers import import_rncp
    from cipt_graph.paths import Workspace

    ws = copy_of(template, tmp_path)
    before = tree_digest(ws)
    monkeypatch.setenv("CIPT_TEST_FAIL_AT", step)
    with pytest.raises(StoreError) as exc:
        import_rncp(exports[kind], Workspace(ws), agent="T")
    assert "injected failure" in str(exc.value) and "nothing was changed" in str(exc.value)
    assert tree_digest(ws) == before
    monkeypatch.delenv("CIPT_TEST_FAIL_AT")
    import_rncp(exports[kind], Workspace(ws), agent="T")  # without the fault, the same import goes through
    assert tree_digest(ws) != before


@pytest.mark.parametrize("step", ["baseline", "record"])
def test_the_command_fails_cleanly_and_the_workspace_still_validates(template, exports, tmp_path, step):
    ws = copy_of(template, tmp_path)
    before = tree_digest(ws)
    result = run_cli("import-rncp", str(exports["csv"]), "--data", str(ws), "--author", "T",
                     env={"CIPT_TEST_FAIL_AT": step})
    assert result.returncode == 2, (result.stdout, result.stderr)
    # (the injected failure is an ENOSPC: its meaning in French, the default)
    assert typeset("rien n'a été modifié : plus de place sur le disque", "fr") in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(ws) == before
    # The shipped data itself has findings (exit 1, issue #14); 2 would mean the workspace no longer reads.
    checked = run_cli("validate", "--data", str(ws), "--fail-on", "violation")
    assert checked.returncode in (0, 1) and "Traceback" not in checked.stderr, checked.stderr


def test_failures_over_http_leave_the_workspace_identical_and_the_service_serving(template, exports, tmp_path):
    ws = copy_of(template, tmp_path)
    data = exports["xml"].read_bytes()
    for step in ("stage", "record"):
        with serving(["--data", str(ws), "--allow-writes"], tmp_path / f"{step}.log",
                     writer_env(CIPT_TEST_FAIL_AT=step)) as server:
            before = tree_digest(ws)  # after the start (the service may write its own files then)
            answer = upload(server.url, "/api/imports/rncp", data, "application/xml", filename="second.xml",
                            lang="en")
            assert answer.status_code == 503, answer.text
            assert "nothing was changed" in answer.json()["message"]
            assert tree_digest(ws) == before
            assert httpx.get(f"{server.url}/id/rncp/RNCP1", headers={"Accept": "text/turtle"}, timeout=60).status_code == 200
            assert httpx.get(f"{server.url}/id/rncp/RNCP2", headers={"Accept": "text/turtle"}, timeout=60).status_code == 404
    with serving(["--data", str(ws), "--allow-writes"], tmp_path / "ok.log", writer_env()) as server:
        answer = upload(server.url, "/api/imports/rncp", data, "application/xml", filename="second.xml")
        assert answer.status_code == 200, answer.text
        assert httpx.get(f"{server.url}/id/rncp/RNCP2", headers={"Accept": "text/turtle"}, timeout=60).status_code == 200
