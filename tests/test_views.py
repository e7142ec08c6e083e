"""The coverage views (issue #4) over a real uvicorn server and as `cipt viz` files: what each page
shows equals the named queries; nothing loads from the network; gaps stand out."""

from __future__ import annotations

import csv
import io
import re
import socket
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import uvicorn
from openpyxl import load_workbook

from cipt_graph.build import build_store
from cipt_graph.output import to_csv
from cipt_graph.paths import init_workspace
from cipt_graph.queries import run_query
from cipt_graph.store import iter_records
from cipt_graph.visualize import FILE_NAMES, render_view, write_views
from cipt_graph.visualize.network import build_network, layout_network, module_height
from cipt_graph.visualize.page import Links

VIEWS = {"dashboard": "/", "graph": "/graph", "matrix": "/matrix", "jobs": "/jobs"}


def records(store, name, **params):
    return list(iter_records(run_query(store, name, params)))


class LiveServer:
    """A real uvicorn server on a free 127.0.0.1 port, in a thread."""

    def __init__(self, app) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(store):
    from cipt_graph.api.app import create_app

    with LiveServer(create_app(store)) as live:
        yield live


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def viz_dir(tmp_path_factory, cli):
    out = tmp_path_factory.mktemp("viz")
    done = cli("viz", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


class Page(HTMLParser):
    """The elements of a page with their attributes, and the text of each element with an id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)

    def find(self, tag: str | None = None, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if (tag is None or t == tag)
                and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]


def external_references(html: str) -> list[str]:
    """What a page would load from elsewhere: script/img/iframe sources, stylesheets, CSS urls."""
    page = Page(html)
    found = []
    for tag, attrs in page.elements:
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed") and attrs.get("src"):
            found.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            found.append(attrs["href"])
    for css in page.styles:
        found += re.findall(r"url\(\s*['\"]?([^'\")]+)", css) + re.findall(r"@import\s+['\"]([^'\"]+)", css)
    return [ref for ref in found if not ref.startswith("data:")]


# --- served pages --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_view_is_served_in_each_language_and_loads_nothing(http, view, lang):
    response = http.get(VIEWS[view], params={"lang": lang})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in response.text
    # Served, a page loads only the site's own style sheets and scripts (so that its
    # Content-Security-Policy can refuse anything inline), and each of them answers.
    own = external_references(response.text)
    assert own and all(ref.startswith("/") and not ref.startswith("//") for ref in own), own
    for ref in own:
        assert http.get(ref).status_code == 200, ref
    assert "<style" not in response.text and " style=" not in response.text
    assert not re.search(r"<script(?![^>]*(\ssrc=|type=\"application/json\"))", response.text)


def test_french_is_the_default_and_english_differs(http):
    fr, en = http.get("/matrix").text, http.get("/matrix", params={"lang": "en"}).text
    assert '<html lang="fr">' in fr and "Matrice modules × compétences" in fr
    assert "Module × competency matrix" in en and "Communication publique" not in en


def test_unknown_language_is_refused(http):
    response = http.get("/matrix", params={"lang": "de"})
    assert 400 <= response.status_code < 500
    assert "lang" in response.text


def test_network_page_serves_the_vis_network_shipped_with_pyvis(http):
    """pyvis 0.3.2's own template loads bootstrap and vis-network from CDNs (issue #4): the
    page loads the copy shipped inside pyvis from this server instead."""
    from cipt_graph.visualize.network import vis_asset

    html = http.get("/graph").text
    assert '<script src="/static/views/vis-network.min.js">' in html
    assert http.get("/static/views/vis-network.min.js").text == vis_asset("vis-network.min.js")
    assert "cdn" not in " ".join(external_references(html)) and "bootstrap" not in html


# --- what the pages show equals the named queries -------------------------------------------------

@pytest.mark.parametrize("lang", ["fr", "en"])
def test_matrix_cells_equal_the_coverage_matrix_query(http, store, lang):
    page = Page(http.get("/matrix", params={"lang": lang}).text)
    cells = [a for t, a in page.elements if t == "td" and "data-module" in a and "data-competency" in a]
    shown = {(a["data-module"], a["data-competency"], a["data-level"]) for a in cells if "data-level" in a}
    want = {(r["module_code"], r["competency_code"], r["level_code"]) for r in records(store, "coverage_matrix", lang=lang)}
    assert shown == want
    modules, comps = records(store, "modules", lang=lang), records(store, "hours_per_competency", lang=lang)
    assert len(cells) == len(modules) * len(comps)
    assert [a["data-module"] for a in page.find("tr") if "data-module" in a] == [m["module_code"] for m in modules]


def test_matrix_titles_carry_the_rationale(http, store):
    html = http.get("/matrix").text
    for r in records(store, "coverage_matrix")[:10]:
        assert re.search(rf'data-competency="{r["competency_code"]}" data-level="{r["level_code"]}" title="[^"]*'
                         rf'{re.escape(r["rationale"][:30].replace("&", "&amp;").replace(chr(39), "&#x27;"))}', html)


def test_matrix_exports_are_the_query(http, store):
    text = http.get("/matrix.csv").text
    assert text == to_csv(run_query(store, "coverage_matrix", {"lang": "fr"}))
    en = list(csv.DictReader(io.StringIO(http.get("/matrix.csv", params={"lang": "en"}).text)))
    assert {r["lang"] for r in en} == {"en"}
    response = http.get("/matrix.xlsx", params={"lang": "en"})
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    sheet = wb.worksheets[0]
    codes = [c.value for c in sheet[1]][4:-1]
    cells = {(row[1], code, level) for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]
             for code, level in zip(codes, row[4:-1]) if level}
    assert cells == {(r["module_code"], r["competency_code"], r["level_code"]) for r in records(store, "coverage_matrix")}
    assert wb["coverage_matrix"].max_row == len(records(store, "coverage_matrix")) + 1


def test_dashboard_figures_come_from_the_queries(http, store):
    html = http.get("/").text
    stats = records(store, "stats")[0]
    hours = records(store, "hours_declared_vs_listed")[0]
    figure = dict(re.findall(r'data-figure="(\w+)"><div class="value">([^<]+)<', html))
    assert figure["modules"] == str(stats["modules"])
    assert figure["hours"] == f'{hours["listed"]} / {hours["declared"]}'
    gaps = sum(len(records(store, q)) for q in ("uncovered_competencies", "uncovered_blocks", "modules_without_competency"))
    assert figure["gaps"] == str(gaps)
    for href in ("/graph", "/matrix", "/jobs", "/sparql", "/docs"):
        assert f'href="{href}?lang=fr"' in html, href


def test_jobs_page_follows_job_paths(http, store):
    html = http.get("/jobs", params={"lang": "en"}).text
    rows = records(store, "job_paths", lang="en")
    sections = re.split(r'<section class="job" ', html)[1:]
    assert len(sections) == len({r["job_code"] for r in rows})
    for section in sections:
        job = re.match(r'id="job-(\w+)"', section).group(1)
        mine = [r for r in rows if r["job_code"] == job]
        assert set(re.findall(r'<tr class="\w+" data-competency="([\w-]+)"', section)) == {r["competency_code"] for r in mine}
        assert set(re.findall(r'data-module="(\w+)"', section)) == {r["module_code"] for r in mine if r["module_code"]}


# --- the network, without a browser ---------------------------------------------------------------

def test_network_layout_is_layered_deterministic_and_without_overlap(store):
    graph = build_network(store)
    first, second = layout_network(graph), layout_network(build_network(store))
    assert first == second
    for kind in ("module", "competency", "block", "activity", "job"):
        column = sorted((first[n][1], n) for n, k in graph.nodes(data="kind") if k == kind)
        assert len({first[n][0] for _, n in column}) == 1, f"{kind}s share one column"
        for (y1, a), (y2, b) in zip(column, column[1:]):
            room = (module_height(graph.nodes[a]["hours"], graph.nodes[a]["lines"])
                    + module_height(graph.nodes[b]["hours"], graph.nodes[b]["lines"])) / 2 \
                if kind == "module" else 40
            assert y2 - y1 >= room, (a, b)
    comps = sorted((first[n][1], graph.nodes[n]["block"]) for n, k in graph.nodes(data="kind") if k == "competency")
    blocks_in_order = [b for i, (_, b) in enumerate(comps) if i == 0 or comps[i - 1][1] != b]
    assert len(blocks_in_order) == len(set(blocks_in_order)), "each block's competencies are together"


# --- standalone files ------------------------------------------------------------------------------

def test_cli_viz_writes_every_view_as_a_standalone_file(viz_dir, store):
    for name in [*FILE_NAMES.values(), "matrix.csv", "matrix.xlsx"]:
        assert (viz_dir / name).stat().st_size > 0, name
    for name in FILE_NAMES.values():
        html = (viz_dir / name).read_text(encoding="utf-8")
        assert external_references(html) == [], name
        page = Page(html)
        hrefs = [a["href"] for t, a in page.elements if t == "a" and "href" in a]
        assert not [h for h in hrefs if h.startswith("/")], f"{name}: no server path in a file"
        assert set(h for h in hrefs if not h.startswith(("http", "#"))) <= {*FILE_NAMES.values(), "matrix.csv", "matrix.xlsx"}
    csv_text = (viz_dir / "matrix.csv").read_text(encoding="utf-8")
    assert csv_text == to_csv(run_query(store, "coverage_matrix", {"lang": "fr"}))


def test_cli_viz_in_english(tmp_path, cli):
    done = cli("viz", "--out", str(tmp_path / "en"), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert '<html lang="en">' in (tmp_path / "en" / "matrix.html").read_text(encoding="utf-8")


def test_cli_viz_refuses_a_file_as_folder_and_writes_nothing(tmp_path, cli):
    target = tmp_path / "taken"
    target.write_text("keep me")
    done = cli("viz", "--out", str(target))
    assert done.returncode == 2
    assert str(target) in done.stderr and "n'est pas un dossier" in done.stderr
    assert target.read_text() == "keep me"
    bad_lang = cli("viz", "--out", str(tmp_path / "x"), "--lang", "de")
    assert bad_lang.returncode == 2 and not (tmp_path / "x").exists()


# --- gaps stand out (a workspace where a competency and a module lose their links) ----------------

@pytest.fixture(scope="module")
def gappy_store(tmp_path_factory):
    workspace = init_workspace(tmp_path_factory.mktemp("gappy") / "ws")
    path = workspace.mapping_dir / "module_competency.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if ",BC01-C1," not in line and not line.startswith("M12,")]
    assert len(kept) < len(lines)
    path.write_text("".join(kept), encoding="utf-8")
    return build_store(workspace)


def test_gaps_stand_out_in_matrix_dashboard_and_jobs(gappy_store, tmp_path):
    store = gappy_store
    uncovered = {r["competency_code"] for r in records(store, "uncovered_competencies")}
    empty = {r["module_code"] for r in records(store, "modules_without_competency")}
    # Since the mapping review of #14 the shipped data already has BC02-C3 uncovered and M12
    # (Salon CapCom) covering nothing: the copy adds BC01-C1 to them.
    shipped = build_store()
    assert uncovered == {"BC01-C1"} | {r["competency_code"] for r in records(shipped, "uncovered_competencies")}
    assert empty == {"M12"} | {r["module_code"] for r in records(shipped, "modules_without_competency")}
    matrix = Page(render_view(store, "matrix", "fr", Links()))
    header = next(a for t, a in matrix.elements if t == "th" and a.get("data-competency") == "BC01-C1")
    assert "uncovered" in header["class"]
    assert matrix.find("tr", data_module="M12", **{"class": "empty"})
    gaps = [a for t, a in matrix.elements if a.get("id") == "gaps"]
    assert gaps and gaps[0].get("class") != "ok"
    dashboard = render_view(store, "dashboard", "en", Links())
    assert re.search(rf'data-figure="gaps"><div class="value">{len(uncovered) + len(empty)}<', dashboard)
    assert 'class="card warn-card" data-figure="competencies"' in dashboard
    jobs = render_view(store, "jobs", "fr", Links())
    needing = {r["job_code"] for r in records(store, "job_paths") if r["competency_code"] == "BC01-C1"}
    assert needing and jobs.count('<tr class="uncovered" data-competency="BC01-C1">') >= len(needing)
    assert len(write_views(store, tmp_path / "out")) == 6


def test_matrix_workbook_carries_totals_and_highlights_gaps(gappy_store, store):
    from cipt_graph.visualize.i18n import tr
    from cipt_graph.visualize.matrix import XLSX_GAP, matrix_xlsx

    wb = load_workbook(io.BytesIO(matrix_xlsx(gappy_store, "fr")))
    sheet = wb.worksheets[0]
    codes = [c.value for c in sheet[1]][4:-1]
    by_label = {row[2].value: row for row in sheet.iter_rows(min_row=2) if row[2].value and not row[1].value}
    comps = {r["competency_code"]: r for r in records(gappy_store, "hours_per_competency")}
    per_comp = {code: cell.value for code, cell in zip(codes, by_label[tr("fr", "matrix.col_total")][4:-1])}
    assert per_comp == {code: r["modules"] for code, r in comps.items()}
    hours = {code: cell.value for code, cell in zip(codes, by_label[tr("fr", "matrix.comp_hours")][4:-1])}
    assert hours == {code: pytest.approx(float(r["hours"])) for code, r in comps.items()}
    blocks = {r["block_code"]: float(r["hours"]) for r in records(gappy_store, "hours_per_block")}
    block_row = by_label[tr("fr", "matrix.block_hours")]
    shown = sorted(c.value for c in block_row[4:-1] if c.value is not None)
    assert shown == pytest.approx(sorted(h for code, h in blocks.items()
                                         if any(r["block_code"] == code for r in comps.values())))
    total = by_label[tr("fr", "matrix.total_hours")][3].value
    assert total == pytest.approx(sum(float(m["module_hours"]) for m in records(gappy_store, "modules")))
    # Gaps: the uncovered competency's column and the module covering nothing are hatched.
    column = codes.index("BC01-C1") + 5
    assert sheet.cell(1, column).fill.fill_type == XLSX_GAP.fill_type == "lightUp"
    m12 = next(row for row in sheet.iter_rows(min_row=2) if row[1].value == "M12")
    assert m12[2].fill.fill_type == "lightUp" and "ne couvre aucune compétence" in m12[2].value
    # On the shipped data, exactly the modules the query finds covering nothing are hatched.
    wb = load_workbook(io.BytesIO(matrix_xlsx(store, "en")))
    hatched = {row[1].value for row in wb.worksheets[0].iter_rows(min_row=2) if row[1].value
               and row[2].fill.fill_type == "lightUp"}
    assert hatched == {r["module_code"] for r in records(store, "modules_without_competency")}


def test_every_file_carries_the_site_icon_inline(viz_dir):
    """A file of `cipt viz` loads nothing: the site's icon (the one /favicon.ico answers) is in
    it as a data: URI (issue #15)."""
    import base64

    from cipt_graph.visualize.static import favicon_bytes

    for name in FILE_NAMES.values():
        html = (viz_dir / name).read_text(encoding="utf-8")
        found = re.search(r'<link rel="icon" href="data:image/x-icon;base64,([A-Za-z0-9+/=]+)"', html)
        assert found, name
        assert base64.b64decode(found.group(1)) == favicon_bytes()
