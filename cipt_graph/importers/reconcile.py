"""Reconciliation of an official fiche with the programme's own blocks (from the brochure).

Blocks are matched by normalised label (accents, ligatures, case, punctuation and whitespace
ignored). A matched brochure block gets the official code (``cipt:officialCode``), a
``skos:exactMatch`` to the official block, and ``cipt:dataStatus cipt:Official``; the builder
then drops its ``cipt:Inferred`` status (see ``build.load_sources``), so a block never carries
both. Unmatched brochure blocks stay inferred. Within matched blocks, competencies with the same
normalised wording are linked by ``skos:exactMatch``; the others are reported, paired with the
closest wording when there is one.

The result is a generated Turtle file of the workspace (``rncp/reconciliation.ttl``): the
programme data itself (``programme.ttl``) is never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal

from ..build import parse_turtle
from ..namespaces import CIPT, RDF, RDFS, SKOS
from ..text import clean_line
from .competencies import normalise_label
from .fiche import Fiche
from .rncp_graph import block_iri, competency_iri, fiche_iri, turtle_document

#: Two wordings at least this similar (difflib ratio on normalised text) are one competency
#: worded differently rather than two different competencies.
SIMILAR = 0.6


@dataclass
class BrochureCompetency:
    iri: str
    code: str
    label: str


@dataclass
class BrochureBlock:
    """A block of the programme's certification, as the workspace's Turtle files give it."""

    iri: str
    code: str
    label: str
    competencies: list[BrochureCompetency] = field(default_factory=list)


@dataclass
class Reconciliation:
    """What matched between the brochure's blocks and an official fiche's blocks."""

    certification: str
    certification_iri: str
    matched: list[dict] = field(default_factory=list)
    unmatched_brochure: list[dict] = field(default_factory=list)
    unmatched_official: list[dict] = field(default_factory=list)
    competencies_same: list[dict] = field(default_factory=list)
    competencies_differing: list[dict] = field(default_factory=list)
    competencies_only_brochure: list[dict] = field(default_factory=list)
    competencies_only_official: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("certification_iri", "competencies_same")} | {
            "competencies_same": len(self.competencies_same)}


def _fr(graph: Graph, node, prop) -> str:
    values = list(graph.objects(node, prop))
    for v in values:
        if isinstance(v, Literal) and v.language == "fr":
            return str(v)
    return str(values[0]) if values else ""


def programme_certifications(workspace_root: Path) -> dict[str, tuple[str, list[BrochureBlock]]]:
    """The certifications programmes of the workspace award: number → (IRI, blocks with their competencies).

    Only the workspace's own Turtle files (``*.ttl`` at its root) are read: imports are not the brochure.
    """
    graph = Graph()
    for path in sorted(workspace_root.glob("*.ttl")):
        graph += parse_turtle(path)
    out: dict[str, tuple[str, list[BrochureBlock]]] = {}
    for programme in graph.subjects(RDF.type, CIPT.Programme):
        for cert in graph.objects(programme, CIPT.certification):
            number = graph.value(cert, CIPT.rncpNumber)
            if number is None:
                continue
            blocks = []
            for block in graph.objects(cert, CIPT.block):
                b = BrochureBlock(str(block), str(graph.value(block, SKOS.notation) or ""), _fr(graph, block, SKOS.prefLabel))
                for comp in graph.subjects(SKOS.broader, block):
                    b.competencies.append(BrochureCompetency(str(comp), str(graph.value(comp, SKOS.notation) or ""),
                                                             _fr(graph, comp, SKOS.prefLabel)))
                b.competencies.sort(key=lambda c: c.code)
                blocks.append(b)
            blocks.sort(key=lambda b: b.code)
            out[str(number)] = (str(cert), blocks)
    return out


def reconcile(fiche: Fiche, certification_iri: str, blocks: list[BrochureBlock]) -> Reconciliation:
    """Match the official blocks of ``fiche`` to the brochure's ``blocks`` by normalised label."""
    rec = Reconciliation(fiche.number, certification_iri)
    official = {}
    for block in fiche.blocks:
        official.setdefault(normalise_label(block.label), block)
    used: set[str] = set()
    for b in blocks:
        match = official.get(normalise_label(b.label))
        if match is None or match.code in used:
            rec.unmatched_brochure.append({"block": b.code, "label": b.label})
            continue
        used.add(match.code)
        rec.matched.append({"block": b.code, "official_code": match.code, "label": match.label,
                            "iri": b.iri, "official_iri": block_iri(fiche.number, match.code).value})
        _compare_competencies(rec, fiche, b, match)
    rec.unmatched_official = [{"official_code": o.code, "label": o.label} for o in fiche.blocks if o.code not in used]
    return rec


def _compare_competencies(rec: Reconciliation, fiche: Fiche, brochure, official) -> None:
    items = [(i, text, normalise_label(text)) for i, text in enumerate(official.competencies, start=1)]
    left = list(brochure.competencies)
    for comp in list(left):
        norm = normalise_label(comp.label)
        hit = next((it for it in items if it[2] == norm), None)
        if hit is not None:
            rec.competencies_same.append({"competency": comp.code, "iri": comp.iri,
                                          "official_iri": competency_iri(fiche.number, official.code, hit[0]).value})
            items.remove(hit)
            left.remove(comp)
    for comp in left:
        norm = normalise_label(comp.label)
        scored = sorted(((SequenceMatcher(None, norm, it[2]).ratio(), it) for it in items), key=lambda s: -s[0])
        if scored and scored[0][0] >= SIMILAR:
            ratio, it = scored[0]
            items.remove(it)
            rec.competencies_differing.append({"block": brochure.code, "official_code": official.code,
                                               "competency": comp.code, "brochure": comp.label,
                                               "official": it[1], "similarity": round(ratio, 2)})
        else:
            rec.competencies_only_brochure.append({"block": brochure.code, "competency": comp.code, "label": comp.label})
    for _, text, _ in items:
        rec.competencies_only_official.append({"block": brochure.code, "official_code": official.code, "label": text})


def reconciliation_turtle(rec: Reconciliation, source_name: str) -> bytes:
    """The generated reconciliation file: official codes, matches and statuses of matched blocks."""
    T, n = ox.Triple, ox.NamedNode
    source_name = clean_line(source_name)
    note = (f"Code confirmé par la fiche officielle {rec.certification} importée de {source_name}.",
            f"Code confirmed by the official fiche {rec.certification} imported from {source_name}.")
    out = [T(n(rec.certification_iri), n(str(RDFS.seeAlso)), fiche_iri(rec.certification))]
    for m in rec.matched:
        block = n(m["iri"])
        out += [
            T(block, n(str(CIPT.officialCode)), ox.Literal(m["official_code"])),
            T(block, n(str(SKOS.exactMatch)), n(m["official_iri"])),
            T(block, n(str(CIPT.dataStatus)), n(str(CIPT.Official))),
            T(block, n(str(SKOS.changeNote)), ox.Literal(note[0], language="fr")),
            T(block, n(str(SKOS.changeNote)), ox.Literal(note[1], language="en")),
        ]
    for same in rec.competencies_same:
        out.append(T(n(same["iri"]), n(str(SKOS.exactMatch)), n(same["official_iri"])))
    banner = (f"# Reconciliation of the programme's blocks with the official fiche {rec.certification}.\n"
              "# Generated by `cipt import-rncp`: re-import rather than edit. Matched\n"
              "# blocks are cipt:Official here; the builder then ignores their cipt:Inferred status.\n\n")
    return banner.encode("utf-8") + turtle_document(out)
