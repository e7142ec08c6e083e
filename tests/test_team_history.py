"""Who validated or rejected what, and why, in the history (issue #15, tester's attack items 19
and 10), against a real `cipt serve` on a workspace with accounts and the real `cipt versions`:

19. the diff of a validation shows the validator and their comment (not only « proposé →
    validé »); the diff page lists the versions recorded in between with who, what and the
    message, so a rejection (the link only gone from the content) says who and why;
10. a review's message is shown in the reader's language (``validé`` / ``validated``), on the
    versions page and on the command line, whatever the validator's page language; the comment
    typed by the person stays as typed.
"""

from __future__ import annotations

import html
import re

import httpx
import pytest
import team_helpers as th
from conftest import run_cli
from serve_helpers import serving, writer_env

USERS = {"paul": ("editor", "paul-secret-0001", "Paul Éditeur"),
         "marie": ("validator", "marie-secret-003", "Marie Validatrice")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("team-history")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, (role, password, name) in USERS.items():
        th.add_user(workspace, user, role, password, name=name)
    with serving(["--data", str(workspace), "--allow-writes"], root / "serve.log", writer_env()) as server:
        paul, marie = (th.sign_in(server, u, USERS[u][1]) for u in ("paul", "marie"))
        th.propose(paul, "M02", "BC02-C1", level="R")
        assert th.decide(marie, "M02", "BC02-C1", "validate", "OK vu", lang="fr").status_code == 303
        th.propose(paul, "M03", "BC05-C3", level="I")
        assert th.decide(marie, "M03", "BC05-C3", "reject", "Hors sujet", lang="fr").status_code == 303
        yield server, workspace


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _diff(server, a: str, b: str, lang: str) -> str:
    answer = httpx.get(f"{server.url}/versions/diff", params={"a": a, "b": b, "lang": lang}, timeout=120)
    assert answer.status_code == 200, answer.text[:300]
    return answer.text


def test_the_diff_of_a_validation_shows_who_and_their_comment(site):
    server, workspace = site
    versions = th.versions(workspace)
    validation = next(v for v in versions if v["kind"] == "review" and "BC02-C1" in v["source"])
    page = _diff(server, validation["parent"], validation["id"], "fr")
    changed = _text(page.split("<h2>Liens modifiés</h2>")[1].split("</table>")[0])
    assert "statut proposé validé" in changed
    assert "validé par Marie Validatrice" in changed and "commentaire de validation OK vu" in changed
    english = _text(_diff(server, validation["parent"], validation["id"], "en"))
    assert "validated by Marie Validatrice" in english and "validation comment OK vu" in english
    # The command line's text diff says it too.
    done = run_cli("--lang", "en", "diff", validation["parent"], validation["id"], "--data", str(workspace))
    assert done.returncode == 0, done.stderr
    assert "validated by — → Marie Validatrice" in done.stdout and "validation comment — → “OK vu”" in done.stdout


def test_the_diff_of_a_rejection_says_who_rejected_and_why(site):
    server, workspace = site
    rejection = next(v for v in th.versions(workspace) if v["kind"] == "review" and "BC05-C3" in v["source"])
    page = _diff(server, rejection["parent"], rejection["id"], "fr")
    assert "− M03" in html.unescape(page)  # the link removed
    between = re.search(r'<table class="links" id="diff-versions">(.*?)</table>', page, re.S)
    assert between, "no list of the versions in between"
    row = _text(re.search(rf'<tr data-version="{rejection["id"]}">(.*?)</tr>', between.group(1), re.S).group(1))
    assert "Marie Validatrice" in row and "relecture" in row and "M03 → BC05-C3 rejeté : Hors sujet" in row, row
    english = _diff(server, rejection["parent"], rejection["id"], "en")
    row = _text(re.search(rf'<tr data-version="{rejection["id"]}">(.*?)</tr>', english, re.S).group(1))
    assert "review" in row and "M03 → BC05-C3 rejected: Hors sujet" in row, row
    # Over a longer range, every version in between is listed, in order.
    first = th.versions(workspace)[0]["id"]
    listed = re.findall(r'<tr data-version="(v\d+)">', _diff(server, first, "current", "fr"))
    assert listed == [v["id"] for v in th.versions(workspace)[1:]]


def test_review_messages_are_shown_in_the_readers_language(site):
    server, workspace = site
    english = _text(httpx.get(f"{server.url}/versions", params={"lang": "en"}, timeout=60).text)
    assert "M02 → BC02-C1 validated: OK vu" in english and "M03 → BC05-C3 rejected: Hors sujet" in english
    assert "validé" not in english and "rejeté" not in english
    french = _text(httpx.get(f"{server.url}/versions", params={"lang": "fr"}, timeout=60).text)
    assert "M02 → BC02-C1 validé : OK vu" in french and "M03 → BC05-C3 rejeté : Hors sujet" in french
    done = run_cli("--lang", "en", "versions", "--data", str(workspace))
    assert done.returncode == 0 and "M02 → BC02-C1 validated: OK vu" in done.stdout, done.stdout
    assert "validé" not in done.stdout
    # A validation made from the English page reads in French to a French reader.
    paul, marie = (th.sign_in(server, u, USERS[u][1]) for u in ("paul", "marie"))
    th.propose(paul, "M04", "BC01-C1")
    assert th.decide(marie, "M04", "BC01-C1", "validate", "Fine by me", lang="en").status_code == 303
    french = _text(httpx.get(f"{server.url}/versions", params={"lang": "fr"}, timeout=60).text)
    assert "M04 → BC01-C1 validé : Fine by me" in french


def test_rejected_links_are_listed_by_the_review_filter(site):
    server, _ = site
    marie = th.sign_in(server, "marie", USERS["marie"][1])
    page = marie.get("/review", params={"status": "rejected"}).text
    table = re.search(r'<table class="links" id="rejections">(.*?)</table>', page, re.S)
    assert table, "no list of rejected links"
    text = _text(table.group(1))
    assert "M03" in text and "BC05-C3" in text and "Marie Validatrice" in text and "Hors sujet" in text, text
    assert "M02 " not in text  # validated, not rejected
    assert re.search(r'href="/versions/diff\?a=v\d+&amp;b=v\d+&amp;lang=fr"', table.group(1))
    assert '<option value="rejected" selected>' in page
    assert "1 lien" in _text(page)
    # Filtered by module: none for M02.
    assert "Hors sujet" not in _text(marie.get("/review", params={"status": "rejected", "module": "M02"}).text)


def test_review_filters_refuse_unknown_values_and_block_is_for_competencies(site):
    server, _ = site
    marie = th.sign_in(server, "marie", USERS["marie"][1])
    for params, name in (({"block": "ZZ"}, "block"), ({"module": "M99"}, "module"), ({"status": "nope"}, "status"),
                         ({"kind": "autre"}, "kind")):
        answer = marie.get("/review", params=params)
        assert answer.status_code == 400, params
        assert f"paramètre «\u00a0{name}\u00a0»" in th.alert(answer.text), th.alert(answer.text)
        english = marie.get("/review", params={**params, "lang": "en"})
        assert english.status_code == 400 and f"parameter “{name}”" in th.alert(english.text)
    # The block filter applies to competency links only: not offered (nor applied) for activities.
    every = marie.get("/review", params={"kind": "activity"}).text
    blocked = marie.get("/review", params={"kind": "activity", "block": "BC01"}).text
    assert 'name="block"' not in blocked and 'name="block"' in marie.get("/review").text
    count = re.compile(r"(\d+) liens?\b")
    assert count.search(_text(blocked)).group(1) == count.search(_text(every)).group(1) != "0"
    # For competencies, it filters.
    bc01 = marie.get("/review", params={"block": "BC01"}).text
    assert '<option value="BC01" selected>' in bc01
    assert set(re.findall(r'id="link-M\d+-(BC\d+)-C\d+"', bc01)) == {"BC01"}


def test_signed_in_answers_name_each_vary_header_once(site):
    """Tester's item 24: a signed-in page sent ``Vary: Accept-Language, Cookie, Cookie``."""
    server, _ = site
    marie = th.sign_in(server, "marie", USERS["marie"][1])
    for path in ("/review", "/versions", "/matrix", "/edit/cell?module=M01&competency=BC01-C1", "/login"):
        answer = marie.get(path)
        names = [n.strip().casefold() for v in answer.headers.get_list("vary") for n in v.split(",")]
        assert "cookie" in names and len(names) == len(set(names)), (path, answer.headers.get_list("vary"))
