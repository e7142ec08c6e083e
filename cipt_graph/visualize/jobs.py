"""Job readiness: for each target job, its activities, the competencies they need, the modules
that build them (with hours), and what is missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from ..store import Store
from ..i18n import colon as i18n_colon
from ..i18n import hours as fmt_hours
from .data import hours_text, records
from .i18n import tr
from .page import Links, render_page


@dataclass
class Need:
    """A competency an activity of the job needs, and the modules covering it (``job_paths`` rows)."""

    competency: str
    code: str
    label: str
    hours: float
    modules: list[dict] = field(default_factory=list)

    @property
    def best(self) -> int:
        return max((int(m["level_rank"]) for m in self.modules), default=0)


@dataclass
class JobReadiness:
    """One target job: its activities (IRI, code, label, needs) and what is missing."""

    job: str
    code: str
    label: str
    rome: str | None
    activities: list[tuple[str, str, str, list[Need]]] = field(default_factory=list)
    rome_status: str | None = None
    inferred_links: bool = False

    def needs(self) -> dict[str, Need]:
        """Each competency the job needs, once."""
        out: dict[str, Need] = {}
        for *_, needs in self.activities:
            for need in needs:
                out.setdefault(need.competency, need)
        return out

    def missing(self, top: int) -> tuple[list[Need], list[Need]]:
        """The competencies no module covers, and those covered but never at the ``top`` rank."""
        needs = sorted(self.needs().values(), key=lambda n: n.code)
        return [n for n in needs if not n.modules], [n for n in needs if n.modules and n.best < top]


def build_jobs(store: Store, lang: str = "fr") -> list[JobReadiness]:
    """Every target job's readiness, from ``job_paths``, ``hours_per_competency`` and ``modules``."""
    hours = {r["competency"]: float(r["hours"]) for r in records(store, "hours_per_competency", lang=lang)}
    module_hours = {r["module"]: r["module_hours"] for r in records(store, "modules", lang=lang)}
    jobs: dict[str, JobReadiness] = {}
    needs: dict[tuple[str, str, str], Need] = {}
    for r in records(store, "job_paths", lang=lang):
        job = jobs.setdefault(r["job"], JobReadiness(r["job"], r["job_code"], r["job_label"], r["rome_code"],
                                                     rome_status=r.get("rome_status")))
        job.inferred_links |= "inferred" in (r.get("activity_status"), r.get("competency_status"))
        if not job.activities or job.activities[-1][0] != r["activity"]:
            job.activities.append((r["activity"], r["activity_code"], r["activity_label"], []))
        key = (r["job"], r["activity"], r["competency"])
        if key not in needs:
            needs[key] = Need(r["competency"], r["competency_code"], r["competency_label"], hours.get(r["competency"], 0.0))
            job.activities[-1][3].append(needs[key])
        if r["module"]:
            needs[key].modules.append({**r, "module_hours": module_hours.get(r["module"])})
    return sorted(jobs.values(), key=lambda j: j.code)


def _levels(store: Store, lang: str) -> dict[int, dict]:
    return {int(r["level_rank"]): r for r in records(store, "coverage_levels", lang=lang)}


def _job_section(job: JobReadiness, levels: dict[int, dict], lang: str, links: Links) -> str:
    top = max(levels, default=0)
    top_label = levels[top]["level_label"] if top else ""
    needs = job.needs()
    total = sum(n.hours for n in needs.values())
    covered = sum(1 for n in needs.values() if n.modules)
    rows = []
    for activity, code, label, act_needs in job.activities:
        for i, need in enumerate(act_needs):
            first = (f'<th scope="rowgroup" rowspan="{len(act_needs)}" class="activity">'
                     f'{links.resource_link(activity, code)} {escape(label)}</th>') if i == 0 else ""
            chips = " ".join(
                f'<span class="mod" data-module="{escape(m["module_code"])}" title="{escape(m["module_code"] + " " + m["module_label"] + " — " + levels[int(m["level_rank"])]["level_label"])}">'
                f'<span class="badge lvl-{m["level_rank"]}">{escape(m["level_code"])}</span> '
                f'{links.resource_link(m["module"], m["module_code"])} '
                f'<span class="h">{fmt_hours(m["module_hours"], lang)}</span></span>'
                for m in need.modules)
            best = levels.get(need.best)
            state = "uncovered" if not need.modules else ("below" if need.best < top else "ok")
            best_html = (f'<span class="badge lvl-{need.best}">{escape(best["level_code"])}</span> {escape(best["level_label"])}'
                         if best else f'<span class="warn">{escape(tr(lang, "jobs.uncovered"))}</span>')
            rows.append(f'<tr class="{state}" data-competency="{escape(need.code)}">{first}'
                        f'<td class="comp">{links.resource_link(need.competency, need.code)} '
                        f'{escape(need.label)}</td><td class="mods">{chips}</td><td class="best">{best_html}</td>'
                        f'<td class="num">{hours_text(need.hours, lang)}</td></tr>')
    uncovered, below = job.missing(top)
    if not uncovered and not below:
        missing = f'<p class="ok">✓ {escape(tr(lang, "jobs.nothing_missing", top=top_label))}</p>'
    else:
        items = [f'<li class="warn" data-competency="{escape(n.code)}">{escape(n.code)} {escape(n.label)} — '
                 f'{escape(tr(lang, "jobs.uncovered"))}</li>' for n in uncovered]
        items += [f'<li data-competency="{escape(n.code)}">{escape(n.code)} {escape(n.label)} — '
                  f'{escape(tr(lang, "jobs.below_top", top=top_label))}</li>' for n in below]
        missing = f'<h3>{escape(tr(lang, "jobs.missing"))}</h3><ul class="missing">{"".join(items)}</ul>'
    status = (f' ({escape(tr(lang, "status." + job.rome_status))})'
              if job.rome_status in ("inferred", "judgement") else "")
    rome = (f' <span class="rome" data-status="{escape(job.rome_status or "stated")}">{escape(tr(lang, "jobs.rome"))} '
            f'{escape(job.rome)}{status}</span>' if job.rome else "")
    summary = " · ".join([tr(lang, "count.activities", len(job.activities)),
                          tr(lang, "count.competencies", len(needs)), tr(lang, "jobs.covered", covered),
                          tr(lang, "jobs.teaching", hours=fmt_hours(total, lang))])
    return (f'<section class="job" id="job-{escape(job.code)}" data-job="{escape(job.code)}">'
            f'<h2>{links.resource_link(job.job, job.code)} — {escape(job.label)}{rome}</h2>'
            f'<p class="summary">{escape(summary)}</p>'
            + (f'<p class="note" data-status="inferred">{escape(tr(lang, "jobs.inferred_links"))}</p>'
               if job.inferred_links else "") +
            f'<table class="readiness"><thead><tr><th>{escape(tr(lang, "jobs.activity"))}</th>'
            f'<th>{escape(tr(lang, "jobs.competency"))}</th><th>{escape(tr(lang, "jobs.modules"))}</th>'
            f'<th>{escape(tr(lang, "jobs.best"))}</th><th class="num">{escape(tr(lang, "jobs.hours"))}</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>{missing}</section>')


def _flag(kind: str, symbol: str, text: str) -> str:
    """A job's mark in the summary: the symbol for the eye, its meaning for screen readers and on hover."""
    return (f'<span class="flag {kind}" title="{escape(text)}"><span aria-hidden="true">{escape(symbol)}</span>'
            f'<span class="sr-only">{escape(text)}</span></span>')


def _legend(lang: str, top_label: str) -> str:
    """What the summary's marks mean (✗, ~, ✓), in words."""
    items = [("warn", "✗", tr(lang, "jobs.legend_uncovered")),
             ("note", "~", tr(lang, "jobs.legend_below", top=top_label)),
             ("okmark", "✓", tr(lang, "jobs.legend_ok"))]
    colon = i18n_colon(lang)
    return (f'<p class="jobs-legend" id="jobs-legend"><strong>{escape(tr(lang, "jobs.legend"))}</strong>{colon}'
            + " · ".join(f'<span class="{kind}" aria-hidden="true">{escape(symbol)}</span> {escape(text)}'
                         for kind, symbol, text in items) + "</p>")


def render_jobs(store: Store, lang: str, links: Links) -> str:
    """The job readiness page: a summary of every job, then one section per job."""
    jobs = build_jobs(store, lang)
    levels = _levels(store, lang)
    top = max(levels, default=0)
    top_label = levels[top]["level_label"] if top else ""
    toc = []
    for job in jobs:
        uncovered, below = job.missing(top)
        if uncovered:
            flag = _flag("warn", f"{len(uncovered)} ✗", tr(lang, "jobs.flag_uncovered", len(uncovered)))
        elif below:
            flag = _flag("note", f"{len(below)} ~", tr(lang, "jobs.flag_below", len(below), top=top_label))
        else:
            flag = _flag("okmark", "✓", tr(lang, "jobs.flag_ok"))
        toc.append(f'<li><a href="#job-{escape(job.code)}">{escape(job.code)} — {escape(job.label)}</a> {flag}</li>')
    if not jobs:  # a programme whose data names no target job: say so, not an empty page
        body = (f'<p class="lead">{escape(tr(lang, "jobs.lead"))}</p>'
                f'<p class="empty" id="jobs-none">{escape(tr(lang, "jobs.none"))}</p>')
        return render_page(view="jobs", lang=lang, links=links, title=tr(lang, "jobs.title"), body=body,
                           styles=("jobs.css",))
    body = (f'<p class="lead">{escape(tr(lang, "jobs.lead"))}</p>{_legend(lang, top_label)}<ul class="toc">{"".join(toc)}</ul>'
            + "".join(_job_section(job, levels, lang, links) for job in jobs))
    return render_page(view="jobs", lang=lang, links=links, title=tr(lang, "jobs.title"), body=body,
                       styles=("jobs.css",))


JOBS_CSS = """
ul.toc { columns: 2; padding-left: 1.2rem; font-size: .92rem; }
section.job { border-top: 3px solid #4c2a85; margin-top: 1.6rem; padding-top: .2rem; page-break-inside: avoid; }
section.job h2 a { color: #4c2a85; }
.rome { font-size: .8rem; font-weight: 400; color: #52606d; border: 1px solid #cbd2d9; border-radius: 3px; padding: 0 .3rem; margin-left: .4rem; }
p.summary { color: #52606d; margin: .2rem 0 .6rem; }
table.readiness { width: 100%; font-size: .86rem; }
table.readiness th, table.readiness td { border: 1px solid #cbd2d9; padding: .3rem .45rem; vertical-align: top; text-align: left; }
table.readiness thead th { background: #f5f7fa; }
table.readiness th.activity { background: #fff4d6; font-weight: 600; width: 18%; }
table.readiness td.comp { width: 30%; }
table.readiness td.best { white-space: nowrap; width: 10rem; }
table.readiness .num { text-align: right; width: 4rem; }
.mod { display: inline-block; margin: 0 .6rem .2rem 0; }
.mod .h { color: #52606d; font-size: .8rem; }
tr.uncovered td { background: #fde8e8; }
tr.below td.best { color: #8a5a00; }
ul.missing { padding-left: 1.2rem; font-size: .9rem; }
p.ok, .okmark { color: #1e6b3a; }
p.jobs-legend { font-size: .85rem; color: #52606d; margin: 0 0 .3rem; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media print { ul.toc { display: none; } @page { size: A4 landscape; margin: 10mm; } }
"""
