"""What the editing forms accept (issue #15, tester's attack items 14 and 5), against a real
`cipt serve` on a workspace with accounts, through the matrix cell editor posted by a signed-in
`httpx` client:

14. hours are a plain decimal with a comma or a point and at most two decimals, in ASCII digits:
    ``1_0``, ``١٢``, ``+4``, ``1e9``, ``12,345`` (thousands?), ``0,0000001`` are refused (400) with
    a message naming the field and saying what to write; nothing is written;
5. hours inside the messages are written the way the page's language writes them (Babel):
    ``25,5 h dépasse les 20 h du module``, ``25.5 h is more than the module's 20 h``.
"""

from __future__ import annotations

import html
import re

import pytest
import team_helpers as th
from conftest import run_cli
from serve_helpers import serving, writer_env

NNBSP = "\u202f"
USERS = {"paul": ("editor", "paul-secret-0001", "Paul Éditeur")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("team-inputs")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, (role, password, name) in USERS.items():
        th.add_user(workspace, user, role, password, name=name)
    with serving(["--data", str(workspace), "--allow-writes"], root / "serve.log", writer_env()) as server:
        yield server, workspace, th.sign_in(server, "paul", USERS["paul"][1])


def _save(client, module: str, competency: str, hours: str, lang: str = "fr"):
    page = client.get("/edit/cell", params={"module": module, "competency": competency, "lang": lang}).text
    loaded = re.search(r'name="loaded" value="([^"]+)"', page).group(1)
    return client.post("/edit/link", data={"csrftoken": th.token(page), "form": "cell", "kind": "competency",
                                           "module": module, "target": competency, "level": "R", "hours": hours,
                                           "rationale": "Étude de cas", "lang": lang, "loaded": loaded})


def _hours_error(page: str) -> str:
    found = re.search(r'<p class="field-error" id="err-hours" role="alert">(.*?)</p>', page, re.S)
    assert found, "no error beside the hours field"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


@pytest.mark.parametrize("typed, words", [
    ("1_0", "n'est pas un nombre d'heures"), ("١٢", "n'est pas un nombre d'heures"),
    ("+4", "n'est pas un nombre d'heures"), ("1e9", "n'est pas un nombre d'heures"),
    ("-2", "n'est pas un nombre d'heures"), ("deux", "n'est pas un nombre d'heures"),
    ("12,345", "a plus de deux décimales"), ("0,0000001", "a plus de deux décimales"),
])
def test_hours_not_plainly_a_number_of_hours_are_refused(site, typed, words):
    _, workspace, paul = site
    before, count = (workspace / "mapping" / th.MAPPING).read_bytes(), len(th.versions(workspace))
    answer = _save(paul, "M14", "BC01-C1", typed)
    assert answer.status_code == 400, answer.text[:300]
    text = _hours_error(answer.text)
    assert text.startswith("heures") and words in text and f"«\u00a0{typed}\u00a0»" in text, text
    assert "au plus deux" in text or "deux décimales" in text
    assert (workspace / "mapping" / th.MAPPING).read_bytes() == before and len(th.versions(workspace)) == count


def test_hours_refused_in_english_say_so_in_english(site):
    _, _, paul = site
    text = _hours_error(_save(paul, "M14", "BC01-C1", "12,345", lang="en").text)
    assert text.startswith("hours") and "has more than two decimals" in text, text


@pytest.mark.parametrize("typed, stored", [("3,5", "3.5"), ("2.25", "2.25"), ("4", "4"), (" 1,50 ", "1.5")])
def test_plain_decimals_with_a_comma_or_a_point_are_saved(site, typed, stored):
    _, workspace, paul = site
    answer = _save(paul, "M14", "BC01-C1", typed)
    assert answer.status_code == 303, _hours_error(answer.text)
    assert th.link(workspace, "M14", "BC01-C1")["hours"] == stored


def test_hours_in_messages_follow_the_language(site):
    _, workspace, paul = site
    before = (workspace / "mapping" / th.MAPPING).read_bytes()
    fr = _hours_error(_save(paul, "M14", "BC06-C1", "25,5").text)
    assert f"25,5{NNBSP}h dépasse les 20{NNBSP}h du module" in fr, fr
    en = _hours_error(_save(paul, "M14", "BC06-C1", "25.5", lang="en").text)
    assert f"25.5{NNBSP}h is more than the module's 20{NNBSP}h" in en, en
    # Two links of M14 adding up above its 20 h: the sum in each language's writing.
    assert _save(paul, "M14", "BC01-C1", "10").status_code == 303
    before = (workspace / "mapping" / th.MAPPING).read_bytes()
    fr = _hours_error(_save(paul, "M14", "BC06-C1", "12,5").text)
    assert f"totaliseraient 22,5{NNBSP}h pour un module de 20{NNBSP}h" in fr, fr
    en = _hours_error(_save(paul, "M14", "BC06-C1", "12.5", lang="en").text)
    assert f"add up to 22.5{NNBSP}h for a 20{NNBSP}h module" in en, en
    assert (workspace / "mapping" / th.MAPPING).read_bytes() == before


def test_a_raw_utf8_form_body_is_read_as_utf8(site):
    """Tester's item 23: ``curl -d "rationale=…é…"`` (UTF-8 bytes, not percent-encoded) was stored
    as « responsabilitÃ©s »; percent-encoded bodies (what browsers send) are unchanged."""
    _, workspace, paul = site
    page = paul.get("/edit/cell", params={"module": "M15", "competency": "BC01-C1"}).text
    loaded = re.search(r'name="loaded" value="([^"]+)"', page).group(1)
    body = (f"csrftoken={th.token(page)}&form=cell&kind=competency&module=M15&target=BC01-C1&level=R&hours="
            f"&loaded={loaded}&rationale=Partage des responsabilités élus–agents").encode("utf-8")
    answer = paul.post("/edit/link", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 303, answer.text[:300]
    assert th.link(workspace, "M15", "BC01-C1")["rationale"] == "Partage des responsabilités élus–agents"
