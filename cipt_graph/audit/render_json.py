"""The audit report as JSON, for other systems: the stable schema of ``docs/audit-json.md``."""

from __future__ import annotations

import dataclasses
import json

from .model import AuditReport, Source, Table

#: Bumped on any change that could break a consumer (a key renamed, removed or retyped).
SCHEMA_VERSION = 1


def source_dict(report: AuditReport, source: Source) -> dict[str, object]:
    """A source as JSON: kind, name, params, file (and iri for a shape, links when served)."""
    out: dict[str, object] = {"kind": source.kind, "name": source.name, "params": dict(source.params),
                              "file": source.file}
    if source.kind == "shape":
        out["iri"] = source.iri
    links = report.links(source)
    if links:
        out["links"] = links
    return out


def _table(report: AuditReport, table: Table) -> dict[str, object]:
    return {"source": source_dict(report, table.source), "columns": table.columns, "rows": table.rows}


def report_dict(report: AuditReport) -> dict[str, object]:
    """The report as plain JSON-ready data."""
    counts = report.counts()
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"cipt-graph {report.version}",
        "generated_at": report.generated_at,
        "lang": report.lang,
        "base_url": report.base_url,
        "status": {"exit_code": report.exit_code, "violations": counts["violation"],
                   "warnings": counts["warning"], "infos": counts["info"]},
        "evidence": {**dataclasses.asdict(report.evidence),
                     "validated_percent": report.evidence.percent(report.evidence.validated),
                     "proposed_percent": report.evidence.percent(report.evidence.proposed)},
        "verdict": {"status": report.verdict.status, "reasons": report.verdict.reasons},
        "data_version": report.data_version,
        "identity": _table(report, report.identity),
        "hours": _table(report, report.hours),
        "blocks": {
            "sources": {key: source_dict(report, s) for key, s in report.block_sources.items()},
            "items": [
                {
                    "block_code": b.block_code, "block_label": b.block_label, "hours": b.hours,
                    "competencies": b.competencies, "covered_competencies": b.covered_competencies,
                    "modules": b.modules, "assessed": b.assessed,
                    "competency_details": [
                        {"competency_code": c.competency_code, "competency_label": c.competency_label,
                         "hours": c.hours, "modules": c.modules, "max_rank": c.max_rank,
                         "max_level": c.max_level, "top_rank": c.top_rank, "reaches_top": c.reaches_top,
                         "in_order": c.in_order, "steps": c.steps}
                        for c in b.competency_details
                    ],
                }
                for b in report.blocks
            ],
        },
        "mapping_status": _table(report, report.mapping_status),
        "assessment": _table(report, report.assessment) if report.assessment else None,
        "data_status": _table(report, report.data_status) if report.data_status else None,
        "hours_split": _table(report, report.hours_split) if report.hours_split else None,
        "checks": [
            {"source": source_dict(report, c.source), "severity": c.severity, "title": c.title,
             "description": c.description, "passed": c.passed, "count": len(c.rows), "counted": c.counted,
             "duplicate_of": c.duplicate_of, "structural": c.structural, "columns": c.columns, "rows": c.rows}
            for c in report.checks
        ],
        "queries": [
            {"name": q.name, "file": q.path.name, "summary": q.summary, "description": q.description,
             "tags": list(q.tags), "text": q.text,
             **({"links": links} if (links := report.links(report.source_of(q))) else {})}
            for q in report.queries
        ],
    }


def render_json(report: AuditReport) -> str:
    """The report as an indented JSON document (UTF-8 text, non-ASCII kept)."""
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2) + "\n"
