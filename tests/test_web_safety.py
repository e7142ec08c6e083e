"""Nothing in the data runs in a browser, and every link resolves (issues #12, #13): the safe-link
rule, the security headers of every answer, and a crawl of every page of a real `cipt serve` on
the shipped data, on a workspace full of `javascript:` IRIs and on one with imported fiches."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest

from cipt_graph.safelinks import id_path, link_or_text, safe_href
from hostile_web import HOSTILE_IRIS, add_hostile_data, crawl, link_scheme, page_links, script_links
from serve_helpers import serving

SEEDS = ["/", "/graph", "/matrix", "/jobs", "/sparql", "/docs", "/ontology", "/audit",
         "/id/programme/m2-cipt", "/?lang=en", "/audit?format=md"]
HTML_PAGES_WITHOUT_INLINE = ("/", "/graph", "/matrix", "/jobs", "/sparql", "/docs", "/ontology", "/id/")


# --- the rule --------------------------------------------------------------------------------------

@pytest.mark.parametrize("target, expected", [
    ("https://example.org/a?b#c", "https://example.org/a?b#c"),
    ("HTTP://example.org/", "HTTP://example.org/"),
    ("/id/module/M01", "/id/module/M01"),
    ("/matrix?lang=en", "/matrix?lang=en"),
    ("#q-stats", "#q-stats"),
    ("?lang=en", "?lang=en"),
    ("graph.html", "graph.html"),
    (" \thttps://example.org/\n", "https://example.org/"),
    ("javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    (" java\tscript:alert(1)", None),
    ("\x01javascript:alert(1)", None),
    ("java\nscript:alert(1)", None),
    ("data:text/html;base64,PHNjcmlwdD4=", None),
    ("vbscript:msgbox(1)", None),
    ("file:///etc/passwd", None),
    ("mailto:a@b.c", None),
    ("urn:isbn:123", None),
    ("//evil.example/x", None),
    ("/\\evil.example", None),
    ("https:evil", None),
    ("http://", None),
    ("", None),
    (None, None),
])
def test_safe_href(target, expected):
    assert safe_href(target) == expected


def test_link_or_text_shows_refused_targets_as_text():
    assert link_or_text("javascript:alert(1)", "<b>x</b>") == \
        '<span class="iri-text" title="javascript:alert(1)">&lt;b&gt;x&lt;/b&gt;</span>'
    assert link_or_text("https://a.example/?q=\"x\"", "t") == '<a href="https://a.example/?q=&quot;x&quot;">t</a>'


def test_id_path_keeps_percent_encodings_and_escapes_query_and_fragment():
    assert id_path("https://w3id.org/cipt-graph/id/block/RNCP1%20BC01") == "/id/block/RNCP1%20BC01"
    assert id_path("https://w3id.org/cipt-graph/id/a?b#c") == "/id/a%3Fb%23c"
    assert id_path("https://example.org/id/x") is None


# --- checks on every answer ------------------------------------------------------------------------

def check_answer(url: str, response: httpx.Response, problems: list[str]) -> None:
    """Headers on every answer; on HTML answers, no link with a scheme other than http(s), no inline
    event handler, and on the site's own pages no inline script or style."""
    headers = response.headers
    for name, value in (("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"),
                        ("referrer-policy", "same-origin")):
        if headers.get(name) != value:
            problems.append(f"{url}: {name} = {headers.get(name)!r}")
    csp = headers.get("content-security-policy", "")
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'",
                      "base-uri 'none'"):
        if directive not in csp:
            problems.append(f"{url}: CSP lacks {directive!r}: {csp!r}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"{url}: CSP allows inline code: {csp!r}")
    if not headers.get("content-type", "").startswith("text/html") or response.status_code != 200:
        return
    html = response.text
    found = page_links(html)
    for where, value in found.links + [("network-data@href", h) for h in script_links(html)]:
        if link_scheme(value) not in (None, "http", "https"):
            problems.append(f"{url}: {where} = {value!r}")
    if found.inline_handlers:
        problems.append(f"{url}: inline event handlers {found.inline_handlers[:3]}")
    path = httpx.URL(url).path
    if path in HTML_PAGES_WITHOUT_INLINE or path.startswith("/id/"):
        if re.search(r"<script(?![^>]*(\ssrc=|type=\"application/json\"))", html):
            problems.append(f"{url}: inline script")
        if "<style" in html or re.search(r"\sstyle=", html):
            problems.append(f"{url}: inline style")


def crawl_and_check(base: str, seeds: list[str], skip=None) -> dict[str, int]:
    problems: list[str] = []
    # Idle connections dropped after 1 s, well before the server's 5 s: none is reused as it closes.
    with httpx.Client(timeout=60, limits=httpx.Limits(keepalive_expiry=1)) as client:
        statuses = crawl(client, base, seeds, on_page=lambda u, r: check_answer(u, r, problems), skip=skip)
    missing = sorted(u for u, s in statuses.items() if s == 404)
    assert not missing, f"{len(missing)} internal links answer 404: {missing[:10]}"
    # 503 is the server's time limit on a busy machine (with Retry-After), not a broken link.
    errors = sorted(f"{u} {s}" for u, s in statuses.items() if s >= 500 and s != 503)
    assert not errors, errors[:10]
    assert not problems, "\n".join(problems[:20])
    return statuses


# --- crawls of a real `cipt serve` -----------------------------------------------------------------

#: A resource's data in another format (`/id/….ttl`, `.jsonld`, `.nt`, `.rdf`: four of the six links
#: of every resource page).
FORMAT_LINK = re.compile(r"/id/[^?#]*\.(ttl|jsonld|nt|rdf)$")


def test_crawl_shipped_data(server_url):
    """Every page of the shipped data, served without a workspace, in both languages. The other
    formats of each resource are fetched by the crawl of the workspace below, which holds every
    shipped resource under the same IRI (and more): fetched once, not twice."""
    statuses = crawl_and_check(server_url, SEEDS, skip=lambda url: FORMAT_LINK.search(httpx.URL(url).path))
    ids = [u for u in statuses if "/id/" in u]
    assert len(ids) > 100, len(ids)  # every module, competency, block… has its page and is linked
    assert not [u for u in statuses if FORMAT_LINK.search(httpx.URL(u).path)]


def import_odd_fiches(ws: Path, folder: Path, cli) -> None:
    """Import into ``ws`` the repository's crafted fiche, and one whose block codes hold a space, a
    slash, accents, `?`, `#` and `%`."""
    crafted = Path(__file__).resolve().parent / "fixtures" / "rncp" / "RNCP38175_crafted.xml"
    done = cli("import-rncp", str(crafted), "--data", str(ws), "--author", "T")
    assert done.returncode == 0, done.stderr
    odd = folder / "odd.xml"
    blocks = "".join(
        f"<BLOC_COMPETENCES><CODE>{code}</CODE><LIBELLE>Bloc {i} &lt;b&gt;</LIBELLE>"
        f"<LISTE_COMPETENCES>- Compétence {i}.1\n- Compétence {i}.2</LISTE_COMPETENCES></BLOC_COMPETENCES>"
        for i, code in enumerate(["RNCP90002 BC01", "RNCP90002/BC02", "RNCP90002-BÇ03", "RNCP90002 BC?4",
                                  "RNCP90002#BC05", "RNCP90002%BC06"]))
    odd.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<FICHES><VERSION_FLUX>4.1</VERSION_FLUX><FICHE><ID_FICHE>1</ID_FICHE><NUMERO_FICHE>RNCP90002</NUMERO_FICHE>
<INTITULE>Fiche d'essai</INTITULE><ETAT_FICHE>Publiée</ETAT_FICHE><ACTIF>Oui</ACTIF>
<BLOCS_COMPETENCES>{blocks}</BLOCS_COMPETENCES></FICHE></FICHES>
""", encoding="utf-8")
    done = cli("import-rncp", str(odd), "--data", str(ws), "--author", "T")
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def hostile_ws(tmp_path_factory, cli):
    """A workspace with imported fiches (odd block codes) and data full of hostile IRIs and labels:
    one crawl checks both (every page of either kind of workspace is a page of this one)."""
    folder = tmp_path_factory.mktemp("hostile")
    ws = folder / "ws"
    done = cli("init", str(ws))
    assert done.returncode == 0, done.stderr
    import_odd_fiches(ws, folder, cli)
    add_hostile_data(ws)
    return ws


@pytest.fixture(scope="module")
def hostile_server(hostile_ws, tmp_path_factory):
    with serving(["--data", str(hostile_ws)], tmp_path_factory.mktemp("hostile-log") / "serve.log") as server:
        yield server.url


def test_crawl_workspace_with_javascript_iris_and_imported_fiches(hostile_server):
    statuses = crawl_and_check(hostile_server, SEEDS + ["/id/rncp/RNCP90002"])
    assert any("/id/module/M01" in u for u in statuses)
    # Each resource's other formats too: those of the shipped resources among them (the crawl of
    # the shipped data leaves them to this one).
    for suffix in (".ttl", ".jsonld", ".nt", ".rdf"):
        assert statuses.get(f"{hostile_server}/id/module/M01{suffix}") == 200, suffix
        assert statuses.get(f"{hostile_server}/id/statement/M01-period{suffix}") == 200, suffix
    odd = [u for u in statuses if "RNCP90002" in u and "/id/" in u]
    assert len(odd) >= 7, odd  # the fiche and its six blocks, at least, each reached and answered


def test_hostile_iris_are_shown_as_text_not_links(hostile_server):
    with httpx.Client(base_url=hostile_server, timeout=60) as client:
        page = client.get("/id/module/M01").text
        for iri in HOSTILE_IRIS:
            escaped = iri.replace("&", "&amp;").replace("'", "&#x27;").replace('"', "&quot;")
            assert f'title="{escaped}"' in page, iri  # shown, as text with its IRI
        matrix = client.get("/matrix").text
        assert 'class="iri-text"' in matrix and "M90" in matrix
        assert "<script>window.__xss" not in matrix and "&lt;script&gt;window.__xss" in matrix
        graph = client.get("/graph").text
        codes = {n["code"]: n.get("href") for n in __import__("json").loads(
            re.search(r'id="network-data" type="application/json">(.*?)</script>', graph, re.S).group(1))["nodes"]}
        assert codes["M90"] is None and codes["M01"] == "/id/module/M01?lang=fr"


def test_markdown_audit_carries_no_raw_tag_from_the_data(hostile_server, hostile_ws, cli):
    with httpx.Client(base_url=hostile_server, timeout=60) as client:
        md = client.get("/audit", params={"format": "md"}).text
    done = cli("audit", "--format", "md", "--data", str(hostile_ws))
    from markdown_it import MarkdownIt

    for text in (md, done.stdout):
        assert "<script" not in text and "<img" not in text  # no tag from the data…
        # …and rendered by a CommonMark renderer that lets raw HTML through, still none, while
        # the labels read exactly as in the data.
        html = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
        assert "<script" not in html and "<img" not in html
        assert "&lt;script&gt;window.__xss=(window.__xss||[]).concat('L1')&lt;/script&gt;" in html.replace("&#x27;", "'")


# --- any data: properties --------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_IRI_CHARS = st.sampled_from(list("abcXYZ019-._~!$&'()*+,;=:@/?%") + ["%0A", "%09", "é"])
HOSTILE_IRI = st.builds(
    lambda scheme, rest: f"{scheme}:{rest}",
    st.sampled_from(["javascript", "JaVaScRiPt", "data", "vbscript", "VBScript", "file", "mailto", "urn", "tel",
                     "http", "https"]),
    st.lists(_IRI_CHARS, min_size=1, max_size=20).map("".join).filter(lambda r: not r.startswith("//") or len(r) > 2))
HTML_BITS = st.sampled_from(["<script>window.__xss=1</script>", "\"><img src=x onerror=alert(1)>", "&amp;", "&",
                             "<", ">", "'", "\"", "[x](javascript:alert(1))", "`code`", "*em*", "|", "\\", "_u_"])
LABEL = st.lists(st.one_of(HTML_BITS, st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=8)),
                 min_size=1, max_size=6).map("".join).filter(lambda s: s.strip() != "")


def _valid_iri(text: str) -> bool:
    import pyoxigraph as ox

    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(value=LABEL)
def test_markdown_text_renders_as_exactly_the_text(value):
    from markdown_it import MarkdownIt

    from cipt_graph.audit.render_md import md_text

    md = md_text(value)
    assert "<" not in md and ">" not in md and "\n" not in md
    html = MarkdownIt("commonmark", {"html": True}).render(f"| a |\n|---|\n| {md} |\n")
    assert "<script" not in html and "<img" not in html and "<a " not in html


@pytest.fixture(scope="module")
def base_ws(tmp_path_factory, cli):
    ws = tmp_path_factory.mktemp("base") / "ws"
    assert cli("init", str(ws)).returncode == 0
    return ws


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(iris=st.lists(HOSTILE_IRI.filter(_valid_iri), min_size=1, max_size=3, unique=True), label=LABEL)
def test_any_data_makes_no_unsafe_link(base_ws, tmp_path_factory, iris, label):
    """Random IRIs of any scheme and labels holding HTML, in a workspace served by a real uvicorn:
    no link of any page has a scheme other than http(s); every answer carries the headers."""
    from conftest import serve_app

    from cipt_graph.api.app import create_app
    from cipt_graph.build import build_store

    ws = tmp_path_factory.mktemp("any") / "ws"
    shutil.copytree(base_ws, ws)
    add_hostile_data(ws, tuple(iris), label=label)
    problems: list[str] = []
    with serve_app(create_app(build_store(ws))) as base, httpx.Client(base_url=base, timeout=60) as client:
        for path in ("/", "/graph", "/matrix", "/jobs", "/sparql", "/ontology", "/id/module/M01", "/id/period/P1",
                     "/versions", "/nothing-here"):
            check_answer(base + path, client.get(path), problems)
        query = "SELECT ?u WHERE { <https://w3id.org/cipt-graph/id/module/M01> <https://schema.org/url> ?u }"
        check_answer(base + "/sparql", client.post("/sparql", data={"query": query}), problems)
    assert not problems, "\n".join(problems[:20])
