"""The team's pages as a French reader reads them (issue #15), on a real `cipt serve` with
accounts made by `cipt users`: the program's messages (refusals, cell errors, workbook errors,
the page's own words, the history) put a no-break space before « : » and a narrow one before
« ; ! ? », so that the sign never starts a line; English keeps none. And the language switch of
a form's answer (a refused decision, a refused cell) leads to a page one can open (GET), not to
the form's address (405).
"""

from __future__ import annotations

import html
import io
import re

import httpx
import openpyxl
import pytest
import team_helpers as th

USERS = {"edith": ("editor", "edith-secret-0001"), "victor": ("validator", "victor-secret-0002")}
#: A breakable space before a sign that French typography keeps on the line of the word before.
LOOSE = re.compile(r"\w[»)]? [:;!?](?=\s|$)")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with th.team_site(tmp_path_factory.mktemp("typography"), USERS) as both:
        yield both


def _visible(page: str) -> str:
    page = re.sub(r"<(script|style|textarea|title)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _main(page: str) -> str:
    found = re.search(r"<main\b.*?</main>", page, re.S)
    assert found, page[:300]
    return _visible(found.group(0))


def _switch(page: str) -> str:
    found = re.search(r'<a class="lang" id="lang-switch"[^>]*href="([^"]+)"', page)
    assert found, "no language switch"
    return html.unescape(found.group(1))


def _workbook_with_errors(client: httpx.Client) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(client.get("/edit/workbook.xlsx").content))
    sheet = book["Justifications"]
    sheet["C2"], sheet["C3"] = 1000, 5.5  # hours above the module's, and a total above it
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_french_messages_keep_their_signs_on_the_line_english_has_no_space(site):
    server, _ = site
    edith = th.sign_in(server, "edith", USERS["edith"][1])
    data = _workbook_with_errors(edith)
    said = {}
    for lang in ("fr", "en"):
        form = th.token(edith.get(f"/edit/upload?lang={lang}").text)
        answer = edith.post("/edit/upload", data={"csrftoken": form, "message": "m", "lang": lang},
                            files={"workbook": ("matrice.xlsx", io.BytesIO(data), "application/octet-stream")})
        assert answer.status_code == 400, answer.text[:300]
        said[lang] = _main(answer.text)
    # The page's sentence, each cell's error and the page's help text, all in the program's words.
    assert "contient des erreurs\u202f; rien n'a été appliqué\u00a0:" in said["fr"], said["fr"]
    assert "Justifications!C2\u00a0: 1\u202f000\u202fh sur un lien du module M01" in said["fr"], said["fr"]
    assert "après l'avoir modifié\u00a0: chaque cellule est vérifiée\u202f; rien" in said["fr"], said["fr"]
    assert LOOSE.findall(said["fr"]) == [], LOOSE.findall(said["fr"])
    assert "has errors; nothing was applied:" in said["en"] and "Justifications!C2: 1,000\u202fh" in said["en"]
    assert re.findall(r"[ \u00a0\u202f][:;!?](?=\s|$)", said["en"]) == [], said["en"]
    # The university overview's own words (outside the site's catalog) too.
    overview = _main(httpx.get(f"{server.url}/programmes", timeout=60).text)
    assert "Les formations et leurs chiffres clés\u202f; un clic" in overview and LOOSE.findall(overview) == []
    assert "The programmes and their key figures; a click" in _main(httpx.get(f"{server.url}/programmes?lang=en",
                                                                              timeout=60).text)


def test_a_cell_error_and_the_history_read_in_french_typography(site):
    server, workspace = site
    edith = th.sign_in(server, "edith", USERS["edith"][1])
    page = edith.get("/edit/cell", params={"module": "M02", "competency": "BC02-C1"}).text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.split('id="cell-form"')[1]))
    fields = {k: html.unescape(v) for k, v in fields.items()}
    answer = edith.post("/edit/link", data={**fields, "level": "I", "hours": "1e9", "rationale": "r", "message": ""})
    assert answer.status_code == 400
    error = _visible(re.search(r'<p class="field-error".*?</p>', answer.text, re.S).group(0))
    assert error.startswith("heures\u00a0: «\u00a01e9\u00a0» n'est pas un nombre d'heures\u00a0: écrivez"), error
    assert LOOSE.findall(_main(answer.text)) == [], _main(answer.text)
    # A validation's sentence in the history (the comment as typed, the program's colon typeset).
    th.propose(edith, "M03", "BC01-C1")
    victor = th.sign_in(server, "victor", USERS["victor"][1])
    assert th.decide(victor, "M03", "BC01-C1", "validate", "Vu en réunion").status_code == 303
    versions = _main(httpx.get(f"{server.url}/versions", timeout=60).text)
    assert "M03 → BC01-C1 validé\u00a0: Vu en réunion" in versions, versions
    assert "M03 → BC01-C1 validated: Vu en réunion" in _main(httpx.get(f"{server.url}/versions?lang=en", timeout=60).text)
    versions_list = th.versions(workspace)
    between = _main(httpx.get(f"{server.url}/versions/diff", params={"a": versions_list[0]["id"], "b": "current"},
                              timeout=60).text)
    assert "Versions enregistrées entre les deux\u00a0: qui, quoi, pourquoi" in between
    assert "M03 → BC01-C1 validé\u00a0: Vu en réunion" in between


def test_the_language_switch_of_a_form_s_answer_opens_a_page(site):
    server, _ = site
    edith = th.sign_in(server, "edith", USERS["edith"][1])
    victor = th.sign_in(server, "victor", USERS["victor"][1])
    th.propose(edith, "M05", "BC01-C1")
    # A decision on a link changed meanwhile: refused (409); its "English" leads to the review, at the link.
    stale = th.loaded(victor, "M05", "BC01-C1")
    th.propose(edith, "M05", "BC01-C1", level="M")
    form = th.token(victor.get("/review").text)
    refused = victor.post("/review/decision", data={"csrftoken": form, "kind": "competency", "module": "M05",
                                                    "target": "BC01-C1", "decision": "validate", "comment": "",
                                                    "lang": "fr", "loaded": stale})
    assert refused.status_code == 409, refused.text[:300]
    switch = _switch(refused.text)
    assert switch.startswith("/review?") and "lang=en" in switch and switch.endswith("#link-M05-BC01-C1"), switch
    opened = victor.get(switch.split("#")[0])
    assert opened.status_code == 200 and opened.headers["content-language"] == "en"
    # A refused cell (hours not a number): "English" leads to the same cell's editor.
    page = edith.get("/edit/cell", params={"module": "M02", "competency": "BC03-C1"}).text
    fields = {k: html.unescape(v) for k, v in
              re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.split('id="cell-form"')[1])}
    refused = edith.post("/edit/link", data={**fields, "level": "I", "hours": "beaucoup", "rationale": "r"})
    assert refused.status_code == 400
    switch = _switch(refused.text)
    assert switch.startswith("/edit/cell?") and "module=M02" in switch and "competency=BC03-C1" in switch, switch
    opened = edith.get(switch)
    assert opened.status_code == 200 and opened.headers["content-language"] == "en" and 'id="cell-form"' in opened.text
    # A page opened by GET keeps switching to itself.
    assert _switch(edith.get("/edit/upload").text) == "/edit/upload?lang=en"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_applied_workbook_lists_each_change_with_its_values(site, lang):
    server, _ = site
    edith = th.sign_in(server, "edith", USERS["edith"][1])
    book = openpyxl.load_workbook(io.BytesIO(edith.get(f"/edit/workbook.xlsx?lang={lang}").content))
    sheet = book["Justifications"]
    hours = {"fr": (2.5, "2,5"), "en": (3.5, "3.5")}[lang]
    before = sheet["C2"].value
    sheet["C2"] = hours[0]
    out = io.BytesIO()
    book.save(out)
    form = th.token(edith.get(f"/edit/upload?lang={lang}").text)
    answer = edith.post("/edit/upload", data={"csrftoken": form, "message": "heures", "lang": lang},
                        files={"workbook": ("matrice.xlsx", io.BytesIO(out.getvalue()), "application/octet-stream")})
    assert answer.status_code == 200, answer.text[:300]
    changes = [_visible(c) for c in re.findall(r"<li>~ (.*?)</li>", answer.text)]
    was = "—" if before in (None, "") else None
    word, colon = ("heures", "\u00a0: ") if lang == "fr" else ("hours", ": ")
    assert len(changes) == 1 and changes[0].startswith(f"M01 → BC05-C1{colon}{word} "), changes
    assert re.search(rf"{word} (.+) → {re.escape(hours[1])}[\u00a0\u202f]h$", changes[0]), changes
    if was:
        assert f"{word} — → " in changes[0], changes


def test_an_unknown_target_is_named_as_the_form_names_it(site):
    server, workspace = site
    edith = th.sign_in(server, "edith", USERS["edith"][1])
    before = (workspace / "mapping" / "module_activity.csv").read_bytes()
    for kind, target, fr, en in (("activity", "A99", "activité inconnue\u00a0: A99", "unknown activity: A99"),
                                 ("objective", "O99", "objectif inconnu\u00a0: O99", "unknown objective: O99"),
                                 ("competency", "BC99-C9", "compétence inconnue\u00a0: BC99-C9",
                                  "unknown competency: BC99-C9")):
        for lang, expected in (("fr", fr), ("en", en)):
            form = th.token(edith.get(f"/review?kind={kind}&lang={lang}").text)
            answer = edith.post("/edit/link", data={"csrftoken": form, "kind": kind, "module": "M01", "target": target,
                                                    "level": "I", "rationale": "ajout", "loaded": "new", "lang": lang})
            assert answer.status_code == 400 and expected in th.alert(answer.text), (kind, lang, th.alert(answer.text))
    assert (workspace / "mapping" / "module_activity.csv").read_bytes() == before
