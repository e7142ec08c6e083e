"""Europass / European Learning Model (ELM 3): the qualification as JSON-LD.

Model followed: ELM 3 (``http://data.europa.eu/snb/model/elm/``) and its *Learning
Opportunities and Qualifications* application profile (the ``LOQ`` SHACL constraints): an
``elm:Qualification`` has a ``dc:title`` (one per language), an ``elm:EQFLevel`` (exactly one
EQF concept), at least one ``elm:NQFLevel``, at least one ``elm:ISCEDFCode``, at least one
``elm:learningOutcome`` (an ``elm:LearningOutcome`` with a ``dc:title``), at most one
``elm:volumeOfLearning`` (``xsd:duration``); shapes are closed.

What we write: the diploma (the RNCP certification: title, RNCP number as an
``elm:Identifier``, EQF level 7, the French national level 7, ISCED-F 0312 *Political sciences
and civics*, French as language, the programme's declared volume ``PT487H``, an
``elm:AwardingOpportunity`` whose awarding body is the university, in France) with its blocks as
partial qualifications (``elm:hasPart``, ``elm:isPartialQualification true``), each with its
competencies as learning outcomes. The French national framework has no published concept IRI we
can cite offline, so its level is a concept of our own (``cid:scheme/nqf-fr``), labelled.
The document carries its own ``@context`` (ELM term names mapped to ELM IRIs), so it expands
without fetching anything.
"""

from __future__ import annotations

from ..namespaces import CID
from .referential import Item, Referential

ELM = "http://data.europa.eu/snb/model/elm/"
EQF = "http://data.europa.eu/snb/eqf/"
ISCED = "http://data.europa.eu/snb/isced-f/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
ISCED_POLITICS = ("0312", "Sciences politiques et éducation civique", "Political sciences and civics")

CONTEXT = {
    "@version": 1.1,
    "elm": ELM, "dc": "http://purl.org/dc/terms/", "skos": "http://www.w3.org/2004/02/skos/core#",
    "adms": "http://www.w3.org/ns/adms#", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "id": "@id", "type": "@type",
    "Qualification": "elm:Qualification", "LearningOutcome": "elm:LearningOutcome",
    "Identifier": "elm:Identifier", "Concept": "skos:Concept", "ConceptScheme": "skos:ConceptScheme",
    "title": {"@id": "dc:title", "@container": "@language"},
    "description": {"@id": "dc:description", "@container": "@language"},
    "prefLabel": {"@id": "skos:prefLabel", "@container": "@language"},
    "identifier": {"@id": "adms:identifier"},
    "notation": {"@id": "skos:notation"},
    "schemeName": {"@id": "elm:schemeName"},
    "inScheme": {"@id": "skos:inScheme"},
    "EQFLevel": {"@id": "elm:EQFLevel"},
    "NQFLevel": {"@id": "elm:NQFLevel"},
    "ISCEDFCode": {"@id": "elm:ISCEDFCode"},
    "language": {"@id": "dc:language"},
    "volumeOfLearning": {"@id": "elm:volumeOfLearning", "@type": "xsd:duration"},
    "learningOutcome": {"@id": "elm:learningOutcome"},
    "hasPart": {"@id": "elm:hasPart"},
    "isPartialQualification": {"@id": "elm:isPartialQualification", "@type": "xsd:boolean"},
    "AwardingOpportunity": "elm:AwardingOpportunity", "Organisation": "elm:Organisation",
    "Location": "dc:Location", "Address": "elm:Address",
    "awardingOpportunity": {"@id": "elm:awardingOpportunity"},
    "awardingBody": {"@id": "elm:awardingBody"},
    "learningAchievementSpecification": {"@id": "elm:learningAchievementSpecification", "@type": "@id"},
    "legalName": {"@id": "http://www.w3.org/ns/regorg#legalName", "@container": "@language"},
    "location": {"@id": "elm:location"},
    "address": {"@id": "elm:address"},
    "countryCode": {"@id": "elm:countryCode"},
}
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/"


def _concept(iri: str, fr: str, en: str, scheme: str, scheme_fr: str, scheme_en: str, notation: str | None = None) -> dict:
    out = {"id": iri, "type": "Concept", "prefLabel": {"fr": fr, "en": en},
           "inScheme": {"id": scheme, "type": "ConceptScheme", "prefLabel": {"fr": scheme_fr, "en": scheme_en}}}
    if notation:
        out["notation"] = notation
    return out


def _identifier(value: str, scheme: str) -> dict:
    return {"type": "Identifier", "notation": value, "schemeName": scheme}


def build_qualification(ref: Referential) -> dict:
    """The ELM JSON-LD document (a JSON-ready dict) of the programme's certification."""
    level = ref.qualification_level or 7
    eqf = _concept(f"{EQF}{level}", f"Niveau {level} du CEC", f"EQF level {level}", f"{EQF}25831c2",
                   "Cadre européen des certifications", "European Qualifications Framework", str(level))
    nqf = _concept(str(CID[f"scheme/nqf-fr/{level}"]), f"Niveau {level} (cadre national des certifications professionnelles)",
                   f"Level {level} (French national qualifications framework)", str(CID["scheme/nqf-fr"]),
                   "Cadre national des certifications professionnelles", "French national qualifications framework", str(level))
    isced = _concept(f"{ISCED}{ISCED_POLITICS[0]}", ISCED_POLITICS[1], ISCED_POLITICS[2], f"{ISCED}25831c2",
                     "CITE-F 2013", "ISCED-F 2013", ISCED_POLITICS[0])
    french = _concept(f"{EU_LANGUAGE}FRA", "français", "French", EU_LANGUAGE[:-1], "Langues", "Languages", "FRA")
    common = {"EQFLevel": eqf, "NQFLevel": [nqf], "ISCEDFCode": [isced], "language": [french]}

    def outcome(item: Item) -> dict:
        return {"id": item.iri, "type": "LearningOutcome", "title": {"fr": item.label_fr, "en": item.label_en},
                "identifier": [_identifier(item.code, "cipt-graph")]}

    parts = []
    for block in ref.blocks:
        part = {"id": block.iri, "type": "Qualification", "title": {"fr": block.label_fr, "en": block.label_en},
                "identifier": [_identifier(block.official_code or f"{ref.rncp_number}{block.code}", "RNCP")],
                "isPartialQualification": True,
                "learningOutcome": [outcome(c) for c in ref.competencies_of(block.iri)], **common}
        parts.append(part)
    qualification = {
        "id": ref.certification, "type": "Qualification",
        "title": {"fr": ref.title_fr, "en": ref.title_en},
        "description": {"fr": ref.programme_fr, "en": ref.programme_en},
        "identifier": [_identifier(ref.rncp_number, "RNCP")],
        "isPartialQualification": False,
        "learningOutcome": [outcome(c) for c in ref.items if c.kind == "competency"],
        "hasPart": parts, **common,
    }
    if ref.declared_hours:
        qualification["volumeOfLearning"] = f"PT{ref.declared_hours}H"
    if ref.provider:
        france = {"type": "Location", "address": [{"type": "Address", "countryCode": _concept(
            f"{EU_COUNTRY}FRA", "France", "France", EU_COUNTRY[:-1], "Pays", "Countries", "FRA")}]}
        qualification["awardingOpportunity"] = [{
            "type": "AwardingOpportunity", "learningAchievementSpecification": ref.certification,
            "awardingBody": [{"type": "Organisation", "legalName": {"fr": ref.provider}, "location": [france]}],
            "location": france}]
    return {"@context": CONTEXT, **qualification}
