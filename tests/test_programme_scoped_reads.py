"""One programme of a university read alone gives what the whole dataset gives (issue #16).

`import-matrix`, `export-matrix` and `diff` of one programme read only that programme's mapping
rows (``build_store(modules=…)``, the diff's version side without the other modules' coverage
nodes): compared here with the whole reads, on a generated multi-programme workspace after a
change of one programme.
"""

from __future__ import annotations

import shutil

import pytest
from test_programme_commands import PROGRAMMES, _change_first_level
from university_helpers import make_university

from cipt_graph.build import build_store
from cipt_graph.paths import Workspace
from cipt_graph.programme_check import programme_modules
from cipt_graph.queries import resolve_programme, run_query
from cipt_graph.store import iter_records


@pytest.fixture(scope="module")
def changed(tmp_path_factory):
    from cipt_graph.spreadsheet import MatrixModel, import_matrix, write_matrix_xlsx

    base = tmp_path_factory.mktemp("scoped")
    make_university(base / "ws")
    ws = Workspace(base / "ws")
    (base / "u001.xlsx").write_bytes(write_matrix_xlsx(MatrixModel.from_workspace(ws, programme="U001")))
    _change_first_level(base / "u001.xlsx", base / "u001-e.xlsx")
    assert import_matrix(ws, base / "u001-e.xlsx", author="Test").version.id == "v2"
    return ws


@pytest.mark.parametrize("code", PROGRAMMES)
def test_the_diff_of_one_programme_is_the_whole_one(changed, code):
    from cipt_graph.versions import diff_versions
    from cipt_graph.versions.diff import compare_stores
    from cipt_graph.versions.record import snapshot_of, store_of

    fast = diff_versions(changed, "v1", "current", programme=code).as_dict()
    (la, ga), (lb, gb) = snapshot_of(changed, "v1"), snapshot_of(changed, "current")
    whole = compare_stores(la, store_of(la, ga), lb, store_of(lb, gb), programme=code).as_dict()
    assert fast == whole
    assert fast["summary"]["changed"] == (1 if code == "U001" else 0)
    assert fast["blocks"], "the programme's blocks are compared"


@pytest.mark.parametrize("code", PROGRAMMES)
def test_a_programme_built_alone_answers_its_queries_as_the_whole(changed, code):
    modules = programme_modules(changed, code)
    assert modules and all(m.startswith(code.split("_")[0]) or code == "M2_CIPT" for m in modules)
    part, whole = build_store(changed, modules=modules), build_store(changed)
    assert len(part) < len(whole)
    p = {"programme": resolve_programme(whole, code).value}
    for name in ("coverage_matrix", "hours_per_block", "hours_per_competency", "modules"):
        assert list(iter_records(run_query(part, name, p))) == list(iter_records(run_query(whole, name, p))), name


def test_one_programme_of_one_reads_everything(tmp_path):
    from cipt_graph.paths import init_workspace

    ws = init_workspace(tmp_path / "ws")
    assert programme_modules(ws, "M2_CIPT") is None and programme_modules(ws, None) is None
    shutil.rmtree(ws.root)
