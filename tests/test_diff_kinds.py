"""`cipt diff` covers every kind of change (issue #15): module → activity and module → objective
links, modules (hours, title, added, removed), the RNCP reconciliation and the imported fiches.

One real workspace (`cipt init`) is changed through the real functions — `edit_link` and
`review_link` for the links, `cipt import-rncp` with the crafted fiche for the reconciliation, an
edit of `programme.ttl` for the modules — and each change is looked for in `cipt diff --format
json`, in the text report (French, and English on request) and on the `/versions/diff` page of a
real `cipt serve`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import httpx
import pytest

from conftest import run_cli
from serve_helpers import serving

from cipt_graph.editing import edit_link, review_link
from cipt_graph.paths import resolve_workspace

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rncp"
OFFICIAL = FIXTURES / "RNCP38175_crafted.xml"
#: What the crafted fiche's later export changes (see newer_export in test_import_rncp.py).
BC06_OLD = "Contribuer à l’élaboration et à l’évaluation des politiques publiques"
BC06_NEW = "Contribuer à la prise de décision, mettre en place et évaluer des actions publiques"
DROPPED = ("    - Se servir de façon autonome des outils numériques avancés pour un ou plusieurs "
           "métiers ou secteurs de recherche du domaine")
NEW_MODULE = """
<module/M99>
    a cipt:Module ;
    skos:prefLabel "Atelier de diff"@fr, "Diff workshop"@en ;
    skos:notation "M99" ;
    schema:courseCode "M99" ;
    cipt:hours 7 ;
    schema:timeRequired "PT7H"^^xsd:duration ;
    cipt:period <period/P1> ;
    cipt:sequence 99 ;
    dcterms:source <source/brochure> ;
    cipt:dataStatus cipt:Stated .

<programme/m2-cipt> schema:hasCourse <module/M99> .
"""


def _rows(root: Path, name: str) -> list[dict[str, str]]:
    text = (root / "mapping" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _cli_ok(*args: str) -> str:
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """The workspace and the versions around each change, with what was changed."""
    root = tmp_path_factory.mktemp("diffkinds") / "ws"
    _cli_ok("init", str(root))
    ws = resolve_workspace(root)
    acts, objs = _rows(root, "module_activity.csv"), _rows(root, "module_objective.csv")
    linked_a = {(r["module"], r["activity"]) for r in acts}
    linked_o = {(r["module"], r["objective"]) for r in objs}
    modules = sorted({r["module"] for r in acts} | {r["module"] for r in objs})
    new_a = next((m, a) for m in modules for a in ("A01", "A02", "A03", "A04") if (m, a) not in linked_a)
    new_o = next((m, o) for m in modules for o in ("O1", "O2", "O3") if (m, o) not in linked_o)
    story = {"root": root, "changed_a": acts[0], "removed_a": acts[1], "new_a": new_a,
             "new_o": new_o, "validated_o": objs[0]}
    # Activity links: one added, one rationale changed, one removed.
    first = edit_link(ws, "activity", *new_a, rationale="Ajouté pour le diff.", author="Edith")
    story["v_links_from"] = first.version.parent
    c = story["changed_a"]
    edit_link(ws, "activity", c["module"], c["activity"], rationale="Justification <réécrite> & précisée.",
              author="Edith")
    r = story["removed_a"]
    edit_link(ws, "activity", r["module"], r["activity"], remove=True, author="Edith")
    # Objective links: one added, one validated (status proposed → validated).
    edit_link(ws, "objective", *new_o, rationale="Sert l'objectif.", author="Edith")
    v = story["validated_o"]
    last = review_link(ws, "objective", v["module"], v["objective"], decision="validate", reviewer="Vera")
    story["v_links_to"] = last.version.id
    # RNCP: the crafted fiche, then its later export (BC06 now matches, one competency dropped).
    report = json.loads(_cli_ok("import-rncp", str(OFFICIAL), "--data", str(root), "--format", "json"))
    story["v_rncp1"] = report["version"]
    later = root.parent / "export_fiches_RNCP_V4_1_2025-06-30.xml"
    text = OFFICIAL.read_text(encoding="utf-8")
    assert BC06_OLD in text and DROPPED in text
    later.write_text(text.replace(BC06_OLD, BC06_NEW).replace(DROPPED, ""), encoding="utf-8")
    report = json.loads(_cli_ok("import-rncp", str(later), "--data", str(root), "--format", "json"))
    story["v_rncp2"], story["later"] = report["version"], later.name
    # Modules: M01's hours and title change, a module M99 is added (the files now: `current`).
    programme = root / "programme.ttl"
    text = programme.read_text(encoding="utf-8")
    m01 = re.search(r"^<module/M01>\n.*?\n\n", text, re.S | re.M).group(0)
    story["m01_hours"] = int(re.search(r"cipt:hours (\d+)", m01).group(1))
    new_m01 = (m01.replace(f"cipt:hours {story['m01_hours']} ;", f"cipt:hours {story['m01_hours'] + 4} ;")
               .replace('"Communication publique"@fr', '"Communication publique & <politique>"@fr'))
    assert new_m01 != m01
    programme.write_text(text.replace(m01, new_m01) + NEW_MODULE, encoding="utf-8")
    return story


def diff_json(story, a: str, b: str) -> dict:
    return json.loads(_cli_ok("diff", a, b, "--data", str(story["root"]), "--format", "json"))


def diff_text(story, a: str, b: str, lang: str = "fr") -> str:
    """`cipt diff` as text, its no-break spaces (French typography: « … », 20 h, « ; ») as plain
    spaces (test_french_typography checks them)."""
    return _cli_ok("diff", a, b, "--data", str(story["root"]), "--lang", lang).replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture(scope="module")
def server(story, tmp_path_factory):
    log = tmp_path_factory.mktemp("diffkinds-log") / "serve.log"
    with serving(["--data", str(story["root"])], log) as running:
        yield running


def page(server, a: str, b: str, lang: str = "fr") -> str:
    answer = httpx.get(f"{server.url}/versions/diff", params={"a": a, "b": b, "lang": lang}, timeout=120)
    assert answer.status_code == 200, answer.text[:2000]
    return answer.text


def _text_of(section_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", section_html))


def section(page_html: str, name: str) -> str:
    found = re.search(rf'<section class="diff-kind" id="diff-{name}">(.*?)</section>', page_html, re.S)
    assert found, f"no {name} section on the page"
    return re.sub(r"\s+", " ", _text_of(found.group(1))).strip()


# --- activity and objective links -------------------------------------------------------------

def test_activity_and_objective_links_in_json(story):
    d = diff_json(story, story["v_links_from"], story["v_links_to"])
    assert d["added"] == d["removed"] == d["changed"] == [], "no module → competency link changed"
    acts = d["activity_links"]
    assert [(r["module"], r["target"]) for r in acts["added"]] == [story["new_a"]]
    assert acts["added"][0]["status"] == "proposed" and acts["added"][0]["rationale"] == "Ajouté pour le diff."
    r, c = story["removed_a"], story["changed_a"]
    assert [(x["module"], x["target"]) for x in acts["removed"]] == [(r["module"], r["activity"])]
    (changed,) = acts["changed"]
    assert (changed["module"], changed["target"], changed["fields"]) == (c["module"], c["activity"], ["rationale"])
    assert changed["before"]["rationale"] == c["rationale"]
    assert changed["after"]["rationale"] == "Justification <réécrite> & précisée."
    objs = d["objective_links"]
    assert [(x["module"], x["target"]) for x in objs["added"]] == [story["new_o"]]
    v = story["validated_o"]
    (validated,) = objs["changed"]
    assert (validated["module"], validated["target"]) == (v["module"], v["objective"])
    assert validated["fields"] == ["status"] and validated["before"] == {"status": "proposed"}
    assert validated["after"] == {"status": "validated"} and objs["removed"] == []
    # The reverse diff swaps added and removed.
    back = diff_json(story, story["v_links_to"], story["v_links_from"])
    assert back["activity_links"]["added"] == acts["removed"] and back["activity_links"]["removed"] == acts["added"]


def test_activity_and_objective_links_in_text(story):
    text = diff_text(story, story["v_links_from"], story["v_links_to"])
    r, c, v = story["removed_a"], story["changed_a"], story["validated_o"]
    assert "Liens module → activité (1 ajout, 1 retrait, 1 modification)" in text
    assert f"+ {story['new_a'][0]} → {story['new_a'][1]}  " in text
    assert f"- {r['module']} → {r['activity']}  " in text
    assert (f"~ {c['module']} → {c['activity']}  justification « {c['rationale']} » → « Justification <réécrite>"
            in text), "a changed rationale shows both texts, quoted"
    assert "Liens module → objectif (1 ajout, 1 modification)" in text
    assert f"~ {v['module']} → {v['objective']}  statut proposé → validé" in text
    assert f"+ {story['new_o'][0]} → {story['new_o'][1]}  " in text and "(proposé)" in text
    assert "Aucun changement" not in text
    en = diff_text(story, story["v_links_from"], story["v_links_to"], "en")
    assert "Module → activity links (1 addition, 1 removal, 1 change)" in en
    assert f"~ {v['module']} → {v['objective']}  status proposed → validated" in en


def test_activity_and_objective_links_on_the_page(story, server):
    body = page(server, story["v_links_from"], story["v_links_to"])
    r, c, v = story["removed_a"], story["changed_a"], story["validated_o"]
    acts = section(body, "activity_links")
    assert acts.startswith("Liens module → activité")
    assert f"+ {story['new_a'][0]} → {story['new_a'][1]}" in acts and f"− {r['module']} → {r['activity']}" in acts
    assert f"{c['module']} → {c['activity']} justification" in acts
    assert "Justification <réécrite> & précisée." in acts
    assert "&lt;réécrite&gt; &amp; précisée" in body, "rationales are escaped"
    objs = section(body, "objective_links")
    assert f"{v['module']} → {v['objective']} statut proposé validé" in objs
    for absent in ("modules", "reconciliation", "fiches"):
        assert f'id="diff-{absent}"' not in body, f"{absent}: no section when nothing changed"
    en = section(page(server, story["v_links_from"], story["v_links_to"], "en"), "objective_links")
    assert en.startswith("Module → objective links") and "status proposed validated" in en


# --- RNCP reconciliation and fiches -----------------------------------------------------------

def test_rncp_import_in_json(story):
    first = diff_json(story, story["v_links_to"], story["v_rncp1"])
    rec = first["reconciliation"]
    pairs = {(m["block"], m["official_code"]) for m in rec["added"]}
    want = json.loads((FIXTURES / "RNCP38175_crafted.expected.json").read_text(encoding="utf-8"))["matched"]
    assert pairs == set(want.items()) and rec["removed"] == rec["changed"] == []
    assert all(m["fiche_number"] == "RNCP38175" and m["matched_competencies"] >= 1 for m in rec["added"])
    (fiche,) = first["fiches"]["added"]
    assert fiche["number"] == "RNCP38175" and fiche["source_title"] == OFFICIAL.name and fiche["blocks"] > 0
    assert first["activity_links"] == {"added": [], "removed": [], "changed": []}
    # The later export: BC06 now matches the brochure; one competency of BC01 is gone from the fiche.
    second = diff_json(story, story["v_rncp1"], story["v_rncp2"])
    assert [m["block"] for m in second["reconciliation"]["added"]] == ["BC06"]
    (rec_change,) = second["reconciliation"]["changed"]  # the dropped competency was one of BC01's matched ones
    assert (rec_change["block"], rec_change["fields"]) == ("BC01", ["matched_competencies"])
    assert rec_change["after"]["matched_competencies"] == rec_change["before"]["matched_competencies"] - 1
    (fiche_change,) = second["fiches"]["changed"]
    assert fiche_change["number"] == "RNCP38175"
    assert fiche_change["before"]["source_title"] == OFFICIAL.name
    assert fiche_change["after"]["source_title"] == story["later"]
    assert fiche_change["after"]["competencies"] == fiche_change["before"]["competencies"] - 1
    assert second["fiches"]["added"] == second["fiches"]["removed"] == []
    back = diff_json(story, story["v_rncp1"], story["v_links_to"])
    assert back["fiches"]["removed"] == [fiche] and back["reconciliation"]["removed"] == rec["added"]


def test_rncp_import_in_text(story):
    text = diff_text(story, story["v_links_to"], story["v_rncp2"])
    assert "Rapprochement avec la fiche RNCP (bloc ↔ bloc officiel) (6 ajouts)" in text
    want = json.loads((FIXTURES / "RNCP38175_crafted.expected.json").read_text(encoding="utf-8"))["matched"]
    for block, official in want.items():
        assert f"+ {block} ↔ {official}  " in text
    assert f"+ RNCP38175  Science politique  ({story['later']})" in text
    changed = diff_text(story, story["v_rncp1"], story["v_rncp2"], "en")
    assert "Imported RNCP fiches (1 change)" in changed
    assert f"~ RNCP38175  export “{OFFICIAL.name}” → “{story['later']}”" in changed
    assert "~ BC01 ↔ RNCP38175BC01  identical competencies" in changed


def test_rncp_import_on_the_page(story, server):
    body = page(server, story["v_links_to"], story["v_rncp1"])
    rec = section(body, "reconciliation")
    want = json.loads((FIXTURES / "RNCP38175_crafted.expected.json").read_text(encoding="utf-8"))["matched"]
    for block, official in want.items():
        assert f"+ {block} ↔ {official}" in rec
    fiches = section(body, "fiches")
    assert fiches.startswith("Fiches RNCP importées") and "+ RNCP38175 Science politique" in fiches
    assert 'id="diff-activity_links"' not in body
    changed = section(page(server, story["v_rncp1"], story["v_rncp2"]), "fiches")
    assert f"RNCP38175 export {OFFICIAL.name} {story['later']}" in changed


# --- modules ----------------------------------------------------------------------------------

def test_modules_in_json_text_and_page(story, server):
    d = diff_json(story, story["v_rncp2"], "current")
    mods = d["modules"]
    assert [(m["module"], m["label"], m["hours"]) for m in mods["added"]] == [("M99", "Atelier de diff", 7)]
    (m01,) = mods["changed"]
    assert m01["module"] == "M01" and m01["fields"] == ["label", "hours"]
    assert m01["before"] == {"label": "Communication publique", "hours": story["m01_hours"]}
    assert m01["after"] == {"label": "Communication publique & <politique>", "hours": story["m01_hours"] + 4}
    assert diff_json(story, "current", story["v_rncp2"])["modules"]["removed"] == mods["added"]
    text = diff_text(story, story["v_rncp2"], "current")
    assert "Modules (1 ajout, 1 modification)" in text
    assert "+ M99  Atelier de diff  7 h" in text
    assert (f"~ M01  intitulé « Communication publique » → « Communication publique & <politique> » ; "
            f"heures {story['m01_hours']} h → {story['m01_hours'] + 4} h") in text
    assert "- M99  Atelier de diff" in diff_text(story, "current", story["v_rncp2"])
    body = page(server, story["v_rncp2"], "current")
    mods_html = section(body, "modules")
    assert "+ M99 Atelier de diff 7 h" in mods_html
    assert f"M01 heures {story['m01_hours']} h {story['m01_hours'] + 4} h" in mods_html
    assert "&lt;politique&gt;" in body and "<politique>" not in body


def test_json_api_gives_the_same_diff(story, server):
    for a, b in ((story["v_links_from"], story["v_links_to"]), (story["v_links_to"], story["v_rncp2"]),
                 (story["v_rncp2"], "current")):
        answer = httpx.get(f"{server.url}/api/versions/diff", params={"a": a, "b": b}, timeout=120)
        assert answer.status_code == 200, answer.text[:2000]
        assert answer.json() == diff_json(story, a, b)
        assert {"activity_links", "objective_links", "modules", "reconciliation", "fiches"} <= set(answer.json())
