"""The state of the evidence behind an audit: validated and proposed links, inferred facts,
the verdict (``conforme`` / ``provisoire``), the data version, and names for the resources that
SHACL findings point at (issue #14)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import pyoxigraph as ox

from ..store import Store, iter_records, select
from .model import BlockAudit, Check, Evidence, Table, Verdict, compact

#: The statuses that make an assessment evidence only by inference.
_NOT_STATED = {"inferred", "judgement"}


def evidence_of(mapping: Table, inferred: Table, assessment: Table, blocks: Sequence[BlockAudit]) -> Evidence:
    """Counts of validated and proposed links, inferred statements and resources, and blocks whose
    every assessment is inferred, from the rows of ``mapping_status``, ``inferred_statements`` and
    ``assessment_per_competency``."""
    everything = next((r for r in mapping.rows if r.get("link_kind") == "all"), {})
    statuses: dict[str, set[str]] = {}
    for row in assessment.rows:
        for status in str(row.get("assessment_status") or "").split():
            if status:
                statuses.setdefault(str(row["block_code"]), set()).add(status)
    return Evidence(
        links=int(everything.get("links") or 0),
        validated=int(everything.get("validated") or 0),
        proposed=int(everything.get("proposed") or 0),
        inferred_statements=sum(1 for r in inferred.rows if r.get("statement_kind") == "statement"),
        inferred_resources=sum(1 for r in inferred.rows if r.get("statement_kind") == "resource"),
        blocks=len(blocks),
        blocks_inferred_assessment=sum(1 for b in blocks if b.assessed and statuses.get(b.block_code)
                                       and statuses[b.block_code] <= _NOT_STATED),
    )


def verdict_of(evidence: Evidence, checks: Sequence[Check]) -> Verdict:
    """``conforme`` when no blocking rule fails, every mapping link is validated and no block's
    assessment rests on an inference only; otherwise ``provisoire`` with the reasons, in order."""
    reasons: list[dict[str, object]] = []
    violations = sum(len(c.rows) for c in checks if c.counted and c.severity == "violation")
    if violations:
        reasons.append({"key": "reason_violations", "args": {"count": violations}})
    if evidence.proposed or not evidence.links:
        reasons.append({"key": "reason_proposed", "args": {"proposed": evidence.proposed, "links": evidence.links,
                                                           "percent": evidence.percent(evidence.proposed)}})
    if evidence.blocks_inferred_assessment:
        reasons.append({"key": "reason_assessment", "args": {"count": evidence.blocks_inferred_assessment,
                                                             "blocks": evidence.blocks}})
    return Verdict("provisoire" if reasons else "conforme", reasons)


def data_version(store: Store, version: Table, programme: str | None = None, data: bytes | None = None) -> dict[str, object]:
    """The ``data_version`` row plus ``digest``: the first 12 hex digits of the SHA-256 of the
    dataset's sorted N-Triples, blank node labels ignored (the same data gives the same digest).
    With ``programme`` (an IRI), the digest is that of the programme's part of the data
    (:func:`cipt_graph.validate.programme_triples`, what its SHACL validation reads): sorting a
    whole university's N-Triples took 28 s. ``data``: that part's N-Triples, when the caller has them."""
    row = dict(version.rows[0]) if version.rows else {}
    if programme is not None:
        from ..validate import programme_ntriples

        text = (data if data is not None else programme_ntriples(store, programme)).decode("utf-8")
    else:
        text = store.dump(ox.RdfFormat.N_TRIPLES).decode("utf-8")
    lines = sorted(re.sub(r"_:[A-Za-z0-9]+", "_:b", line) for line in text.splitlines() if line.strip())
    row["digest"] = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:12]
    return row


_NAMES = """
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?item ?code ?label WHERE {
  VALUES ?item { %s }
  OPTIONAL { ?item skos:notation ?notation . }
  OPTIONAL { ?item schema:courseCode ?course . }
  BIND(COALESCE(?notation, ?course) AS ?code)
  OPTIONAL { ?item skos:prefLabel ?label . FILTER(LANG(?label) = "%s") }
}
"""


def name_findings(store: Store, checks: Sequence[Check], lang: str) -> None:
    """Give each SHACL finding an ``item`` people read ("M12 — Salon CapCom") in place of the
    IRI of its focus node; an IRI the data names nowhere is shown compacted."""
    iris = sorted({str(r["focus"]) for c in checks for r in c.rows
                   if isinstance(r.get("focus"), str) and str(r["focus"]).startswith(("http://", "https://"))})
    names: dict[str, str] = {}
    if iris:
        values = " ".join(str(ox.NamedNode(i)) for i in iris)
        for row in iter_records(select(store, _NAMES % (values, "en" if lang == "en" else "fr"))):
            parts = [str(p) for p in (row.get("code"), row.get("label")) if p]
            if parts:
                names.setdefault(str(row["item"]), " — ".join(parts))
    for check in checks:
        for row in check.rows:
            focus = row.get("focus")
            row["item"] = names.get(str(focus)) or compact(str(focus)) if focus else "—"


#: People's names for the kinds of inferred statements (the property's local name): general, as
#: they name any programme's statements (who and what exactly is in the subject's columns).
KIND_NAMES = {
    "fr": {
        "occupationalCategory": "Code ROME d'un métier visé", "closeMatch": "Codes ROME proches d'un métier",
        "involvesActivity": "Activités d'un métier visé", "requiresCompetency": "Compétences requises par une activité",
        "period": "Période d'un module", "notation": "Code d'un bloc ou d'une compétence",
        "assessment": "Évaluation d'un bloc", "assessesBlock": "Bloc évalué par une soutenance",
        "assessesCompetency": "Compétence vérifiée par la soutenance finale",
        "heldDuring": "Session où se tient une évaluation",
        "partner": "Partenaire de la formation (CFA…)", "email": "Adresse électronique du contact",
        "worksFor": "Organisme du contact", "developsCompetency": "Compétences construites en entreprise",
        "exercisesActivity": "Activités exercées en entreprise", "workplaceShare": "Part du temps en entreprise",
    },
    "en": {
        "occupationalCategory": "ROME code of a target job", "closeMatch": "Close ROME codes of a job",
        "involvesActivity": "Activities of a target job", "requiresCompetency": "Competencies an activity requires",
        "period": "Period of a module", "notation": "Code of a block or competency",
        "assessment": "Assessment of a block", "assessesBlock": "Block assessed by a defence",
        "assessesCompetency": "Competency checked by the final defence",
        "heldDuring": "Session an assessment is held in",
        "partner": "Partner of the programme (apprentice training centre…)", "email": "E-mail address of the contact",
        "worksFor": "Organisation of the contact", "developsCompetency": "Competencies built at the workplace",
        "exercisesActivity": "Activities carried out at the workplace", "workplaceShare": "Share of time at the workplace",
    },
}


def status_groups(report) -> list[dict[str, object]]:
    """The rows of ``inferred_statements`` grouped for people: one group per kind of statement
    (its property) and per kind of inferred resource (same reason), with a count, the status and
    the reason."""
    names = KIND_NAMES.get(report.lang, KIND_NAMES["fr"])
    groups: dict[tuple, dict[str, object]] = {}
    rows = report.data_status.rows if report.data_status else []
    for row in rows:
        if row.get("statement_kind") == "statement":
            key = ("statement", row.get("property"), row.get("status_code"))
            label = names.get(str(row.get("property")), str(row.get("property")))
        else:
            key = ("resource", row.get("reason"), row.get("status_code"))
            label = None
        group = groups.setdefault(key, {"label": label, "count": 0, "status": row.get("status_label"),
                                        "reason": row.get("reason"), "subjects": []})
        group["count"] = int(group["count"]) + 1  # type: ignore[call-overload]
        group["subjects"].append(str(row.get("subject_code") or row.get("subject_label") or ""))  # type: ignore[union-attr]
    out = list(groups.values())
    for group in out:
        if group["label"] is None:
            subjects = [s for s in group["subjects"] if s]  # type: ignore[union-attr]
            group["label"] = ", ".join(subjects[:6]) + (" …" if len(subjects) > 6 else "")
    return out
