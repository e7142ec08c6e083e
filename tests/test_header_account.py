"""The common header says who is signed in (issue #15), against a real `cipt serve` with real
accounts: on every page, in French and in English, the signed-in person's name and role and a
sign-out button (a CSRF-protected form), or a "Se connecter" link when signed out on a service
that accepts changes, nothing on a read-only one; and the shared cache never shows one person's
name to another, nor to an anonymous reader.
"""

from __future__ import annotations

import html
import re

import httpx
import pytest
import team_helpers as th
from conftest import run_cli
from serve_helpers import serving, writer_env

USERS = {"edith": ("editor", "edith-secret-0001", "Édith Moreau"),
         "victor": ("validator", "victor-secret-0002", "Victor Lenoir")}
PAGES = ("/", "/graph", "/matrix", "/jobs", "/audit", "/versions", "/review", "/sparql", "/docs",
         "/id/module/M01", "/nulle/part")
ROLES = {"fr": {"editor": "éditeur", "validator": "validateur"}, "en": {"editor": "editor", "validator": "validator"}}
WORDS = {"fr": ("Se connecter", "Se déconnecter"), "en": ("Sign in", "Sign out")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("header")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, (role, password, name) in USERS.items():
        th.add_user(workspace, user, role, password, name=name)
    with serving(["--data", str(workspace), "--allow-writes"], root / "serve.log", writer_env()) as server:
        yield server


def _header(page: str) -> str:
    return page[page.index('<header class="top">'):page.index("</header>")]


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


def test_every_page_names_the_signed_in_person_with_a_sign_out_button(site):
    for user, (role, password, name) in USERS.items():
        client = th.sign_in(site, user, password)
        for lang in ("fr", "en"):
            for path in PAGES:
                answer = client.get(f"{path}?lang={lang}", headers={"Accept": "text/html"}, timeout=120)
                assert answer.status_code in (200, 404), (path, answer.status_code)
                header = _header(answer.text)
                assert f"{name} ({ROLES[lang][role]})" in _text(header), (path, lang, _text(header))
                form = re.search(r'<form method="post" action="/logout">(.*?)</form>', header, re.S)
                assert form and th.token(form.group(0)) and WORDS[lang][1] in form.group(1), (path, header)
                assert WORDS[lang][0] not in _text(header)
                assert "no-store" in answer.headers.get("cache-control", ""), path
                assert "x-cipt-cache" not in answer.headers, path
        client.close()


def test_the_header_sign_out_button_signs_out(site):
    client = th.sign_in(site, "edith", USERS["edith"][1])
    page = client.get("/matrix").text
    header = _header(page)
    assert "Édith Moreau" in header
    form = re.search(r'<form method="post" action="/logout">.*?</form>', header, re.S).group(0)
    done = client.post("/logout", data={"csrftoken": th.token(form), "lang": "fr"})
    assert done.status_code == 303
    after = _header(client.get("/matrix").text)
    assert "Édith Moreau" not in after and "Se connecter" in _text(after)
    client.close()


def test_an_anonymous_reader_is_offered_to_sign_in_and_never_sees_a_cached_name(site):
    # An anonymous page first (it fills the shared cache), a signed-in one, then anonymous again.
    for lang in ("fr", "en"):
        first = httpx.get(f"{site.url}/matrix?lang={lang}", timeout=120)
        link = re.search(r'<a id="sign-in" href="([^"]+)">([^<]+)</a>', _header(first.text))
        assert link and link.group(2) == WORDS[lang][0], _header(first.text)
        assert html.unescape(link.group(1)).startswith(f"/login?lang={lang}&next=%2Fmatrix")
    for user, (_, password, name) in USERS.items():
        client = th.sign_in(site, user, password)
        assert name in _header(client.get("/matrix?lang=fr").text)
        again = httpx.get(f"{site.url}/matrix?lang=fr", timeout=120)
        assert again.headers.get("x-cipt-cache") == "hit"
        assert not any(n in again.text for _, _, n in USERS.values()) and "Se connecter" in _header(again.text)
        client.close()
    # Two people on the same address, one after the other: each sees their own name only.
    edith = th.sign_in(site, "edith", USERS["edith"][1])
    victor = th.sign_in(site, "victor", USERS["victor"][1])
    for _ in range(2):
        mine, theirs = edith.get("/graph").text, victor.get("/graph").text
        assert "Édith Moreau" in mine and "Victor Lenoir" not in mine
        assert "Victor Lenoir" in theirs and "Édith Moreau" not in theirs
    edith.close()
    victor.close()


def test_the_sign_in_page_does_not_offer_itself(site):
    header = _header(httpx.get(f"{site.url}/login", timeout=60).text)
    assert 'id="sign-in"' not in header


def test_a_read_only_service_offers_no_sign_in(server_url):
    for lang in ("fr", "en"):
        for path in ("/", "/matrix", "/nulle/part"):
            page = httpx.get(f"{server_url}{path}?lang={lang}", headers={"Accept": "text/html"}, timeout=120).text
            header = _header(page)
            assert "team-account" not in header and WORDS[lang][0] not in _text(header), header
