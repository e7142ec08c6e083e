"""The dashboard: the programme on one screen, with links to every view."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..store import Store
from ..i18n import hours as fmt_hours
from ..i18n import number
from .data import records
from .i18n import tr
from .network import BLOCK_COLOURS
from .page import Links, render_page


@dataclass
class KeyFigures:
    """The dashboard's figures, each from a named query.

    Attributes:
        stats: the ``stats`` row (modules, hours, blocks, competencies, jobs, coverage links…).
        hours: the ``hours_declared_vs_listed`` rows (declared, listed, difference).
        blocks: the ``hours_per_block`` rows.
        uncovered_competencies, uncovered_blocks, empty_modules: the rows of the gap queries.
    """

    stats: dict
    hours: list[dict]
    blocks: list[dict]
    uncovered_competencies: list[dict]
    uncovered_blocks: list[dict]
    empty_modules: list[dict]

    @property
    def blocks_covered(self) -> int:
        return sum(1 for b in self.blocks if b["covered_competencies"]) if self.blocks else 0

    @property
    def competencies_covered(self) -> int:
        return int(self.stats["competencies"]) - len(self.uncovered_competencies)

    @property
    def gaps(self) -> int:
        return len(self.uncovered_competencies) + len(self.uncovered_blocks) + len(self.empty_modules)


def build_key_figures(store: Store, lang: str = "fr") -> KeyFigures:
    """The key figures, from ``stats``, ``hours_declared_vs_listed``, ``hours_per_block`` and the gap queries."""
    return KeyFigures(
        stats=records(store, "stats")[0],
        hours=records(store, "hours_declared_vs_listed"),
        blocks=records(store, "hours_per_block", lang=lang),
        uncovered_competencies=records(store, "uncovered_competencies", lang=lang),
        uncovered_blocks=records(store, "uncovered_blocks", lang=lang),
        empty_modules=records(store, "modules_without_competency", lang=lang),
    )


def _card(key: str, value: str, detail: str, lang: str, *, warn: bool = False) -> str:
    return (f'<div class="card{" warn-card" if warn else ""}" data-figure="{key}">'
            f'<div class="value">{escape(value)}</div><div class="label">{escape(tr(lang, "dash." + key))}</div>'
            f'<div class="detail">{escape(detail)}</div></div>')


def render_dashboard(store: Store, lang: str, links: Links) -> str:
    """The dashboard page."""
    k = build_key_figures(store, lang)
    s = k.stats
    if k.hours:
        declared = sum(int(r["declared"]) for r in k.hours)
        listed = sum(int(r["listed"]) for r in k.hours)
        gap = declared - listed
        hours_card = _card("hours", f"{number(listed, lang)} / {number(declared, lang)}",
                           tr(lang, "dash.hours_gap", gap=fmt_hours(gap, lang)), lang, warn=gap != 0)
    else:  # no declared volume (hours_declared_vs_listed has no row): the listed hours, no gap made up
        hours_card = _card("hours", f"{number(int(s['hours_listed'] or 0), lang)} / —",
                           tr(lang, "dash.hours_gap", gap="—"), lang, warn=True)
    cards = "".join([
        _card("modules", number(s["modules"], lang), tr(lang, "count.links", int(s["coverage_links"])), lang),
        hours_card,
        _card("blocks", f"{k.blocks_covered} / {s['blocks']}", "", lang, warn=k.blocks_covered < int(s["blocks"])),
        _card("competencies", f"{k.competencies_covered} / {s['competencies']}", "", lang,
              warn=k.competencies_covered < int(s["competencies"])),
        _card("gaps", str(k.gaps), ", ".join([tr(lang, "dash.gaps.comp", len(k.uncovered_competencies)),
                                                 tr(lang, "dash.gaps.blocks", len(k.uncovered_blocks)),
                                                 tr(lang, "dash.gaps.modules", len(k.empty_modules))]), lang, warn=k.gaps > 0),
        _card("jobs", str(s["jobs"]), tr(lang, "count.activities", int(s["activities"])), lang),
    ])
    most = max((float(b["hours"]) for b in k.blocks), default=1.0) or 1.0
    bars = "".join(
        f'<div class="bar-row" data-block="{escape(b["block_code"])}"><span class="bar-code">{escape(b["block_code"])}</span>'
        f'<span class="bar-label">{escape(b["block_label"])}</span>'
        f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
        f'<rect width="{100 * float(b["hours"]) / most:.1f}" height="10" fill="{BLOCK_COLOURS[i % len(BLOCK_COLOURS)]}"/></svg>'
        f'<span class="bar-value">{fmt_hours(b["hours"], lang)} · {tr(lang, "dash.comp_short", covered=b["covered_competencies"], total=b["competencies"])}</span></div>'
        for i, b in enumerate(k.blocks))
    views = [(links.view(v, lang), tr(lang, "nav." + v), tr(lang, f"dash.view.{v}")) for v in ("graph", "matrix", "jobs")]
    for extra in ("audit", "sparql", "docs"):
        href = links.extra(extra, lang)
        if href:
            views.append((href, tr(lang, "nav." + extra), tr(lang, f"dash.view.{extra}")))
    tiles = "".join(f'<a class="tile" href="{escape(h)}"><b>{escape(t)}</b><span>{escape(d)}</span></a>' for h, t, d in views)
    server_note = f'<p class="note">{escape(tr(lang, "dash.server_only"))}</p>' if links.standalone else ""
    body = (f'<p class="lead">{escape(tr(lang, "dash.lead"))}</p><div class="cards">{cards}</div>'
            f'<div class="dash-grid"><section><h2>{escape(tr(lang, "dash.hours_per_block"))}</h2>{bars}</section>'
            f'<section><h2>{escape(tr(lang, "dash.views"))}</h2><nav class="tiles">{tiles}</nav>{server_note}</section></div>')
    return render_page(view="dashboard", lang=lang, links=links, title=tr(lang, "dash.title"), body=body,
                       styles=("dashboard.css",))


DASHBOARD_CSS = """
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .8rem; margin: .5rem 0 1rem; }
.card { border: 1px solid #cbd2d9; border-left: 5px solid #1d4e89; border-radius: 6px; padding: .7rem .9rem; background: #fbfcfd; }
.card .value { font-size: 1.9rem; font-weight: 700; line-height: 1.1; }
.card .label { font-weight: 600; color: #1f2933; }
.card .detail { font-size: .8rem; color: #52606d; min-height: 1.1em; }
.card.warn-card { border-left-color: #b42318; }
.card.warn-card .value { color: #b42318; }
.dash-grid { display: grid; grid-template-columns: 3fr 2fr; gap: 2rem; }
.bar-row { display: grid; grid-template-columns: 3.2rem 1fr 8rem; grid-template-rows: auto auto; column-gap: .6rem; margin: .45rem 0; align-items: center; }
.bar-code { grid-row: 1 / span 2; font-weight: 700; }
.bar-label { font-size: .82rem; color: #52606d; grid-column: 2 / span 2; }
.bar { display: block; width: 100%; background: #eef2f7; height: 14px; border-radius: 3px; overflow: hidden; }
.bar-value { font-size: .85rem; text-align: right; font-variant-numeric: tabular-nums; }
.tiles { display: grid; gap: .6rem; }
.tile { display: block; border: 1px solid #cbd2d9; border-radius: 6px; padding: .6rem .8rem; text-decoration: none; color: #1f2933; }
.tile:hover { border-color: #1d4e89; background: #eef2f7; }
.tile b { display: block; color: #1d4e89; }
.tile span { font-size: .85rem; color: #52606d; }
@media (max-width: 900px) { .dash-grid { grid-template-columns: 1fr; } }
"""
