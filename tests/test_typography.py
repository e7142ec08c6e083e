"""Colons as each language writes them (issue #15), on the pages of a real served app: French
puts a no-break space before « : » (a label's colon never starts a line), English no space.
"""

from __future__ import annotations

import html
import re

import httpx
import pytest
from conftest import serve_app

from cipt_graph.visualize.catalog import CATALOGS


@pytest.fixture(scope="module")
def client(store):
    from cipt_graph.api.app import create_app

    with serve_app(create_app(store)) as base, httpx.Client(base_url=base, timeout=180) as c:
        yield c


def _visible(page: str) -> str:
    page = re.sub(r"<(script|style|pre|code|textarea)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


#: Labels followed by a colon on each page: (path, French label, English label).
LABELS = [("/matrix", "Télécharger", "Download"), ("/jobs", CATALOGS["fr"]["jobs.legend"], CATALOGS["en"]["jobs.legend"]),
          ("/graph", "Épaisseur du lien", "Link width"), ("/id/module/M01", "IRI", "IRI"),
          ("/audit", "Source", "Source")]


@pytest.mark.parametrize("path, french, english", LABELS)
def test_a_label_s_colon_follows_each_language(client, path, french, english):
    fr = _visible(client.get(path, params={"lang": "fr"}, headers={"Accept": "text/html"}).text)
    en = _visible(client.get(path, params={"lang": "en"}, headers={"Accept": "text/html"}).text)
    assert french + "\u00a0: " in fr, path
    assert french + " : " not in fr and french + " :" not in fr.replace(french + " :\u00a0", ""), path
    assert english + ": " in en and english + " :" not in en and english + "\u00a0:" not in en, path


def test_no_french_ui_string_has_a_breakable_space_before_a_colon():
    def texts(value):
        return list(value.values()) if isinstance(value, dict) else [value]

    bad = [k for k, v in CATALOGS["fr"].items() for t in texts(v) if re.search(r" :(\s|$)", t)]
    assert bad == []
    assert [k for k, v in CATALOGS["en"].items() for t in texts(v) if re.search(r"[ \u00a0\u202f]:", t)] == []
