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
    assert all(b["label"] == f'{b["code"]} {b["full"]}' or b["label"].startswith(f'{b["code"]} {b["full"]} ·')
               for b in boxes)  # (a module's box holds its hours after its whole label)
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


# --- found by testers after the first round (issue #15) ------------------------------------------

def _activity_links(store, lang):
    return [r for r in records(store, "module_links", lang=lang) if r["link_kind"] == "activity"]


def test_module_activity_links_are_drawn_listed_and_filtered(laptop, store):
    """The module → activity links of the mapping (query module_links) are edges of the network;
    a module's panel lists its activities, an activity's its modules; an « Activité » filter and a
    switch for these links, each clearing the selection as the other filters do."""
    lang, page, watched = laptop
    links = _activity_links(store, lang)
    assert links, "the shipped mapping links modules to activities"
    drawn = page.evaluate("network.body.data.edges.get({filter: e => e.kind === 'prepares'})"
                          ".map(e => [e.from, e.to, e.status])")
    want = {(r["module"], r["target"], "validated" if r["status"] == "validated" else "proposed") for r in links}
    assert {tuple(e) for e in drawn} == want and len(drawn) == len(want)
    # A module's panel lists the activities it prepares for; an activity's, the modules preparing for it.
    module = links[0]["module"]
    page.select_option("#node-picker", module)
    page.wait_for_selector(f'#details[data-node="{module}"]')
    section = page.locator("#details ul", has=page.locator("li[data-kind='activity']"))
    assert page.locator("#details h3", has_text=CATALOGS[lang]["details.prepares"]).count() == 1
    listed = section.first.evaluate("ul => [...ul.querySelectorAll('li')].map(li => li.dataset.iri)")
    assert sorted(listed) == sorted(r["target"] for r in links if r["module"] == module)
    activity = links[0]["target"]
    page.select_option("#node-picker", activity)
    page.wait_for_selector(f'#details[data-node="{activity}"]')
    title = page.locator("#details h3", has_text=CATALOGS[lang]["details.prepared_by"])
    assert title.count() == 1
    preparing = title.evaluate("h => [...h.nextElementSibling.querySelectorAll('li')].map(li => li.dataset.iri)")
    assert sorted(preparing) == sorted(r["module"] for r in links if r["target"] == activity)
    # The activity filter: the activity, the modules preparing for it, nothing of another activity.
    code = links[0]["target_code"]
    page.select_option("#filter-activity", code)
    assert page.evaluate("network.getSelectedNodes()") == [], "a filter clears the selection"
    visible = set(page.evaluate("network.body.data.nodes.get({filter: n => !n.hidden}).map(n => n.id)"))
    assert activity in visible and set(preparing) <= visible
    others = {r["target"] for r in links} - {activity}
    assert not others & visible
    # The switch hides (and shows again) the module → activity links alone.
    page.select_option("#filter-activity", "")
    hidden = "network.body.data.edges.get({filter: e => e.hidden}).map(e => e.kind)"
    assert page.evaluate(hidden) == []
    page.uncheck("#show-prepares")
    assert sorted(set(page.evaluate(hidden))) == ["prepares"] and len(page.evaluate(hidden)) == len(want)
    # Switched off, they bring no activity into a module's focus.
    page.select_option("#node-picker", module)
    page.wait_for_selector(f'#details[data-node="{module}"]')
    page.click("#focus-toggle")
    assert page.get_attribute("#network", "data-focus") == "1"
    shown = set(page.evaluate("network.body.data.nodes.get({filter: n => !n.hidden}).map(n => n.id)"))
    assert module in shown and not shown & {r["target"] for r in links if r["module"] == module}
    page.click("#focus-toggle")
    page.check("#show-prepares")
    assert page.evaluate(hidden) == []
    watched.assert_clean()


def test_module_labels_are_whole_wrapped_readable_and_never_overlap(laptop, store):
    """Module boxes show the whole label (and the hours), wrapped on several lines when long,
    at 12 px or more at the default zoom, no two boxes overlapping."""
    lang, page, watched = laptop
    boxes = [b for b in page.evaluate(BOXES) if b["id"] in {m["module"] for m in records(store, "modules")}]
    assert len(boxes) == len(records(store, "modules"))
    for b in boxes:
        assert b["label"].startswith(f'{b["code"]} {b["full"]} ·'), b["label"]
        assert "…" not in b["label"]
    assert min(b["px"] for b in boxes) >= 12
    # The longest label takes several lines: its box is taller than the shortest label's.
    longest = max(boxes, key=lambda b: len(b["full"]))
    shortest = min(boxes, key=lambda b: len(b["full"]))
    line = shortest["b"] - shortest["t"]
    assert longest["b"] - longest["t"] > line * 1.4, (longest["code"], longest["b"] - longest["t"], line)
    assert _overlaps(page.evaluate(BOXES)) == []
    # Selected, a module keeps its box (the label is already whole): it covers no neighbour.
    page.select_option("#node-picker", longest["id"])
    page.wait_for_selector(f'#details[data-node="{longest["id"]}"]')
    assert _overlaps(page.evaluate(BOXES)) == []
    watched.assert_clean()


#: Where a node and its neighbours are on the screen (window coordinates), and the window's size.
ON_SCREEN = """id => {
  const rect = document.getElementById('network').getBoundingClientRect();
  const place = n => { const b = network.getBoundingBox(n);
    const a = network.canvasToDOM({x: b.left, y: b.top}), z = network.canvasToDOM({x: b.right, y: b.bottom});
    return {id: n, l: rect.left + a.x, t: rect.top + a.y, r: rect.left + z.x, b: rect.top + z.y}; };
  const shown = network.getConnectedNodes(id).filter(n => !network.body.data.nodes.get(n).hidden);
  return {node: place(id), neighbours: shown.map(place), w: window.innerWidth, h: window.innerHeight,
          canvas: {l: Math.max(rect.left, 0), t: Math.max(rect.top, 0), r: Math.min(rect.right, window.innerWidth),
                   b: Math.min(rect.bottom, window.innerHeight)},
          scale: network.getScale()};
}"""


def _inside(box, area, slack=1.0):
    return (box["l"] >= area["l"] - slack and box["r"] <= area["r"] + slack
            and box["t"] >= area["t"] - slack and box["b"] <= area["b"] + slack)


@pytest.mark.parametrize("kind, pick", [("module", -1), ("competency", -1), ("activity", 0), ("job", -1), ("block", 0)])
def test_the_node_picker_brings_the_node_and_its_neighbours_into_view(laptop, kind, pick):
    """Chosen from the list, a node is shown in the part of the canvas on screen (the canvas is
    taller than the window), with its neighbours when they fit at a readable scale."""
    lang, page, watched = laptop
    nodes = page.evaluate("k => network.body.data.nodes.get({filter: n => n.kind === k})"
                          ".sort((a, b) => a.y - b.y).map(n => n.id)", kind)
    node = nodes[pick]
    page.select_option("#node-picker", node)
    page.wait_for_selector(f'#details[data-node="{node}"]')
    where = page.evaluate(ON_SCREEN, node)
    assert _inside(where["node"], where["canvas"]), (kind, where["node"], where["canvas"])
    assert where["scale"] * 24 >= 12 - 1e-6, "labels stay readable (12 px)"
    # The neighbours too, when their whole group fits on screen at the readable scale.
    group = [where["node"], *where["neighbours"]]
    height = (max(b["b"] for b in group) - min(b["t"] for b in group)) / where["scale"] * 0.5
    if height <= (where["canvas"]["b"] - where["canvas"]["t"]) - 40:
        outside = [b["id"] for b in where["neighbours"] if not _inside(b, where["canvas"])]
        assert outside == [], (kind, outside)
    watched.assert_clean()


#: The boxes (window pixels) of the toolbar, its controls, the header's links and the zoom buttons.
ROWS = """() => {
  const box = e => { const r = e.getBoundingClientRect();
    return {id: e.id || e.tagName, text: e.textContent.trim(), l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const bar = document.querySelector('.toolbar');
  return {bar: box(bar), controls: [...bar.querySelectorAll('select, button')].map(box),
          header: box(document.querySelector('header.top')),
          nav: [...document.querySelectorAll('header.top a, header.top button')].map(box),
          zoom: [...document.querySelectorAll('#zoom-out, #zoom-in, #zoom-fit')].map(box),
          canvas: box(document.getElementById('network')), width: document.documentElement.clientWidth};
}"""


def _one_line(boxes: list[dict], what: str) -> None:
    tops = [b["t"] for b in boxes]
    assert max(tops) - min(tops) <= 4, f"{what} on several lines: " + ", ".join(f"{b['id']}@{b['t']:.0f}" for b in boxes)


def test_graph_toolbar_fits_one_line(laptop, store):
    """At 1280×720 the toolbar (filters, node list, focus mode) holds on one line, with a long value
    chosen and the focus button saying « Quitter le focus »; the header stays on one line; the
    zoom buttons sit beside the canvas, on screen; the module → activity switch is in the legend."""
    lang, page, watched = laptop

    def check(state: str) -> dict:
        rows = page.evaluate(ROWS)
        controls = rows["controls"]
        assert {c["id"] for c in controls} >= {"filter-block", "filter-job", "filter-activity", "filter-period",
                                               "filter-reset", "node-picker", "focus-toggle"}
        _one_line(controls, f"the toolbar ({lang}, {state})")
        tallest = max(c["b"] - c["t"] for c in controls)
        assert rows["bar"]["b"] - rows["bar"]["t"] <= tallest + 4, (lang, state, rows["bar"])
        assert max(c["r"] for c in controls) <= rows["width"], "a control is out of the window"
        _one_line(rows["nav"], f"the header ({lang}, {state})")
        assert rows["header"]["b"] - rows["header"]["t"] <= 2 * max(n["b"] - n["t"] for n in rows["nav"])
        _one_line(rows["zoom"], "the zoom buttons")
        assert all(z["l"] >= rows["canvas"]["r"] and 0 <= z["t"] and z["b"] <= 720 for z in rows["zoom"]), rows["zoom"]
        return rows

    check("on arrival")
    # The longest option of each filter chosen (the select shows it cut, not wider).
    for name in ("block", "job", "activity", "period"):
        longest = page.evaluate("""s => [...document.getElementById(s).options]
            .sort((a, b) => b.text.length - a.text.length)[0].value""", f"filter-{name}")
        page.select_option(f"#filter-{name}", longest)
        check(f"{name} {longest} chosen")
        page.click("#filter-reset")
    longest = page.evaluate("""() => [...document.getElementById('node-picker').options]
        .sort((a, b) => b.text.length - a.text.length)[0].value""")
    page.select_option("#node-picker", longest)
    page.wait_for_selector(f'#details[data-node="{longest}"]')
    page.click("#focus-toggle")
    assert page.inner_text("#focus-toggle") == CATALOGS[lang]["focus.off"]
    check("in focus mode")
    # The switch of the module → activity links is in the legend, named, and still works.
    assert page.locator(".legend #show-prepares").count() == 1
    name = page.evaluate("() => document.getElementById('show-prepares').labels[0].textContent.trim()")
    assert name == CATALOGS[lang]["legend.prepares"]
    watched.assert_clean()


def test_the_details_panel_follows_the_typography_of_the_language(laptop, store):
    """Found by an attacker of issue #15: the side panel (written by network-details.js) read
    « Volume horaire : 20 h » with a breakable space before the colon on the French page. Every
    node's panel: no breakable space before « : ; ! ? » in French, no French spacing in English."""
    import re

    lang, page, watched = laptop
    ids = page.eval_on_selector_all("#node-picker option", "els => els.map(e => e.value).filter(Boolean)")
    assert len(ids) > 50
    hours = CATALOGS[lang]["details.hours"]
    seen = 0
    for node in ids:
        page.select_option("#node-picker", node)
        text = page.text_content("#details")
        if lang == "fr":
            assert not re.search(r"\w [:;!?](?=\s|$)", text), (node, text[:300])
        else:
            assert not re.search("[\u00a0\u202f][:;!?]", text), (node, text[:300])
        seen += hours in text
        if hours in text:
            assert (hours + ("\u00a0: " if lang == "fr" else ": ")) in text, (node, text[:200])
    assert seen > 20
    watched.assert_clean()
