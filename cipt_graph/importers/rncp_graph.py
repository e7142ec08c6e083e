"""Imported RNCP fiches as RDF: one Turtle document per fiche.

An imported fiche is an official record of the register, kept apart from the programme's own
referential: it is a ``cipt:RncpFiche`` with ``cipt:RncpBlock`` and ``cipt:RncpCompetency``
resources under ``cid:rncp/<number>/…`` (see docs/model.md). Reconciliation
(:mod:`.reconcile`) links the programme's blocks to the official ones.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pyoxigraph as ox

from ..namespaces import CID, CIPT, DCTERMS, PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from ..text import clean_line, iri_segment
from .fiche import Fiche

#: Prefixes written in each fiche's Turtle document.
TURTLE_PREFIXES = {
    "cid": str(CID), "cipt": str(CIPT), "dcterms": str(DCTERMS), "prov": str(PROV),
    "rdfs": str(RDFS), "schema": str(SCHEMA), "skos": str(SKOS), "xsd": str(XSD),
}


#: ``cid:`` as text: our IRIs are made by concatenation, as ``CID[...]`` does, without building an
#: rdflib ``URIRef`` (and its validity check) for each (~2 µs a term, ten terms a fiche).
_CID = str(CID)


def _node(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _cid(path: str) -> ox.NamedNode:
    """``cid:<path>`` (``path`` made of :func:`_segment`s or slugs, so a valid IRI)."""
    return ox.NamedNode(_CID + path)


def _segment(text: str) -> str:
    """A path segment of an IRI: :func:`cipt_graph.text.iri_segment` (the one rule, docs/text.md)."""
    return iri_segment(text)


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens (``Export 2024-02-22.zip`` → ``export-2024-02-22-zip``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def fiche_iri(number: str) -> ox.NamedNode:
    """``cid:rncp/RNCP35625``."""
    return _cid(f"rncp/{_segment(number)}")


def block_iri(number: str, code: str) -> ox.NamedNode:
    """``cid:rncp/RNCP35625/RNCP35625BC01``: a block is keyed by (fiche number, block code)."""
    return _cid(f"rncp/{_segment(number)}/{_segment(code)}")


def competency_iri(number: str, code: str, position: int) -> ox.NamedNode:
    """``cid:rncp/RNCP35625/RNCP35625BC01/C1``: the n-th item of the block's competency list."""
    return _cid(f"rncp/{_segment(number)}/{_segment(code)}/C{position}")


@functools.lru_cache(maxsize=16)
def source_iri(file_name: str) -> ox.NamedNode:
    """``cid:source/rncp-export/<slug of the export's file name>`` (the same for every fiche of
    an export: made once)."""
    return _cid(f"source/rncp-export/{slug(file_name)}")


@functools.lru_cache(maxsize=16)
def _source_title(file_name: str) -> ox.Literal:
    return ox.Literal(clean_line(file_name))


class _Terms:
    """The RDF terms the importer writes, made once (pyoxigraph nodes, not rdflib lookups per triple)."""

    def __init__(self) -> None:
        n = lambda iri: ox.NamedNode(str(iri))  # noqa: E731
        self.type, self.official = n(RDF.type), n(CIPT.Official)
        self.xsd_date, self.xsd_integer, self.xsd_boolean = n(XSD.date), n(XSD.integer), n(XSD.boolean)
        for name in ("RncpFiche", "RncpBlock", "RncpCompetency", "Organization", "rncpNumber", "dataStatus",
                     "qualificationLevel", "ficheState", "active", "registrationType", "registrationDate",
                     "decisionDate", "certificationStartDate", "registrationEndDate", "deliveryEndDate", "replaces",
                     "certifier", "nsfCategory", "ficheBlock", "officialCode", "competencyList", "evaluationModes",
                     "listedCompetency", "position"):
            setattr(self, name, n(CIPT[name]))
        self.pref_label, self.hidden_label = n(SKOS.prefLabel), n(SKOS.hiddenLabel)
        self.source, self.title, self.publisher = n(DCTERMS.source), n(DCTERMS.title), n(DCTERMS.publisher)
        self.entity = n(PROV.Entity)
        self.name, self.identifier, self.category = n(SCHEMA.name), n(SCHEMA.identifier), n(SCHEMA.CategoryCode)
        self.occupation, self.code_value, self.in_code_set = (n(SCHEMA.occupationalCategory), n(SCHEMA.codeValue),
                                                              n(SCHEMA.inCodeSet))
        self.nsf_scheme = n(CID["scheme/nsf"])


_TERMS: _Terms | None = None


def _terms() -> _Terms:
    global _TERMS
    if _TERMS is None:
        _TERMS = _Terms()
    return _TERMS


def fiche_triples(fiche: Fiche, source_name: str) -> list[ox.Triple]:
    """The triples of one fiche: certification facts, certifiers, ROME and NSF codes, blocks
    with their raw and split competency lists and evaluation modes.

    Args:
        fiche: the fiche read from an export.
        source_name: the export's file name, for ``dcterms:source``.
    """
    t, T = _terms(), ox.Triple
    fr = lambda text: ox.Literal(text, language="fr")  # noqa: E731
    date = lambda d: ox.Literal(d.isoformat(), datatype=t.xsd_date)  # noqa: E731
    integer = lambda i: ox.Literal(str(i), datatype=t.xsd_integer)  # noqa: E731
    source = source_iri(source_name)
    f = fiche_iri(fiche.number)
    out = [
        T(source, t.type, t.entity),
        T(source, t.title, _source_title(source_name)),
        T(source, t.publisher, ox.Literal("France Compétences")),
        T(f, t.type, t.RncpFiche),
        T(f, t.rncpNumber, ox.Literal(fiche.number)),
        T(f, t.source, source),
        T(f, t.dataStatus, t.official),
    ]
    if fiche.title:
        out.append(T(f, t.pref_label, fr(fiche.title)))
    if fiche.level is not None:
        out.append(T(f, t.qualificationLevel, integer(fiche.level)))
    if fiche.state:
        out.append(T(f, t.ficheState, fr(fiche.state)))
    if fiche.active is not None:
        out.append(T(f, t.active, ox.Literal("true" if fiche.active else "false", datatype=t.xsd_boolean)))
    if fiche.registration_type:
        out.append(T(f, t.registrationType, fr(fiche.registration_type)))
    for prop, value in ((t.registrationDate, fiche.publication_date), (t.decisionDate, fiche.decision_date),
                        (t.certificationStartDate, fiche.effective_date),
                        (t.registrationEndDate, fiche.registration_end_date),
                        (t.deliveryEndDate, fiche.delivery_end_date)):
        if value is not None:
            out.append(T(f, prop, date(value)))
    for old in fiche.replaces:
        out.append(T(f, t.replaces, fiche_iri(old)))
    for certifier in fiche.certifiers:
        org = _cid(f"org/siret-{certifier.siret}" if (certifier.siret.isascii() and certifier.siret.isdigit()) else f"org/{slug(certifier.name)}")
        out += [T(f, t.certifier, org), T(org, t.type, t.Organization)]
        if certifier.name:
            out.append(T(org, t.name, ox.Literal(certifier.name)))
        if certifier.siret:
            out.append(T(org, t.identifier, ox.Literal(certifier.siret)))
    for code in fiche.rome:
        # An occupation is identified by its ROME code; the label the fiche gives depends on the
        # ROME version current when it was written, so it is kept only as a search label.
        rome = _cid(f"rome/{_segment(code.code)}")
        out += [T(f, t.occupation, rome), T(rome, t.type, t.category), T(rome, t.code_value, ox.Literal(code.code))]
        if code.label:
            out.append(T(rome, t.hidden_label, fr(code.label)))
    for code in fiche.nsf:
        nsf = _cid(f"nsf/{_segment(code.code)}")
        out += [T(f, t.nsfCategory, nsf), T(nsf, t.type, t.category), T(nsf, t.code_value, ox.Literal(code.code)),
                T(nsf, t.in_code_set, t.nsf_scheme)]
        if code.label:
            out.append(T(nsf, t.name, fr(code.label)))
    for block in fiche.blocks:
        b = block_iri(fiche.number, block.code)
        out += [T(f, t.ficheBlock, b), T(b, t.type, t.RncpBlock), T(b, t.officialCode, ox.Literal(block.code)),
                T(b, t.dataStatus, t.official)]
        if block.label:
            out.append(T(b, t.pref_label, fr(block.label)))
        if block.competency_list:
            out.append(T(b, t.competencyList, fr(block.competency_list)))
        if block.evaluation:
            out.append(T(b, t.evaluationModes, fr(block.evaluation)))
        for i, text in enumerate(block.competencies, start=1):
            c = ox.NamedNode(f"{b.value}/C{i}")
            out += [T(b, t.listedCompetency, c), T(c, t.type, t.RncpCompetency), T(c, t.pref_label, fr(text)),
                    T(c, t.position, integer(i))]
    return out


def fiche_turtle(fiche: Fiche, source_name: str, triples: list[ox.Triple] | None = None) -> bytes:
    """The Turtle document of one fiche (deterministic: the same fiche gives the same bytes).

    Every value, the export's file name included, goes in as an RDF term through the serializer:
    no text from the input is pasted into the document (the banner names only the validated
    fiche number).
    """
    banner = (f"# Fiche {fiche.number} imported from France Compétences' export (see dcterms:source)\n"
              "# (Licence Ouverte 2.0). Generated by `cipt import-rncp`: re-import rather than edit.\n\n")
    if triples is None:  # the importer passes the triples it also snapshots (issue #16)
        triples = fiche_triples(fiche, source_name)
    return banner.encode("utf-8") + turtle_document(triples)


def _subject_key(triple: ox.Triple) -> str:
    return str(triple.subject)


def turtle_document(triples: list[ox.Triple]) -> bytes:
    """Triples as Turtle: a sorted prefix block, then one block per subject (sorted by subject,
    predicates in the order given), a blank line between blocks.

    The serializer's output is cut at ``\\n`` only (never ``str.splitlines``, which would also cut
    inside a literal at U+2028, U+0085…); it escapes ``\\n`` and ``\\r`` inside literals itself.

    Our resources (``cid:``, whose paths hold codes from the export) are written as full IRIs,
    never as prefixed names: a code ending in ``.`` gives the local name ``RNCP1BC01\\.``, valid
    Turtle 1.1 (PN_LOCAL_ESC) that rdflib's parser refuses (issue found by a property test).
    """
    ordered = sorted(triples, key=_subject_key)  # stable: predicates stay in the order given
    vocabularies = {p: iri for p, iri in TURTLE_PREFIXES.items() if p != "cid"}
    body = ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=vocabularies) or b""
    # The serializer's prefix order is not guaranteed: write our own, sorted, for stable bytes.
    lines = [line for line in body.decode("utf-8").split("\n") if not line.startswith("@prefix")]
    prefixes = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in sorted(TURTLE_PREFIXES.items()))
    text = "\n".join(line + ("\n" if line.endswith(" .") else "") for line in lines)
    return (prefixes + "\n" + text.rstrip() + "\n").encode("utf-8")
