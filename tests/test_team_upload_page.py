"""The workbook upload page in the browser's words (issue #15), against a real `cipt serve` with
accounts made by `cipt users`: refusals in the page's language (the errors' own fr/en texts) with
advice a person in a browser can follow (never "edit mapping/…csv"), the message kept after an
error, the editable workbook downloadable from the page, the changes next to the success line.
"""

from __future__ import annotations

import html
import io
import re
import zipfile

import openpyxl
import pytest
import team_helpers as th
from conftest import run_cli
from serve_helpers import serving, writer_env

from cipt_graph.api.team_text import TEXT

PASSWORD = "edith-secret-0001"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("upload")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    th.add_user(workspace, "edith", "editor", PASSWORD, name="Édith Moreau")
    with serving(["--data", str(workspace), "--allow-writes"], root / "serve.log", writer_env()) as server:
        yield server, workspace


def _send(client, lang: str, name: str, data: bytes, message: str):
    token = th.token(client.get(f"/edit/upload?lang={lang}").text)
    return client.post("/edit/upload", data={"csrftoken": token, "message": message, "lang": lang},
                       files={"workbook": (name, io.BytesIO(data), "application/octet-stream")})


def _alert(page: str) -> str:
    found = re.search(r'<div class="error" role="alert">(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))).strip() if found else ""


def _zip_not_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "pas un classeur")
    return out.getvalue()


FRENCH = re.compile(r"ce n'est pas|archive zip|classeur|feuille|absente|éditez|attendu", re.I)
ENGLISH = re.compile(r"not an|zip archive|workbook|sheet|missing|expected", re.I)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_refusals_are_in_the_page_s_language_with_browser_advice(site, lang):
    server, _ = site
    t = TEXT[lang]
    client = th.sign_in(server, "edith", PASSWORD)
    view_only = client.get(f"/matrix.xlsx?lang={lang}").content  # the read-only export, not the editable one
    books = {"fake.xlsx": b"module;competency\nM01;BC01-C1\n", "empty.xlsx": b"",
             "archive.xlsx": _zip_not_a_workbook(), "matrice-vue.xlsx": view_only}
    for name, data in books.items():
        message = f"Essai « {name} » ({lang})"
        answer = _send(client, lang, name, data, message)
        assert answer.status_code == 400, (name, answer.status_code)
        said = _alert(answer.text)
        assert name in said or name == "matrice-vue.xlsx", said
        assert t["upload_advice"] in said, said
        assert "mapping/" not in said and ".csv" not in said, said
        wrong = FRENCH if lang == "en" else ENGLISH
        assert not wrong.search(said.replace(name, "").replace(t["upload_advice"], "")), said
        if name != "matrice-vue.xlsx":  # "file: what" (a no-break space before the colon in French)
            assert said.startswith(name + ("\u00a0: " if lang == "fr" else ": ")), said
        # The message typed is still in its field.
        field = re.search(r'<input id="message"[^>]*>', answer.text).group(0)
        assert f'value="{html.escape(message)}"' in field, field
    client.close()


def test_the_page_offers_the_editable_workbook_and_shows_the_changes_by_the_success_line(site):
    server, workspace = site
    t = TEXT["fr"]
    client = th.sign_in(server, "edith", PASSWORD)
    page = client.get("/edit/upload").text
    hrefs = [html.unescape(h) for h in re.findall(r'<a id="download-workbook" href="([^"]+)"', page)]
    assert hrefs == ["/edit/workbook.xlsx?lang=fr"]
    book = client.get(hrefs[0])
    assert book.status_code == 200
    unchanged = _send(client, "fr", "matrice.xlsx", book.content, "rien")
    assert unchanged.status_code == 200 and t["workbook_unchanged"] in unchanged.text
    assert f">{t['changes']}<" not in unchanged.text  # no empty « Changements » heading
    wb = openpyxl.load_workbook(io.BytesIO(book.content))
    sheet = wb["Justifications"]
    head = [c.value for c in sheet[1]]
    column = next(i for i, v in enumerate(head, 1) if str(v).lower().startswith(("justification", "rationale")))
    sheet.cell(2, column).value = "Justification reprise dans le navigateur."
    edited = io.BytesIO()
    wb.save(edited)
    applied = _send(client, "fr", "matrice.xlsx", edited.getvalue(), "une justification")
    assert applied.status_code == 200, _alert(applied.text)
    text = applied.text
    flash, changes, form = (text.index('class="flash"'), text.index(f">{t['changes']}<"),
                            text.index('<form method="post" action="/edit/upload"'))
    assert flash < changes < form, "the changes follow the success line, before the form"
    assert "~ " in text[changes:form] and t["field_rationale"] in text[changes:form]
    client.close()
