"""A failure at every step of `import-matrix` leaves the workspace byte-identical (issue #12).

The failure is injected with the test hook ``CIPT_TEST_FAIL_AT=import-matrix:<step>``
(cipt_graph/testhooks.py: an ``OSError``, as a full disk would raise), on a workspace without
versions (the import records a baseline first) and on one with versions; then `cipt validate`,
a clean import and `cipt serve` work on the workspace.
"""

from __future__ import annotations

import subprocess

import httpx
import pytest
from serve_helpers import XLSX, serving, upload, writer_env
from xlsx_forge import edit_workbook, tree_digest

from cipt_graph.paths import init_workspace
from cipt_graph.spreadsheet import MatrixModel, write_matrix_xlsx
from cipt_graph.versions import list_versions

STEPS = ("check", "baseline", "stage", "switch", "record")


def run_main(capsys, *args: str):
    from cipt_graph.cli import main

    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def edited(ws, tmp_path, text: str):
    base = tmp_path / "base.xlsx"
    base.write_bytes(write_matrix_xlsx(MatrixModel.from_workspace(ws)))

    def change(wb):
        wb["Justifications"]["G2"].value = text
    return edit_workbook(base, tmp_path / "edit.xlsx", change)


@pytest.mark.parametrize("recorded", [False, True], ids=["no-version-yet", "with-versions"])
def test_failure_at_every_step_leaves_the_workspace_byte_identical(tmp_path, capsys, monkeypatch, recorded):
    ws = init_workspace(tmp_path / "ws")
    if recorded:
        first = edited(ws, tmp_path, "Une première version.\nSur deux lignes.")
        assert run_main(capsys, "import-matrix", str(first), "--data", str(ws.root), "--author", "A").returncode == 0
        assert [v.kind for v in list_versions(ws)] == ["baseline", "matrix-import"]
    book = edited(ws, tmp_path, "Une justification modifiée.")
    before = tree_digest(ws.root)
    for step in STEPS:  # the same workspace each time: it is byte-identical after every failure
        monkeypatch.setenv("CIPT_TEST_FAIL_AT", f"import-matrix:{step}")
        done = run_main(capsys, "import-matrix", str(book), "--data", str(ws.root), "--author", "T")
        assert done.returncode == 2, (step, done.stderr)
        assert "rien n'a été modifié" in done.stderr and "Traceback" not in done.stderr, (step, done.stderr)
        assert tree_digest(ws.root) == before, step
    monkeypatch.delenv("CIPT_TEST_FAIL_AT")
    assert run_main(capsys, "validate", "--data", str(ws.root)).returncode in (0, 1)
    done = run_main(capsys, "import-matrix", str(book), "--data", str(ws.root), "--author", "T")
    assert done.returncode == 0, done.stderr
    assert list_versions(ws)[-1].kind == "matrix-import"


def test_failure_during_an_http_import_is_undone_and_the_server_serves_on(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    book = edited(ws, tmp_path, "Une justification modifiée par HTTP.")
    env = writer_env(CIPT_TEST_FAIL_AT="import-matrix:switch")
    with serving(["--data", str(ws.root), "--allow-writes"], tmp_path / "serve.log", env) as server:
        before = tree_digest(ws.root)  # after start-up (the service keeps its own files, e.g. .session-secret)
        response = upload(server.url, "/api/imports/matrix", book.read_bytes(), XLSX, author="T")
        assert response.status_code in (500, 503), response.text
        assert "rien n'a été modifié" in response.json()["message"]
        assert tree_digest(ws.root) == before
        rows = httpx.get(f"{server.url}/api/queries/coverage_matrix", timeout=60).json()
        assert "Une justification modifiée par HTTP." not in {r["rationale"] for r in rows}
    with serving(["--data", str(ws.root)], tmp_path / "serve2.log") as server:  # starts on the workspace
        assert httpx.get(f"{server.url}/api/modules", timeout=60).status_code == 200
