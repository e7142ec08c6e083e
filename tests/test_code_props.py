"""Arbitrary Unicode in the codes a user types (module and target codes) through the mapping CSV
and the browser's link editor (issue #12): a code that names a known module or target after the
documented normalisation (docs/text.md: BOM and zero-width characters dropped, NFC, outer blanks
trimmed) is accepted; any other is refused with its place (file and line, or the form field),
never a traceback, and the workspace is unchanged after a refusal.
"""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from cipt_graph.editing import EditError, edit_link
from cipt_graph.errors import InputError
from cipt_graph.mapping import LINK_KINDS, Vocabulary, read_mapping_file
from cipt_graph.paths import init_workspace
from cipt_graph.text import clean_code

SPECIAL = list("\r\n\t\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00\x01\x1b\x7f\x9f\ufeff\u200b\u00a0\u202f"
               "=+-@ '\"&<>;,/#?%") + ["M01", "BC03-C2", "e\u0301", "\u00e9"]
CODE = st.lists(st.one_of(st.sampled_from(SPECIAL), st.characters(exclude_categories=("Cs",))),
                max_size=12).map("".join)
PROPS = settings(max_examples=40, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
KIND = next(k for k in LINK_KINDS if k.target_column == "competency")


def _digest(root) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return init_workspace(tmp_path_factory.mktemp("codes") / "ws")


@pytest.fixture(scope="module")
def vocab(workspace):
    from rdflib import Graph

    from cipt_graph.build import parse_turtle

    graph = Graph()
    for ttl in sorted(workspace.root.glob("*.ttl")):
        graph += parse_turtle(ttl)
    return Vocabulary.from_graph(graph)


@PROPS
@given(module=CODE, target=CODE)
def test_codes_in_the_mapping_csv_are_read_or_refused_with_their_line(tmp_path_factory, vocab, module, target):
    path = tmp_path_factory.mktemp("csv") / "module_competency.csv"
    quoted = [f'"{c.replace(chr(34), chr(34) * 2)}"' for c in (module, target)]
    path.write_text("module,competency,level,hours,status,asserted_by,asserted_on,rationale\n"
                    f"{quoted[0]},{quoted[1]},I,,proposed,T,2026-11-29,Justification\n", encoding="utf-8")
    known = clean_code(module) in vocab.modules and clean_code(target) in vocab.targets[KIND.target_class]
    try:
        graph = read_mapping_file(path, KIND, vocab)
    except InputError as exc:
        assert not known or "\x00" in module + target, (module, target, exc)
        assert exc.where and path.name in exc.where or path.name in str(exc)
        assert "line" in str(exc)
        return
    assert known and len(graph) > 0


@PROPS
@given(module=CODE, target=CODE)
def test_codes_typed_in_the_link_editor_are_accepted_or_refused_naming_the_field(workspace, vocab, module, target):
    before = _digest(workspace.root)
    known = clean_code(module) in vocab.modules and clean_code(target) in vocab.targets[KIND.target_class]
    try:
        result = edit_link(workspace, "competency", module, target, level="I", rationale="Essai", author="T")
    except EditError as exc:
        assert exc.where in ("module", "competency"), exc.where
        assert _digest(workspace.root) == before
        return
    assert known, (module, target)
    assert (result.module, result.target) == (clean_code(module), clean_code(target))
