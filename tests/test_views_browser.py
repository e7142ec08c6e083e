"""The coverage views in a real headless Chromium (Debian's, driven by Playwright), served by a real
uvicorn server and opened as `cipt viz` files, with every request outside the app blocked (issue #4).

Never `playwright install`: the browser is the system's /usr/bin/chromium (`.ci/run` installs it).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cipt_graph.queries import run_query
from cipt_graph.store import iter_records
from test_views import VIEWS, LiveServer

CHROMIUM = os.environ.get("CIPT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
FILES = {"dashboard": "index.html", "graph": "graph.html", "matrix": "matrix.html", "jobs": "jobs.html"}

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")


def records(store, name, **params):
    return list(iter_records(run_query(store, name, params)))


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)", pytrace=False)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(store):
    from cipt_graph.api.app import create_app

    with LiveServer(create_app(store)) as live:
        yield live


@pytest.fixture(scope="module")
def viz_dirs(tmp_path_factory, cli):
    out = {}
    for lang in ("fr", "en"):
        folder = tmp_path_factory.mktemp(f"viz-{lang}")
        done = cli("viz", "--out", str(folder), "--lang", lang)
        assert done.returncode == 0, done.stderr
        out[lang] = folder
    return out


class Watched:
    """A page whose requests outside the app are aborted, and whose failures are recorded."""

    def __init__(self, browser, allowed_prefix: str) -> None:
        self.context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="fr-FR")
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []

        def route(r):
            url = r.request.url
            if url.startswith((allowed_prefix, "data:", "about:", "blob:")):
                r.continue_()
            else:
                self.blocked.append(url)
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("requestfailed", lambda req: self.failed.append(req.url))

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        if self.page.locator("#network").count():
            self.page.wait_for_selector("#network[data-ready='1']", timeout=15000)
        return self.page

    def assert_clean(self) -> None:
        assert self.blocked == [], f"requests outside the app: {self.blocked}"
        assert self.failed == [], f"failed requests: {self.failed}"
        assert self.errors == [], f"page errors: {self.errors}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def served(browser, server):
    watched = Watched(browser, server.url + "/")
    yield watched
    watched.close()


@pytest.fixture
def local(browser):
    watched = Watched(browser, "file://")
    yield watched
    watched.close()


def _url(where: str, server, viz_dirs, view: str, lang: str) -> str:
    if where == "server":
        return f"{server.url}{VIEWS[view]}?lang={lang}"
    return (viz_dirs[lang] / FILES[view]).as_uri()


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("where", ["server", "file"])
def test_every_view_works_offline(browser, server, viz_dirs, where, view, lang):
    watched = Watched(browser, server.url + "/" if where == "server" else "file://")
    try:
        page = watched.open(_url(where, server, viz_dirs, view, lang))
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").inner_text().strip()
        watched.assert_clean()
    finally:
        watched.close()


def _expected_network(store, lang="fr"):
    nodes = {r["module"] for r in records(store, "modules", lang=lang)}
    blocks = {r["block_code"]: r["block"] for r in records(store, "hours_per_block", lang=lang)}
    nodes |= set(blocks.values())
    edges = set()
    for r in records(store, "hours_per_competency", lang=lang):
        nodes.add(r["competency"])
        edges.add(("broader", r["competency"], blocks[r["block_code"]]))
    for r in records(store, "coverage_matrix", lang=lang):
        edges.add(("covers", r["module"], r["competency"]))
    for r in records(store, "module_objectives", lang=lang):
        nodes.add(r["objective"])
        if r["module"]:
            edges.add(("serves", r["module"], r["objective"]))
    for r in records(store, "job_paths", lang=lang):
        nodes |= {r["job"], r["activity"], r["competency"]}
        edges |= {("involves", r["job"], r["activity"]), ("requires", r["activity"], r["competency"])}
    for r in records(store, "module_links", lang=lang):  # module → activity links (issue #15)
        if r["link_kind"] == "activity":
            nodes.add(r["target"])
            edges.add(("prepares", r["module"], r["target"]))
    return nodes, edges


def _network(page):
    nodes = page.evaluate("network.body.data.nodes.get()")
    edges = page.evaluate("network.body.data.edges.get()")
    return nodes, edges


@pytest.mark.parametrize("where", ["server", "file"])
def test_network_holds_exactly_the_nodes_and_edges_of_the_graph(browser, server, viz_dirs, store, where):
    watched = Watched(browser, server.url + "/" if where == "server" else "file://")
    try:
        page = watched.open(_url(where, server, viz_dirs, "graph", "fr"))
        nodes, edges = _network(page)
        want_nodes, want_edges = _expected_network(store)
        assert len(nodes) == len({n["id"] for n in nodes}) and {n["id"] for n in nodes} == want_nodes
        assert len(edges) == len(want_edges)
        assert {(e["kind"], e["from"], e["to"]) for e in edges} == want_edges
        levels = {(r["module"], r["competency"]): r["level_code"] for r in records(store, "coverage_matrix")}
        assert {(e["from"], e["to"]): e["level"] for e in edges if e["kind"] == "covers"} == levels
        assert page.evaluate("network.physics.options.enabled") is False
        watched.assert_clean()
    finally:
        watched.close()


def _click_node(page, node_id: str) -> None:
    """Click a node where it is drawn, scrolling the page first when it is below the window.

    The selected node shows its full label, whose box may cover a neighbour: as a person would,
    Escape clears the selection first when the node is under another one.
    """
    at = "id => network.getNodeAt(network.canvasToDOM(network.getPosition(id)))"
    if page.evaluate(at, node_id) != node_id:
        page.focus("#network")
        page.keyboard.press("Escape")
        assert page.evaluate(at, node_id) == node_id, f"{node_id} is covered by another node"
    point = page.evaluate("id => network.canvasToDOM(network.getPosition(id))", node_id)
    top = page.evaluate("document.getElementById('network').getBoundingClientRect().top + window.scrollY")
    page.evaluate("y => window.scrollTo(0, y)", max(0, top + point["y"] - 300))
    box = page.locator("#network").bounding_box()
    # The scroll above puts each node at the same place on the screen: two taps within 300 ms and
    # 10 px are a double tap for vis-network (Hammer.js), which opens the focus mode. A person's
    # clicks on two nodes are further apart in time; waiting longer is always safe.
    page.wait_for_timeout(500)
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


@pytest.mark.parametrize("where", ["server", "file"])
def test_clicking_a_competency_shows_the_modules_covering_it(browser, server, viz_dirs, store, where):
    watched = Watched(browser, server.url + "/" if where == "server" else "file://")
    try:
        page = watched.open(_url(where, server, viz_dirs, "graph", "fr"))
        comps = records(store, "hours_per_competency")
        # Different nodes: two clicks on the same node in a row are a double click (focus mode).
        chosen = {c["competency"]: c for c in (comps[0], max(comps, key=lambda c: c["modules"]), comps[-1])}
        assert len(chosen) >= 2
        for comp in chosen.values():
            _click_node(page, comp["competency"])
            page.wait_for_selector(f'#details[data-node="{comp["competency"]}"]')
            shown = page.eval_on_selector_all('#details li[data-kind="module"]', "els => els.map(e => e.dataset.iri)")
            want = [r["module"] for r in records(store, "modules_for_competency", competency=comp["competency_code"])]
            assert sorted(shown) == sorted(want), comp["competency_code"]
            href = page.get_attribute("#details a.resource", "href")
            if where == "server":
                assert href == "/id/" + comp["competency"].split("/id/", 1)[1] + "?lang=fr"
                assert page.request.get(server.url + href, headers={"Accept": "text/html"}).status == 200
            else:
                assert href == comp["competency"]
        watched.assert_clean()
    finally:
        watched.close()


def _visible(page) -> set[str]:
    return set(page.evaluate("network.body.data.nodes.get({filter: n => !n.hidden}).map(n => n.id)"))


def test_filters_show_one_block_one_job_one_period(served, server, store):
    page = served.open(f"{server.url}/graph")
    matrix = records(store, "coverage_matrix")
    paths = records(store, "job_paths")
    modules = records(store, "modules")

    page.select_option("#filter-block", "BC01")
    visible = _visible(page)
    comps = {r["competency"] for r in records(store, "hours_per_competency") if r["block_code"] == "BC01"}
    assert comps <= visible
    assert {r["module"] for r in matrix if r["competency"] in comps} == {m["module"] for m in modules} & visible
    assert not ({r["competency"] for r in matrix} - comps) & visible, "no competency of another block"

    page.click("#filter-reset")
    page.select_option("#filter-job", "J1")
    visible = _visible(page)
    assert {r["activity"] for r in paths} & visible == {r["activity"] for r in paths if r["job_code"] == "J1"}
    assert {r["job"] for r in paths} & visible == {r["job"] for r in paths if r["job_code"] == "J1"}

    page.click("#filter-reset")
    page.select_option("#filter-period", "P2")
    visible = _visible(page)
    assert {m["module"] for m in modules} & visible == {m["module"] for m in modules if m["period_code"] == "P2"}

    page.click("#filter-reset")
    assert len(_visible(page)) == len(page.evaluate("network.body.data.nodes.getIds()"))
    page.goto(f"{server.url}/graph?job=J2")
    page.wait_for_selector("#network[data-ready='1']")
    assert page.input_value("#filter-job") == "J2"
    served.assert_clean()


def test_layout_is_stable_between_reloads(served, server):
    page = served.open(f"{server.url}/graph")
    first = page.evaluate("network.getPositions()")
    page.reload()
    page.wait_for_selector("#network[data-ready='1']")
    assert page.evaluate("network.getPositions()") == first
    served.assert_clean()


def test_language_switch_changes_labels(served, server, store):
    page = served.open(f"{server.url}/graph")
    m01_fr = next(m for m in records(store, "modules") if m["module_code"] == "M01")
    m01_en = next(m for m in records(store, "modules", lang="en") if m["module_code"] == "M01")
    assert m01_fr["module_label"] != m01_en["module_label"]
    assert page.evaluate("id => network.body.data.nodes.get(id).full", m01_fr["module"]) == m01_fr["module_label"]
    heading = page.inner_text("h1")
    page.click("#lang-switch")
    page.wait_for_selector("#network[data-ready='1']")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.inner_text("h1") != heading
    assert page.evaluate("id => network.body.data.nodes.get(id).full", m01_fr["module"]) == m01_en["module_label"]
    for view in ("matrix", "jobs", "dashboard"):
        page.goto(f"{server.url}{VIEWS[view]}")
        french = page.inner_text("h1")
        page.click("#lang-switch")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en" and page.inner_text("h1") != french
        page.click("#lang-switch")
        page.wait_for_load_state()
        assert page.inner_text("h1") == french
    served.assert_clean()


def test_matrix_cells_in_the_browser_equal_the_query(served, server, store):
    page = served.open(f"{server.url}/matrix?lang=en")
    cells = page.eval_on_selector_all(
        "td[data-level]", "els => els.map(e => [e.dataset.module, e.dataset.competency, e.textContent.trim()])")
    want = {(r["module_code"], r["competency_code"], r["level_code"]) for r in records(store, "coverage_matrix", lang="en")}
    assert {tuple(c) for c in cells} == want and len(cells) == len(want)
    served.assert_clean()


# --- a network a person can read (issue #15) -------------------------------------------------------

LABEL_SIZES = """() => {
  const scale = network.getScale();
  const box = document.getElementById('network').getBoundingClientRect();
  return network.body.data.nodes.get({filter: n => !n.hidden}).map(n => {
    const p = network.canvasToDOM(network.getPosition(n.id));
    const b = network.getBoundingBox(n.id);
    const left = network.canvasToDOM({x: b.left, y: b.top}).x, right = network.canvasToDOM({x: b.right, y: b.top}).x;
    return {id: n.id, px: network.body.nodes[n.id].options.font.size * scale, left: left, right: right,
            width: box.width};
  });
}"""


@pytest.mark.parametrize("size", [(1280, 720), (1400, 1000)])
def test_network_labels_are_readable_at_the_default_zoom(browser, server, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/graph")
        page.wait_for_selector("#network[data-ready='1']", timeout=30000)
        labels = page.evaluate(LABEL_SIZES)
        assert len(labels) == len(page.evaluate("network.body.data.nodes.getIds()"))
        small = [(l["id"], round(l["px"], 1)) for l in labels if l["px"] < 12]
        assert small == [], f"labels under 12 px at {size}: {small[:5]}"
        # Every column fits across the canvas: no node is cut at the left or right edge.
        cut = [l["id"] for l in labels if l["left"] < -1 or l["right"] > l["width"] + 1]
        assert cut == [], f"nodes outside the canvas at {size}: {cut[:5]}"
        # Hover shows the full label: the node's title holds it.
        node = page.evaluate("network.body.data.nodes.get({filter: n => n.kind === 'competency'})[0]")
        assert node["full"] in node["title"] and node["label"] != node["code"] + " " + node["full"]
    finally:
        context.close()


def _selection(page):
    return {"selected": page.evaluate("network.getSelectedNodes()"),
            "panel": page.get_attribute("#details", "data-node"),
            "picker": page.input_value("#node-picker"),
            "focus": page.get_attribute("#network", "data-focus")}


EMPTY = {"selected": [], "panel": None, "picker": "", "focus": None}


def test_every_filter_and_show_all_reset_the_selection_and_the_panel(served, server, store):
    page = served.open(f"{server.url}/graph")
    m01 = next(m for m in records(store, "modules") if m["module_code"] == "M01")["module"]
    for action in ("block", "job", "period", "reset", "reset-after-filter"):
        page.click("#filter-reset")
        _click_node(page, m01)
        page.wait_for_selector(f'#details[data-node="{m01}"]')
        assert _selection(page)["selected"] == [m01]
        # The selected node shows its full label.
        full = page.evaluate("id => network.body.data.nodes.get(id)", m01)
        assert full["label"].startswith(f'M01 {full["full"]} ·')  # a module's box holds its whole label and hours
        if action == "block":
            page.select_option("#filter-block", "BC03")
        elif action == "job":
            page.select_option("#filter-job", "J1")
        elif action == "period":
            page.select_option("#filter-period", "P1")
        elif action == "reset":
            page.click("#filter-reset")
        else:
            page.click("#focus-toggle")
            assert page.get_attribute("#network", "data-focus") == "1"
            page.select_option("#filter-period", "P2")
        assert _selection(page) == EMPTY, action
        assert page.evaluate("id => network.body.data.nodes.get(id).label", m01).startswith("M01 ")
        assert page.locator("#details p.note").count() == 1, action
    served.assert_clean()


def test_focus_mode_lays_out_the_node_and_its_neighbours_large(served, server, store):
    page = served.open(f"{server.url}/graph")
    comp = records(store, "hours_per_competency")[0]
    page.select_option("#node-picker", comp["competency"])
    page.wait_for_selector(f'#details[data-node="{comp["competency"]}"]')
    page.click("#focus-toggle")
    visible = _visible(page)
    neighbours = set(page.evaluate("id => network.getConnectedNodes(id)", comp["competency"]))
    assert visible == neighbours | {comp["competency"]}
    labels = page.evaluate(LABEL_SIZES)
    assert min(l["px"] for l in labels) >= 12
    # In focus, every label is the full one.
    for node in page.evaluate("network.body.data.nodes.get({filter: n => !n.hidden})"):
        if node["kind"] == "module":  # its whole label and its hours
            assert node["label"].startswith(f'{node["code"]} {node["full"]} ·')
        else:
            assert node["label"] == f'{node["code"]} {node["full"]}'
    page.click("#focus-toggle")
    assert len(_visible(page)) == len(page.evaluate("network.body.data.nodes.getIds()"))
    assert page.evaluate("id => network.getPosition(id)", comp["competency"]) == \
        page.evaluate("id => { const n = network.body.data.nodes.get(id); return {x: n.x, y: n.y}; }", comp["competency"])
    served.assert_clean()


def test_network_is_usable_from_the_keyboard(served, server, store):
    page = served.open(f"{server.url}/graph")
    for selector in ("#filter-block", "#filter-job", "#filter-period", "#filter-reset", "#node-picker",
                     "#zoom-in", "#zoom-out", "#zoom-fit", "#network"):
        label = page.evaluate("""s => { const e = document.querySelector(s);
            return e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent) || e.textContent; }""",
                              selector)
        assert label.strip(), f"{selector} has no accessible name"
    page.focus("#node-picker")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    chosen = page.input_value("#node-picker")
    assert chosen and page.get_attribute("#details", "data-node") == chosen
    page.focus("#details li button")
    page.keyboard.press("Enter")
    assert page.get_attribute("#details", "data-node") != chosen
    page.focus("#network")
    scale = page.evaluate("network.getScale()")
    page.keyboard.press("+")
    assert page.evaluate("network.getScale()") > scale
    page.keyboard.press("Escape")
    assert _selection(page) == EMPTY
    served.assert_clean()


def test_network_shows_the_objectives(served, server, store):
    page = served.open(f"{server.url}/graph?lang=en")
    rows = records(store, "module_objectives", lang="en")
    shown = {n["id"]: n for n in page.evaluate("network.body.data.nodes.get({filter: n => n.kind === 'objective'})")}
    assert set(shown) == {r["objective"] for r in rows}
    assert {r["objective"]: r["objective_label"] for r in rows} == {k: v["full"] for k, v in shown.items()}
    _click_node(page, rows[0]["objective"])
    page.wait_for_selector(f'#details[data-node="{rows[0]["objective"]}"]')
    listed = page.eval_on_selector_all('#details li[data-kind="module"]', "els => els.map(e => e.dataset.code)")
    assert sorted(listed) == sorted(r["module_code"] for r in rows if r["objective"] == rows[0]["objective"] and r["module"])
    served.assert_clean()
