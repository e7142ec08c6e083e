"""`/audit` served by a real uvicorn server, rendered by a real headless Chromium (Debian's, driven
by Playwright) and printed to PDF with `chromium --print-to-pdf`: no table overflows the A4 page,
nothing is fetched from elsewhere, and the links run the cited queries (issue #5).

Never `playwright install`: the browser is the system's /usr/bin/chromium (`.ci/run` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from cipt_graph.queries import run_query
from cipt_graph.store import iter_records
from conftest import serve_app

CHROMIUM = os.environ.get("CIPT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
#: The printable width of an A4 page with the report's margins (210 mm − 2 × 14 mm), in CSS px.
A4_PRINT_WIDTH = round((210 - 28) / 25.4 * 96)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")


def chromium_path() -> str:
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which(CHROMIUM)
    if not found:
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)", pytrace=False)
    return found


@pytest.fixture(scope="module")
def served(store):
    from cipt_graph.api.app import create_app

    with serve_app(create_app(store)) as base:
        yield base


@pytest.fixture(scope="module")
def client(served):
    with httpx.Client(base_url=served, timeout=120) as c:
        yield c


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path(), args=ARGS)
        yield chromium
        chromium.close()


def records(store, name, params=None):
    return list(iter_records(run_query(store, name, params or {})))


def test_audit_is_served_as_html_json_and_english(client, served, store):
    html = client.get("/audit")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    # The shipped data's one violation (a competency no module teaches), counted once.
    untaught = len(records(store, "uncovered_competencies"))
    assert '<html lang="fr">' in html.text and html.headers["x-cipt-audit-violations"] == str(untaught)
    assert f'href="{served}/api/queries/hours_declared_vs_listed?lang=fr"' in html.text
    en = client.get("/audit", params={"lang": "en"})
    assert en.status_code == 200 and '<html lang="en">' in en.text
    data = client.get("/audit", params={"format": "json"}).json()
    assert data["base_url"] == served and data["hours"]["rows"] == records(store, "hours_declared_vs_listed")
    assert int(html.headers["x-cipt-audit-warnings"]) == data["status"]["warnings"]
    assert client.get("/audit", params={"lang": "de"}).status_code in (400, 422)


def test_links_of_the_served_report_run_the_queries(client, store):
    data = client.get("/audit", params={"format": "json"}).json()
    sources = [data["hours"]["source"], data["mapping_status"]["source"],
               next(c["source"] for c in data["checks"] if c["source"]["name"] == "uncovered_competencies")]
    for source in sources:
        want = records(store, source["name"], source["params"])
        api = client.get(source["links"]["api"])
        assert api.status_code == 200, api.text
        assert api.json() == want
        sparql = client.get(source["links"]["sparql"], headers={"Accept": "application/sparql-results+json"})
        assert sparql.status_code == 200, sparql.text
        assert len(sparql.json()["results"]["bindings"]) == len(want)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_report_s_links_keep_its_language(client, served, lang):
    """Every "run it" link of /audit?lang=xx carries lang=xx: the SPARQL page opens in the
    report's language, and the API (even for a query without labels) answers in it."""
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    page = client.get("/audit", params={"lang": lang}).text
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
    runs = [h for h in hrefs if urlsplit(h).path == "/sparql" or urlsplit(h).path.startswith("/api/queries/")]
    assert len(runs) > 20
    assert [h for h in runs if parse_qs(urlsplit(h).query).get("lang") != [lang]] == []
    sparql = next(h for h in runs if urlsplit(h).path == "/sparql")
    opened = client.get(sparql, headers={"Accept": "text/html", "Accept-Language": "fr" if lang == "en" else "en"})
    assert opened.status_code == 200 and f'<html lang="{lang}">' in opened.text
    version = next(h for h in runs if "/api/queries/data_version" in h)
    assert client.get(version).status_code == 200
    refused = client.get(version.replace("?", "?nope=1&"))
    want = {"fr": "n'a pas de paramètre 'nope'", "en": "no parameter 'nope'"}[lang]
    assert refused.status_code == 400 and want in refused.json()["message"], refused.text


OVERFLOW = """() => {
  const out = [];
  for (const el of document.querySelectorAll('table, pre, section, td, th')) {
    if (el.scrollWidth > el.clientWidth + 1) out.push(el.tagName + ' ' + (el.id || el.className) + ' '
      + el.scrollWidth + '>' + el.clientWidth + ' ' + el.textContent.slice(0, 60));
  }
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) out.push('document ' + doc.scrollWidth + '>' + doc.clientWidth);
  return {overflowing: out, tables: document.querySelectorAll('table').length,
          scripts: document.querySelectorAll('script').length};
}"""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_table_overflows_an_a4_page_in_print(browser, served, lang):
    context = browser.new_context(viewport={"width": A4_PRINT_WIDTH, "height": 1100})
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith((served, "data:", "about:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    try:
        page.emulate_media(media="print")
        response = page.goto(f"{served}/audit?lang={lang}", wait_until="load", timeout=120_000)
        assert response.status == 200
        result = page.evaluate(OVERFLOW)
        assert result["tables"] > 10 and result["scripts"] == 0
        assert result["overflowing"] == []
        assert blocked == [], f"the report tried to fetch {blocked}"
        # Sections flow: no forced page per section, which left pages nearly empty (issue #14).
        assert page.evaluate("getComputedStyle(document.querySelector('#hours')).breakBefore") != "page"
    finally:
        context.close()


def page_fill(pdf: Path, tmp_path: Path) -> list[float]:
    """For each page of a PDF (rendered in grey by pdftoppm), how far down the page the content
    reaches: the lowest inked row above the footer band, as a share of the page height."""
    prefix = tmp_path / "page"
    done = subprocess.run(["pdftoppm", "-gray", "-r", "30", str(pdf), str(prefix)], capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    fills = []
    for path in sorted(tmp_path.glob("page-*.pgm")):
        magic, size, _, pixels = path.read_bytes().split(b"\n", 3)
        assert magic == b"P5"
        width, height = map(int, size.split())
        body = int(height * 0.93)  # below: the footer (title and page number) in the bottom margin
        inked = [y for y in range(body) if min(pixels[y * width:(y + 1) * width]) < 200]
        fills.append((max(inked) + 1) / height if inked else 0.0)
    return fills


def test_printed_pdf_is_a4_without_empty_pages_and_a_short_annex(served, tmp_path):
    """Issue #14: no printed page more than three-quarters empty, and the annex of queries on at
    most 3 pages (its full texts are in the Markdown and JSON forms)."""
    if not shutil.which("pdftoppm"):
        pytest.fail("pdftoppm is missing: install poppler-utils", pytrace=False)
    out = tmp_path / "audit.pdf"
    done = subprocess.run(
        [chromium_path(), "--headless", *ARGS, "--no-pdf-header-footer", f"--print-to-pdf={out}",
         f"{served}/audit?lang=fr"], capture_output=True, text=True, timeout=180)
    assert out.exists(), done.stderr[-2000:]
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-")
    boxes = {tuple(round(float(v)) for v in box.split()) for box in
             re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)}
    assert boxes == {(0, 0, 595, 842)}, "every page is A4 portrait"
    fills = page_fill(out, tmp_path)
    assert len(fills) >= 4
    assert all(f > 0.25 for f in fills), f"a page is more than three-quarters empty: {fills}"
    # The annex: the pages from the one where its heading stands to the end.
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, timeout=120).stdout
    pages = text.split("\f")
    heading = next(i for i, page in enumerate(pages) if re.search("Annexe[ \u00a0\u202f]: requêtes citées", page) and
                   "Sommaire" not in page)
    annex = [p for p in pages[heading:] if p.strip()]
    assert len(annex) <= 3, f"the annex takes {len(annex)} pages"
