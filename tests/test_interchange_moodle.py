"""Moodle competency framework CSV (issue #17), read by a parser written from the rules of
Moodle's importer, admin/tool/lpimportcsv/classes/framework_importer.php:

- a header row, then records whose 14 columns are read by position: parentidnumber, idnumber,
  shortname, description, descriptionformat, scalevalues, scaleconfiguration, ruletype,
  ruleoutcome, ruleconfig, relatedidnumbers, exportid, isframework, taxonomies;
- a record whose isframework is true (PHP truthiness: not "" and not "0") is the framework;
  without one the file is invalid;
- idnumber and shortname are cut to 100 characters (shorten_text); a competency without
  idnumber or shortname is silently not created; records are kept in a map by idnumber (a
  repeated idnumber replaces the earlier one);
- the tree is built from the top (parentidnumber == "") down, attaching records whose
  parentidnumber equals their parent's idnumber: a record whose parent never appears is lost;
- the framework's scalevalues are matched against a site scale's compact items (comma-separated)
  and its scaleconfiguration is JSON whose first element gets the scale id.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest

from cipt_graph.interchange import load_referential

#: core_competency\competency_framework::TAXONOMY_* (the lang string keys a level may use).
TAXONOMIES = {"behaviour", "competency", "concept", "domain", "indicator", "level", "outcome", "practice",
              "proficiency", "skill", "value"}
#: FORMAT_MOODLE, FORMAT_HTML, FORMAT_PLAIN, FORMAT_WIKI, FORMAT_MARKDOWN.
FORMATS = {"0", "1", "2", "3", "4"}
COLUMNS = ("parentidnumber", "idnumber", "shortname", "description", "descriptionformat", "scalevalues",
           "scaleconfiguration", "ruletype", "ruleoutcome", "ruleconfig", "relatedidnumbers", "exportid",
           "isframework", "taxonomies")


class MoodleImportError(Exception):
    pass


def php_true(value: str) -> bool:
    return value not in ("", "0")


def parse_framework(text: str) -> dict:
    """The framework tree Moodle's importer builds from ``text``, with what it would lose."""
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) < 2:
        raise MoodleImportError("invalidimportfile: no records")
    framework, flat, problems = None, {}, []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) < len(COLUMNS):
            raise MoodleImportError(f"line {n}: {len(row)} columns, the importer reads {len(COLUMNS)}")
        rec = dict(zip(COLUMNS, row))
        for key in ("idnumber", "shortname"):
            if len(rec[key]) > 100:
                problems.append(f"line {n}: {key} longer than 100 characters would be cut")
        if rec["descriptionformat"] not in FORMATS:
            problems.append(f"line {n}: description format {rec['descriptionformat']!r} is not one of Moodle's")
        if php_true(rec["isframework"]):
            if framework is not None:
                problems.append(f"line {n}: a second framework record replaces the first")
            unknown = set(rec["taxonomies"].split(",")) - TAXONOMIES
            if unknown:
                problems.append(f"line {n}: taxonomy {sorted(unknown)} unknown to Moodle")
            framework = {**rec, "children": []}
            continue
        if not rec["idnumber"] or not rec["shortname"]:
            problems.append(f"line {n}: no idnumber or shortname: not created")
        if rec["idnumber"] in flat:
            problems.append(f"line {n}: idnumber {rec['idnumber']} repeated: replaces line {flat[rec['idnumber']]['line']}")
        flat[rec["idnumber"]] = {**rec, "line": n, "children": []}
    if framework is None:
        raise MoodleImportError("invalidimportfile: no framework record")

    attached = set()

    def add_children(node: dict, parent: str) -> None:
        for rec in flat.values():
            if rec["parentidnumber"] == parent and rec["idnumber"] not in attached:
                attached.add(rec["idnumber"])
                node["children"].append(rec)
                add_children(rec, rec["idnumber"])

    add_children(framework, "")
    problems += [f"line {r['line']}: parent {r['parentidnumber']!r} never appears: lost" for r in flat.values()
                 if r["idnumber"] not in attached]
    config = json.loads(framework["scaleconfiguration"])
    if not isinstance(config, list) or not isinstance(config[0], dict):
        raise MoodleImportError("scaleconfiguration: not a JSON list whose first element is an object")
    items = framework["scalevalues"].split(",")
    levels = config[1:]
    if sorted(c["id"] for c in levels) != list(range(1, len(items) + 1)):
        problems.append("scaleconfiguration ids do not number the scale items 1..n")
    if sum(c.get("scaledefault", 0) for c in levels) != 1 or not any(c.get("proficient") for c in levels):
        problems.append("scaleconfiguration needs one default and at least one proficient value")
    return {"framework": framework, "flat": flat, "problems": problems, "scale": items, "config": levels}


def multilang(description: str) -> dict[str, str]:
    return {lang: html.unescape(text) for lang, text in
            re.findall(r'<span lang="(\w+)" class="multilang">(.*?)</span>', description)}


@pytest.fixture(scope="module")
def exported(cli):
    done = cli("export-moodle")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_moodle_reads_the_whole_tree(exported, store):
    parsed = parse_framework(exported)
    assert parsed["problems"] == []
    ref = load_referential(store)
    fw = parsed["framework"]
    assert (fw["idnumber"], fw["descriptionformat"], fw["taxonomies"]) == ("RNCP38175", "1", "domain,competency")
    assert len(parsed["flat"]) == len(ref.items)
    blocks = fw["children"]
    assert [b["idnumber"] for b in blocks] == [f"RNCP38175-{b.code}" for b in ref.blocks]
    for block, item in zip(blocks, ref.blocks):
        assert multilang(block["description"]) == {"fr": item.label_fr, "en": item.label_en}
        comps = ref.competencies_of(item.iri)
        assert [c["idnumber"] for c in block["children"]] == [f"RNCP38175-{c.code}" for c in comps]
        for row, comp in zip(block["children"], comps):
            assert multilang(row["description"]) == {"fr": comp.label_fr, "en": comp.label_en}
            assert row["shortname"] == comp.label_fr or (row["shortname"].endswith("…")
                                                         and comp.label_fr.startswith(row["shortname"][:-1]))


def test_the_scale_is_the_coverage_scale(exported, store):
    parsed = parse_framework(exported)
    ref = load_referential(store)
    assert parsed["scale"] == [lv.label_fr for lv in sorted(ref.levels, key=lambda lv: lv.rank)]
    top = [c for c in parsed["config"] if c["scaledefault"]]
    assert top == [c for c in parsed["config"] if c["proficient"]] == [{"id": 3, "scaledefault": 1, "proficient": 1}]


def test_official_codes_become_idnumbers(store):
    import dataclasses

    from cipt_graph.interchange.moodle import build_csv

    ref = load_referential(store)
    block = ref.blocks[1]
    ref.items[ref.items.index(block)] = dataclasses.replace(block, official_code="RNCP38175BC02")
    parsed = parse_framework(build_csv(ref))
    assert parsed["problems"] == []
    (row,) = [b for b in parsed["framework"]["children"] if b["idnumber"] == "RNCP38175BC02"]
    assert len(row["children"]) == len(ref.competencies_of(block.iri))


def test_the_parser_sees_what_moodle_would_lose(exported):
    lines = exported.splitlines()
    orphan = lines[:2] + [lines[3].replace("RNCP38175-BC01,", "RNCP38175-BC99,", 1)]
    assert any("never appears" in p for p in parse_framework("\n".join(orphan))["problems"])
    with pytest.raises(MoodleImportError, match="no framework"):
        parse_framework("\n".join([lines[0], *lines[2:]]))
