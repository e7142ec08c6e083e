"""SHACL validation of the dataset with pyshacl: structure and accreditation rules."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from pyshacl.graph_abstraction import DataGraph, OxigraphDataGraph
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH

from .build import parse_turtle
from .paths import SHAPES_FILES
from .store import Store

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Finding:
    """One SHACL validation result."""

    severity: str
    focus: str
    shape: str
    constraint: str
    path: str | None
    value: str | None
    messages: dict[str, str]
    #: The programmes (IRIs) the focus node belongs to, when the data holds several; empty when
    #: it belongs to none (a level, a period) or the data holds one programme.
    programmes: tuple[str, ...] = ()

    def message(self, lang: str = "fr") -> str:
        return self.messages.get(lang) or self.messages.get("") or next(iter(self.messages.values()), "")

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "focus": self.focus,
            "shape": self.shape,
            "constraint": self.constraint,
            "path": self.path,
            "value": self.value,
            "message_fr": self.message("fr"),
            "message_en": self.message("en"),
            **({"programmes": list(self.programmes)} if self.programmes else {}),
        }


@dataclass
class ValidationReport:
    """The findings of one validation run."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Warning"]

    @property
    def conforms(self) -> bool:
        """No finding at all (warnings count: they are accreditation findings)."""
        return not self.findings

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITY_ORDER}


def load_shapes(files: Iterable[Path] = SHAPES_FILES) -> Graph:
    """The shapes graph: every shapes file, parsed."""
    shapes = Graph()
    for path in files:
        shapes += parse_turtle(path)
    return shapes


def store_graph(store: Store) -> Graph:
    """The union of the store's graphs as one rdflib graph (for SHACL and graph work)."""
    graph = Graph()
    graph.parse(data=store.dump(ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def memory_store(triples: bytes | Iterable[ox.Triple]) -> ox.Store:
    """An in-memory Oxigraph store holding ``triples`` (N-Triples bytes, or terms) in its default
    graph: the data graph SHACL validates. pyshacl runs the shapes' SPARQL-based constraints on
    it with Oxigraph (one query per focus node: with an rdflib graph each is parsed again by
    rdflib's pure-Python parser, ~50 ms apiece, which made the audit of one programme take 20 s)."""
    data = ox.Store()
    if isinstance(triples, bytes):
        data.bulk_load(triples, ox.RdfFormat.N_TRIPLES)
    else:
        data.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return data


def _text(graph: Graph, node, prop) -> str | None:
    value = graph.value(node, prop)
    return None if value is None else str(value)


def _message_language(shapes: Graph, shape, message: str) -> str:
    """The language of a result message whose tag pyshacl dropped (it does for SPARQL-based
    constraints, after filling ``{?var}``/``{$this}``): the shape's ``sh:message`` it matches."""
    for template in shapes.objects(shape, SH.message):
        if not (isinstance(template, Literal) and template.language):
            continue
        parts = re.split(r"\{[?$][A-Za-z_][A-Za-z0-9_]*\}", str(template))
        if re.fullmatch(".+?".join(re.escape(part) for part in parts), message, re.S):
            return template.language
    return ""


def _remember_valid_sparql() -> None:
    """Make pyshacl check a SPARQL constraint's text once rather than once per focus node.

    Before each focus node's query, pyshacl checks the constraint's text for forbidden forms
    (MINUS, VALUES, SERVICE, nested SELECT *) with regular expressions that backtrack over the
    whole text: ~4 ms apiece on the shapes' constraints, 1.2 s of a 2.3 s validation of one
    programme. The outcome depends on the text alone (and whether ``$value`` and extra variables
    may be pre-bound): a text found valid is remembered; an invalid one is checked (and refused)
    every time, as before. Does nothing on a pyshacl without that method.
    """
    check = getattr(SPARQLQueryHelper, "check_invalid_sparql", None)
    if check is None or getattr(check, "_cipt_remembered", False):
        return
    valid: set[tuple[object, ...]] = set()

    def remembered(self, sparql_text, valuenode=None, extravars=None):
        key = (sparql_text, valuenode is not None, frozenset(extravars or ()))
        if key not in valid:
            check(self, sparql_text, valuenode=valuenode, extravars=extravars)
            if len(valid) < 1024:
                valid.add(key)
        return True

    remembered._cipt_remembered = True  # type: ignore[attr-defined]
    SPARQLQueryHelper.check_invalid_sparql = remembered


_remember_valid_sparql()


class _OxigraphData(OxigraphDataGraph):
    """pyshacl's Oxigraph data graph, whose truth value is cheap: pyshacl tests it
    (``datagraph or sg``) for every result, and the inherited ``__len__`` runs a COUNT query
    each time (10 ms apiece on one programme's data, 3 s of a 5 s validation)."""

    def __bool__(self) -> bool:
        return len(self.impl) > 0


def validate_graph(data: Graph | ox.Store, shapes: Graph | None = None) -> ValidationReport:
    """Validate a data graph (an rdflib graph, or an Oxigraph store: see :func:`memory_store`)
    against the shapes (both files by default)."""
    shapes = shapes if shapes is not None else load_shapes()
    if isinstance(data, ox.Store):  # a throwaway store: validated in place (no copy)
        data_graph: Graph | DataGraph = _OxigraphData(data)
        inplace = True
    else:
        data_graph, inplace = data, False
    _, results, _ = shacl_validate(
        data_graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, inplace=inplace
    )
    findings = []
    for result in results.subjects(predicate=SH.resultSeverity):
        severity = str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        messages: dict[str, str] = {}
        shape = results.value(result, SH.sourceShape)
        for msg in results.objects(result, SH.resultMessage):
            lang = msg.language if isinstance(msg, Literal) and msg.language else ""
            messages.setdefault(lang or _message_language(shapes, shape, str(msg)), str(msg))
        path = results.value(result, SH.resultPath)
        findings.append(
            Finding(
                severity=severity,
                focus=str(results.value(result, SH.focusNode)),
                shape=str(shape) if isinstance(shape, URIRef) else "",
                constraint=str(results.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                path=str(path) if isinstance(path, URIRef) else None,
                value=_text(results, result, SH.value),
                messages=messages,
            )
        )
    findings.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.shape, f.focus))
    return ValidationReport(findings)


def text_findings(workspace) -> list[Finding]:
    """Warnings for the workspace's Turtle files that hold control characters or unusual line
    separators (raw or ``\\u000B``-style escapes): ``file:line`` and the characters. The graph
    keeps them (docs/text.md); outputs that cannot hold them (XML 1.0, XLSX) show U+FFFD."""
    from .build import read_turtle_bytes
    from .errors import InputError
    from .text import escaped_controls

    findings = []
    for path in sorted(workspace.root.glob("*.ttl")):
        try:
            source = read_turtle_bytes(path).decode("utf-8", "replace")
        except InputError:
            continue
        for line, what in escaped_controls(source):
            findings.append(Finding(
                "Warning", f"{path}:{line}", "docs/text.md", "text-policy", None, what,
                {"fr": f"{path.name}, ligne {line} : caractère de contrôle ou séparateur de ligne inhabituel "
                       f"({what}) ; les exports XML et XLSX l'affichent comme « \ufffd » — remplacez-le",
                 "en": f"{path.name}, line {line}: control character or unusual line separator ({what}); "
                       "XML and XLSX exports show it as U+FFFD — replace it"}))
    return findings


#: What belongs to a programme: itself, its modules, certification, blocks and competencies,
#: the coverage links of its modules, its activities, target jobs and objectives.
#: The resources a programme owns, one UNION branch per kind (?programme → ?r).
_OWNED_BRANCHES = """{ ?r a cipt:Programme . BIND(?r AS ?programme) }
  UNION { ?programme schema:hasCourse ?r . }
  UNION { ?programme cipt:certification ?r . }
  UNION { ?programme cipt:certification ?c . ?r cipt:inCertification ?c . }
  UNION { ?programme cipt:certification ?c . ?b cipt:inCertification ?c . ?r skos:broader ?b . }
  UNION { ?programme schema:hasCourse ?m . ?r cipt:module ?m . }
  UNION { ?programme cipt:activity ?r . }
  UNION { ?programme cipt:targetJob ?r . }
  UNION { ?programme cipt:objective ?r . }"""

_OWNED = """
PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?programme ?r WHERE {
  ?programme a cipt:Programme .
  %s
}
""" % _OWNED_BRANCHES


#: The prefixes of the two forms of the programme's part of the data below.
_PREFIXES = """
PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


#: What one programme owns (the branches of ``_OWNED``, the programme bound), the statements
#: about those resources, one hop further (levels, periods, agents, sources…) and the marks
#: (``rdf:subject``) of inferred statements about them; plus the class hierarchy.
_PROGRAMME_GRAPH_PORTABLE = _PREFIXES + """CONSTRUCT { ?s ?p ?o . } WHERE {
  {
    SELECT DISTINCT ?programme ?r WHERE {
      %s
    }
  }
  { ?r ?p ?o . BIND(?r AS ?s) }
  UNION { ?r ?any ?s . FILTER(!ISLITERAL(?s)) ?s ?p ?o . }
  UNION { ?s rdf:subject ?r ; ?p ?o . }
}
""" % _OWNED_BRANCHES.replace("\n", "\n    ")
#: The same, written for Oxigraph (the embedded store): each branch is a sub-select projecting
#: ?programme, so that the programme's VALUES block is
#: repeated in it (``stores.binding``) and it starts from the programme rather than from every
#: programme's resources; the owned resources are looked up again in each part (5 ms), and the
#: resources one hop further are first made DISTINCT: an engine then looks up each of them once
#: rather than joining every statement of the dataset (0.23 → 0.06 s a programme, 444k quads).
#: Virtuoso 7.2 times out on these nested sub-selects: a remote store gets the portable form.
_OWNED_ONE = "{ SELECT DISTINCT ?programme ?r WHERE {\n      %s\n    } }" % "\n      UNION ".join(
    "{ SELECT ?programme ?r WHERE %s }" % branch
    for branch in ["{ ?programme a cipt:Programme . BIND(?programme AS ?r) }",
                   *(part.strip() for part in _OWNED_BRANCHES.split("UNION ")[1:])])
_PROGRAMME_GRAPH = _PREFIXES + """CONSTRUCT { ?s ?p ?o . } WHERE {
  { %(owned)s
    ?r ?p ?o . BIND(?r AS ?s) }
  UNION { { SELECT DISTINCT ?programme ?s WHERE { %(owned)s
              ?r ?any ?s . FILTER(!ISLITERAL(?s)) } }
          ?s ?p ?o . }
  UNION { %(owned)s
          ?s rdf:subject ?r ; ?p ?o . }
}
""" % {"owned": _OWNED_ONE}
_CLASSES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?c rdfs:subClassOf ?d . } WHERE { ?c rdfs:subClassOf ?d . }
"""


def programme_triples(store: Store, programme: str) -> list[ox.Triple]:
    """One programme's part of the data (see ``_PROGRAMME_GRAPH``), sorted: what the audit of
    one programme validates with SHACL (the whole university would take minutes)."""
    triples: set[ox.Triple] = set()
    bound = {"programme": ox.NamedNode(programme)}
    from .stores.embedded import OxigraphStore

    graph = _PROGRAMME_GRAPH if isinstance(store, OxigraphStore) else _PROGRAMME_GRAPH_PORTABLE
    for text, subs in ((graph, bound), (_CLASSES, None)):
        triples.update(store.raw_query(text, substitutions=subs))
    return sorted(triples, key=str)


def programme_ntriples(store: Store, programme: str) -> bytes:
    """:func:`programme_triples` as N-Triples (one line each, sorted)."""
    return ox.serialize(programme_triples(store, programme), format=ox.RdfFormat.N_TRIPLES) or b""


def programme_graph(store: Store, programme: str) -> Graph:
    """:func:`programme_triples` as an rdflib graph."""
    graph = Graph()
    graph.parse(data=ox.serialize(programme_triples(store, programme), format=ox.RdfFormat.N_TRIPLES) or b"",
                format="nt")
    return graph


def programme_owners(store: Store, resources: Iterable[str] | None = None) -> dict[str, set[str]]:
    """Resource IRI → the IRIs of the programmes it belongs to (see ``_OWNED``); with
    ``resources``, only those (a VALUES block: cheap at university scale)."""
    from .store import select

    text = _OWNED
    if resources is not None:
        iris = sorted({r for r in resources if r.startswith(("http://", "https://", "urn:"))
                       and not any(c in r for c in '<>" {}|^`\\')})
        if not iris:
            return {}
        # the resources in each branch (one VALUES block before all of them: 7 s at university
        # scale, Oxigraph starting from every programme; in each: 10 ms)
        values = "VALUES ?r { %s }" % " ".join(f"<{i}>" for i in iris)
        text = _PREFIXES + "SELECT DISTINCT ?programme ?r WHERE {\n  %s\n}" % "\n  UNION ".join(
            "{ %s %s ?programme a cipt:Programme . }" % (values, branch.strip()[1:-1].strip())
            for branch in _OWNED_BRANCHES.split("UNION "))
    owners: dict[str, set[str]] = {}
    for programme, resource in select(store, text).rows:
        owners.setdefault(resource.value, set()).add(programme.value)
    return owners


_TWO_PROGRAMMES = """
PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>
SELECT ?p WHERE { ?p a cipt:Programme . } LIMIT 2
"""


def validate_store(store: Store, programme: str | None = None, data: bytes | None = None) -> ValidationReport:
    """Validate the dataset of a store, or one programme's part of it.

    Args:
        store: the data.
        programme: a programme's IRI, or None for the whole dataset. With a programme, the shapes
            run on that programme's part of the data only (:func:`programme_triples`, the part the
            audit of one programme validates: seconds at university scale where the whole
            dataset takes minutes), and the findings kept are those about that programme's
            resources and about resources no programme owns (levels, periods…) that the part
            reaches. A rule looking across programmes (the same code in two of them) is
            therefore only seen by the whole-dataset run.
        data: that part as N-Triples, when the caller has it already.

    With several programmes in the data, each finding names the programmes its focus node
    belongs to (:attr:`Finding.programmes`).
    """
    from dataclasses import replace

    from .store import select

    if programme is None:
        report = validate_graph(memory_store(store.dump(ox.RdfFormat.N_TRIPLES)))
        owners = programme_owners(store)
        if len({p for ps in owners.values() for p in ps}) <= 1:
            return report
    else:
        report = validate_graph(memory_store(data if data is not None else programme_ntriples(store, programme)))
        if len(select(store, _TWO_PROGRAMMES).rows) <= 1:
            return report
        owners = programme_owners(store, {f.focus for f in report.findings})
    named = [replace(f, programmes=tuple(sorted(owners.get(f.focus, ())))) for f in report.findings]
    if programme is not None:
        named = [f for f in named if not f.programmes or programme in f.programmes]
    return ValidationReport(named)
