"""What an audit report holds: figures with their sources, checks with their findings."""

from __future__ import annotations

from contextvars import ContextVar

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pyoxigraph as ox

from .. import __version__
from ..namespaces import CID
from ..queries import NamedQuery

SEVERITIES = ("violation", "warning", "info")


@dataclass(frozen=True)
class Source:
    """What produced a figure: a named query run with parameters, or a SHACL shape.

    Attributes:
        kind: ``query`` or ``shape``.
        name: the query's name (its file name) or the shape's local name.
        params: the parameters the query was run with.
        iri: the shape's IRI (shapes only).
        file: the file holding the query or the shape, relative to its folder.
    """

    kind: str
    name: str
    params: Mapping[str, str] = field(default_factory=dict)
    iri: str | None = None
    file: str | None = None


@dataclass
class Table:
    """The rows of one named query, as the report shows them."""

    source: Source
    columns: list[str]
    rows: list[dict[str, object]]


@dataclass
class CompetencyAudit:
    """One competency: covering modules with their level, hours and progression."""

    competency_code: str
    competency_label: str
    hours: float
    modules: list[dict[str, object]]
    max_rank: int | None = None
    top_rank: int | None = None
    reaches_top: bool | None = None
    in_order: bool | None = None
    steps: list[str] = field(default_factory=list)

    @property
    def max_level(self) -> str | None:
        """The notation of the highest level reached (from the covering modules' rows)."""
        best = max(self.modules, key=lambda m: m.get("level_rank") or 0, default=None)
        return None if best is None else str(best.get("level_code"))


@dataclass
class BlockAudit:
    """One block: the ``hours_per_block`` row, whether it is assessed, and its competencies."""

    block_code: str
    block_label: str
    hours: float
    competencies: int
    covered_competencies: int
    modules: int
    assessed: bool
    competency_details: list[CompetencyAudit] = field(default_factory=list)


@dataclass
class Check:
    """One rule (a check query or a SHACL shape) and the findings it produced.

    Attributes:
        rows: for a query, its offending rows; for a shape, one row per validation result
            (``focus``, ``path``, ``value``, ``message``).
    """

    source: Source
    severity: str
    title: str
    description: str
    columns: list[str]
    rows: list[dict[str, object]]
    duplicate_of: str | None = None
    structural: bool = False

    @property
    def passed(self) -> bool:
        return not self.rows

    @property
    def counted(self) -> bool:
        """False for a shape whose findings a check query already reports (counted once)."""
        return self.duplicate_of is None


@dataclass
class Evidence:
    """The state of the evidence, stated first in the report (issue #14).

    Attributes:
        links, validated, proposed: mapping links (``mapping_status``, kind ``all``).
        inferred_statements: statements built on an inference or a judgement
            (``inferred_statements``, kind ``statement``).
        inferred_resources: resources whose own status is inferred or a judgement.
        blocks, blocks_inferred_assessment: blocks, and those whose every assessment is inferred.
    """

    links: int = 0
    validated: int = 0
    proposed: int = 0
    inferred_statements: int = 0
    inferred_resources: int = 0
    blocks: int = 0
    blocks_inferred_assessment: int = 0

    def percent(self, part: int) -> float:
        return round(100 * part / self.links, 1) if self.links else 0.0


@dataclass
class Verdict:
    """``conforme`` only when the blocking rules hold on validated data; otherwise
    ``provisoire``, with the reasons (each ``{"key": label key, "args": its values}``)."""

    status: str
    reasons: list[dict[str, object]] = field(default_factory=list)


@dataclass
class AuditReport:
    """The whole audit, ready for the HTML, Markdown and JSON renderers."""

    lang: str
    generated_at: str
    base_url: str | None
    identity: Table
    hours: Table
    blocks: list[BlockAudit]
    block_sources: dict[str, Source]
    mapping_status: Table
    checks: list[Check]
    queries: list[NamedQuery]
    version: str = __version__
    evidence: Evidence = field(default_factory=Evidence)
    verdict: Verdict = field(default_factory=lambda: Verdict("provisoire"))
    data_version: dict[str, object] = field(default_factory=dict)
    data_status: Table | None = None
    assessment: Table | None = None
    hours_split: Table | None = None
    #: The IRI of the programme audited (None: the whole dataset).
    programme: str | None = None

    def counts(self) -> dict[str, int]:
        """The number of findings (offending rows and SHACL results) per severity; a finding that
        a check query and a shape both report is counted once (the query's)."""
        counts = dict.fromkeys(SEVERITIES, 0)
        for check in self.checks:
            if check.counted:
                counts[check.severity] = counts.get(check.severity, 0) + len(check.rows)
        return counts

    @property
    def exit_code(self) -> int:
        """1 when any violation was found, else 0 (warnings alone do not fail an audit)."""
        return 1 if self.counts()["violation"] else 0

    def source_of(self, query: NamedQuery) -> Source:
        """The source of a cited query, with the parameters the report ran it with."""
        token = AUDIT_PROGRAMME.set(self.programme)
        try:
            return Source("query", query.name, report_params(query, self.lang), file=query.path.name)
        finally:
            AUDIT_PROGRAMME.reset(token)

    def links(self, source: Source) -> dict[str, str] | None:
        """URLs running a query on the service: ``api`` and ``sparql`` (None without a base URL)."""
        if self.base_url is None or source.kind != "query":
            return None
        query = next((q for q in self.queries if q.name == source.name), None)
        return None if query is None else query_links(self.base_url, query, source.params, lang=self.lang)


def query_links(base_url: str, query: NamedQuery, params: Mapping[str, str],
                lang: str | None = None) -> dict[str, str]:
    """Links that run a named query: ``/api/queries/NAME?…`` and ``/sparql?query=…`` (the SPARQL
    1.1 protocol: results, XML for a browser), and ``page``: the query page with that text in its
    editor (``/sparql?lang=…#query=…``; the fragment never reaches the server), for a person.

    With ``lang`` (``fr``, ``en``), both links carry it: the SPARQL page and the API's messages
    in the report's language.

    The SPARQL link carries the query's own text with its parameters as a ``VALUES`` block at
    the top of the outer ``WHERE``, so that the endpoint returns the same rows.
    """
    base = base_url.rstrip("/")
    api = f"{base}/api/queries/{quote(query.name)}"
    api_params = {**params, **({"lang": lang} if lang and "lang" not in params else {})}
    if api_params:
        api += "?" + urlencode(api_params)
    text = inline_parameters(query, params)
    sparql = {"query": text, **({"lang": lang} if lang else {})}
    page = f"{base}/sparql?" + urlencode({"lang": lang or "fr"}) + "#query=" + quote(text, safe="")
    return {"api": api, "sparql": f"{base}/sparql?" + urlencode(sparql), "page": page}


def inline_parameters(query: NamedQuery, params: Mapping[str, str]) -> str:
    """The query text without its ``#+`` header, parameters given as a ``VALUES`` block."""
    body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#+")).strip() + "\n"
    if not params:
        return body
    terms = []
    for name, value in params.items():
        param = query.param(name)
        if param.kind == "iri":
            terms.append(str(ox.NamedNode(value)))
        elif param.datatype:
            terms.append(str(ox.Literal(value, datatype=ox.NamedNode(param.datatype))))
        else:
            terms.append(str(ox.Literal(value)))
    variables = " ".join(f"?{name}" for name in params)
    values = f"\n  VALUES ({variables}) {{ ({' '.join(terms)}) }}"
    match = re.search(r"^WHERE\s*\{", body, re.M)
    if match is None:
        return body
    return body[: match.end()] + values + body[match.end():]


#: The programme (IRI) an audit is about, set by ``build_audit_report(programme=…)`` (issue #16).
AUDIT_PROGRAMME: ContextVar[str | None] = ContextVar("cipt_audit_programme", default=None)


def report_params(query: NamedQuery, lang: str) -> dict[str, str]:
    """The parameters the report runs a query with: its language, and the audited programme,
    when the query takes them."""
    names = {p.name for p in query.params}
    params = {"lang": lang} if "lang" in names else {}
    programme = AUDIT_PROGRAMME.get()
    if programme is not None and "programme" in names:
        params["programme"] = programme
    return params




def compact(iri: str | None) -> str | None:
    """``cid:module/M01`` for an instance IRI, the IRI itself otherwise."""
    if iri is None:
        return None
    return "cid:" + iri[len(str(CID)):] if iri.startswith(str(CID)) else iri
