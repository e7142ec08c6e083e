"""The audit report as one printable HTML page (A4, no JavaScript, nothing loaded from elsewhere)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .. import i18n
from .labels import TEXT, column, text, value_word
from .evidence import status_groups
from .model import AuditReport, compact
from .report import query_title

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


#: A plain ISO 8601 date (``2025-09-01``), as the named queries return ``xsd:date`` values.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: The time zone of the programme: the report's time of generation is given there.
PARIS = i18n.PARIS


def format_value(value: object, lang: str, column: str | None = None) -> str:
    """A cell as people read it (Babel, CLDR): yes/no for booleans, numbers as the locale
    writes them (``12,5`` and ``1 234`` with U+202F in French, ``12.5`` and ``1,234`` in
    English), ISO dates as dates (``1 sept. 2025`` / ``1 Sept 2025``), the values of
    ``column`` that name something in words (:func:`.labels.value_word`); other text as is."""
    value = value_word(lang, column, value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return text(lang, "yes" if value else "no")
    if isinstance(value, (int, float)):
        return i18n.number(value, lang)
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return i18n.date(value, lang)
    return str(value)


def generated_time(value: str, lang: str) -> str:
    """The report's time of generation (ISO 8601 with its offset) in Paris time, with the
    zone (:func:`cipt_graph.i18n.local_datetime`): ``30 nov. 2026, 11:32 (heure normale
    d’Europe centrale)`` (fr), ``Nov 30, 2026, 11:32 (Central European Standard Time)`` (en)."""
    return i18n.local_datetime(value, lang)


def visible_columns(columns: Sequence[str], rows: Sequence[dict]) -> list[str]:
    """The columns worth showing: not ``lang``, not a column of IRIs, nor the thing a ``NAME_label``
    column beside it names (``referential_extent`` beside ``referential_extent_label``: its IRI,
    empty or not — an empty one would otherwise show under its raw variable name)."""
    def is_iri_column(name: str) -> bool:
        values = [r.get(name) for r in rows if r.get(name) is not None]
        return bool(values) and all(isinstance(v, str) and v.startswith(("http://", "https://")) for v in values)

    labelled = {c[: -len("_label")] for c in columns if c.endswith("_label")}
    return [c for c in columns if c not in _HIDDEN and c not in labelled and not is_iri_column(c)]


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


#: Rows of a findings table shown in the printed report (all of them in Markdown and JSON).
MAX_ROWS = 15


def report_context(report: AuditReport) -> dict[str, object]:
    """What the HTML and Markdown forms share beyond the report: the data version, the hours
    split, the assessment per competency, the assessment status per block, the status groups."""
    lang = report.lang
    version: dict[str, object] = {k: v if k in ("links", "triples") and isinstance(v, int) else format_value(v, lang)
                                  for k, v in report.data_version.items()}
    for key in ("digest", "last_assertion", "links", "triples"):
        version.setdefault(key, "—")
    identity = report.identity.rows[0] if report.identity.rows else {}
    version["sources"] = _version_sources(report.data_version, identity, lang)
    split = report.hours_split.rows[0] if report.hours_split and report.hours_split.rows else {}
    hours_split = {k: format_value(split.get(k), lang) for k in ("teaching_hours", "assessment_hours", "workplace_share")}
    assessment = {str(r["competency_code"]): r for r in (report.assessment.rows if report.assessment else [])}
    block_status: dict[str, set[str]] = {}
    for row in assessment.values():
        for status in str(row.get("assessment_status") or "").split():
            if status:
                block_status.setdefault(str(row["block_code"]), set()).add(status)
    return {
        "version": version,
        "hours_split": hours_split,
        "hours_gap": hours_gap(report),
        "referential": referential(report),
        "assessment": assessment,
        "assessment_source": report.assessment.source if report.assessment else None,
        "block_status": {k: ", ".join(sorted(v)) for k, v in block_status.items()},
        "groups": status_groups(report),
        "reasons": [(r["key"], dict(r["args"])) for r in report.verdict.reasons],  # text() writes the numbers
        "generated": generated_time(report.generated_at, lang),
        "max_rows": MAX_ROWS,
        "sessions": set(),
        "status_name": lambda codes: ", ".join(text(lang, f"status_{c}") if f"status_{c}" in TEXT["fr"] else c
                                                for c in sorted(str(codes or "").replace(",", " ").split())),
        "query_title": lambda q: query_title(q, lang),
    }


def _version_sources(version: dict, identity: dict, lang: str) -> str:
    """The data line's dates of the programme's own source (named after its label, query
    ``programme_identity``) and of its certification's official source (``data_version``), each
    only when the data has it."""
    parts = []
    if version.get("source_modified"):
        parts.append(text(lang, "data_version_source", source=str(identity.get("source_label") or "—"),
                          source_modified=format_value(version["source_modified"], lang)))
    if version.get("official_source_issued"):
        parts.append(text(lang, "data_version_official",
                          official_source_issued=format_value(version["official_source_issued"], lang)))
    return "".join(parts)


def referential(report: AuditReport) -> tuple[str, dict[str, object]]:
    """What the certification's list of competencies stands for: its count (query
    ``hours_per_block``), its extent and the programme's source (query ``programme_identity``);
    the plain sentence when the data does not say."""
    identity = report.identity.rows[0] if report.identity.rows else {}
    competencies = sum(b.competencies for b in report.blocks)
    if identity.get("referential_extent_label"):
        return "evidence_referential", {"competencies": competencies, "extent": identity["referential_extent_label"],
                                        "source": identity.get("source_label") or "—"}
    return "evidence_referential_plain", {"competencies": competencies}


def hours_gap(report: AuditReport) -> list[tuple[str, dict[str, object]]]:
    """The sentences explaining the hours: the difference as the programme's source (or the data)
    gives it (query ``hours_declared_vs_listed``), hypotheses when there is one, then the split
    into teaching and assessment and the workplace share (query ``hours_teaching_assessment``)."""
    lang = report.lang
    hours = report.hours.rows[0] if report.hours.rows else {}
    identity = report.identity.rows[0] if report.identity.rows else {}
    split = report.hours_split.rows[0] if report.hours_split and report.hours_split.rows else {}
    figures = {k: format_value(hours.get(k), lang) for k in ("declared", "listed", "modules")}
    out: list[tuple[str, dict[str, object]]] = []
    if hours and hours.get("difference"):
        if identity.get("source_label"):
            out.append(("hours_gap", {**figures, "source": identity["source_label"]}))
        else:
            out.append(("hours_gap_data", figures))
        out.append(("hours_hypotheses", {}))
    elif hours:
        out.append(("hours_no_gap", {"listed": figures["listed"]}))
    if split:
        out.append(("hours_split", {"listed": format_value(split.get("listed"), lang),
                                    **{k: format_value(split.get(k), lang) for k in ("assessment_hours", "teaching_hours")}}))
        if split.get("workplace_share") is not None:
            out.append(("hours_workplace", {"workplace_share": format_value(split["workplace_share"], lang)}))
    return out


def render_html(report: AuditReport) -> str:
    """The report as a standalone HTML document (French by default, styles inline)."""
    lang = report.lang
    identity = report.identity.rows[0] if report.identity.rows else {}

    def numeric(rows: Sequence[dict], name: str) -> bool:
        values = [r.get(name) for r in rows if r.get(name) is not None]
        return bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)

    template = _environment().get_template("report.html.j2")
    context = report_context(report)
    return i18n.typeset_html(template.render(
        **context,
        r=report,
        counts=report.counts(),
        programme_label=identity.get("programme_label", ""),
        footer=_css_string(f"{text(lang, 'title')} — {identity.get('identifier', '')}"),
        t=lambda key, **values: text(lang, key, **values),
        colon=i18n.colon(lang),
        col=lambda name: column(lang, name),
        fmt=lambda value, column=None: format_value(value, lang, column),
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
    ), lang)  # French spacing before « : ; ! ? » and inside « … », code and queries as written
