"""1EdTech CASE 1.0: the referential as a CFPackage, and a reader that turns one back into RDF.

Spec followed: *Competencies and Academic Standards Exchange (CASE) Service Version 1.0*, its
information model and REST/JSON binding (CFPackage, CFDocument, CFItem, CFAssociation,
CFDefinitions; base path ``/ims/case/v1p0``). Mapping:

- the certification → the ``CFDocument`` (``uri`` = its IRI, ``creator`` = the certifier,
  ``publisher`` = the university, ``officialSourceURL`` = its France Compétences page);
- each block and competency → a ``CFItem`` (``humanCodingScheme`` = its code, ``fullStatement``
  in the package language, ``alternativeLabel`` = the other language, ``CFItemType``
  ``Bloc de compétences`` / ``Compétence``, ``uri`` = its IRI);
- hierarchy → ``isChildOf`` associations (block → document, competency → block), with
  ``sequenceNumber`` the order of the referential;
- a block's ``skos:exactMatch`` to an official RNCP block → ``exactMatchOf`` (destination the
  official block's IRI);
- each module → competency link → ``isRelatedTo`` from the competency to the module (an
  external node: its IRI and label), grouped by level: one ``CFAssociationGrouping`` per level of
  the scale (I, R, M), so the level travels with the link.

Every ``identifier`` is :func:`uuid_for` of the IRI (associations: of the relation), so packages
are stable across exports. ``lastChangeDateTime`` is the certification's registration date.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox

from ..errors import InputError
from ..namespaces import CIPT, RDF, SKOS
from .ids import uuid_for, uuid_for_link
from .referential import Item, Referential

ITEM_TYPES = {"block": ("Bloc de compétences", "Competency block"), "competency": ("Compétence", "Competency")}
TYPE_IRIS = {"block": str(CIPT.CompetencyBlock), "competency": str(CIPT.Competency)}
GROUPING_PREFIX = "urn:cipt-graph:coverage-level:"


def _when(ref: Referential) -> str:
    return f"{ref.registration_date or '1970-01-01'}T00:00:00+00:00"


def _link(title: str, identifier: str, uri: str) -> dict:
    return {"title": title, "identifier": identifier, "uri": uri}


def _official_page(ref: Referential) -> str | None:
    digits = ref.rncp_number.removeprefix("RNCP")
    return f"https://www.francecompetences.fr/recherche/rncp/{digits}/" if digits.isdigit() else None


def build_package(ref: Referential, lang: str = "fr") -> dict:
    """The CFPackage (a JSON-ready dict) of ``ref``; ``lang`` (fr|en) is the main language."""
    other = "en" if lang == "fr" else "fr"
    when = _when(ref)
    doc_id = uuid_for(ref.certification)
    title = ref.title_fr if lang == "fr" else ref.title_en
    doc_link = _link(title, doc_id, ref.certification)
    document = {
        "identifier": doc_id, "uri": ref.certification, "creator": ref.certifier or ref.provider, "title": title,
        "lastChangeDateTime": when, "publisher": ref.provider,
        "description": ref.programme_fr if lang == "fr" else ref.programme_en,
        "language": lang, "adoptionStatus": "Adopted", "version": ref.rncp_number,
        "notes": ("alternativeLabel : texte en anglais (en)" if lang == "fr" else "alternativeLabel: French text (fr)"),
    }
    if ref.registration_date:
        document["statusStartDate"] = ref.registration_date
    if page := _official_page(ref):
        document["officialSourceURL"] = page
    types = {k: _link(v[0] if lang == "fr" else v[1], uuid_for(TYPE_IRIS[k]), TYPE_IRIS[k]) for k, v in ITEM_TYPES.items()}
    label = {i.iri: (i.label_fr if lang == "fr" else i.label_en) for i in ref.items}
    items = []
    for item in ref.items:
        text, alt = (item.label_fr, item.label_en) if lang == "fr" else (item.label_en, item.label_fr)
        cf = {"identifier": uuid_for(item.iri), "fullStatement": text, "alternativeLabel": alt,
              "CFItemType": types[item.kind]["title"], "CFItemTypeURI": types[item.kind], "uri": item.iri,
              "humanCodingScheme": item.code, "language": lang, "lastChangeDateTime": when}
        if item.official_code:
            cf["abbreviatedStatement"] = item.official_code
        items.append(cf)
    groupings = {lv.code: {"identifier": uuid_for(GROUPING_PREFIX + lv.iri), "uri": lv.iri,
                           "title": f"{lv.label_fr if lang == 'fr' else lv.label_en} ({lv.code})",
                           "description": f"cipt:level {lv.code} (rank {lv.rank})", "lastChangeDateTime": when}
                 for lv in ref.levels}
    associations = []

    def associate(kind: str, origin: dict, destination: dict, sequence: int | None = None, grouping: dict | None = None):
        ident = uuid_for_link(kind + (f"/{grouping['uri']}" if grouping else ""), origin["uri"], destination["uri"])
        a = {"identifier": ident, "associationType": kind, "uri": f"urn:uuid:{ident}", "originNodeURI": origin,
             "destinationNodeURI": destination, "lastChangeDateTime": when}
        if sequence is not None:
            a["sequenceNumber"] = sequence
        if grouping:
            a["CFAssociationGroupingURI"] = _link(grouping["title"], grouping["identifier"], grouping["uri"])
        associations.append(a)

    node = {i.iri: _link(label[i.iri], uuid_for(i.iri), i.iri) for i in ref.items}
    seq: dict[str, int] = {}
    for item in ref.items:
        parent = doc_link if item.kind == "block" else node[item.parent]
        seq[item.parent] = seq.get(item.parent, 0) + 1
        associate("isChildOf", node[item.iri], parent, seq[item.parent])
        for official, code in item.exact_matches:
            associate("exactMatchOf", node[item.iri], _link(code or official, uuid_for(official), official))
    for link in ref.links:
        if link.competency in node:
            associate("isRelatedTo", node[link.competency], _link(f"{link.module_code} {link.module_label}",
                      uuid_for(link.module), link.module), grouping=groupings.get(link.level_code))
    return {
        "CFDocument": document, "CFItems": items, "CFAssociations": associations,
        "CFDefinitions": {"CFItemTypes": [{"identifier": t["identifier"], "uri": t["uri"], "title": t["title"],
                                           "description": t["title"], "hierarchyCode": k, "lastChangeDateTime": when}
                                          for k, t in types.items()],
                          "CFAssociationGroupings": list(groupings.values())},
    }


def alone(package: Mapping, kind: str, obj: Mapping) -> dict:
    """A package object as the REST binding returns it on its own: a ``CFDocument`` with its
    ``CFPackageURI``, a ``CFItem`` or ``CFAssociation`` with its ``CFDocumentURI``."""
    doc = package["CFDocument"]
    link = _link(doc["title"], doc["identifier"], doc["uri"])
    return {**obj, "CFPackageURI" if kind == "CFDocument" else "CFDocumentURI": link}


# --- reading a package back -------------------------------------------------------------------

def _need(obj: Mapping, key: str, where: str):
    if not isinstance(obj, Mapping) or key not in obj:
        raise InputError(f"missing {key!r}", where=where, fr=f"{key!r} manque")
    return obj[key]


def read_package(package: Mapping) -> list[ox.Triple]:
    """The referential a CFPackage describes, as RDF in the project's vocabulary.

    Blocks are the items that are ``isChildOf`` the document, competencies the items that are
    ``isChildOf`` a block; codes from ``humanCodingScheme``, labels from ``fullStatement`` (in the
    item's ``language``) and ``alternativeLabel`` (the other of fr/en); IRIs from ``uri``;
    ``exactMatchOf`` → ``skos:exactMatch``; ``isRelatedTo`` grouped by a level →
    ``cipt:coversCompetency`` from the module, with the level in a ``cipt:CompetencyCoverage``.

    Raises:
        InputError: a required field is missing or an association points at an unknown item
            (the message names the JSON path).
    """
    doc = _need(package, "CFDocument", "$")
    cert = ox.NamedNode(_need(doc, "uri", "$.CFDocument"))
    doc_id = _need(doc, "identifier", "$.CFDocument")
    by_id: dict[str, Mapping] = {}
    for n, item in enumerate(package.get("CFItems", [])):
        by_id[_need(item, "identifier", f"$.CFItems[{n}]")] = item
    T, lit = ox.Triple, ox.Literal
    out = [T(cert, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(CIPT.Certification)))]
    kinds: dict[str, str] = {}
    parents: dict[str, str] = {}
    related, matches = [], []
    for n, a in enumerate(package.get("CFAssociations", [])):
        where = f"$.CFAssociations[{n}]"
        kind = _need(a, "associationType", where)
        origin = _need(_need(a, "originNodeURI", where), "identifier", where + ".originNodeURI")
        dest = _need(a, "destinationNodeURI", where)
        if kind == "isChildOf":
            if origin not in by_id:
                raise InputError(f"origin {origin} is not an item of the package", where=where,
                                 fr=f"l'origine {origin} n'est pas un élément (CFItem) du paquet")
            parents[origin] = dest["identifier"]
        elif kind == "exactMatchOf":
            matches.append((origin, dest["uri"]))
        elif kind == "isRelatedTo" and a.get("CFAssociationGroupingURI"):
            related.append((origin, dest, a["CFAssociationGroupingURI"]))
    for ident, parent in parents.items():
        kinds[ident] = "block" if parent == doc_id else "competency"
    for ident, kind in kinds.items():
        item = by_id[ident]
        iri = ox.NamedNode(item["uri"])
        lang = item.get("language", "fr")
        other = "en" if lang == "fr" else "fr"
        out += [T(iri, ox.NamedNode(str(RDF.type)), ox.NamedNode(TYPE_IRIS[kind])),
                T(iri, ox.NamedNode(str(SKOS.notation)), lit(item["humanCodingScheme"])),
                T(iri, ox.NamedNode(str(SKOS.prefLabel)), lit(item["fullStatement"], language=lang))]
        if item.get("alternativeLabel"):
            out.append(T(iri, ox.NamedNode(str(SKOS.prefLabel)), lit(item["alternativeLabel"], language=other)))
        if item.get("abbreviatedStatement"):
            out.append(T(iri, ox.NamedNode(str(CIPT.officialCode)), lit(item["abbreviatedStatement"])))
        if kind == "block":
            out.append(T(iri, ox.NamedNode(str(CIPT.inCertification)), cert))
        else:
            parent = by_id.get(parents[ident])
            if parent is None:
                raise InputError(f"parent {parents[ident]} of {ident} is not an item of the package", where="$.CFAssociations",
                                 fr=f"le parent {parents[ident]} de {ident} n'est pas un élément (CFItem) du paquet")
            out.append(T(iri, ox.NamedNode(str(SKOS.broader)), ox.NamedNode(parent["uri"])))
    for origin, official in matches:
        out.append(T(ox.NamedNode(by_id[origin]["uri"]), ox.NamedNode(str(SKOS.exactMatch)), ox.NamedNode(official)))
    for origin, module, grouping in related:
        comp, mod = ox.NamedNode(by_id[origin]["uri"]), ox.NamedNode(module["uri"])
        node = ox.NamedNode(f"{module['uri']}--case-{origin}")
        out += [T(mod, ox.NamedNode(str(CIPT.coversCompetency)), comp),
                T(node, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(CIPT.CompetencyCoverage))),
                T(node, ox.NamedNode(str(CIPT.module)), mod), T(node, ox.NamedNode(str(CIPT.competency)), comp),
                T(node, ox.NamedNode(str(CIPT.level)), ox.NamedNode(grouping["uri"]))]
    return out
