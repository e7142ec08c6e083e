"""Error pages entirely in the page's language (issue #15), against a real `cipt serve`: the
technical detail of a 404, a 405, a refused parameter (FastAPI's validation), a library error
(an unknown version) follows ``Accept-Language`` / ``?lang``, French by default; an unknown
programme is said to be one, the parameter named, the dataset's real codes listed; a form refused
for its CSRF token answers in the request's language.
"""

from __future__ import annotations

import html
import re

import httpx
import pytest
import team_helpers as th
from conftest import run_cli
from serve_helpers import serving, writer_env

FR = {"Accept": "text/html", "Accept-Language": "fr"}
EN = {"Accept": "text/html", "Accept-Language": "en"}
#: Words of the English messages that must not show on a French page, and the reverse.
ENGLISH = re.compile(r"\b(no resource|holds nothing|is not allowed|Field required|Input should|unknown version|"
                     r"not a known programme|names no programme)\b")
FRENCH = re.compile(r"\b(aucune ressource|ne contient rien|n'est pas acceptée|obligatoire|valeur non acceptée|"
                    r"inconnue|ne désigne aucun)\b")


def _detail(page: str) -> str:
    """The text of the error page's main part."""
    main = page[page.index("<main"):page.index("</main>")]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


@pytest.mark.parametrize("method,path,status,fr,en", [
    ("GET", "/nope", 404, "aucune ressource à l'adresse /nope", "no resource at /nope"),
    ("GET", "/id/module/M99", 404, "le graphe ne contient rien sur https://", "the graph holds nothing about https://"),
    ("GET", "/id/coverage/M01--BC03-C2", 404, "le graphe ne contient rien sur", "the graph holds nothing about"),
    ("POST", "/", 405, "la méthode POST n'est pas acceptée à l'adresse /", "method POST is not allowed on /"),
    ("PUT", "/matrix", 405, "la méthode PUT n'est pas acceptée à l'adresse /matrix", "method PUT is not allowed on /matrix"),
])
def test_the_detail_of_an_error_page_is_in_the_page_language(server_url, method, path, status, fr, en):
    for headers, expected, wrong in ((FR, fr, ENGLISH), (EN, en, FRENCH)):
        answer = httpx.request(method, server_url + path, headers=headers, timeout=60)
        assert answer.status_code == status
        text = _detail(answer.text)
        assert expected in text, text
        assert not wrong.search(text), text
    english = _detail(httpx.request(method, f"{server_url}{path}?lang=en", headers=FR, timeout=60).text)
    assert en in english, english


def test_a_refused_parameter_is_named_in_french_and_in_english(server_url):
    page = httpx.get(f"{server_url}/matrix?lang=de", headers=FR, timeout=60)
    assert page.status_code == 400
    text = _detail(page.text)
    assert "paramètre « lang » : valeur non acceptée (« fr » ou « en » attendu)" in text, text
    assert not ENGLISH.search(text), text
    english = _detail(httpx.get(f"{server_url}/matrix?lang=de", headers=EN, timeout=60).text)
    assert "lang: Input should be 'fr' or 'en'" in english, english


def test_an_unknown_programme_is_named_with_the_real_codes(server_url):
    codes = [r["programme_code"] for r in _programmes(server_url)]
    assert codes
    for path in ("/matrix", "/graph", "/jobs", "/audit"):
        page = httpx.get(f"{server_url}{path}?programme=NOPE", headers=FR, timeout=120)
        assert page.status_code == 404, (path, page.text[:300])
        text = _detail(page.text)
        assert "Programme inconnu" in page.text and "Page introuvable" not in page.text, text
        assert "« programme »" in text and "« NOPE »" in text and f"programmes : {codes[0]}" in text, text
        assert "U007" not in text and "Il n'y a rien" not in text, text
        english = _detail(httpx.get(f"{server_url}{path}?programme=NOPE&lang=en", headers=FR, timeout=120).text)
        assert "Unknown programme" in english and "parameter 'programme'" in english, english
        assert f"programmes: {codes[0]}" in english and not FRENCH.search(english), english


def _programmes(server_url: str) -> list[dict]:
    answer = httpx.get(f"{server_url}/api/queries/programmes", headers={"Accept": "application/json"}, timeout=60)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    rows = body["results"]["bindings"] if "results" in body else body
    return [{k: (v["value"] if isinstance(v, dict) else v) for k, v in row.items()} for row in rows]


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    root = tmp_path_factory.mktemp("errpages")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    th.add_user(workspace, "edith", "editor", "edith-secret-0001", name="Édith Moreau")
    with serving(["--data", str(workspace), "--allow-writes"], root / "serve.log", writer_env()) as server:
        yield server, workspace


def test_the_versions_diff_refusals_follow_the_language(team):
    server, _ = team
    for headers, missing, unknown, wrong in (
            (FR, "Choisissez les deux versions à comparer dans la page Versions.", "La version v99 n'existe pas", ENGLISH),
            (EN, "Choose the two versions to compare on the Versions page.", "Version v99 does not exist", FRENCH)):
        page = httpx.get(f"{server.url}/versions/diff?a=v1", headers=headers, timeout=60)
        assert page.status_code == 400
        text = _detail(page.text)
        assert missing in text and not wrong.search(text), text
        page = httpx.get(f"{server.url}/versions/diff?a=current&b=v99", headers=headers, timeout=60)
        assert page.status_code == 404
        text = _detail(page.text)
        assert unknown in text and not wrong.search(text), text


def test_a_form_without_its_csrf_token_is_refused_in_the_request_language(team):
    server, _ = team
    for lang, words in (("fr", "Formulaire refusé"), ("en", "Form refused")):
        with httpx.Client(base_url=server.url, timeout=60, headers={"Accept-Language": lang}) as client:
            client.get("/login")  # the CSRF cookie, then a form sent without its token
            refused = client.post("/login", data={"username": "edith", "password": "edith-secret-0001"})
            assert refused.status_code == 403
            assert words in refused.text and refused.headers["content-language"] == lang, refused.text
    with httpx.Client(base_url=server.url, timeout=60, headers={"Accept-Language": "fr"}) as client:
        client.get("/login")
        refused = client.post("/logout?lang=en", data={})
        assert refused.status_code == 403 and "Form refused" in refused.text
