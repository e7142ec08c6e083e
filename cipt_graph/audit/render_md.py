"""The audit report as Markdown (GitHub-flavoured tables), for a repository or a wiki."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .. import i18n
from .labels import column, text
from .render_html import format_value, level_legend, report_context, visible_columns
from .model import AuditReport, Source, compact


class _Md(str):
    """Markdown the renderer wrote itself (code spans, links to its own anchors): not escaped."""


#: Characters that start Markdown syntax (emphasis, code, links and images, table cells) or
#: escapes, backslash-escaped in values (CommonMark 0.31 §2.4: any ASCII punctuation may be).
_MD_SYNTAX = re.compile(r"([\\`*_\[\]|~])")
#: Line breaks of every kind (CR, LF, VT, FF, FS–RS, NEL, LS, PS): a value stays on its line.
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def md_text(value: object) -> str:
    """A value from the data as Markdown text that renders as exactly that text: ``&``, ``<``,
    ``>`` written as character references (no raw HTML can reach the page a Markdown renderer
    makes), Markdown syntax characters backslash-escaped (no link, image or emphasis), line
    breaks as spaces (a value never leaves its line, table cell or heading)."""
    if isinstance(value, _Md):
        return _LINE_BREAKS.sub(" ", value)
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _LINE_BREAKS.sub(" ", _MD_SYNTAX.sub(r"\\\1", text))


def _cell(value: object) -> str:
    if isinstance(value, _Md):
        return md_text(value).replace("|", "\\|")
    return md_text(value)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def _cite(report: AuditReport, source: Source) -> str:
    lang = report.lang
    name = f"[`{source.name}`](#{source.name})" if source.kind == "query" else f"`{source.name}`"
    out = f"*{text(lang, 'source')}{i18n.colon(lang)}{text(lang, source.kind)} {name}"
    if source.file and source.kind == "shape":
        out += f" ({source.file})"
    if source.params:
        out += f" — {text(lang, 'params')}{i18n.colon(lang)}`" + ", ".join(f"{k}={v}" for k, v in source.params.items()) + "`"
    links = report.links(source)
    if links:
        out += f" — [{text(lang, 'run_api')}]({links['api']}) · [{text(lang, 'run_sparql')}](<{links['sparql']}>) · [{text(lang, 'open_sparql')}](<{links['page']}>)"
    return out + "*\n"


def render_md(report: AuditReport) -> str:
    """The report as one Markdown document, sections in the order of the HTML report; findings
    tables in full and the full text of every cited query in the appendix."""
    lang = report.lang
    t = lambda key, **values: text(lang, key, **values)  # noqa: E731
    fmt = lambda value, column=None: format_value(value, lang, column)  # noqa: E731
    colon = i18n.colon(lang)  # "\u00a0: " in French, ": " in English
    ctx = report_context(report)
    counts = report.counts()
    ev = report.evidence
    identity = report.identity.rows[0] if report.identity.rows else {}
    out = [f"# {t('title')}", "", f"**{md_text(identity.get('programme_label', ''))}**", "", t("subtitle"), "",
           f"{t('generated')} {ctx['generated']} — {t('version')} {report.version}", "",
           t("data_version", **ctx["version"]), "",
           f"## {t('evidence')}", "",
           t("evidence_mapping", links=ev.links, validated=ev.validated, proposed=ev.proposed,
             validated_percent=ev.percent(ev.validated), proposed_percent=ev.percent(ev.proposed)), "",
           t("evidence_inferred", statements=ev.inferred_statements, resources=ev.inferred_resources), "",
           t(ctx["referential"][0], **ctx["referential"][1]), "",
           f"> **{t('verdict_ok') if report.verdict.status == 'conforme' else t('verdict_ko')}**"
           + (f" {t('verdict_reasons')}" if ctx["reasons"] else "")]
    out += [f"> - {t(key, **args)}" for key, args in ctx["reasons"]]
    out += [">", "> " + t("summary_sentence", violation=counts["violation"], warning=counts["warning"],
                              info=counts["info"], exit_code=report.exit_code), ""]

    out += [f"## {t('identity')}", ""]
    for row in report.identity.rows:
        out += _table([t("item"), t("value")], [
            [column(lang, c), fmt(row[c], c)] for c in visible_columns(report.identity.columns, [row])])
    out.append(_cite(report, report.identity.source))

    out += [f"## {t('hours')}", ""]
    for row in report.hours.rows:
        out += [t("hours_sentence", declared=fmt(row["declared"]), listed=fmt(row["listed"]),
                  difference=fmt(row["difference"]), modules=fmt(row["modules"])), ""]
    out += [f"**{t('hours_gap_title')}.** " + " ".join(t(key, **args) for key, args in ctx["hours_gap"]), ""]
    out.append(_cite(report, report.hours.source))

    out += [f"## {t('summary')}", "", t("checks_table"), ""]
    shown_checks = [c for c in report.checks if c.counted and not c.structural]
    out += _table([t("severity"), t("check"), t("source"), t("count")], [
        [t(c.severity), c.title, _Md(f"{md_text(t(c.source.kind))} `{c.source.name}`") if c.source.kind == "query" else t("shape"),
         len(c.rows)] for c in shown_checks])
    structural = [c for c in report.checks if c.structural]
    out += [t("structural_line", count=len(structural), failed=sum(len(c.rows) for c in structural)), ""]

    out += [f"## {t('blocks')}", "", t("blocks_intro") + " " + t("levels_legend", levels=level_legend(report)) + " " + t("status_legend"), ""]
    assessment = ctx["assessment"]
    for b in report.blocks:
        status = ctx["block_status"].get(b.block_code)
        out += [f"### {md_text(b.block_code)} — {md_text(b.block_label)}", "",
                f"{t('hours_h')}{colon}{fmt(b.hours)} — {t('covered')}{colon}{b.covered_competencies} / {b.competencies}"
                f" — {t('modules')}{colon}{b.modules} — {t('assessed')}{colon}{fmt(b.assessed)}"
                + (f" ({ctx['status_name'](status)})" if status else ""), ""]
        rows = []
        for c in b.competency_details:
            a = assessment.get(c.competency_code, {})
            label = c.competency_label + (f" — {t('untaught_part')}{colon}{a['untaught_aspect']}" if a.get("untaught_aspect") else "")
            rows.append([c.competency_code, label,
                         ", ".join(f"{m['module_code']} ({m['level_code']}{'*' if m.get('status') == 'proposed' else ''})"
                                   for m in c.modules) or t("none"),
                         fmt(c.hours), f"{c.max_level} ({c.max_rank}/{c.top_rank})" if c.max_rank is not None else "—",
                         fmt(c.reaches_top), fmt(c.in_order),
                         f"{a.get('assessment_kinds') or '—'} ({ctx['status_name'](a.get('assessment_status'))})" if a.get("assessed_by") else t("none"),
                         fmt(a.get("workplace")) if a else "—"])
        out += _table([t("code"), column(lang, "competency_label"), t("taught"), t("hours_h"), t("max_level"),
                       t("reaches_top"), t("in_order"), t("assessed"), t("workplace")], rows)
    for key in ("block", "assessed", "hours", "modules", "progression"):
        out.append(_cite(report, report.block_sources[key]))
    if report.assessment:
        out.append(_cite(report, report.assessment.source))

    out += [f"## {t('findings')}", ""]
    for c in report.checks:
        if c.source.kind != "query":
            continue
        out += [f"### {md_text(c.title)} ({t(c.severity)}, {len(c.rows)})", ""]
        if c.passed:
            out += [t("no_rows"), ""]
        else:
            shown = visible_columns(c.columns, c.rows)
            out += _table([column(lang, n) for n in shown], [[fmt(r[n], n) for n in shown] for r in c.rows])
        out.append(_cite(report, c.source))

    out += [f"## {t('shacl')}", ""]
    failing = [c for c in report.checks if c.source.kind == "shape" and c.counted and not c.passed]
    if not failing:
        out += [t("shacl_none"), ""]
    for c in failing:
        out += [f"### {md_text(c.title)} ({t(c.severity)}, {len(c.rows)})", ""]
        if c.description:
            out += [f"{t('terms')}{colon}`{c.description}`", ""]
        out += _table([t("focus"), t("message")], [[f.get("item") or compact(str(f["focus"])), f["message"]]
                                                   for f in c.rows])

    out += [f"## {t('data_status')}", "", t("data_status_intro"), ""]
    out += _table([t("kind_of_fact"), t("statements_n"), t("status"), t("reason")],
                  [[g["label"], g["count"], g["status"], g["reason"]] for g in ctx["groups"]])
    if report.data_status:
        out.append(_cite(report, report.data_status.source))

    out += [f"## {t('mapping')}", ""]
    for row in report.mapping_status.rows:
        if row.get("link_kind") == "all":
            out += [t("mapping_sentence", proposed=row["proposed"], links=row["links"],
                      percent=row["proposed_percent"]), ""]
    shown = visible_columns(report.mapping_status.columns, report.mapping_status.rows)
    out += _table([column(lang, n) for n in shown], [[fmt(r[n], n) for n in shown] for r in report.mapping_status.rows])
    out.append(_cite(report, report.mapping_status.source))

    out += [f"## {t('appendix')}", "", t("appendix_intro"), ""]
    for q in report.queries:
        out += [f"### {q.name}", "", md_text(q.summary), "", "```sparql", q.text.rstrip(), "```", ""]
    return i18n.typeset_markdown("\n".join(out), lang)  # French spacing; code blocks as written
