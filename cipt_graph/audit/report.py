"""The accreditation audit: named queries and SHACL shapes → one ``AuditReport``.

Checks are data. Every named query tagged ``check`` (its ``#+ severity:`` header line says
``violation``, ``warning`` or ``info``) and every SHACL shape of the ontology folder is run; each
offending row or validation result is a finding. Every figure of the report keeps the name and
parameters of the query (or shape) that produced it, so the auditor can run it again.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import sys
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import CiptError
from ..paths import SHAPES_FILES
from ..queries import NamedQuery, load_queries, resolve_programme, run_query
from ..store import Store, iter_records
from ..validate import programme_ntriples
from .labels import LANGS
from .evidence import data_version, evidence_of, name_findings, verdict_of
from .model import (AUDIT_PROGRAMME, SEVERITIES, AuditReport, BlockAudit, Check, CompetencyAudit, Evidence, Source, Table,
                    Verdict, compact, query_links, report_params)
from .shapes import load_shape_graphs, run_shapes

__all__ = ["SEVERITIES", "AuditReport", "BlockAudit", "Check", "CompetencyAudit", "Evidence", "Source", "Table", "Verdict",
           "build_audit_report", "check_queries", "compact", "load_shape_graphs", "query_links"]

CHECK_TAG = "check"

#: The queries behind the fixed sections of the report (checks are discovered, not listed).
IDENTITY_QUERY = "programme_identity"
HOURS_QUERY = "hours_declared_vs_listed"
BLOCK_QUERY = "hours_per_block"
ASSESSMENT_QUERY = "blocks_without_assessment"
COMPETENCY_HOURS_QUERY = "hours_per_competency"
MATRIX_QUERY = "coverage_matrix"
PROGRESSION_QUERY = "competency_progression"
MAPPING_QUERY = "mapping_status"
INFERENCE_QUERY = "inferred_statements"
ASSESSMENT_TABLE_QUERY = "assessment_per_competency"
VERSION_QUERY = "data_version"
SPLIT_QUERY = "hours_teaching_assessment"


#: Queries of the audit sent at once to a remote SPARQL server. Its latency is the server's: Virtuoso
#: 7.2 compiles each new query text first (0.2–3.5 s for the larger named queries, measured), so
#: one after the other the audit of the shipped programme took 24–28 s there (load 6).
REMOTE_PARALLEL = 4


class _Tables:
    """The audit's query tables, each run once (``tables(name)``); :meth:`prefetch` runs a list of
    them at once (``REMOTE_PARALLEL`` threads) when the store is a remote server, one after the
    other otherwise (an embedded store's queries use this process's CPU either way)."""

    def __init__(self, store: Store, queries: Mapping[str, NamedQuery], lang: str) -> None:
        self.store, self.queries, self.lang = store, queries, lang
        self._done: dict[str, Table] = {}

    def prefetch(self, names: Iterable[str]) -> None:
        todo = [n for n in dict.fromkeys(names) if n in self.queries and n not in self._done]
        remote = sys.modules.get("cipt_graph.stores.remote")  # imported if the store is one
        if remote is None or not isinstance(self.store, remote.RemoteStore) or len(todo) < 2:
            return
        with ThreadPoolExecutor(REMOTE_PARALLEL, thread_name_prefix="cipt-audit") as pool:
            # Each thread runs in a copy of this context: the audited programme (AUDIT_PROGRAMME).
            futures = {n: pool.submit(contextvars.copy_context().run, _table, self.store, self.queries, n, self.lang)
                       for n in todo}
            for name, future in futures.items():
                self._done[name] = future.result()

    def __call__(self, name: str) -> Table:
        if name not in self._done:
            self._done[name] = _table(self.store, self.queries, name, self.lang)
        return self._done[name]


def _table(store: Store, queries: Mapping[str, NamedQuery], name: str, lang: str) -> Table:
    if name not in queries:
        raise CiptError(f"the audit needs the named query {name!r}, which is missing from the queries folder",
                        fr=f"l'audit a besoin de la requête nommée {name!r}, absente du dossier des requêtes")
    query = queries[name]
    params = report_params(query, lang)
    result = run_query(store, query, params)
    return Table(Source("query", name, params, file=query.path.name), list(result.variables),
                 list(iter_records(result)))


def _localized(value: object, lang: str, fallback: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("fr") or fallback)
    return str(value) if value else fallback


def query_title(query: NamedQuery, lang: str) -> str:
    """A named query's title in ``lang``: its ``#+ title`` header, else the site's title for it
    (the SPARQL page's catalog, ``query.NAME``), else its summary in ``lang``."""
    header = query.header.get("title")
    if isinstance(header, Mapping) and header.get(lang):
        return str(header[lang])
    from ..visualize.i18n import UI

    return str(UI.get(lang, {}).get(f"query.{query.name}") or _localized(header, lang, query.summary_in(lang)))


def check_queries(queries: Mapping[str, NamedQuery]) -> list[NamedQuery]:
    """The named queries tagged ``check``, each with a valid severity.

    Raises:
        CiptError: a check query declares a severity other than violation, warning or info.
    """
    checks = []
    for query in queries.values():
        if CHECK_TAG not in query.tags:
            continue
        severity = str(query.header.get("severity", "warning")).lower()
        if severity not in SEVERITIES:
            raise CiptError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}",
                            where=str(query.path),
                            fr=f"la gravité (severity) doit être l'une de {', '.join(SEVERITIES)}, pas {severity!r}")
        checks.append(query)
    return checks


def _run_check_queries(tables: _Tables, queries: Mapping[str, NamedQuery], lang: str) -> list[Check]:
    out = []
    for query in check_queries(queries):
        table = tables(query.name)
        out.append(Check(table.source, str(query.header.get("severity", "warning")).lower(),
                         query_title(query, lang),
                         _localized(query.header.get("rule"), lang, query.description), table.columns, table.rows))
    return out


def _blocks(tables: _Tables) -> tuple[list[BlockAudit], dict[str, Source]]:
    blocks = tables(BLOCK_QUERY)
    unassessed = tables(ASSESSMENT_QUERY)
    hours = tables(COMPETENCY_HOURS_QUERY)
    matrix = tables(MATRIX_QUERY)
    progression = tables(PROGRESSION_QUERY)
    missing = {str(r["block_code"]) for r in unassessed.rows}
    modules: dict[str, list[dict[str, object]]] = {}
    for row in matrix.rows:
        modules.setdefault(str(row["competency_code"]), []).append(
            {**{k: row[k] for k in ("module_code", "module_label", "period_code", "level_code", "level_rank",
                                    "level_label")},
             "status": "validated" if row.get("status") == "validated" else "proposed"})
    steps = {str(r["competency_code"]): r for r in progression.rows}
    out = []
    for row in blocks.rows:
        block = BlockAudit(str(row["block_code"]), str(row["block_label"]), float(row["hours"] or 0),
                           int(row["competencies"]), int(row["covered_competencies"]), int(row["modules"]),
                           str(row["block_code"]) not in missing)
        for comp in hours.rows:
            if comp["block_code"] != block.block_code:
                continue
            code = str(comp["competency_code"])
            prog = steps.get(code, {})
            block.competency_details.append(CompetencyAudit(
                code, str(comp["competency_label"]), float(comp["hours"] or 0), modules.get(code, []),
                prog.get("max_rank"), prog.get("top_rank"), prog.get("reaches_top"), prog.get("in_order"),
                str(prog.get("steps") or "").split()))  # in period order (the query's ordered_lists)
        out.append(block)
    sources = {"block": blocks.source, "assessed": unassessed.source, "hours": hours.source,
               "modules": matrix.source, "progression": progression.source}
    return out, sources


def build_audit_report(store: Store, *, lang: str = "fr", base_url: str | None = None,
                       queries: Mapping[str, NamedQuery] | None = None,
                       shapes: Sequence[Path] | None = None, programme: str | None = None) -> AuditReport:
    """Run every query and shape the audit needs, and gather their results.

    Args:
        store: the dataset to audit.
        lang: the language of labels and messages (``fr`` or ``en``).
        base_url: the root URL of a running ``cipt serve``; when given, every cited query gets
            links that run it at ``/api/queries/NAME`` and ``/sparql``.
        queries: the named queries (the shipped ``queries/`` folder by default).
        shapes: the SHACL shapes files (the ontology's ``shapes-*.ttl`` by default).
        programme: the programme audited (its code or IRI): every query that takes a programme
            runs for it alone (issue #16); None: the whole dataset.

    Raises:
        CiptError: an unknown language, a missing query, or a check query with a bad severity.
        QueryError: ``programme`` names no programme.
    """
    if lang not in LANGS:
        raise CiptError(f"language must be one of {', '.join(LANGS)}, not {lang!r}",
                        fr=f"la langue doit être l'une de {', '.join(LANGS)}, pas {lang!r}")
    token = AUDIT_PROGRAMME.set(resolve_programme(store, programme).value if programme is not None else None)
    try:
        return _build(store, lang, base_url, queries, shapes)
    finally:
        AUDIT_PROGRAMME.reset(token)


def _build(store: Store, lang: str, base_url: str | None, queries: Mapping[str, NamedQuery] | None,
           shapes: Sequence[Path] | None) -> AuditReport:
    queries = queries if queries is not None else load_queries()
    tables = _Tables(store, queries, lang)
    tables.prefetch([IDENTITY_QUERY, HOURS_QUERY, BLOCK_QUERY, ASSESSMENT_QUERY, COMPETENCY_HOURS_QUERY, MATRIX_QUERY,
                     PROGRESSION_QUERY, MAPPING_QUERY, *(q.name for q in check_queries(queries)), INFERENCE_QUERY,
                     ASSESSMENT_TABLE_QUERY, VERSION_QUERY, SPLIT_QUERY])
    identity = tables(IDENTITY_QUERY)
    hours = tables(HOURS_QUERY)
    blocks, block_sources = _blocks(tables)
    mapping = tables(MAPPING_QUERY)
    shape_files = shapes if shapes is not None else SHAPES_FILES
    query_checks = _run_check_queries(tables, queries, lang)
    programme = AUDIT_PROGRAMME.get()
    part = programme_ntriples(store, programme) if programme is not None else None  # its part of the data
    shape_checks = run_shapes(store, lang, shape_files, programme, part)
    _mark_duplicates(query_checks, shape_checks, queries)
    name_findings(store, shape_checks, lang)
    checks = query_checks + shape_checks
    order = {s: i for i, s in enumerate(SEVERITIES)}
    checks.sort(key=lambda c: (c.passed, order.get(c.severity, 9), c.source.kind != "query", c.source.name))
    inferred = tables(INFERENCE_QUERY)
    assessment = tables(ASSESSMENT_TABLE_QUERY)
    version = tables(VERSION_QUERY)
    split = tables(SPLIT_QUERY)
    evidence = evidence_of(mapping, inferred, assessment, blocks)
    cited = {IDENTITY_QUERY, HOURS_QUERY, MAPPING_QUERY, INFERENCE_QUERY, ASSESSMENT_TABLE_QUERY, VERSION_QUERY, SPLIT_QUERY,
             *(s.name for s in block_sources.values()), *(c.source.name for c in checks if c.source.kind == "query")}
    return AuditReport(
        lang=lang,
        generated_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        base_url=base_url.rstrip("/") if base_url else None,
        identity=identity,
        hours=hours,
        blocks=blocks,
        block_sources=block_sources,
        mapping_status=mapping,
        checks=checks,
        queries=[queries[name] for name in sorted(cited)],
        evidence=evidence,
        verdict=verdict_of(evidence, checks),
        data_version=data_version(store, version, *_digested(store, programme, part)),
        data_status=inferred,
        assessment=assessment,
        hours_split=split,
        programme=AUDIT_PROGRAMME.get(),
    )


_TWO_PROGRAMMES = "PREFIX cipt: <https://w3id.org/cipt-graph/ontology#> SELECT ?p WHERE { ?p a cipt:Programme } LIMIT 2"


def _digested(store: Store, programme: str | None, part: bytes | None) -> tuple[str | None, bytes | None]:
    """The programme whose part of the data the digest is taken from, and that part: the audited
    one; without one, the dataset's only programme, so that the same data gives the same digest
    whether the programme is named or not; None (the whole dataset) with several or none."""
    if programme is not None:
        return programme, part
    from ..store import select

    found = select(store, _TWO_PROGRAMMES).column("p")
    return (found[0].value, None) if len(found) == 1 else (None, None)


def _mark_duplicates(query_checks: list[Check], shape_checks: list[Check], queries: Mapping[str, NamedQuery]) -> None:
    """A shape that a check query names in its ``#+ shape:`` header reports the same findings:
    mark it so that they are counted once. Structural shapes (integrity of the data, no
    accreditation meaning) are marked too, for the report to group them."""
    by_name = {c.source.name: c for c in shape_checks}
    for check in query_checks:
        shape = queries[check.source.name].header.get("shape")
        if shape in by_name:
            by_name[shape].duplicate_of = check.source.name
    for check in shape_checks:
        check.structural = check.duplicate_of is None and check.source.file == "shapes-violations.ttl"
