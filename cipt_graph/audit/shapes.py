"""The SHACL side of the audit: every shape of the ontology folder, run once per data version."""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from ..build import parse_turtle
from ..paths import SHAPES_FILES
from ..store import Store
from ..validate import ValidationReport, memory_store, programme_ntriples, validate_graph
from .model import Check, Source


#: An ontology term written as code (``schema:hasCourse``, ``cipt:declaredHours``).
_CURIE = r"[a-z][\w-]*:[A-Za-z]\w*"
#: A parenthesis of terms only (`` (schema:hasCourse, cipt:hours)``), or terms leading one.
_CODE_GROUP = re.compile(rf"\s*\(({_CURIE}(?:,\s*{_CURIE})*)\)")
_CODE_LEAD = re.compile(rf"\(({_CURIE}(?:,\s*{_CURIE})*),\s*")


def readable_title(description: str) -> tuple[str, str]:
    """A shape's description for people, and the ontology terms it named in code: the
    parentheses of terms (``(schema:hasCourse, cipt:hours)``) leave the title and are returned
    apart (``"schema:hasCourse, cipt:hours"``), for an auditor who wants them."""
    terms: list[str] = []

    def keep(match: re.Match[str], replacement: str) -> str:
        terms.extend(t.strip() for t in match.group(1).split(","))
        return replacement

    title = _CODE_GROUP.sub(lambda m: keep(m, ""), description)
    title = _CODE_LEAD.sub(lambda m: keep(m, "("), title)
    return title, ", ".join(dict.fromkeys(terms))


@dataclass
class ShapeInfo:
    """A SHACL shape of the ontology folder: its IRI, file, severity and description."""

    iri: str
    file: str
    severity: str
    descriptions: dict[str, str]


def load_shape_graphs(files: Sequence[Path] = SHAPES_FILES) -> tuple[Graph, list[ShapeInfo]]:
    """The shapes graph and the list of its named shapes (every shape file of the ontology)."""
    shapes = Graph()
    infos: list[ShapeInfo] = []
    for path in files:
        graph = parse_turtle(path)
        shapes += graph
        for shape in sorted(set(graph.subjects(SH.severity, None)), key=str):
            if not isinstance(shape, URIRef):
                continue
            if not ({SH.NodeShape, SH.PropertyShape} & set(graph.objects(shape, RDF.type))):
                continue
            descriptions = {d.language or "": str(d) for d in graph.objects(shape, SH.description)
                            if isinstance(d, Literal)}
            severity = str(graph.value(shape, SH.severity)).rsplit("#", 1)[-1].lower()
            infos.append(ShapeInfo(str(shape), path.name, severity, descriptions))
    return shapes, infos


def _local_name(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1] or iri


#: Validation results by digest of (data, shapes): SHACL is the slow part of an audit, and a
#: served report is asked for again and again over the same data. A few entries only.
_VALIDATIONS: OrderedDict[str, ValidationReport] = OrderedDict()
_VALIDATIONS_KEPT = 4


def validate_cached(store: Store, shapes: Graph, files: Sequence[Path], programme: str | None = None,
                    data: bytes | None = None) -> ValidationReport:
    """The SHACL validation of the store's data (of one programme's part of it with ``programme``,
    an IRI: :func:`cipt_graph.validate.programme_triples`), reused while data and shapes files are
    unchanged. ``data``: that part as N-Triples, when the caller has it already."""
    if data is None:
        data = programme_ntriples(store, programme) if programme is not None else store.dump(ox.RdfFormat.N_TRIPLES)
    digest = hashlib.sha256(data)
    for path in files:
        digest.update(Path(path).read_bytes())
    key = digest.hexdigest()
    if key in _VALIDATIONS:
        _VALIDATIONS.move_to_end(key)
        return _VALIDATIONS[key]
    report = validate_graph(memory_store(data), shapes)
    _VALIDATIONS[key] = report
    while len(_VALIDATIONS) > _VALIDATIONS_KEPT:
        _VALIDATIONS.popitem(last=False)
    return report


def run_shapes(store: Store, lang: str, files: Sequence[Path], programme: str | None = None,
               data: bytes | None = None) -> list[Check]:
    """The shapes' checks, on the programme's part of the data (``data``, its N-Triples, when
    given) or the whole data."""
    shapes, infos = load_shape_graphs(files)
    report = validate_cached(store, shapes, files, programme, data)
    by_shape: dict[str, list[dict[str, object]]] = {}
    severities: dict[str, str] = {}
    for finding in report.findings:
        by_shape.setdefault(finding.shape, []).append({
            "focus": finding.focus, "path": finding.path, "value": finding.value,
            "message": finding.message(lang),
        })
        severities[finding.shape] = finding.severity.lower()
    checks = []
    for info in infos:
        title, terms = readable_title(info.descriptions.get(lang) or info.descriptions.get("fr") or _local_name(info.iri))
        source = Source("shape", _local_name(info.iri), iri=info.iri, file=info.file)
        checks.append(Check(source, severities.get(info.iri, info.severity), title, terms,
                            ["focus", "path", "value", "message"], by_shape.pop(info.iri, [])))
    for iri, rows in by_shape.items():  # results of shapes without an IRI of their own
        source = Source("shape", _local_name(iri) if iri else "(anonymous)", iri=iri or None)
        checks.append(Check(source, severities[iri], source.name, "", ["focus", "path", "value", "message"], rows))
    return checks


