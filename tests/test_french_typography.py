"""French typography on every page and in every command-line message (issue #15), on a real
`cipt serve` (127.0.0.1) and the real `cipt` command: in French, no breakable space before
« : ; ! ? » nor inside « … » in what people read (a no-break space, U+00A0, or a narrow one,
U+202F, before ; ! ?, all written by ``cipt_graph.i18n.typeset``); in English, none of these
no-break spaces (the program's English has no space before a colon; the data, written in French,
is shown as written). Code, queries, IRIs, form values and JSON are not prose: left out of the
check, and the JSON answers keep their plain text (machines read them).
"""

from __future__ import annotations

import html
import json
import re

import httpx
import pytest
import team_helpers as th
from conftest import run_cli

#: A breakable space (or tab) after a word and before a sign French keeps on the word's line, or
#: inside guillemets.
LOOSE = re.compile(r"\S[ \t]+[:;!?](?=\s|$)|«[ \t]|\S[ \t]+»")
#: French typography's no-break spaces: never in English.
SPACED = re.compile(r"[\u00a0\u202f][:;!?»]|«[\u00a0\u202f]")
PAGES = ["/", "/matrix", "/graph", "/jobs", "/audit", "/interchange", "/sparql", "/docs", "/versions",
         "/programmes", "/ontology", "/no-such-page", "/id/module/M01", "/id/coverage/M01--BC05-C1", "/login"]
TEAM_PAGES = ["/review", "/edit/upload", "/edit/cell?module=M02&competency=BC02-C1"]
USERS = {"edith": ("editor", "edith-secret-0001"), "victor": ("validator", "victor-secret-0002")}


def prose(page: str) -> str:
    """What a reader reads of an HTML page: its text and the attributes read aloud or shown on
    hover (title, aria-label, alt, placeholder), without code, scripts, styles or edited text."""
    page = re.sub(r"<(script|style|pre|code|kbd|samp|textarea)\b.*?</\1\s*>", "\n", page, flags=re.S | re.I)
    page = re.sub(r'<span class="flag"[^>]*>!</span>', "", page)  # the matrix's gap mark, an icon
    said = re.findall(r"""\s(?:title|aria-label|alt|placeholder)=(?:"([^"]*)"|'([^']*)')""", page)
    text = re.sub(r"<[^>]+>", "", page)  # inline tags join the words they touch, as on screen
    return html.unescape("\n".join([text, *(a or b for a, b in said)]))


def markdown_prose(text: str) -> str:
    """Markdown without its fenced blocks and inline code (queries, IRIs)."""
    text = re.sub(r"^(```|~~~).*?^\1[^\n]*$", "\n", text, flags=re.S | re.M)
    return re.sub(r"`+[^`\n]*`+", " ", text)


def loose(text: str) -> list[str]:
    """Each breakable space before « : ; ! ? » or inside « … », in its context."""
    return [text[max(0, m.start() - 40):m.end() + 20] for m in LOOSE.finditer(text)]


def spaced(text: str) -> list[str]:
    return [text[max(0, m.start() - 40):m.end() + 20] for m in SPACED.finditer(text)]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with th.team_site(tmp_path_factory.mktemp("french-typography"), USERS) as both:
        yield both


def _get(server, path: str, lang: str, client: httpx.Client | None = None) -> httpx.Response:
    sep = "&" if "?" in path else "?"
    answer = (client or httpx).get(f"{server.url}{path}{sep}lang={lang}", headers={"Accept": "text/html"},
                                   timeout=300, follow_redirects=True)
    assert answer.status_code in (200, 404), (path, answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("text/html"), (path, answer.headers["content-type"])
    return answer


@pytest.mark.parametrize("path", PAGES)
def test_every_french_page_keeps_its_signs_on_their_line(site, path):
    server, _ = site
    french = _get(server, path, "fr")
    assert french.headers["content-language"] == "fr"
    assert (french.status_code == 404) == (path == "/no-such-page"), path
    text = prose(french.text)
    assert loose(text) == [], (path, loose(text))
    assert "\u00a0:" in text or "\u202f" in text or path in ("/no-such-page", "/login", "/versions"), path
    english = prose(_get(server, path, "en").text)
    assert spaced(english) == [], (path, spaced(english))


def test_the_team_pages_too(site):
    server, _ = site
    edith = th.sign_in(server, "edith", USERS["edith"][1])
    victor = th.sign_in(server, "victor", USERS["victor"][1])
    th.propose(edith, "M03", "BC01-C1")
    for client, path in ((victor, "/review"), (edith, "/edit/upload"), (edith, TEAM_PAGES[2])):
        french = prose(_get(server, path, "fr", client).text)
        assert loose(french) == [], (path, loose(french))
        english = prose(_get(server, path, "en", client).text)
        assert spaced(english) == [], (path, spaced(english))


def test_the_audit_s_markdown_and_the_json_answers(site):
    server, _ = site
    md = httpx.get(f"{server.url}/audit", params={"format": "md", "lang": "fr"}, timeout=300)
    assert md.status_code == 200 and "\u00a0: " in md.text
    assert loose(markdown_prose(md.text)) == [], loose(markdown_prose(md.text))
    assert "?competency skos:notation ?competency_code ;" in md.text  # the queries as written
    english = httpx.get(f"{server.url}/audit", params={"format": "md", "lang": "en"}, timeout=300).text
    assert spaced(markdown_prose(english)) == [], spaced(markdown_prose(english))
    # What machines read keeps its plain text: the JSON of an error, of a report, of a query.
    missing = httpx.get(f"{server.url}/api/modules/M99", params={"lang": "fr"}, timeout=60)
    assert missing.status_code == 404 and "\u00a0" not in missing.text and "\u202f" not in missing.text
    assert "« M99 »" in missing.json()["message"]
    report = httpx.get(f"{server.url}/audit", params={"format": "json", "lang": "fr"}, timeout=300)
    assert report.status_code == 200 and not re.search(r"[\u00a0][:;!?]|«\u00a0", report.text)


def _cli_cases(workspace, out) -> list[list[str]]:
    data = ["--data", str(workspace)]
    return [["--help"], ["serve", "--help"], ["import-matrix", "--help"], ["stats", *data], ["validate", *data],
            ["versions", *data], ["query", "no_such_query", *data], ["query", "modules_for_competency", *data],
            ["export-matrix", *data, "--out", str(out / "m.xlsx")], ["import-matrix", str(out / "m.xlsx"), *data],
            ["audit", *data, "--out", str(out / "a.html")], ["diff", "nope", "current", *data],
            ["users", "list", *data], ["users", "add", "x y", "--password-stdin", *data], ["audit", "--format", "pdf"],
            ["export-case", *data, "--out", str(out / "case.json")], ["load", *data], ["stats", "--programme", "X Y"]]


def test_every_command_line_message(site, tmp_path):
    _, workspace = site
    for lang in ("fr", "en"):
        for argv in _cli_cases(workspace, tmp_path):
            done = run_cli(*argv, "--lang", lang, input="")
            said = done.stdout + done.stderr
            assert said.strip(), argv
            assert "Traceback" not in said, (argv, said[-1000:])
            if lang == "fr":
                assert loose(said) == [], (argv, loose(said))
            else:
                assert spaced(said) == [], (argv, spaced(said))
    french = run_cli("query", "no_such_query", "--data", str(workspace)).stderr
    assert french.startswith("cipt: erreur\u00a0: requête inconnue 'no_such_query'\u202f; requêtes connues\u00a0: ")
    # The JSON of a command is for machines: as before, no typography added.
    findings = json.loads(run_cli("validate", "--data", str(workspace), "--format", "json").stdout)["findings"]
    assert findings and not any("\u00a0" in f["message_fr"] for f in findings)
    assert (tmp_path / "a.html").exists() and not loose(prose((tmp_path / "a.html").read_text(encoding="utf-8")))
