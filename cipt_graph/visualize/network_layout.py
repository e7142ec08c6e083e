"""Where the coverage network's nodes go: one column per kind, sizes in canvas units, the filter
keys of each node. Pure functions of a networkx graph built by :mod:`.network` (no drawing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # networkx is imported where a network is built (cipt serve starts without it)
    import networkx as nx

#: The page draws the whole network at ``DEFAULT_SCALE`` (canvas units → CSS pixels) or larger:
#: labels are ``FONT`` units, so at least ``FONT * DEFAULT_SCALE`` = 12 px on screen (issue #15).
FONT = 24
DEFAULT_SCALE = 0.5
#: Column widths in CSS pixels at the default scale, left to right, and the gap between columns:
#: 924 px in all (each box is 16 px wider: borders and margins), which fits beside the details panel in a 1280 px wide window.
COLUMN_PX = {"objective": 112, "module": 254, "competency": 168, "block": 56, "activity": 126, "job": 108}
GAP_PX = 20
#: Characters of a label shown in each column (the full label shows on hover, selection, focus):
#: competencies on up to two lines, activities and jobs on up to three, objectives (few, spread
#: over the whole height) on up to five (vis-network wraps a label at its box's maximum width).
#: Modules show their whole label, wrapped on as many lines as it takes (:func:`label_lines`).
LABEL_CHARS = {"objective": 52, "competency": 42, "activity": 42, "job": 32}
#: Characters a line of a module's box holds, counted low (DejaVu Sans at 12 px averages ~7 px a
#: character, the box's text is ~234 px wide: ~33), so that a label never takes more lines than
#: :func:`label_lines` counts, and its box never outgrows its slot.
MODULE_LINE_CHARS = 29
#: The height one more line of text adds to a box, in units (a 12 px line is ~14 px high).
LINE = 30.0
#: The height given to an objective's box (five lines), in units: objectives are spread so that
#: boxes this tall never touch, and never reach above the columns' titles.
OBJECTIVE_HEIGHT = 180.0
ROW = 64.0  # height of a one-line box, in units: 12 px text, margins and borders (32 px measured at the default scale)
#: The least distance between two competencies' centres, in units: a two-line box and a gap.
COMP_STEP = 100.0


def _column_x() -> dict[str, float]:
    x, out = 0.0, {}
    for kind, px in COLUMN_PX.items():
        out[kind] = (x + px / 2) / DEFAULT_SCALE
        x += px + GAP_PX
    return out


COLUMN_X = _column_x()
COLUMN_WIDTH = {kind: px / DEFAULT_SCALE for kind, px in COLUMN_PX.items()}

def _of_kind(graph: nx.DiGraph, kind: str) -> list[str]:
    return [n for n, k in graph.nodes(data="kind") if k == kind]


def _linked(graph: nx.DiGraph, node: str, kind: str, *, outgoing: bool) -> list[str]:
    edges = graph.out_edges(node, data="kind") if outgoing else graph.in_edges(node, data="kind")
    return [(v if outgoing else u) for u, v, k in edges if k == kind]


def filter_keys(graph: nx.DiGraph) -> dict[str, dict[str, list[str]]]:
    """For each node, the blocks, jobs, periods and activities it belongs to, for the page's filters.

    A node is shown under a filter when the filter's value is in its list: a module belongs to the
    blocks of the competencies it covers, to its period, to the activities (and their jobs) needing
    what it covers or that it prepares for directly (module → activity links); a competency to its
    block, the periods of the modules covering it, the activities and jobs needing it; and so on
    along the chain job → activity → competency → block.
    """
    comp_jobs: dict[str, set[str]] = {c: set() for c in _of_kind(graph, "competency")}
    comp_acts: dict[str, set[str]] = {c: set() for c in comp_jobs}
    act_jobs = {a: {graph.nodes[j]["code"] for j in _linked(graph, a, "involves", outgoing=False)}
                for a in _of_kind(graph, "activity")}
    for act in act_jobs:
        for comp in _linked(graph, act, "requires", outgoing=True):
            comp_jobs[comp] |= act_jobs[act]
            comp_acts[comp].add(graph.nodes[act]["code"])
    keys: dict[str, dict[str, set[str]]] = {}
    for comp in comp_jobs:
        block = graph.nodes[comp].get("block")
        periods = {graph.nodes[m]["period"] for m in _linked(graph, comp, "covers", outgoing=False)}
        keys[comp] = {"blocks": {block} if block else set(), "jobs": comp_jobs[comp], "periods": periods - {None},
                      "activities": comp_acts[comp]}

    def union(nodes: list[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {"blocks": set(), "jobs": set(), "periods": set(), "activities": set()}
        for n in nodes:
            for key, values in keys[n].items():
                out[key] |= values
        return out

    def prepared(module: str) -> dict[str, set[str]]:
        """The activities a module prepares for directly, and their jobs."""
        acts = _linked(graph, module, "prepares", outgoing=True)
        return {"activities": {graph.nodes[a]["code"] for a in acts},
                "jobs": set().union(*(act_jobs.get(a, set()) for a in acts))}

    for m in _of_kind(graph, "module"):
        keys[m] = union(_linked(graph, m, "covers", outgoing=True))
        for key, values in prepared(m).items():
            keys[m][key] |= values
        keys[m]["periods"] = {graph.nodes[m]["period"]} - {None}
    for b in _of_kind(graph, "block"):
        keys[b] = union(_linked(graph, b, "broader", outgoing=False))
        keys[b]["blocks"] = {graph.nodes[b]["code"]}
    for a in _of_kind(graph, "activity"):
        keys[a] = union(_linked(graph, a, "requires", outgoing=True))
        keys[a]["jobs"] = set(act_jobs[a])
        keys[a]["activities"] = {graph.nodes[a]["code"]}
        keys[a]["periods"] |= {graph.nodes[m]["period"] for m in _linked(graph, a, "prepares", outgoing=False)} - {None}
    for o in _of_kind(graph, "objective"):
        modules = _linked(graph, o, "serves", outgoing=False)
        keys[o] = union(modules)
        keys[o]["periods"] = {graph.nodes[m]["period"] for m in modules} - {None}
    for j in _of_kind(graph, "job"):
        keys[j] = union(_linked(graph, j, "involves", outgoing=True))
        keys[j]["jobs"] = {graph.nodes[j]["code"]}
    return {n: {k: sorted(v) for k, v in d.items()} for n, d in keys.items()}


def label_lines(text: str, chars: int = MODULE_LINE_CHARS) -> int:
    """How many lines ``text`` takes wrapped at word boundaries, ``chars`` characters a line
    (a word longer than a line takes the lines it fills)."""
    lines, width = 1, 0
    for word in text.split(" "):
        size = len(word)
        if width and width + 1 + size > chars:
            lines, width = lines + 1, 0
        if not width and size > chars:
            lines += (size - 1) // chars
            size = (size - 1) % chars + 1
        width = size if not width else width + 1 + size
    return lines


def module_height(hours: object, lines: int = 1) -> float:
    """The height of a module's box in units: proportional to its hours (modules are sized by
    hours), never less than its ``lines`` lines of text."""
    return max(ROW + LINE * (max(lines, 1) - 1), 2.2 * float(hours or 0))


def _module_height(graph: nx.DiGraph, node: str) -> float:
    data = graph.nodes[node]
    return module_height(data.get("hours"), data.get("lines", 1))


def _spread(nodes: list[str], top: float, bottom: float, pos: dict, x: float, minimum: float) -> None:
    """Place ``nodes`` (in order) evenly from ``top`` to ``bottom``, at least ``minimum`` apart."""
    if not nodes:
        return
    step = max((bottom - top) / max(len(nodes) - 1, 1), minimum) if len(nodes) > 1 else 0.0
    start = (top + bottom) / 2 - step * (len(nodes) - 1) / 2
    for i, n in enumerate(nodes):
        pos[n] = (x, start + i * step)


def layout_network(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """A deterministic layered layout: one column per kind, left to right objectives, modules,
    competencies (grouped by block), blocks, activities, jobs.

    Modules stack by period (each period ordered by the mean position of the competencies it
    covers, which keeps crossings few), sized by hours; competencies spread over the same height
    in block order, each block beside its competencies; objectives, activities and jobs spread
    over that height, each ordered by the mean position of what it links to. Same graph, same layout.
    """
    pos: dict[str, tuple[float, float]] = {}
    comps = sorted(_of_kind(graph, "competency"),
                   key=lambda c: (graph.nodes[c].get("block") or "~", graph.nodes[c]["code"]))
    periods = sorted({graph.nodes[m]["period"] or "~" for m in _of_kind(graph, "module")})
    groups = [[m for m in _of_kind(graph, "module") if (graph.nodes[m]["period"] or "~") == p] for p in periods]
    total = (sum(_module_height(graph, m) + 8 for g in groups for m in g)
             + 60 * max(len(groups) - 1, 0))
    span = max(total, len(comps) * COMP_STEP + 30 * len({graph.nodes[c].get("block") for c in comps}), ROW)
    # Competencies first (the modules are ordered by them): blocks separated by a wider gap.
    blocks = [b for i, b in enumerate(graph.nodes[c].get("block") for c in comps)
              if i == 0 or graph.nodes[comps[i - 1]].get("block") != b]
    gap = 30.0
    step = max((span - gap * (len(blocks) - 1)) / max(len(comps) - 1, 1), COMP_STEP) if len(comps) > 1 else 0.0
    y, previous = 0.0, None
    for c in comps:
        block = graph.nodes[c].get("block")
        if previous is not None:
            y += step + (gap if block != previous else 0.0)
        pos[c] = (COLUMN_X["competency"], y)
        previous = block
    span = max(span, y)

    def centre(nodes: list[str]) -> float:
        ys = [pos[n][1] for n in nodes if n in pos]
        return sum(ys) / len(ys) if ys else span / 2

    for b in _of_kind(graph, "block"):
        pos[b] = (COLUMN_X["block"], centre(_linked(graph, b, "broader", outgoing=False)))
    y = span / 2 - total / 2
    for group in groups:
        group.sort(key=lambda m: (centre(_linked(graph, m, "covers", outgoing=True)), graph.nodes[m]["sequence"]))
        for m in group:
            h = _module_height(graph, m)
            pos[m] = (COLUMN_X["module"], y + h / 2)
            y += h + 8
        y += 60
    for kind, link, outgoing in (("objective", "serves", False), ("activity", "requires", True),
                                 ("job", "involves", True)):
        nodes = sorted(_of_kind(graph, kind),
                       key=lambda n: (centre(_linked(graph, n, link, outgoing=outgoing)), graph.nodes[n]["code"]))
        if kind == "objective":
            half = OBJECTIVE_HEIGHT / 2
            _spread(nodes, half, max(span - half, half), pos, COLUMN_X[kind], OBJECTIVE_HEIGHT + 30)
        else:
            _spread(nodes, 0.0, span, pos, COLUMN_X[kind], ROW + 30)
    return pos
