"""The audit report as one printable HTML page (A4, no JavaScript, nothing loaded from elsewhere)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .labels import column, text
from .model import AuditReport, compact

#: Columns never shown in tables: the language echo, and IRIs when a code column says the same.
_HIDDEN = {"lang"}
#: Columns holding sentences get a wider share of a table's width.
_WIDE = ("_label", "message", "rationale", "description")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("cipt_graph.audit", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=False,
        lstrip_blocks=False,
    )


def format_value(value: object, lang: str) -> str:
    """A cell as people read it: yes/no for booleans, 12,5 (fr) or 12.5 (en) for decimals."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return text(lang, "yes" if value else "no")
    if isinstance(value, float):
        shown = f"{value:.0f}" if value.is_integer() else f"{value:.2f}".rstrip("0")
        return shown.replace(".", ",") if lang == "fr" else shown
    return str(value)


def visible_columns(columns: Sequence[str], rows: Sequence[dict]) -> list[str]:
    """The columns worth showing: not ``lang``, not a column of IRIs."""
    def is_iri_column(name: str) -> bool:
        values = [r.get(name) for r in rows if r.get(name) is not None]
        return bool(values) and all(isinstance(v, str) and v.startswith(("http://", "https://")) for v in values)

    return [c for c in columns if c not in _HIDDEN and not is_iri_column(c)]


def column_widths(columns: Sequence[str]) -> list[float]:
    """Percent widths for a fixed-layout table: sentence columns weigh three times more."""
    weights = [3 if any(c.endswith(w) or c == w for w in _WIDE) else 1 for c in columns]
    total = sum(weights) or 1
    return [round(100 * w / total, 2) for w in weights]


def _css_string(value: str) -> Markup:
    """A value safe inside a double-quoted CSS string in a <style> element."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ").replace("\n", " ")
    return Markup(escaped)


def level_legend(report: AuditReport) -> str:
    """``I = Sensibilisation, R = …``: the levels the coverage rows use, lowest first."""
    levels = {(m.get("level_rank") or 0, str(m.get("level_code")), str(m.get("level_label")))
              for b in report.blocks for c in b.competency_details for m in c.modules}
    return ", ".join(f"{code} = {label}" for _, code, label in sorted(levels))


def render_html(report: AuditReport) -> str:
    """The report as a standalone HTML document (French by default, styles inline)."""
    lang = report.lang
    identity = report.identity.rows[0] if report.identity.rows else {}

    def numeric(rows: Sequence[dict], name: str) -> bool:
        values = [r.get(name) for r in rows if r.get(name) is not None]
        return bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)

    template = _environment().get_template("report.html.j2")
    return template.render(
        r=report,
        counts=report.counts(),
        programme_label=identity.get("programme_label", ""),
        footer=_css_string(f"{text(lang, 'title')} — {identity.get('identifier', '')}"),
        t=lambda key, **values: text(lang, key, **values),
        col=lambda name: column(lang, name),
        fmt=lambda value: format_value(value, lang),
        visible=visible_columns,
        widths=column_widths,
        numeric=numeric,
        compact=compact,
        source_of=report.source_of,
        levels=level_legend(report),
        source_links={key: s.name for key, s in {
            "hours_per_block": report.block_sources["block"],
            "blocks_without_assessment": report.block_sources["assessed"],
            "hours_per_competency": report.block_sources["hours"],
            "coverage_matrix": report.block_sources["modules"],
            "competency_progression": report.block_sources["progression"],
        }.items()},
    )
