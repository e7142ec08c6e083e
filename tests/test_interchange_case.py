"""CASE 1.0 export (issue #17): the package against the CASE JSON binding's schema, stable
UUIDs, and the round trip CASE package → our reader → the same referential."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

import jsonschema
import pyoxigraph as ox
import pytest

from cipt_graph.errors import InputError
from cipt_graph.interchange import load_referential
from cipt_graph.interchange.case import build_package, read_package
from cipt_graph.queries import run_query
from cipt_graph.store import OxigraphStore, iter_records

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "case-v1p0.schema.json").read_text(encoding="utf-8"))
CIPT = "https://w3id.org/cipt-graph/ontology#"


def validator(definition: str) -> jsonschema.Draft7Validator:
    schema = {**SCHEMA, "$ref": f"#/definitions/{definition}"}
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def errors(definition: str, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(definition).iter_errors(instance)]


@pytest.fixture(scope="module")
def exported(cli):
    done = cli("export-case", "--lang", "fr")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_cli_package_validates_against_the_case_schema(exported):
    assert errors("CFPackage", exported) == []
    types = {a["associationType"] for a in exported["CFAssociations"]}
    assert {"isChildOf", "isRelatedTo"} <= types


def test_the_schema_catches_a_broken_package(exported):
    broken = json.loads(json.dumps(exported))
    del broken["CFItems"][0]["fullStatement"]
    broken["CFAssociations"][0]["associationType"] = "isCousinOf"
    broken["CFDocument"]["identifier"] = "not-a-uuid"
    found = errors("CFPackage", broken)
    assert len(found) == 3, found


def test_items_carry_codes_and_both_languages(store, exported):
    ref = load_referential(store)
    by_uri = {i["uri"]: i for i in exported["CFItems"]}
    assert set(by_uri) == {i.iri for i in ref.items}
    for item in ref.items:
        cf = by_uri[item.iri]
        assert cf["humanCodingScheme"] == item.code
        assert (cf["fullStatement"], cf["alternativeLabel"], cf["language"]) == (item.label_fr, item.label_en, "fr")
    english = build_package(ref, "en")
    assert {i["fullStatement"] for i in english["CFItems"]} == {i.label_en for i in ref.items}
    assert errors("CFPackage", english) == []


def test_identifiers_are_uuid5_of_the_iris_and_stable(store, exported):
    for obj in [exported["CFDocument"], *exported["CFItems"]]:
        assert obj["identifier"] == str(uuid.uuid5(uuid.NAMESPACE_URL, obj["uri"]))
    assert build_package(load_referential(store)) == exported
    ids = [o["identifier"] for o in [exported["CFDocument"], *exported["CFItems"], *exported["CFAssociations"]]]
    assert len(ids) == len(set(ids))


def test_hierarchy_is_child_of(store, exported):
    ref = load_referential(store)
    doc = exported["CFDocument"]["identifier"]
    child_of = {a["originNodeURI"]["uri"]: a["destinationNodeURI"]["uri"]
                for a in exported["CFAssociations"] if a["associationType"] == "isChildOf"}
    for item in ref.items:
        assert child_of[item.iri] == item.parent
    assert sum(1 for a in exported["CFAssociations"]
               if a["associationType"] == "isChildOf" and a["destinationNodeURI"]["identifier"] == doc) == len(ref.blocks)


def _referential_rows(store) -> list[tuple]:
    rows = iter_records(run_query(store, "referential_items", {}))
    return sorted((r["certification"], r["item"], r["kind"], r["code"], r["label_fr"], r["label_en"], r["parent"],
                   r["exact_match"]) for r in rows)


def _reader_store(package) -> OxigraphStore:
    target = OxigraphStore()
    target.oxigraph.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in read_package(package))
    return target


def test_round_trip_gives_the_same_referential(store, exported):
    back = _reader_store(exported)
    assert _referential_rows(back) == _referential_rows(store)
    links = {(r["module"], r["competency"], r["level"]) for r in back.raw_query(
        f"SELECT ?module ?competency ?level WHERE {{ ?c a <{CIPT}CompetencyCoverage> ; <{CIPT}module> ?module ;"
        f" <{CIPT}competency> ?competency ; <{CIPT}level> ?level }}")}
    links = {tuple(t.value for t in row) for row in links}
    want = {(r["module"], r["competency"], r["level_code"]) for r in iter_records(run_query(store, "coverage_matrix", {}))}
    levels = {r["level_code"]: r["level"] for r in iter_records(run_query(store, "coverage_levels", {}))}
    assert links == {(m, c, levels[code]) for m, c, code in want}


def test_exact_match_to_an_official_block_travels(store):
    ref = load_referential(store)
    block = ref.blocks[0]
    official = "https://w3id.org/cipt-graph/id/rncp/RNCP38175/block/RNCP38175BC01"
    ref.items[ref.items.index(block)] = dataclasses.replace(block, exact_matches=((official, "RNCP38175BC01"),))
    package = build_package(ref)
    (match,) = [a for a in package["CFAssociations"] if a["associationType"] == "exactMatchOf"]
    assert (match["originNodeURI"]["uri"], match["destinationNodeURI"]["uri"]) == (block.iri, official)
    assert errors("CFPackage", package) == []
    triples = read_package(package)
    assert ox.Triple(ox.NamedNode(block.iri), ox.NamedNode("http://www.w3.org/2004/02/skos/core#exactMatch"),
                     ox.NamedNode(official)) in triples


def test_reader_names_the_place_of_a_missing_field(exported):
    with pytest.raises(InputError, match=r"\$: missing 'CFDocument'"):
        read_package({"CFItems": []})
    broken = json.loads(json.dumps(exported))
    del broken["CFAssociations"][3]["associationType"]
    with pytest.raises(InputError, match=r"\$\.CFAssociations\[3\]: missing 'associationType'"):
        read_package(broken)


def test_cli_writes_a_file(cli, tmp_path):
    out = tmp_path / "case.json"
    done = cli("export-case", "--lang", "en", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["CFDocument"]["language"] == "en"
