"""What a tester of issue #15 found left, each against a real `cipt serve` on a workspace with
accounts, in Debian's Chromium (Playwright) where a person clicks:

1. who validated a link, when and with what comment shows wherever the link does — the review
   page, the matrix cell's tooltip, the link's ``/id/`` page (French and English) and its RDF
   (PROV-O: ``cipt:validation`` → a ``cipt:Validation`` with ``prov:wasAssociatedWith``,
   ``prov:endedAtTime``, ``rdfs:comment``), the SHACL shapes holding; a changed link loses it;
2. a stale workbook uploaded in the browser says what to do in the browser (download it again
   from the page's link), in French by default and in English on request, as a sentence;
3. the upload page marks "Matrice" in the navigation;
4. signing out comes back to the page the person was on (a path of this site only);
5. a bad or unknown version on ``/versions/diff`` is said in a plain sentence (400, 404);
6. a workbook's cell errors use « … » in French and English typography in English;
7. the English workbook's instructions are in English only.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import httpx
import openpyxl
import pytest
from cipt_graph.i18n import typeset
import team_helpers as th
from conftest import run_cli
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.namespace import PROV
from serve_helpers import serving, writer_env

USERS = {"edith": ("editor", "edith-secret-0001", "Édith Moreau"),
         "victor": ("validator", "victor-secret-0002", "Victor Hugo")}
CIPT = Namespace("https://w3id.org/cipt-graph/ontology#")
CID = "https://w3id.org/cipt-graph/id/"
DATETIME = URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
NBSP = "\u00a0"

pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
from test_views_browser import browser  # noqa: E402,F401  (the shared Chromium fixture)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("team-followups")
    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, (role, password, name) in USERS.items():
        th.add_user(workspace, user, role, password, name=name)
    with serving(["--data", str(workspace), "--allow-writes"], root / "serve.log", writer_env()) as server:
        yield server, workspace


def _client(server, user: str) -> httpx.Client:
    return th.sign_in(server, user, USERS[user][1])


def _page(browser, server, locale: str = "fr-FR"):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale=locale, accept_downloads=True)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.url) else r.abort())
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def _sign_in(page, server, user: str, next_path: str = "/review") -> None:
    page.goto(f"{server.url}/login?next={next_path}")
    page.fill("#username", user)
    page.fill("#password", USERS[user][1])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{server.url}{next_path}")
    assert USERS[user][2] in page.locator(".team-account").inner_text()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _link_graph(server, module: str, target: str) -> Graph:
    answer = httpx.get(f"{server.url}/id/coverage/{module}--{target}.ttl", timeout=60)
    assert answer.status_code == 200, answer.text[:300]
    return Graph().parse(data=answer.text, format="turtle")


# 1 ------------------------------------------------------------------------------------------------
def test_who_validated_a_link_shows_wherever_the_link_appears(browser, site):  # noqa: F811
    server, workspace = site
    module, target = "M01", "BC05-C1"
    comment = "Vu en conseil pédagogique : l'équipe est d'accord"
    victor_id = th.accounts(workspace)["victor"]["id"]
    start = _now()
    context, page = _page(browser, server)
    try:
        _sign_in(page, server, "victor", "/review?module=M01")
        row = page.locator(f"#link-{module}-{target}")
        assert row.locator(".validation").count() == 0  # proposed: nobody validated it yet
        row.locator("input[name=comment]").fill(comment)
        row.get_by_role("button", name=f"Valider {module} → {target}").click()
        page.wait_for_url(f"{server.url}/review?module=M01")
        end = _now()
        said = page.locator(f"#link-{module}-{target} .validation").inner_text()
        assert said.startswith("par Victor Hugo, le ") and "(heure de Paris)" in said, said
        assert typeset(f"« {comment} »", "fr") in said, said
        page.goto(f"{server.url}/review?module=M01&lang=en")
        said = page.locator(f"#link-{module}-{target} .validation").inner_text()
        assert said.startswith("by Victor Hugo, on ") and "(Paris time)" in said and f"“{comment}”" in said, said

        cell = f"td[data-module='{module}'][data-competency='{target}']"
        page.goto(f"{server.url}/matrix")
        title = page.locator(cell).get_attribute("title")
        assert "\nValidé par Victor Hugo le " in title and typeset(f"« {comment} »", "fr") in title, title
        page.goto(f"{server.url}/matrix?lang=en")
        title = page.locator(cell).get_attribute("title")
        assert "\nValidated by Victor Hugo on " in title and "(Paris time)" in title and f"“{comment}”" in title, title

        for lang, words in (("fr", ("Validation", "Réalisée par", "Date et heure", "Commentaire")),
                            ("en", ("Validation", "Carried out by", "Date and time", "Comment"))):
            page.goto(f"{server.url}/id/coverage/{module}--{target}?lang={lang}")
            props = page.locator("main table.props").first.inner_text()
            shown = typeset(comment, "fr") if lang == "fr" else comment  # French pages typeset data too
            assert all(w in props for w in words) and "Victor Hugo" in props and shown in props, props
            assert "wasAssociatedWith" not in props and "endedAtTime" not in props, props
        # The validator's page lists what they validated, and which link.
        page.goto(f"{server.url}/id/agent/account/{victor_id}")
        incoming = page.locator("main table.props").nth(1).inner_text()
        assert "A réalisé" in incoming and "Porte sur" in incoming and typeset(comment, "fr") in incoming, incoming
        assert f"{module} " in incoming and f"→ {target}" in incoming, incoming
    finally:
        context.close()

    # The mapping keeps it with the link, ...
    row = th.link(workspace, module, target)
    assert (row["status"], row["validated_by"], row["validated_by_account"], row["validation_comment"]) == \
        ("validated", "Victor Hugo", victor_id, comment), row
    assert start <= dt.datetime.fromisoformat(row["validated_at"]) <= end, row
    # ... the graph says it in PROV-O, in the link's own RDF ...
    graph = _link_graph(server, module, target)
    node = URIRef(f"{CID}coverage/{module}--{target}")
    (validation,) = graph.objects(node, CIPT.validation)
    assert (validation, RDF.type, CIPT.Validation) in graph and (validation, PROV.used, node) in graph
    assert graph.value(validation, PROV.wasAssociatedWith) == URIRef(f"{CID}agent/account/{victor_id}")
    ended = graph.value(validation, PROV.endedAtTime)
    assert ended.datatype == DATETIME and start <= ended.toPython() <= end, ended
    assert str(graph.value(validation, RDFS.comment)) == comment
    vocabulary = Graph().parse(data=httpx.get(f"{server.url}/ontology.ttl", timeout=60).text, format="turtle")
    assert (CIPT.Validation, RDFS.subClassOf, PROV.Activity) in vocabulary
    assert (CIPT.validation, RDFS.subPropertyOf, PROV.wasInfluencedBy) in vocabulary
    # ... and the SHACL shapes hold on it.
    done = run_cli("validate", "--format", "json", "--data", str(workspace))
    shapes = {f["shape"] for f in json.loads(done.stdout)["findings"]}
    assert not {s for s in shapes if "Validation" in s or "Validated" in s}, shapes

    # A changed link goes back to proposed and loses its validation, everywhere.
    edith = _client(server, "edith")
    saved = edith.post("/edit/link", data={"csrftoken": th.token(edith.get("/review").text), "kind": "competency",
                                           "module": module, "target": target, "level": "R",
                                           "rationale": "Approfondit la communication publique.",
                                           "loaded": th.loaded(edith, module, target)})
    assert saved.status_code == 303, saved.text[:300]
    row = th.link(workspace, module, target)
    assert row["status"] == "proposed" and not row.get("validated_by") and not row.get("validation_comment"), row
    assert not list(_link_graph(server, module, target).objects(node, CIPT.validation))
    assert 'class="validation' not in httpx.get(f"{server.url}/review?module=M01", timeout=60).text


def test_a_workbook_that_validates_links_records_who_when_and_its_message(tmp_path):
    """The command line's import (and the upload page's, the same function): the import's author
    validates, now, with the import's message as the comment; for every kind of link."""
    workspace = tmp_path / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    book = tmp_path / "m.xlsx"
    assert run_cli("export-matrix", "--data", str(workspace), "--out", str(book)).returncode == 0
    wb = openpyxl.load_workbook(book)
    for sheet in ("Justifications", "Objectifs"):
        wb[sheet].cell(2, 4).value = "validé"
    wb.save(book)
    keys = {name: (wb[sheet].cell(2, 1).value, wb[sheet].cell(2, 2).value)
            for sheet, name in (("Justifications", "module_competency.csv"), ("Objectifs", "module_objective.csv"))}
    start = _now()
    done = run_cli("import-matrix", str(book), "--data", str(workspace), "--author", "Marie Dupont",
                   "-m", "Relu en conseil de perfectionnement")
    assert done.returncode == 0, done.stderr
    for name, (module, target) in keys.items():
        row = next(r for r in th.rows(workspace, name) if (r["module"], r[name.split("_")[1][:-4]]) == (module, target))
        assert (row["status"], row["validated_by"], row["validation_comment"]) == \
            ("validated", "Marie Dupont", "Relu en conseil de perfectionnement"), row
        assert start <= dt.datetime.fromisoformat(row["validated_at"]) <= _now(), row
    others = [r for r in th.rows(workspace, "module_objective.csv") if r["status"] == "proposed"]
    assert others and not any(r["validated_by"] for r in others)


# 2, 3 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_stale_workbook_in_the_browser_says_what_to_do_in_the_browser(browser, site, tmp_path, lang):  # noqa: F811
    server, workspace = site
    edith = _client(server, "edith")
    book = tmp_path / "matrice.xlsx"
    book.write_bytes(edith.get(f"/edit/workbook.xlsx?lang={lang}").content)
    wb = openpyxl.load_workbook(book)
    wb["Justifications"].cell(2, 7).value = f"Justification reprise hors ligne ({lang})."
    wb.save(book)
    th.propose(edith, "M05", "BC01-C1" if lang == "fr" else "BC01-C2")  # someone changes the mapping meanwhile
    before = (workspace / "mapping" / th.MAPPING).read_bytes()
    context, page = _page(browser, server, "fr-FR" if lang == "fr" else "en-GB")
    try:
        _sign_in(page, server, "edith", f"/edit/upload?lang={lang}")
        current = page.locator("header nav a[aria-current=page]")
        assert current.count() == 1 and current.inner_text() == ("Matrice" if lang == "fr" else "Matrix")
        page.set_input_files("#workbook", str(book))
        with page.expect_response(lambda r: r.url.startswith(f"{server.url}/edit/upload")
                                  and r.request.method == "POST") as answer:
            page.click("form[action='/edit/upload'] button[type=submit]")
        assert answer.value.status == 409
        said = page.locator("[role=alert]").inner_text().strip()
        if lang == "fr":
            assert said.startswith("Classeur refusé\u00a0: la correspondance a changé depuis le téléchargement du "
                                   "classeur matrice.xlsx"), said
            assert "Téléchargez de nouveau le classeur modifiable avec le lien ci-dessous" in said, said
        else:
            assert said.startswith("Workbook refused: the mapping changed since the workbook matrice.xlsx"), said
            assert "Download the editable workbook again with the link below" in said, said
        assert said.endswith(".") and not re.search(r"cipt|export-matrix|--force|`", said), said
        assert page.locator("header nav a[aria-current=page]").inner_text() == ("Matrice" if lang == "fr" else "Matrix")
        with page.expect_download() as waiting:
            page.locator("#download-again").click()
        again = openpyxl.load_workbook(io.BytesIO(Path(waiting.value.path()).read_bytes()))
        assert {"Instructions", "Matrice", "Justifications"} <= set(again.sheetnames)
    finally:
        context.close()
    assert (workspace / "mapping" / th.MAPPING).read_bytes() == before


# 4 ------------------------------------------------------------------------------------------------
def test_signing_out_comes_back_to_the_page_the_person_was_on(browser, site):  # noqa: F811
    server, _ = site
    context, page = _page(browser, server)
    try:
        for here, button, back in (("/matrix", "Se déconnecter", "/matrix"),
                                   ("/id/module/M01?lang=en", "Sign out", "/id/module/M01?lang=en"),
                                   ("/edit/upload", "Se déconnecter", "/")):  # a page for the signed in only
            _sign_in(page, server, "edith", "/review")
            page.goto(f"{server.url}{here}")
            page.locator(".team-account").get_by_role("button", name=button).click()
            page.wait_for_url(f"{server.url}{back}")
            assert page.locator("#sign-in").count() == 1 and page.locator("#signed-in").count() == 0
    finally:
        context.close()
    # Only a path of this site: anything else goes to the dashboard (no open redirect).
    client = _client(server, "edith")
    token = th.token(client.get("/matrix").text)
    for sent, location in (("/graph?lang=en", "/graph?lang=en"), ("//evil.example/x", "/"),
                           ("https://evil.example/", "/"), ("/\t/evil.example", "/"), ("\\\\evil.example", "/"),
                           ("/\\evil.example", "/"), ("", "/")):
        answer = client.post("/logout", data={"csrftoken": token, "next": sent, "lang": "fr"})
        assert answer.status_code == 303 and answer.headers["location"] == location, (sent, answer.headers)


# 5 ------------------------------------------------------------------------------------------------
def test_a_bad_or_unknown_version_is_said_in_a_plain_sentence(site):
    server, workspace = site
    th.propose(_client(server, "edith"), "M06", "BC02-C1")  # at least a baseline and one version
    ids = [v["id"] for v in th.versions(workspace)]
    first, last = ids[0], ids[-1]
    cases = [
        (f"a={first}&b=v999", 404, f"La version v999 n'existe pas\u00a0: les versions enregistrées vont de {first} à {last}.",
         f"Version v999 does not exist: the versions recorded run from {first} to {last}."),
        (f"a=../etc&b={last}", 400, f"«{NBSP}../etc{NBSP}» n'est pas un nom de version\u00a0: choisissez une version "
                                    "dans la page Versions (v1, v2… ou les fichiers actuels).",
         "“../etc” is not a version name: choose a version on the Versions page (v1, v2… or the current files)."),
        (f"a={first}", 400, "Choisissez les deux versions à comparer dans la page Versions.",
         "Choose the two versions to compare on the Versions page."),
    ]
    for query, status, fr, en in cases:
        for lang, expected in (("fr", fr), ("en", en)):
            answer = httpx.get(f"{server.url}/versions/diff?{query}&lang={lang}", timeout=60)
            assert answer.status_code == status, (query, answer.status_code)
            said = th.alert(answer.text)
            assert said == expected, said
            assert answer.headers["content-language"] == lang
    # A good pair still compares, the current files named in words.
    answer = httpx.get(f"{server.url}/versions/diff?a={first}&b=current", timeout=60)
    assert answer.status_code == 200 and f"Différences entre {first} et les fichiers actuels" in answer.text
    answer = httpx.get(f"{server.url}/versions/diff?a={first}&b=current&lang=en", timeout=60)
    assert answer.status_code == 200 and f"Differences from {first} to the current files" in answer.text


# 6 ------------------------------------------------------------------------------------------------
def _errors(page: str) -> list[str]:
    import html

    box = page.split('class="error" role="alert"')[1].split("</div>")[0]
    return [html.unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li>(.*?)</li>", box, flags=re.DOTALL)]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_cell_errors_follow_the_typography_of_each_language(site, tmp_path, lang):
    server, workspace = site
    edith = _client(server, "edith")
    book = tmp_path / "matrice.xlsx"
    book.write_bytes(edith.get(f"/edit/workbook.xlsx?lang={lang}").content)
    wb = openpyxl.load_workbook(book)
    links = [r for r in th.rows(workspace) if r["module"] == "M02"]
    matrix = wb["Matrice"]
    row = next(r for r in range(4, matrix.max_row + 1) if matrix.cell(r, 2).value == "M02")
    col = next(c for c in range(1, matrix.max_column + 1) if matrix.cell(2, c).value == links[0]["competency"])
    matrix.cell(row, col).value = "Z"
    just = wb["Justifications"]
    hours_row = next(r for r in range(2, just.max_row + 1) if just.cell(r, 1).value == "M03")
    just.cell(hours_row, 3).value = "deux"
    wb.save(book)
    with open(book, "rb") as handle:
        answer = edith.post("/edit/upload", data={"csrftoken": th.token(edith.get("/edit/upload").text), "lang": lang},
                            files={"workbook": ("matrice.xlsx", handle, "application/octet-stream")})
    assert answer.status_code == 400, answer.text[:300]
    errors = _errors(answer.text)
    level = f"Matrice!{matrix.cell(row, col).coordinate}"
    hours = f"Justifications!C{hours_row}"
    if lang == "fr":
        assert f"{level}{NBSP}: «{NBSP}Z{NBSP}» n'est pas un niveau de l'échelle (I, R, M)" in errors, errors
        assert f"{hours}{NBSP}: «{NBSP}deux{NBSP}» n'est pas un nombre d'heures ≥ 0" in errors, errors
        assert not any(re.search(r"'[^' ]+'|\"", e) for e in errors), errors
    else:
        assert f"{level}: 'Z' is not a level of the scale (I, R, M)" in errors, errors
        assert f"{hours}: 'deux' is not a number of hours ≥ 0" in errors, errors
        assert not any(re.search(r"\w [:;!?]|«|»", e) for e in errors), errors
    # A valid workbook's list of changes too: « niveau » in French, "level: " in English.
    book.write_bytes(edith.get(f"/edit/workbook.xlsx?lang={lang}").content)
    wb = openpyxl.load_workbook(book)
    matrix = wb["Matrice"]
    old = matrix.cell(row, col).value
    matrix.cell(row, col).value = new = "M" if old != "M" else "R"
    wb.save(book)
    with open(book, "rb") as handle:
        answer = edith.post("/edit/upload", data={"csrftoken": th.token(edith.get("/edit/upload").text), "lang": lang},
                            files={"workbook": ("matrice.xlsx", handle, "application/octet-stream")})
    assert answer.status_code == 200, answer.text[:300]
    changes = re.findall(r"<li>~ (.*?)</li>", answer.text)
    expected = f"M02 → {links[0]['competency']}" + (f"{NBSP}: niveau" if lang == "fr" else ": level") + f" {old} → {new}"
    assert changes == [expected], changes


# 7 ------------------------------------------------------------------------------------------------
FRENCH_WORDS = re.compile(r"Feuille|Modifiez|Règles de l'import|connecté·e|Ce classeur|ou en ligne de commande")


def test_the_english_workbook_has_english_instructions_only(site, tmp_path):
    server, workspace = site
    edith = _client(server, "edith")

    def instructions(content: bytes) -> str:
        path = tmp_path / "w.xlsx"
        path.write_bytes(content)
        return "\n".join(str(c.value) for c in openpyxl.load_workbook(path)["Instructions"]["A"] if c.value)

    english = instructions(edith.get("/edit/workbook.xlsx?lang=en").content)
    assert english.startswith("Coverage matrix modules × competencies"), english[:200]
    assert "Import rules" in english and f"{server.url}/edit/upload?lang=en" in english, english
    assert not FRENCH_WORDS.search(english), FRENCH_WORDS.search(english)
    assert not re.search(r"\w [:;!?]|«|»", english), re.search(r".{20}(\w [:;!?]|«|»).{20}", english)
    french = instructions(edith.get("/edit/workbook.xlsx").content)
    assert french.startswith("Matrice de couverture modules × compétences") and "Règles de l'import" in french
    assert "Import rules" not in french and "Bring it back" not in french
    out = tmp_path / "cli.xlsx"
    done = run_cli("export-matrix", "--lang", "en", "--out", str(out), "--data", str(workspace))
    assert done.returncode == 0, done.stderr
    cli = instructions(out.read_bytes())
    assert "Import rules" in cli and not FRENCH_WORDS.search(cli)
