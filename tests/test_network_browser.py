"""The network page read by a person (issue #15), in Debian's Chromium through Playwright, at the
laptop size the issue names (1280×720), in French and English: choosing a node hidden by a
filter, the focus mode's boxes, label lengths, the names of the focusable areas.

Fixtures (browser, real server) are those of test_views_browser.
"""

from __future__ import annotations

import pytest

from cipt_graph.visualize.catalog import CATALOGS
from test_views_browser import Watched, browser, records, server  # noqa: F401  (fixtures)

#: The boxes of the shown nodes in page pixels (left, top, right, bottom), with their label.
BOXES = """() => network.body.data.nodes.get({filter: n => !n.hidden}).map(n => {
  const b = network.getBoundingBox(n.id);
  const a = network.canvasToDOM({x: b.left, y: b.top}), z = network.canvasToDOM({x: b.right, y: b.bottom});
  return {id: n.id, code: n.code, label: n.label, full: n.full, l: a.x, t: a.y, r: z.x, b: z.y,
          px: network.body.nodes[n.id].options.font.size * network.getScale()};
})"""


@pytest.fixture(params=["fr", "en"])
def laptop(request, browser, server):  # noqa: F811
    watched = Watched(browser, server.url + "/")
    watched.context.close()
    watched.context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")

    def route(r):
        if r.request.url.startswith((server.url + "/", "data:", "about:", "blob:")):
            r.continue_()
        else:
            watched.blocked.append(r.request.url)
            r.abort()

    watched.context.route("**/*", route)
    watched.page = watched.context.new_page()
    watched.page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
    watched.page.on("console", lambda msg: watched.errors.append(msg.text) if msg.type == "error" else None)
    watched.page.on("requestfailed", lambda req: watched.failed.append(req.url))
    page = watched.open(f"{server.url}/graph?lang={request.param}")
    yield request.param, page, watched
    watched.close()


def _m01(store):
    return next(m for m in records(store, "modules") if m["module_code"] == "M01")["module"]


def _overlaps(boxes: list[dict]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a["l"] < b["r"] - 0.5 and b["l"] < a["r"] - 0.5 and a["t"] < b["b"] - 0.5 and b["t"] < a["b"] - 0.5:
                out.append((a["code"], b["code"]))
    return out


def test_choosing_a_node_hidden_by_a_filter_resets_the_filters_and_selects_it(laptop, store):
    lang, page, watched = laptop
    m01 = _m01(store)
    page.select_option("#filter-block", "BC03")
    assert page.evaluate("id => network.body.data.nodes.get(id).hidden", m01), "M01 should be hidden under BC03"
    page.select_option("#node-picker", m01)
    page.wait_for_selector(f'#details[data-node="{m01}"]')
    assert page.evaluate("network.getSelectedNodes()") == [m01]
    assert page.input_value("#node-picker") == m01
    assert page.input_value("#filter-block") == ""
    assert not page.evaluate("id => network.body.data.nodes.get(id).hidden", m01)
    # The reset is said, in the page's language.
    said = page.inner_text("#network-status")
    assert said == CATALOGS[lang]["filter.cleared"].replace("{node}", "M01")
    # A node visible under the filter is chosen without touching the filter.
    page.select_option("#filter-block", "BC03")
    assert page.inner_text("#network-status") == ""
    comp = next(c for c in records(store, "hours_per_competency") if c["block_code"] == "BC03")["competency"]
    page.select_option("#node-picker", comp)
    page.wait_for_selector(f'#details[data-node="{comp}"]')
    assert page.input_value("#filter-block") == "BC03"
    watched.assert_clean()


@pytest.mark.parametrize("code", ["M01", "BC01"])
def test_focus_mode_boxes_never_overlap(laptop, store, code):
    lang, page, watched = laptop
    node = page.evaluate("c => network.body.data.nodes.get({filter: n => n.code === c})[0].id", code)
    page.select_option("#node-picker", node)
    page.wait_for_selector(f'#details[data-node="{node}"]')
    page.click("#focus-toggle")
    assert page.get_attribute("#network", "data-focus") == "1"
    boxes = page.evaluate(BOXES)
    neighbours = set(page.evaluate("id => network.getConnectedNodes(id)", node))
    assert {b["id"] for b in boxes} == neighbours | {node} and len(boxes) >= 3
    assert _overlaps(boxes) == [], f"overlapping boxes in focus on {code} ({lang})"
    assert min(b["px"] for b in boxes) >= 12
    # Every label is the full one, wrapped inside its box.
    assert all(b["label"] == f'{b["code"]} {b["full"]}' for b in boxes)
    watched.assert_clean()


def test_overview_labels_are_longer_and_never_overlap(laptop, store):
    lang, page, watched = laptop
    boxes = page.evaluate(BOXES)
    assert _overlaps(boxes) == [], f"overlapping boxes ({lang})"
    assert min(b["px"] for b in boxes) >= 12
    # Competency and module labels keep more than their first two words.
    for kind in ("competency", "module"):
        labels = page.evaluate("k => network.body.data.nodes.get({filter: n => n.kind === k}).map(n => n.label)", kind)
        shown = [len(label.replace("…", "").split()) for label in labels]
        assert sorted(shown)[len(shown) // 2] >= 5, f"{kind} labels cut short: {labels[:3]}"
    # The objectives column is titled in words.
    titles = [h["text"] for h in page.evaluate("JSON.parse(document.getElementById('network-data').textContent).headings")]
    assert CATALOGS[lang]["col.objectives"] in titles and "O" not in titles
    watched.assert_clean()


def test_the_focusable_network_area_has_a_name_in_the_page_language(laptop):
    lang, page, watched = laptop
    inner = page.locator("div.vis-network")
    assert inner.count() == 1 and inner.get_attribute("tabindex") == "0"
    assert inner.get_attribute("aria-label") == CATALOGS[lang]["graph.canvas"]
    watched.assert_clean()


def test_objectives_show_their_label_short_on_the_node_full_on_selection(laptop, store):
    """Found by testers: objective nodes read "O1", "O2" only. They show the start of their label
    (as other nodes do), the full one on hover (the title) and on selection."""
    lang, page, watched = laptop
    objectives = page.evaluate("network.body.data.nodes.get({filter: n => n.kind === 'objective'})")
    assert objectives
    for o in objectives:
        words = o["label"].replace("…", "").split()
        assert words[0] == o["code"] and len(words) >= 5, o["label"]
        assert o["full"].startswith(" ".join(words[1:-1])), (o["label"], o["full"])
        assert o["full"] in o["title"]
    boxes = [b for b in page.evaluate(BOXES) if b["id"] in {o["id"] for o in objectives}]
    assert min(b["px"] for b in boxes) >= 12 and _overlaps(page.evaluate(BOXES)) == []
    chosen = objectives[0]
    page.select_option("#node-picker", chosen["id"])
    page.wait_for_selector(f'#details[data-node="{chosen["id"]}"]')
    label = page.evaluate("id => network.body.data.nodes.get(id).label", chosen["id"])
    assert label == f'{chosen["code"]} {chosen["full"]}'
    assert chosen["full"] in page.inner_text("#details h2")
    watched.assert_clean()
