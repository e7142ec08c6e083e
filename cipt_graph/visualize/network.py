"""The coverage network: a networkx graph from named queries, laid out in columns, drawn with pyvis.

Nodes are modules, competencies, blocks, activities and target jobs (their IRIs are the node ids);
edges are the coverage links (module → competency, weighted by level), ``skos:broader``
(competency → block), ``cipt:requiresCompetency`` (activity → competency),
``cipt:involvesActivity`` (job → activity), the module → objective and module → activity links
(``cipt:ObjectiveCoverage``, ``cipt:ActivityCoverage``), each proposed or validated.

pyvis 0.3.2 references CDNs (bootstrap, vis-network) in every mode of its own template, so the
page is not pyvis's template: pyvis shapes the nodes, edges and options, and the vis-network
script and style that ship inside the pyvis package are inlined in our page, which therefore
makes no request at all.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from importlib import resources
from pathlib import Path

from typing import TYPE_CHECKING

from ..i18n import colon as i18n_colon
from ..store import Store
from .data import hours_text, records, shorten
from .i18n import UI, tr
from .network_layout import (COLUMN_PX, COLUMN_WIDTH, COLUMN_X, DEFAULT_SCALE, FONT, GAP_PX, LABEL_CHARS, ROW,
                             _module_height, _of_kind, filter_keys, label_lines, layout_network, module_height)
from .page import Links, render_page

if TYPE_CHECKING:  # imported when a network is built: `cipt serve` starts without it
    import networkx as nx

__all__ = ["COLUMN_PX", "COLUMN_WIDTH", "COLUMN_X", "DEFAULT_SCALE", "FONT", "GAP_PX", "LABEL_CHARS", "ROW",
           "build_network", "filter_keys", "layout_network", "module_height", "render_network", "to_pyvis"]

#: One colour per block, in block order (Okabe–Ito, readable by colour-blind readers).
BLOCK_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#999933", "#882255")
KIND_STYLE = {
    "module": {"background": "#eef2f7", "border": "#52606d", "font": "#1f2933"},
    "activity": {"background": "#fff4d6", "border": "#b7791f", "font": "#1f2933"},
    "job": {"background": "#4c2a85", "border": "#2d1650", "font": "#ffffff"},
    "objective": {"background": "#e3f4ea", "border": "#1e6b3a", "font": "#1f2933"},
}
#: What vis-network adds to a box's ``heightConstraint`` (margins, borders: 24 units measured) and
#: a few units more, so that a module's box stays inside its slot of ``module_height`` + 8.
BOX_EXTRA = 28
#: Edge width by level rank (1 = lowest).
LEVEL_WIDTH = {1: 2.5, 2: 6.0, 3: 10.0}
COLUMN_HEADINGS = {"objective": "col.objectives", "module": "col.modules", "competency": "col.competencies",
                   "block": "col.blocks", "activity": "col.activities", "job": "col.jobs"}

VIS_VERSION = "vis-9.1.2"
#: The page's own scripts, in loading order (``assets/``): the drawing and its helpers, the details
#: panel, selection and focus mode, the controls; they share ``window.CiptNetwork``.
NETWORK_SCRIPTS = ("network-base.js", "network-details.js", "network-focus.js", "network.js")


def build_network(store: Store, lang: str = "fr") -> nx.DiGraph:
    """The coverage network, from the named queries ``modules``, ``hours_per_block``,
    ``hours_per_competency``, ``coverage_matrix``, ``module_objectives``, ``job_paths`` and
    ``module_links`` (each scoped to the programme of :func:`.data.programme_scope`).

    Node attributes: ``kind``, ``code``, ``label``, ``hours`` and, for modules, ``period``,
    ``sequence``, ``lines`` (the lines its whole label takes in its box); for competencies,
    ``block``. Edge attributes: ``kind`` (``covers``, ``broader``, ``requires``, ``involves``,
    ``serves``: module → objective, ``prepares``: module → activity), ``status`` for the mapping's
    links and, for coverage, ``level``, ``rank``, ``level_label``, ``rationale``.
    """
    import networkx as nx

    graph = nx.DiGraph()
    for m in records(store, "modules", lang=lang):
        graph.add_node(m["module"], kind="module", code=m["module_code"], label=m["module_label"],
                       hours=m["module_hours"], period=m["period_code"], period_label=m["period_label"],
                       sequence=m["sequence"])
    block_iri = {}
    for b in records(store, "hours_per_block", lang=lang):
        block_iri[b["block_code"]] = b["block"]
        graph.add_node(b["block"], kind="block", code=b["block_code"], label=b["block_label"], hours=b["hours"])
    for c in records(store, "hours_per_competency", lang=lang):
        graph.add_node(c["competency"], kind="competency", code=c["competency_code"],
                       label=c["competency_label"], hours=c["hours"], block=c["block_code"])
        if c["block_code"] in block_iri:
            graph.add_edge(c["competency"], block_iri[c["block_code"]], kind="broader")
    for r in records(store, "coverage_matrix", lang=lang):
        graph.add_edge(r["module"], r["competency"], kind="covers", level=r["level_code"], rank=r["level_rank"],
                       level_label=r["level_label"], rationale=r["rationale"] or "",
                       status="validated" if r["status"] == "validated" else "proposed")
    for r in records(store, "module_objectives", lang=lang):
        graph.add_node(r["objective"], kind="objective", code=r["objective_code"], label=r["objective_label"])
        if r["module"] in graph:
            graph.add_edge(r["module"], r["objective"], kind="serves", status=r["status"])
    for r in records(store, "job_paths", lang=lang):
        graph.add_node(r["job"], kind="job", code=r["job_code"], label=r["job_label"], rome=r["rome_code"])
        graph.add_node(r["activity"], kind="activity", code=r["activity_code"], label=r["activity_label"])
        if r["competency"] not in graph:
            graph.add_node(r["competency"], kind="competency", code=r["competency_code"],
                           label=r["competency_label"], hours=0, block=None)
        graph.add_edge(r["job"], r["activity"], kind="involves")
        graph.add_edge(r["activity"], r["competency"], kind="requires")
    for r in records(store, "module_links", lang=lang):
        if r["link_kind"] != "activity" or r["module"] not in graph:
            continue
        if r["target"] not in graph:  # an activity no target job involves
            graph.add_node(r["target"], kind="activity", code=r["target_code"], label=r["target_label"] or r["target_code"])
        graph.add_edge(r["module"], r["target"], kind="prepares", rationale=r["rationale"] or "",
                       status="validated" if r["status"] == "validated" else "proposed")
    for m in _of_kind(graph, "module"):
        graph.nodes[m]["lines"] = label_lines(_module_label(graph.nodes[m], lang))
    return graph


def _module_label(data: dict, lang: str) -> str:
    """A module's label in its box: code, whole label, hours (``M01 Communication publique · 20 h``)."""
    return f"{data['code']} {data['label']} ·\u00a0{hours_text(data['hours'], lang)}\u00a0h"


def _block_colours(graph: nx.DiGraph) -> dict[str, str]:
    codes = sorted(graph.nodes[b]["code"] for b in _of_kind(graph, "block"))
    return {code: BLOCK_COLOURS[i % len(BLOCK_COLOURS)] for i, code in enumerate(codes)}


def _tint(hex_colour: str, amount: float = 0.82) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in (r, g, b))


def _box(kind: str) -> dict:
    width = COLUMN_WIDTH[kind]
    return {"widthConstraint": {"minimum": width, "maximum": width}}


def _node_style(graph: nx.DiGraph, node: str, colours: dict[str, str], lang: str) -> dict:
    """The drawing of a node: a short label (the full one is the node's ``full``), colours, size."""
    data = graph.nodes[node]
    kind, code, label = data["kind"], data["code"], data["label"]
    if kind == "module":
        style = KIND_STYLE["module"]
        return {"label": _module_label(data, lang),
                **_box(kind), "heightConstraint": {"minimum": _module_height(graph, node) - BOX_EXTRA, "valign": "middle"},
                "color": {"background": style["background"], "border": style["border"]},
                "font": {"color": style["font"], "align": "left"}}
    if kind == "competency":
        colour = colours.get(data.get("block") or "", "#7b8794")
        return {"label": f"{code} {shorten(label, LABEL_CHARS['competency'])}", **_box(kind),
                "color": {"background": _tint(colour), "border": colour}, "borderWidth": 3,
                "font": {"align": "left"}}
    if kind == "block":
        colour = colours[code]
        return {"label": code, **_box(kind), "color": {"background": colour, "border": colour},
                "font": {"color": "#ffffff", "bold": True}}
    style = KIND_STYLE[kind]
    text = f"{code} {shorten(label, LABEL_CHARS[kind])}"
    return {"label": text, **_box(kind), "font": {"color": style["font"], "align": "left"},
            "color": {"background": style["background"], "border": style["border"]}}


def to_pyvis(graph: nx.DiGraph, pos: dict[str, tuple[float, float]], links: Links, lang: str):
    """A pyvis network of ``graph`` at fixed positions, with the data the page's script needs."""
    from pyvis.network import Network  # imported when drawn: it costs a quarter of a second

    net = Network(directed=True, cdn_resources="in_line")
    colours = _block_colours(graph)
    keys = filter_keys(graph)
    for node, data in graph.nodes(data=True):
        x, y = pos[node]
        style = _node_style(graph, node, colours, lang)
        net.add_node(node, shape="box", x=x, y=y, physics=False, title=f"{data['code']} — {data['label']}",
                     kind=data["kind"], code=data["code"], full=data["label"], href=links.resource(node),
                     hours=data.get("hours"), period=data.get("period"), order=data.get("sequence"),
                     f_blocks=keys[node]["blocks"], f_jobs=keys[node]["jobs"], f_periods=keys[node]["periods"],
                     f_activities=keys[node]["activities"],
                     **style)
    for u, v, data in graph.edges(data=True):
        kind = data["kind"]
        edge = {"id": f"{kind}|{u}|{v}", "kind": kind, "arrows": {"to": {"enabled": False}}}
        if kind == "covers":
            colour = colours.get(graph.nodes[v].get("block") or "", "#7b8794")
            # A proposed link is dashed, a validated one plain (the matrix hatches the former).
            edge.update(width=LEVEL_WIDTH.get(int(data["rank"]), 2.0), level=data["level"], rank=data["rank"],
                        status=data["status"], dashes=[5, 4] if data["status"] == "proposed" else False,
                        color={"color": colour, "highlight": colour, "opacity": 0.55},
                        title=f"{graph.nodes[u]['code']} → {graph.nodes[v]['code']} : {data['level_label']} "
                              f"({data['level']}) · {tr(lang, 'status.' + data['status'])}\n{data['rationale']}".strip())
        elif kind == "broader":
            colour = colours.get(graph.nodes[v]["code"], "#7b8794")
            edge.update(width=4.0, color={"color": colour, "highlight": colour, "opacity": 0.9})
        elif kind == "prepares":
            # Module → activity: thin, amber like the activities, dashed while proposed.
            status = data["status"]
            edge.update(width=2.0, dashes=[3, 5] if status == "proposed" else False, status=status,
                        title=f"{graph.nodes[u]['code']} → {graph.nodes[v]['code']} · {tr(lang, 'status.' + status)}"
                              f"\n{data['rationale']}".strip(),
                        color={"color": "#b7791f", "highlight": "#8a5a00", "opacity": 0.45})
        elif kind == "serves":
            status = "validated" if data.get("status") == "validated" else "proposed"
            edge.update(width=2.4, dashes=[6, 6] if status == "proposed" else False, status=status,
                        title=f"{graph.nodes[u]['code']} → {graph.nodes[v]['code']} · {tr(lang, 'status.' + status)}",
                        color={"color": "#1e6b3a", "highlight": "#1e6b3a", "opacity": 0.5})
        else:
            edge.update(width=2.4, dashes=kind == "requires",
                        color={"color": "#7b8794", "highlight": "#1f2933", "opacity": 0.6})
        net.add_edge(u, v, **edge)
    return net


NETWORK_OPTIONS = {
    "physics": {"enabled": False},
    "layout": {"randomSeed": 7, "improvedLayout": False},
    # The wheel scrolls the page (the canvas is as tall as the network at the default scale);
    # zooming is by the buttons, the keyboard (+/-) or a pinch.
    "interaction": {"hover": True, "tooltipDelay": 150, "dragNodes": False, "zoomView": False, "dragView": True,
                    "keyboard": {"enabled": True, "bindToWindow": False}, "navigationButtons": False},
    "nodes": {"shape": "box", "margin": {"top": 8, "bottom": 8, "left": 10, "right": 10}, "borderWidth": 2,
              "shapeProperties": {"borderRadius": 6},
              "font": {"face": "DejaVu Sans, Segoe UI, Arial, sans-serif", "size": FONT, "color": "#1f2933"}},
    "edges": {"smooth": {"type": "cubicBezier", "forceDirection": "horizontal", "roundness": 0.45},
              "selectionWidth": 2, "hoverWidth": 1},
}


@lru_cache(maxsize=2)
def vis_asset(name: str) -> str:
    """A file of the vis-network build shipped inside the pyvis package (``.min.js`` or ``.css``)."""
    path = resources.files("pyvis") / "templates" / "lib" / VIS_VERSION / name
    return Path(str(path)).read_text(encoding="utf-8")


def _select(name: str, label: str, all_label: str, options: list[tuple[str, str]]) -> str:
    items = "".join(f'<option value="{escape(v)}">{escape(t)}</option>' for v, t in options)
    return (f'<label>{escape(label)} <select id="filter-{name}" data-filter="{name}">'
            f'<option value="">{escape(all_label)}</option>{items}</select></label>')


def _node_picker(graph: nx.DiGraph, lang: str) -> str:
    """A list of every node, grouped by kind: the keyboard and screen-reader way to the details."""
    groups = []
    for kind in ("module", "competency", "block", "objective", "activity", "job"):
        nodes = sorted(_of_kind(graph, kind), key=lambda n: graph.nodes[n]["code"])
        options = "".join(f'<option value="{escape(n)}">{escape(graph.nodes[n]["code"])} — '
                          f'{escape(shorten(graph.nodes[n]["label"], 70))}</option>' for n in nodes)
        groups.append(f'<optgroup label="{escape(tr(lang, COLUMN_HEADINGS[kind]))}">{options}</optgroup>')
    return (f'<label>{escape(tr(lang, "filter.node"))} <select id="node-picker">'
            f'<option value="">{escape(tr(lang, "filter.none"))}</option>{"".join(groups)}</select></label>')


def render_network(store: Store, lang: str, links: Links) -> str:
    """The network page: filters, a node list, the vis-network canvas, a details panel; self-contained."""
    graph = build_network(store, lang)
    pos = layout_network(graph)
    net = to_pyvis(graph, pos, links, lang)
    nodes, edges, _, _, _, _ = net.get_network_data()
    colours = _block_colours(graph)
    blocks = sorted((graph.nodes[b]["code"], graph.nodes[b]["label"]) for b in _of_kind(graph, "block"))
    jobs = sorted((graph.nodes[j]["code"], graph.nodes[j]["label"]) for j in _of_kind(graph, "job"))
    activities = sorted((graph.nodes[a]["code"], graph.nodes[a]["label"]) for a in _of_kind(graph, "activity"))
    periods = sorted({(graph.nodes[m]["period"], graph.nodes[m]["period_label"] or graph.nodes[m]["period"])
                      for m in _of_kind(graph, "module") if graph.nodes[m]["period"]})
    top = min(((y - _module_height(graph, n) / 2 if graph.nodes[n]["kind"] == "module" else y - ROW / 2)
               for n, (_, y) in pos.items()), default=0) - 70  # no node: data without labels in ``lang``
    headings = [{"x": x, "y": top, "text": tr(lang, COLUMN_HEADINGS[kind])} for kind, x in COLUMN_X.items()]
    for code, plabel in periods:
        first = min((pos[m][1] - _module_height(graph, m) / 2 for m in _of_kind(graph, "module")
                     if graph.nodes[m]["period"] == code))
        headings.append({"x": COLUMN_X["module"], "y": first - 14, "text": plabel, "small": True})
    ui = {k: v for k, v in UI[lang].items() if isinstance(v, str)}
    ui.update({k: v for k, v in UI[lang].items() if isinstance(v, dict)})
    data = {"nodes": nodes, "edges": edges, "options": NETWORK_OPTIONS, "headings": headings,
            "ui": ui, "lang": lang, "font": FONT, "scale": DEFAULT_SCALE}
    filters = "".join([
        _select("block", tr(lang, "filter.block"), tr(lang, "filter.all"), [(c, f"{c} — {shorten(t, 48)}") for c, t in blocks]),
        _select("job", tr(lang, "filter.job"), tr(lang, "filter.all"), [(c, f"{c} — {shorten(t, 48)}") for c, t in jobs]),
        _select("activity", tr(lang, "filter.activity"), tr(lang, "filter.all_f"),
                [(c, f"{c} — {shorten(t, 48)}") for c, t in activities]),
        _select("period", tr(lang, "filter.period"), tr(lang, "filter.all_f"), periods),
    ])
    order = sorted(colours)
    legend = "".join(f'<span class="chip blk-{order.index(c) % len(BLOCK_COLOURS)}">{escape(c)}</span>'
                     for c, _ in blocks)
    legend += "".join(f'<span class="chip chip-{k}">{escape(tr(lang, "kind." + k))}</span>'
                      for k in ("module", "objective", "activity", "job"))
    colon = i18n_colon(lang)
    legend += (f'<span class="edge-key">{escape(tr(lang, "legend.edge"))}{colon}'
               + "".join(f'<i class="w-{rank}"></i>{r}' for r, rank in zip("IRM", LEVEL_WIDTH)) + "</span>")
    legend += (f'<span class="edge-key status-key">{escape(tr(lang, "legend.status"))}{colon}'
               + "".join(f'<i class="st-{s}" data-status="{s}"></i>{escape(tr(lang, "status." + s))}'
                         for s in ("validated", "proposed")) + "</span>")
    # The key of the module → activity links is also their switch (the toolbar has no room for it).
    legend += (f'<label class="edge-key check" title="{escape(tr(lang, "filter.prepares"))}">'
               f'<input type="checkbox" id="show-prepares" checked><i class="prepares"></i>'
               f'{escape(tr(lang, "legend.prepares"))}</label>')
    zoom = "".join(f'<button type="button" id="zoom-{what}" aria-label="{escape(tr(lang, "zoom." + what))}" '
                   f'title="{escape(tr(lang, "zoom." + what))}">{text}</button>'
                   for what, text in (("out", "−"), ("in", "+"), ("fit", escape(tr(lang, "zoom.fit")))))
    # One line at 1280 px (French and English): the filters, the node list and the focus mode; the
    # zoom sits above the details panel, beside the canvas it acts on (test_graph_toolbar_fits_one_line).
    body = f"""<p class="lead">{escape(tr(lang, "graph.lead"))}</p>
<div class="toolbar no-print" role="group">{filters}<button type="button" id="filter-reset">{escape(tr(lang, "filter.reset"))}</button>
{_node_picker(graph, lang)}
<button type="button" id="focus-toggle" aria-pressed="false" disabled>{escape(tr(lang, "focus.on"))}</button></div>
<p class="legend no-print">{legend}</p>
<p id="network-status" class="note no-print" role="status" aria-live="polite"></p>
<div class="network-wrap">
  <div id="network" role="img" tabindex="0" aria-label="{escape(tr(lang, "graph.canvas"))}"></div>
  <div class="side">
    <div class="zoom no-print" role="group">{zoom}</div>
    <aside id="details" aria-live="polite" aria-label="{escape(tr(lang, "details.title"))}"><p class="note">{escape(tr(lang, "details.empty"))}</p></aside>
  </div>
</div>"""
    return render_page(view="graph", lang=lang, links=links, title=tr(lang, "graph.title"), body=body,
                       styles=("vis-network.css", "network.css"), data=("network-data", data),
                       script_files=("vis-network.min.js", *NETWORK_SCRIPTS))


def legend_css() -> str:
    """The legend's block colours as classes ``.chip.blk-0`` … and the edge key's widths
    ``.edge-key i.w-1`` … (no style attribute in pages)."""
    return "\n".join(f".chip.blk-{i} {{ background: {_tint(c)}; border-color: {c}; }}"
                      for i, c in enumerate(BLOCK_COLOURS)) + "\n" + "\n".join(
        f".edge-key i.w-{rank} {{ height: {max(1.0, w / 2)}px; }}" for rank, w in LEVEL_WIDTH.items()) + "\n"
