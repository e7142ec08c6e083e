"""What a teacher new to the tool saw on the signed-in pages (issue #15), checked against a real
`cipt serve` with real accounts: the French site writes hours with a decimal comma ("2,5 h"),
dates as French dates, the versions' kinds and the links' statuses in words; the sign-in page
does not offer a "Se connecter" link to itself; at 1280×720 the review table gives its room to
the labels and the rationale, not to the level and hours columns (Chromium).
"""

from __future__ import annotations

import datetime as dt
import html
import re

import httpx
import pytest
import team_helpers as th
from conftest import run_cli
from serve_helpers import serving, writer_env

from cipt_graph import i18n

USERS = {"edith": ("editor", "edith-secret-0001", "Édith Moreau"),
         "victor": ("validator", "victor-secret-0002", "Victor Lenoir")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("team-fr")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, (role, password, name) in USERS.items():
        th.add_user(workspace, user, role, password, name=name)
    with serving(["--data", str(workspace), "--allow-writes"], root / "serve.log", writer_env()) as server:
        edith = th.sign_in(server, "edith", USERS["edith"][1])
        form = th.token(edith.get("/review").text)
        for module, target, hours in (("M01", "BC05-C1", "2,5"), ("M03", "BC02-C1", "")):
            saved = edith.post("/edit/link", data={"csrftoken": form, "kind": "competency", "module": module,
                                                   "target": target, "level": "R", "hours": hours,
                                                   "rationale": "Prise de parole en séance publique.",
                                                   "loaded": th.loaded(edith, module, target)})
            assert saved.status_code == 303, th.alert(saved.text)
        yield server, workspace


def _visible(page: str) -> str:
    """The page's text without tags and attributes (what a reader sees, roughly)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", page)))


def _row(page: str, module: str, target: str) -> str:
    return page.split(f'id="link-{module}-{target}"')[1].split("</tr>")[0]


def test_hours_and_dates_follow_the_locale_on_the_review_and_cell_pages(site):
    server, _ = site
    victor = th.sign_in(server, "victor", USERS["victor"][1])
    today = dt.date.today()
    for lang, hours, wrong in (("fr", "2,5\u00a0h", "2.5"), ("en", "2.5\u00a0h", "2,5")):
        row = _row(victor.get(f"/review?module=M01&lang={lang}").text, "M01", "BC05-C1")
        shown = _visible(row)
        assert hours in shown and wrong not in shown, shown
        assert i18n.date(today, lang) in shown and today.isoformat() not in shown, shown
    edith = th.sign_in(server, "edith", USERS["edith"][1])
    row = _row(edith.get("/review?module=M01").text, "M01", "BC05-C1")
    assert 'name="hours" value="2,5"' in row  # the edit form too, as it will be read back
    cell = edith.get("/edit/cell?module=M01&competency=BC05-C1").text
    status = _visible(cell.split('id="cell-status"')[1].split("</dd>")[0])
    assert i18n.date(today, "fr") in status and today.isoformat() not in status, status
    assert 'id="hours" name="hours" value="2,5"' in cell


def test_a_refused_cell_names_its_field_once(site):
    server, workspace = site
    edith = th.sign_in(server, "edith", USERS["edith"][1])
    before = (workspace / "mapping" / th.MAPPING).read_bytes()
    for lang, words in (("fr", "<strong>heures</strong>\u00a0: 30\u202fh dépasse les 20\u202fh du module"),
                        ("en", "<strong>hours</strong>: 30\u202fh is more than")):
        page = edith.get(f"/edit/cell?module=M05&competency=BC01-C1&lang={lang}").text
        answer = edith.post("/edit/link", data={"csrftoken": th.token(page), "form": "cell", "kind": "competency",
                                                "module": "M05", "target": "BC01-C1", "level": "M", "hours": "30",
                                                "rationale": "x", "lang": lang,
                                                "loaded": re.search(r'name="loaded" value="([^"]+)"', page).group(1)})
        assert answer.status_code == 400
        shown = html.unescape(answer.text.split('id="err-hours"')[1].split("</p>")[0])
        field = words.split("</strong>")[0].removeprefix("<strong>")
        assert words in shown and shown.count(field) == 1, shown
    assert (workspace / "mapping" / th.MAPPING).read_bytes() == before


def test_versions_show_their_kind_and_the_diff_its_statuses_in_words(site):
    server, workspace = site
    page = httpx.get(f"{server.url}/versions", timeout=60).text
    kinds = re.findall(r'<tr data-version="v\d+">.*?</tr>', page, flags=re.DOTALL)
    shown = [_visible(k) for k in kinds]
    assert any("modification" in s for s in shown) and any("état initial" in s for s in shown), shown
    assert not any(re.search(r"\b(edit|baseline|workspace)\b", s) for s in shown), shown
    assert any("espace de travail" in s for s in shown), shown
    english = httpx.get(f"{server.url}/versions?lang=en", timeout=60).text
    assert "baseline" in _visible(english) and "état initial" not in _visible(english)
    versions = th.versions(workspace)
    added = next(v for v in versions if v["source"] == "M03 → BC02-C1")
    diff = _visible(httpx.get(f"{server.url}/versions/diff", params={"a": added["parent"], "b": added["id"]},
                              timeout=60).text)
    assert "M03" in diff and "proposé" in diff and "proposed" not in diff, diff


def test_the_sign_in_page_does_not_link_to_itself(site):
    server, _ = site
    for lang, words in (("fr", "Se connecter"), ("en", "Sign in")):
        page = httpx.get(f"{server.url}/login?lang={lang}", timeout=60).text
        main = page[page.index("<main"):]
        assert 'href="/login' not in main  # (the header's language switch stays on the page)
        assert _visible(main).count(words) == 2, _visible(main)  # the title and the button
    review = httpx.get(f"{server.url}/review", timeout=60).text
    assert 'href="/login' in review  # elsewhere, an anonymous reader is offered it


def test_a_level_off_the_scale_is_reported_once_by_its_cell(site, tmp_path):
    """A wrong level in the matrix is one error, at its cell, not also a "link without a level"
    in the Justifications sheet (which only follows from it)."""
    import openpyxl

    server, workspace = site
    edith = th.sign_in(server, "edith", USERS["edith"][1])
    data = edith.get("/edit/workbook.xlsx")
    assert data.status_code == 200
    path = tmp_path / "matrice.xlsx"
    path.write_bytes(data.content)
    wb = openpyxl.load_workbook(path)
    sheet = wb["Matrice"]
    link = next(r for r in th.rows(workspace) if r["module"] == "M02")
    row = next(r for r in range(4, sheet.max_row + 1) if sheet.cell(r, 2).value == "M02")
    col = next(c for c in range(1, sheet.max_column + 1) if sheet.cell(2, c).value == link["competency"])
    sheet.cell(row, col).value = "Z"
    wb.save(path)
    before = (workspace / "mapping" / th.MAPPING).read_bytes()
    answer = th.upload(edith, path, "niveau")
    assert answer.status_code == 400, answer.text[:500]
    box = answer.text.split('class="error" role="alert"')[1].split("</div>")[0]
    items = [_visible(li).strip().replace(" \u00a0", "\u00a0") for li in re.findall(r"<li>(.*?)</li>", box, flags=re.DOTALL)]
    assert items == [f"Matrice!{sheet.cell(row, col).coordinate}\u00a0: «\u00a0Z\u00a0» n'est pas un niveau de l'échelle (I, R, M)"], items
    assert (workspace / "mapping" / th.MAPPING).read_bytes() == before


pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
from test_views_browser import browser  # noqa: E402,F401  (the shared Chromium fixture)


def test_review_table_gives_room_to_labels_at_1280(browser, site):  # noqa: F811
    server, _ = site
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.url) else r.abort())
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{server.url}/login")
        page.fill("#username", "victor")
        page.fill("#password", USERS["victor"][1])
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(f"{server.url}/review")
        widths = page.eval_on_selector_all("table.links thead th", "ths => ths.map(t => t.getBoundingClientRect().width)")
        assert len(widths) == 8
        _module, target, level, hours, _status, _author, rationale, _actions = widths
        assert target >= 2 * level and rationale >= 2 * hours and target >= 200, widths
        lines = page.evaluate("""() => [...document.querySelectorAll('table.links thead th')].map(th => {
            const r = document.createRange(); r.selectNodeContents(th); return r.getClientRects().length; })""")
        assert lines == [1] * 8, lines  # no heading cut inside a word ("Nivea u")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        # The cell editor: each label sits right above its field (no blank line between them).
        page.goto(f"{server.url}/edit/cell?module=M01&competency=BC05-C1")
        gap = page.evaluate("""() => document.querySelector('#level').getBoundingClientRect().top
                                     - document.querySelector('label[for=level]').getBoundingClientRect().bottom""")
        assert 0 <= gap < 12, gap
    finally:
        context.close()
