"""Names and values of the resource pages, for people: other vocabularies' terms, literals, one fact once.

The ontology names its own terms (``cipt:hours`` → « Heures »); :data:`TERM_LABELS` names the
terms of the other vocabularies the graph (and a workspace's versions) use, in French and English.
:func:`literal_text` writes a literal as people read it — durations by Babel's CLDR units
(``P1Y`` → « 1 an », ``PT20H`` → « 20 h »), dates and numbers in the locale, booleans « oui/non »,
percentages « 75 % ». :data:`SAME_FACT` groups the properties that state one fact in two
vocabularies (``cipt:hours`` and ``schema:timeRequired``): a page shows such a fact once.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from babel.lists import format_list
from babel.units import format_unit

from .. import i18n
from ..namespaces import CIPT, DCTERMS, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from ..visualize.i18n import tr

_S = str


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


#: Names of the terms of other vocabularies the graph uses (the ontology names its own).
TERM_LABELS: dict[str, dict[str, str]] = {
    _S(RDF.type): _t("Type", "Type"),
    _S(RDF.subject): _t("Sujet de l'énoncé", "Statement subject"),
    _S(RDF.predicate): _t("Propriété de l'énoncé", "Statement property"),
    _S(RDF.object): _t("Valeur de l'énoncé", "Statement value"),
    _S(RDF.Statement): _t("Énoncé", "Statement"),
    _S(RDFS.label): _t("Libellé", "Label"),
    _S(RDFS.comment): _t("Commentaire", "Comment"),
    _S(RDFS.subClassOf): _t("Sous-classe de", "Subclass of"),
    _S(RDFS.subPropertyOf): _t("Sous-propriété de", "Subproperty of"),
    _S(RDFS.domain): _t("Domaine", "Domain"),
    _S(RDFS.range): _t("Portée", "Range"),
    _S(RDFS.seeAlso): _t("Voir aussi", "See also"),
    _S(SKOS.prefLabel): _t("Libellé", "Label"),
    _S(SKOS.altLabel): _t("Autre libellé", "Other label"),
    _S(SKOS.notation): _t("Code", "Code"),
    _S(SKOS.definition): _t("Définition", "Definition"),
    _S(SKOS.broader): _t("Fait partie de", "Part of"),
    _S(SKOS.narrower): _t("Comprend", "Includes"),
    _S(SKOS.inScheme): _t("Référentiel", "Scheme"),
    _S(SKOS.hasTopConcept): _t("Premier niveau", "Top concept"),
    _S(SKOS.topConceptOf): _t("Premier niveau de", "Top concept of"),
    _S(SKOS.scopeNote): _t("Note d'usage", "Scope note"),
    _S(SKOS.note): _t("Note", "Note"),
    _S(SKOS.editorialNote): _t("Note éditoriale", "Editorial note"),
    _S(SKOS.changeNote): _t("Note de modification", "Change note"),
    _S(SKOS.historyNote): _t("Historique", "History note"),
    _S(SKOS.closeMatch): _t("Correspondance proche", "Close match"),
    _S(SKOS.exactMatch): _t("Correspondance exacte", "Exact match"),
    _S(SKOS.broadMatch): _t("Correspondance plus large", "Broader match"),
    _S(SKOS.narrowMatch): _t("Correspondance plus étroite", "Narrower match"),
    _S(SKOS.relatedMatch): _t("Correspondance associée", "Related match"),
    _S(SKOS.related): _t("Voir aussi", "Related"),
    _S(SKOS.Concept): _t("Concept", "Concept"),
    _S(SKOS.ConceptScheme): _t("Référentiel", "Concept scheme"),
    _S(SKOS.Collection): _t("Collection", "Collection"),
    _S(SCHEMA.timeRequired): _t("Volume horaire", "Teaching hours"),
    _S(SCHEMA.timeToComplete): _t("Durée de la formation", "Time to complete"),
    _S(SCHEMA.courseCode): _t("Code du cours", "Course code"),
    _S(SCHEMA.hasCourse): _t("Comprend le cours", "Has course"),
    _S(SCHEMA.name): _t("Nom", "Name"),
    _S(SCHEMA.description): _t("Description", "Description"),
    _S(SCHEMA.url): _t("Adresse web", "Web address"),
    _S(SCHEMA.provider): _t("Établissement", "Provider"),
    _S(SCHEMA.educationalCredentialAwarded): _t("Diplôme délivré", "Credential awarded"),
    _S(SCHEMA.occupationalCategory): _t("Catégorie professionnelle", "Occupational category"),
    _S(SCHEMA.identifier): _t("Identifiant", "Identifier"),
    _S(SCHEMA.codeValue): _t("Code", "Code"),
    _S(SCHEMA.inCodeSet): _t("Nomenclature", "Code set"),
    _S(SCHEMA.hasCategoryCode): _t("Comprend le code", "Has code"),
    _S(SCHEMA.CategoryCode): _t("Code de nomenclature", "Category code"),
    _S(SCHEMA.CategoryCodeSet): _t("Nomenclature", "Category code set"),
    _S(SCHEMA.CreativeWork): _t("Document", "Document"),
    _S(SCHEMA.PostalAddress): _t("Adresse postale", "Postal address"),
    _S(SCHEMA.address): _t("Adresse", "Address"),
    _S(SCHEMA.streetAddress): _t("Rue", "Street"),
    _S(SCHEMA.postalCode): _t("Code postal", "Postal code"),
    _S(SCHEMA.addressLocality): _t("Ville", "Locality"),
    _S(SCHEMA.addressCountry): _t("Pays", "Country"),
    _S(SCHEMA.contactPoint): _t("Contact", "Contact point"),
    _S(SCHEMA.contactType): _t("Type de contact", "Contact type"),
    _S(SCHEMA.email): _t("Courriel", "Email"),
    _S(SCHEMA.telephone): _t("Téléphone", "Telephone"),
    _S(SCHEMA.jobTitle): _t("Fonction", "Job title"),
    _S(SCHEMA.worksFor): _t("Employeur", "Works for"),
    _S(SCHEMA.parentOrganization): _t("Organisation de rattachement", "Parent organization"),
    _S(SCHEMA.startDate): _t("Date de début", "Start date"),
    _S(SCHEMA.endDate): _t("Date de fin", "End date"),
    _S(SCHEMA.Person): _t("Personne", "Person"),
    _S(SCHEMA.Organization): _t("Organisation", "Organization"),
    _S(DCTERMS.source): _t("Source", "Source"),
    _S(DCTERMS.title): _t("Titre", "Title"),
    _S(DCTERMS.description): _t("Description", "Description"),
    _S(DCTERMS.created): _t("Créé le", "Created"),
    _S(DCTERMS.modified): _t("Modifié le", "Modified"),
    _S(DCTERMS.issued): _t("Publié le", "Issued"),
    _S(DCTERMS.identifier): _t("Identifiant", "Identifier"),
    _S(DCTERMS.isPartOf): _t("Fait partie de", "Part of"),
    _S(DCTERMS.hasPart): _t("Comprend", "Has part"),
    _S(DCTERMS.publisher): _t("Éditeur", "Publisher"),
    _S(DCTERMS.creator): _t("Auteur", "Creator"),
    _S(DCTERMS.license): _t("Licence", "License"),
    _S(DCTERMS.subject): _t("Sujet", "Subject"),
    _S(DCTERMS.type): _t("Nature", "Kind"),
    _S(DCTERMS.conformsTo): _t("Conforme à", "Conforms to"),
    _S(PROV.generatedAtTime): _t("Établi le", "Generated on"),
    _S(PROV.wasAttributedTo): _t("Attribué à", "Attributed to"),
    _S(PROV.wasDerivedFrom): _t("Dérivé de", "Derived from"),
    _S(PROV.wasGeneratedBy): _t("Produit par", "Generated by"),
    _S(PROV.wasRevisionOf): _t("Révision de", "Revision of"),
    _S(PROV.specializationOf): _t("Version de", "Specialization of"),
    _S(PROV.atLocation): _t("Emplacement", "Location"),
    # Used by a link's validation (cipt:Validation) alone: named as its parts read there.
    _S(PROV.wasAssociatedWith): _t("Réalisée par", "Carried out by"),
    _S(PROV.endedAtTime): _t("Date et heure", "Date and time"),
    _S(PROV.wasInfluencedBy): _t("Influencé par", "Influenced by"),
    _S(PROV.Agent): _t("Auteur", "Agent"),
    _S(PROV.Entity): _t("Document source", "Source entity"),
    _S(PROV.Bundle): _t("Enregistrement de provenance", "Provenance record"),
    _S(PROV.Activity): _t("Opération", "Activity"),
    _S(OWL.sameAs): _t("Identique à", "Same as"),
    _S(OWL.inverseOf): _t("Inverse de", "Inverse of"),
    _S(OWL.versionInfo): _t("Version", "Version"),
    _S(OWL.equivalentProperty): _t("Propriété équivalente", "Equivalent property"),
    _S(OWL.equivalentClass): _t("Classe équivalente", "Equivalent class"),
    _S(OWL.Class): _t("Classe", "Class"),
    _S(OWL.ObjectProperty): _t("Propriété d'objet", "Object property"),
    _S(OWL.DatatypeProperty): _t("Propriété de données", "Datatype property"),
    _S(OWL.Ontology): _t("Ontologie", "Ontology"),
}

#: Properties that state one fact in two vocabularies, the first the one shown: a page shows a
#: value of a later one only when no earlier one has it (written the same).
SAME_FACT: tuple[tuple[str, ...], ...] = (
    (_S(SKOS.prefLabel), _S(RDFS.label), _S(SCHEMA.name)),
    (_S(CIPT.hours), _S(SCHEMA.timeRequired)),
    (_S(SKOS.notation), _S(SCHEMA.courseCode), _S(SCHEMA.codeValue)),
)
#: Properties whose (numeric) values are hours, and percentages.
HOURS = {_S(CIPT.hours), _S(CIPT.declaredHours), _S(CIPT.coverageHours)}
PERCENT = {_S(CIPT.workplaceShare)}
_NUMERIC = {_S(XSD[t]) for t in ("integer", "decimal", "double", "float", "int", "long", "short",
                                 "nonNegativeInteger", "positiveInteger")}
_DURATIONS = {_S(XSD.duration), _S(XSD.dayTimeDuration), _S(XSD.yearMonthDuration)}
_ISO_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                           r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_UNITS = ("duration-year", "duration-month", "duration-week", "duration-day")


def duration_text(text: str, lang: str) -> str | None:
    """An ISO 8601 duration (``xsd:duration``) as people read it, or None when it is not one.

    Time parts only (``PT20H``, ``P1DT2H``): hours, as the rest of the site writes them (``20 h``,
    ``26 h``). Years, months, weeks or days: Babel's CLDR units joined as a list (``P1Y`` → « 1 an »
    / "1 year", ``P1Y6M`` → « 1 an et 6 mois »).
    """
    match = _ISO_DURATION.match(text.strip())
    if not match or not any(match.groups()):
        return None
    years, months, weeks, days, h, m, s = (float(g) if g else 0.0 for g in match.groups())
    if not (years or months or weeks):
        return i18n.hours(days * 24 + h + m / 60 + s / 3600, lang)
    locale = i18n.locale(lang)
    parts = [format_unit(int(v) if v == int(v) else v, unit, length="long", locale=locale)
             for v, unit in zip((years, months, weeks, days), _UNITS) if v]
    if h or m or s:
        parts.append(i18n.hours(h + m / 60 + s / 3600, lang))
    return format_list(parts, locale=locale)


def literal_text(term: ox.Literal, lang: str, prop: str | None = None) -> str:
    """A literal as people read it: durations, dates, booleans, hours, percentages and numbers
    in the locale; other literals as they are."""
    dt = term.datatype.value if term.datatype else ""
    value = term.value
    if dt in _DURATIONS:
        return duration_text(value, lang) or value
    if dt in (_S(XSD.date), _S(XSD.dateTime)):
        return (i18n.date if dt == _S(XSD.date) else i18n.datetime)(value, lang) or value
    if dt == _S(XSD.boolean):
        return tr(lang, "ld.yes" if value in ("true", "1") else "ld.no")
    if dt in _NUMERIC:
        if prop in HOURS:
            return i18n.hours(value, lang)
        if prop in PERCENT:
            return i18n.percent(value, lang, decimals=1)
        return i18n.number(value, lang)
    return value
