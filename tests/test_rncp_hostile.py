"""Hostile RNCP exports (issue #13): every limit refuses in bounded time and memory, naming the
limit and the place, with the workspace byte-identical; no text from the file pasted into Turtle;
leftovers of killed imports cleaned; special files refused; the write lock never stays held."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Graph
from rncp_gen import csv_export, deep_bomb, fiche_xml, literal_bomb, many_fiches, tree_digest, write_zip, xml_export

from cipt_graph.errors import InputError
from cipt_graph.importers import ImportLimits, LimitError, import_rncp
from cipt_graph.namespaces import DCTERMS
from cipt_graph.paths import init_workspace
from conftest import run_cli


@pytest.fixture
def ws(tmp_path):
    return init_workspace(tmp_path / "ws")


_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
sys.stderr.write("\\nCIPT-PEAK-KIB %d\\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(done.returncode)
"""


def timed_cli(*args: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run `cipt` and measure wall time and its own peak memory (KiB).

    The command runs under a fresh intermediate process, so that ``RUSAGE_CHILDREN`` counts this
    command alone (in the test process it would hold the largest child of any earlier test)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("CIPT_DATA", "CIPT_STORE")}
    full_env.update(env or {})
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "cipt_graph.cli", *args],
                          env=full_env, capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - started
    stderr, _, peak = done.stderr.rpartition("\nCIPT-PEAK-KIB ")
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout, stderr), elapsed, int(peak)


# --- the cases of ../shared/cases/hostile, generated -------------------------------------------

def test_literal_17mb_is_refused_naming_the_field_and_the_workspace_is_untouched(ws, tmp_path):
    bomb = literal_bomb(tmp_path / "literal.zip")
    assert bomb.stat().st_size < 100_000  # a small file that expands past the 16 MiB literal limit
    before = tree_digest(ws.root)
    result, elapsed, peak = timed_cli("import-rncp", str(bomb), "--data", str(ws.root), "--author", "T")
    assert result.returncode == 2, result.stderr
    assert "max_field_chars" in result.stderr and "LISTE_COMPETENCES" in result.stderr
    assert "literal.zip!export_fiches_RNCP_V4_1_2025-01-31.xml:4" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(ws.root) == before
    assert elapsed < 60 and peak < 400_000  # KiB; normally ~2 s and ~60 MB
    assert run_cli("stats", "--data", str(ws.root)).returncode == 0


def test_deep_nesting_is_refused_at_the_documented_depth_in_milliseconds(ws, tmp_path):
    bomb = deep_bomb(tmp_path / "deep.zip")
    before = tree_digest(ws.root)
    started = time.monotonic()
    with pytest.raises(LimitError) as exc:
        import_rncp(bomb, ws, agent="T")
    elapsed = time.monotonic() - started
    assert exc.value.limit == "max_xml_depth" and exc.value.value == ImportLimits().max_xml_depth
    assert "deep.zip!export.xml:4" in str(exc.value)
    assert elapsed < 5  # normally a few ms past the workspace read; on main it took 167 s
    assert tree_digest(ws.root) == before


def test_depth_costs_constant_time_per_element(ws, tmp_path):
    """Allowed depth, many elements: time grows linearly (a quadratic walk would take ~100x)."""
    limits = ImportLimits(max_xml_depth=1000)
    def run(depth: int) -> float:
        path = tmp_path / f"d{depth}.xml"
        path.write_bytes(xml_export([fiche_xml("RNCP1", blocks=[("RNCP1BC01", "B", "- a", "")]).replace(
            "</FICHE>", "<X>" * depth + "</X>" * depth + "</FICHE>") * 1]))
        started = time.monotonic()
        import_rncp(path, ws, record=False, limits=limits)
        return time.monotonic() - started
    run(10)
    small, large = run(100), run(990)
    assert large < small * 10 + 1.0


def test_many_fiches_over_http_limit_is_refused_and_cli_limit_is_a_setting(ws, tmp_path):
    bomb = many_fiches(tmp_path / "many.zip", 3_000)
    before = tree_digest(ws.root)
    with pytest.raises(LimitError) as exc:
        import_rncp(bomb, ws, limits=ImportLimits.for_upload())
    assert exc.value.limit == "max_fiches" and exc.value.status == 413
    assert "many.zip!export.xml:2004" in str(exc.value)  # the 2,001st fiche's line
    assert tree_digest(ws.root) == before
    # The same export past a lower setting on the command line: exit 2, named.
    result = run_cli("import-rncp", str(bomb), "--data", str(ws.root), env={"CIPT_RNCP_MAX_FICHES": "100"})
    assert result.returncode == 2 and "max_fiches = 100" in result.stderr, result.stderr
    assert tree_digest(ws.root) == before


def test_zip_members_and_unzipped_size_are_checked_from_the_directory_first(ws, tmp_path):
    members = write_zip(tmp_path / "members.zip", {f"f{i}.xml": b"<FICHES/>" for i in range(70)})
    with pytest.raises(LimitError) as exc:
        import_rncp(members, ws)
    assert exc.value.limit == "max_zip_members" and "70 members" in str(exc.value)
    big = literal_bomb(tmp_path / "big.zip", chars=3 << 20)
    with pytest.raises(LimitError) as exc:
        import_rncp(big, ws, limits=ImportLimits(max_unzipped_bytes=1 << 20))
    assert exc.value.limit == "max_unzipped_bytes"
    with pytest.raises(LimitError) as exc:
        import_rncp(big, ws, limits=ImportLimits(max_bytes=1000))
    assert exc.value.limit == "max_bytes" and "big.zip" in str(exc.value)


def test_items_per_fiche_and_field_chars_in_csv(ws, tmp_path):
    blocks = [(f"RNCP7BC{i:04d}", f"Bloc {i}") for i in range(30)]
    export = csv_export(tmp_path / "csv.zip", [("RNCP7", "Titre", blocks)])
    with pytest.raises(LimitError) as exc:
        import_rncp(export, ws, limits=ImportLimits(max_items_per_fiche=20))
    assert exc.value.limit == "max_items_per_fiche" and "Blocs_De_Compétences" in str(exc.value)
    export = csv_export(tmp_path / "csv2.zip", [("RNCP7", "T" * 5000, [])])
    with pytest.raises(LimitError) as exc:
        import_rncp(export, ws, limits=ImportLimits(max_field_chars=1000))
    assert exc.value.limit == "max_field_chars" and "Intitule" in str(exc.value) and ":2" in str(exc.value)


def test_a_bad_limit_setting_is_named(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("CIPT_RNCP_MAX_XML_DEPTH", "deep")
    with pytest.raises(InputError) as exc:
        ImportLimits.from_env()
    assert "CIPT_RNCP_MAX_XML_DEPTH" in str(exc.value)


# --- generated Turtle is built from values ---------------------------------------------------------

@pytest.mark.parametrize("name", ['export\n<x> <y> 999 .\n.xml', 'exp"ort\r#.xml', "e\u2028x\u0085p\x0b.xml"])
def test_the_export_file_name_is_a_value_not_pasted_text(ws, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(xml_export([fiche_xml("RNCP42", blocks=[("RNCP42BC01", "B", "- a", "")])]))
    import_rncp(path, ws, agent="T")
    turtle = (ws.root / "rncp" / "RNCP42.ttl").read_bytes()
    graph = Graph().parse(data=turtle, format="turtle")
    titles = [str(o) for o in graph.objects(None, DCTERMS.title)]
    from cipt_graph.text import clean_line
    assert titles == [clean_line(name)]
    assert not any(str(p).startswith("y") or str(o) == "999" for _, p, o in graph)
    assert name.encode() not in turtle
    assert run_cli("stats", "--data", str(ws.root)).returncode == 0


# --- crash leftovers, umask, special files --------------------------------------------------------

def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_killed_imports_are_removed_at_the_next_import(ws, tmp_path):
    pid = dead_pid()
    stale = [ws.root / f".rncp-import-{pid}-abcd1234", ws.root / f".rncp-gen-{pid}-abcd1234", ws.root / ".rncp-old-x"]
    for folder in stale:
        folder.mkdir()
        (folder / "RNCP1.ttl").write_text("junk")
    (ws.root / f".rncp-link-.rncp-gen-{pid}-abcd1234").symlink_to(f".rncp-gen-{pid}-abcd1234")
    import tempfile
    upload = Path(tempfile.gettempdir()) / f"cipt-upload-{pid}-abcd1234"
    upload.mkdir(exist_ok=True)
    live = ws.root / f".rncp-import-{os.getppid()}-live0000"  # a live process's staging stays
    live.mkdir()
    path = tmp_path / "e.xml"
    path.write_bytes(xml_export([fiche_xml("RNCP5", blocks=[("RNCP5BC01", "B", "- a", "")])]))
    import_rncp(path, ws, agent="T")
    left = sorted(p.name for p in ws.root.iterdir() if p.name.startswith(".rncp"))
    assert left == [os.readlink(ws.root / "rncp"), live.name]
    assert not upload.exists()


def test_leftovers_are_removed_when_serve_starts(ws):
    from cipt_graph.serving import build_service

    stale = ws.root / f".rncp-import-{dead_pid()}-00000000"
    stale.mkdir()
    build_service({"data": str(ws.root)})
    assert not stale.exists()


def test_folders_follow_the_umask(ws, tmp_path):
    path = tmp_path / "e.xml"
    path.write_bytes(xml_export([fiche_xml("RNCP5", blocks=[("RNCP5BC01", "B", "- a", "")])]))
    for mask, expected in ((0o022, 0o755), (0o002, 0o775)):
        old = os.umask(mask)
        try:
            import_rncp(path, ws, agent="T")
        finally:
            os.umask(old)
        assert (ws.root / "rncp").resolve().stat().st_mode & 0o777 == expected


def test_fifo_and_symlink_loop_are_refused_with_their_path_not_waited_on(ws):
    fifo = ws.root / "extra.ttl"
    os.mkfifo(fifo)
    started = time.monotonic()
    result = run_cli("validate", "--data", str(ws.root))
    assert time.monotonic() - started < 60
    assert result.returncode == 2 and "extra.ttl" in result.stderr and "FIFO" in result.stderr, result.stderr
    fifo.unlink()
    loop = ws.root / "loop.ttl"
    loop.symlink_to("loop.ttl")
    result = run_cli("stats", "--data", str(ws.root))
    assert result.returncode == 2 and "loop.ttl" in result.stderr and "qui boucle" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


# --- the write lock ---------------------------------------------------------------------------------

def test_a_second_import_waits_a_bounded_time_then_is_told_to_retry(ws, tmp_path):
    path = tmp_path / "e.xml"
    path.write_bytes(xml_export([fiche_xml("RNCP5", blocks=[("RNCP5BC01", "B", "- a", "")])]))
    before = tree_digest(ws.root)
    fd = os.open(ws.root, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process's import holds the lock (flock is per open file)
    try:
        started = time.monotonic()
        result = run_cli("import-rncp", str(path), "--data", str(ws.root), env={"CIPT_LOCK_TIMEOUT": "1"})
        elapsed = time.monotonic() - started
    finally:
        os.close(fd)
    assert result.returncode == 2 and "un autre import modifie cet espace de travail" in result.stderr, result.stderr
    assert elapsed < 60
    assert tree_digest(ws.root) == before
    assert run_cli("import-rncp", str(path), "--data", str(ws.root)).returncode == 0


def test_characters_per_fiche_are_bounded(ws, tmp_path):
    blocks = [(f"RNCP9BC{i:02d}", "B", "x" * 900, "y" * 900) for i in range(20)]
    path = tmp_path / "wide.xml"
    path.write_bytes(xml_export([fiche_xml("RNCP9", blocks=blocks)]))
    before = tree_digest(ws.root)
    with pytest.raises(LimitError) as exc:
        import_rncp(path, ws, limits=ImportLimits(max_fiche_chars=10_000))
    assert exc.value.limit == "max_fiche_chars" and "wide.xml:" in str(exc.value) and "RNCP9" in str(exc.value)
    assert tree_digest(ws.root) == before
    csv_path = csv_export(tmp_path / "wide.zip", [("RNCP9", "T", [(f"RNCP9BC{i:02d}", "z" * 900) for i in range(20)])])
    with pytest.raises(LimitError) as exc:
        import_rncp(csv_path, ws, limits=ImportLimits(max_fiche_chars=10_000))
    assert exc.value.limit == "max_fiche_chars"
    import_rncp(path, ws, agent="T")  # within the default
