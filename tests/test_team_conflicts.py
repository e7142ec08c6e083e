"""Two people on the same link (issue #15, tester's attack items 1, 2, 3, 22), against a real
`cipt serve` on a workspace with accounts, with real signed-in `httpx` clients:

1. an editor saving a form loaded before a colleague's change is refused (409, the page says
   the link changed and links to a reload), from the matrix cell editor and from the review
   page's « Modifier » form: the colleague's rationale and hours stay;
2. a validator cannot validate or reject a link that changed since their page was loaded;
3. the « Ajouter un lien » form does not replace an existing link (competency and objective);
22. a reject sent twice says the link no longer exists, with the reject verb, and the refusal
    page links back to the review page.

Each refused change leaves the mapping file byte for byte and records no version.
"""

from __future__ import annotations

import html
import re

import pytest
import team_helpers as th
from conftest import run_cli
from serve_helpers import serving, writer_env

USERS = {"paul": ("editor", "paul-secret-0001", "Paul Éditeur"),
         "vero": ("editor", "vero-secret-0002", "Véro Éditrice"),
         "marie": ("validator", "marie-secret-003", "Marie Validatrice")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("team-conflicts")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, (role, password, name) in USERS.items():
        th.add_user(workspace, user, role, password, name=name)
    with serving(["--data", str(workspace), "--allow-writes"], root / "serve.log", writer_env()) as server:
        yield server, workspace


def _client(server, user: str):
    return th.sign_in(server, user, USERS[user][1])


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field"
    return html.unescape(found.group(1))


def _unchanged(workspace, name=th.MAPPING):
    """The mapping file and the number of versions, to compare after a refusal."""
    return (workspace / "mapping" / name).read_bytes(), len(th.versions(workspace))


def _reload_link(page: str) -> str:
    found = re.search(r'<a href="([^"]+)" class="back-link">', page)
    assert found, "no reload / back link on the refusal page"
    return html.unescape(found.group(1))


def test_a_stale_cell_form_does_not_undo_a_colleagues_change(site):
    server, workspace = site
    paul, vero = _client(server, "paul"), _client(server, "vero")
    cell = {"module": "M02", "competency": "BC02-C1"}
    paul_page, vero_page = paul.get("/edit/cell", params=cell).text, vero.get("/edit/cell", params=cell).text
    assert _field(paul_page, "loaded") == _field(vero_page, "loaded") != "new"

    def form(page: str, **values) -> dict:
        return {"csrftoken": th.token(page), "form": "cell", "kind": "competency", "module": "M02",
                "target": "BC02-C1", "loaded": _field(page, "loaded"), "back": "/matrix", "lang": "fr", **values}

    saved = vero.post("/edit/link", data=form(vero_page, level="R", hours="3", rationale="Vero's careful rewrite"))
    assert saved.status_code == 303, saved.text[:300]
    kept = _unchanged(workspace)
    original = "Mobilise la sociologie des territoires comme savoir spécialisé de référence."
    assert original in html.unescape(paul_page)
    stale = paul.post("/edit/link", data=form(paul_page, level="M", hours="", rationale=original))
    assert stale.status_code == 409, stale.text[:500]
    assert "a changé depuis que vous avez ouvert la page" in html.unescape(stale.text)
    assert "Véro Éditrice" in html.unescape(stale.text)  # who changed it
    assert _unchanged(workspace) == kept
    row = th.link(workspace, "M02", "BC02-C1")
    assert (row["level"], row["hours"], row["rationale"]) == ("R", "3", "Vero's careful rewrite")
    # The reload link opens the cell as it is now; saved from there, Paul's change goes through.
    fresh = paul.get(_reload_link(stale.text))
    assert fresh.status_code == 200 and "Vero&#39;s careful rewrite" in fresh.text
    again = paul.post("/edit/link", data=form(fresh.text, level="M", hours="3", rationale="Vero's careful rewrite"))
    assert again.status_code == 303 and th.link(workspace, "M02", "BC02-C1")["level"] == "M"
    # In English, the same refusal in English.
    en = paul.post("/edit/link", data={**form(paul_page, level="I", hours="", rationale="x"), "lang": "en"})
    assert en.status_code == 409 and "changed since you opened the page" in html.unescape(en.text)


def test_a_stale_review_edit_form_is_refused(site):
    server, workspace = site
    paul, vero = _client(server, "paul"), _client(server, "vero")
    paul_loaded = th.loaded(paul, "M02", "BC05-C1")
    vero_loaded = th.loaded(vero, "M02", "BC05-C1")
    token = th.token(vero.get("/review").text)
    base = {"kind": "competency", "module": "M02", "target": "BC05-C1", "level": "I", "back": "/review?module=M02"}
    assert vero.post("/edit/link", data={**base, "csrftoken": token, "loaded": vero_loaded, "hours": "2",
                                         "rationale": "Réécrit par Véro"}).status_code == 303
    kept = _unchanged(workspace)
    stale = paul.post("/edit/link", data={**base, "csrftoken": th.token(paul.get("/review").text),
                                          "loaded": paul_loaded, "level": "R", "rationale": "Ancienne justification"})
    assert stale.status_code == 409
    assert "a changé depuis que vous avez ouvert la page" in th.alert(stale.text)
    assert _reload_link(stale.text) == "/review?module=M02#link-M02-BC05-C1"
    assert _unchanged(workspace) == kept
    # A form that carries no fingerprint says nothing of what was seen: refused as well.
    blind = paul.post("/edit/link", data={**base, "csrftoken": th.token(paul.get("/review").text),
                                          "rationale": "Sans empreinte"})
    assert blind.status_code == 409 and "Rechargez la page" in th.alert(blind.text)
    assert _unchanged(workspace) == kept


def test_a_validator_cannot_decide_on_content_they_did_not_see(site):
    server, workspace = site
    paul, marie = _client(server, "paul"), _client(server, "marie")
    seen = th.loaded(marie, "M02", "BC06-C2")
    th.propose(paul, "M02", "BC06-C2", level="M")  # changed after Marie's page was loaded
    kept = _unchanged(workspace)
    for decision, comment in (("validate", "OK vu"), ("reject", "Hors sujet")):
        answer = marie.post("/review/decision", data={"csrftoken": th.token(marie.get("/review").text),
                                                       "kind": "competency", "module": "M02", "target": "BC06-C2",
                                                       "decision": decision, "comment": comment, "loaded": seen})
        assert answer.status_code == 409, answer.text[:300]
        assert "votre décision n'est pas enregistrée" in th.alert(answer.text)
        assert "Paul Éditeur" in th.alert(answer.text)
        assert _unchanged(workspace) == kept
    row = th.link(workspace, "M02", "BC06-C2")
    assert (row["status"], row["level"]) == ("proposed", "M")
    # From a fresh page, the decision is recorded.
    assert th.decide(marie, "M02", "BC06-C2", "validate", "Vu après rechargement").status_code == 303
    assert th.link(workspace, "M02", "BC06-C2")["status"] == "validated"


def test_the_add_form_does_not_replace_an_existing_link(site):
    server, workspace = site
    paul, marie = _client(server, "paul"), _client(server, "marie")
    th.propose(paul, "M03", "BC05-C3", level="R")
    assert th.decide(marie, "M03", "BC05-C3", "validate", "Vu").status_code == 303
    kept = _unchanged(workspace)
    page = paul.get("/review").text
    assert 'name="loaded" value="new"' in page  # the add form says it adds
    answer = paul.post("/edit/link", data={"csrftoken": th.token(page), "kind": "competency", "module": "M03",
                                           "target": "BC05-C3", "level": "I", "rationale": "ajout", "loaded": "new"})
    assert answer.status_code == 409
    assert "existe déjà\u00a0: modifiez-le plutôt" in th.alert(answer.text)
    assert _unchanged(workspace) == kept and th.link(workspace, "M03", "BC05-C3")["status"] == "validated"
    objectives = _unchanged(workspace, "module_objective.csv")
    answer = paul.post("/edit/link", data={"csrftoken": th.token(page), "kind": "objective", "module": "M01",
                                           "target": "O1", "rationale": "ajout", "loaded": "new", "lang": "en"})
    assert answer.status_code == 409 and "already exists: edit it instead" in th.alert(answer.text)
    assert _unchanged(workspace, "module_objective.csv") == objectives
    # A link that does not exist yet is added.
    assert th.loaded(paul, "M04", "BC01-C1") == "new"
    added = paul.post("/edit/link", data={"csrftoken": th.token(page), "kind": "competency", "module": "M04",
                                          "target": "BC01-C1", "level": "I", "rationale": "ajout", "loaded": "new"})
    assert added.status_code == 303 and th.link(workspace, "M04", "BC01-C1")["rationale"] == "ajout"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_reject_sent_twice_says_what_happened(site, lang):
    server, workspace = site
    paul, marie = _client(server, "paul"), _client(server, "marie")
    target = {"fr": "BC02-C2", "en": "BC02-C3"}[lang]
    th.propose(paul, "M05", target)
    seen = th.loaded(marie, "M05", target)
    form = {"csrftoken": th.token(marie.get("/review").text), "kind": "competency", "module": "M05", "target": target,
            "decision": "reject", "comment": "Hors sujet", "loaded": seen, "lang": lang,
            "back": "/review?module=M05"}
    assert marie.post("/review/decision", data=form).status_code == 303
    kept = _unchanged(workspace)
    again = marie.post("/review/decision", data=form)
    assert again.status_code == 409
    text = th.alert(again.text)
    if lang == "fr":
        assert f"le lien M05 → {target} n'existe plus" in text and "rien à rejeter" in text and "valider" not in text
    else:
        assert f"the link M05 → {target} no longer exists" in text and "nothing left to reject" in text
    assert _reload_link(again.text).startswith("/review?module=M05")
    assert _unchanged(workspace) == kept
    # A refusal by role (an editor deciding) links back to the review page too.
    refused = paul.post("/review/decision", data={**form, "csrftoken": th.token(paul.get("/review").text)})
    assert refused.status_code == 403 and _reload_link(refused.text) == f"/review?lang={lang}"
    assert {"fr": ">Retour à la relecture</a>", "en": ">Back to the review</a>"}[lang] in refused.text
