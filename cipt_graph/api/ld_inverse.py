"""How a resource page names the links that point to it: the inverse of each property.

A page lists what links to its resource under « Liens entrants »; each row reads from the
resource's side, « M01 » on the page of BC03-C2 is « Couverte par » it, not « Couvre la
compétence » (the property's own label, which reads from the other side). :data:`INVERSE_LABELS`
names the inverse of every object property of the ontology (``ontology/cipt.ttl``; a test checks
none is missing) and of the other vocabularies' properties the graph uses, in French and English;
:func:`inverse_name` falls back on a phrasing built from the property's own name.
"""

from __future__ import annotations

from ..namespaces import CIPT, DCTERMS, OWL, PROV, RDF, RDFS, SCHEMA, SKOS

_S = str


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


#: Property IRI → the name of its inverse, read from the object's side (« Couverte par »).
INVERSE_LABELS: dict[str, dict[str, str]] = {
    # The ontology's own properties.
    _S(CIPT.mention): _t("Mention de", "Mention of"),
    _S(CIPT.component): _t("Composante de", "Component of"),
    _S(CIPT.certification): _t("Certification de", "Certification of"),
    _S(CIPT.objective): _t("Objectif visé par", "Objective of"),
    _S(CIPT.targetJob): _t("Métier visé par", "Target job of"),
    _S(CIPT.activity): _t("Activité visée par", "Activity of"),
    _S(CIPT.teachingMode): _t("Modalité pédagogique de", "Teaching mode of"),
    _S(CIPT.assessmentMethod): _t("Modalité d'évaluation de", "Assessment method of"),
    _S(CIPT.programmeDirector): _t("Dirige la formation", "Directs the programme"),
    _S(CIPT.mentionDirector): _t("Dirige la mention", "Directs the mention"),
    _S(CIPT.partner): _t("Partenaire de", "Partner of"),
    _S(CIPT.replaces): _t("Remplacé par", "Replaced by"),
    _S(CIPT.certifier): _t("Certifie", "Certifies"),
    _S(CIPT.block): _t("Bloc de", "Block of"),
    _S(CIPT.inCertification): _t("Certification comprenant", "Certification including"),
    _S(CIPT.requiresCompetency): _t("Mobilisée par l'activité", "Required by activity"),
    _S(CIPT.involvesActivity): _t("Activité du métier", "Activity of job"),
    _S(CIPT.assessment): _t("Évaluation de", "Assessment of"),
    _S(CIPT.assessesBlock): _t("Évalué par", "Assessed by"),
    _S(CIPT.period): _t("Période de", "Period of"),
    _S(CIPT.coversCompetency): _t("Couverte par", "Covered by"),
    _S(CIPT.preparesForActivity): _t("Préparée par", "Prepared for by"),
    _S(CIPT.servesObjective): _t("Servi par", "Served by"),
    _S(CIPT.module): _t("Module du lien", "Module of link"),
    _S(CIPT.competency): _t("Compétence du lien", "Competency of link"),
    _S(CIPT.level): _t("Niveau du lien", "Level of link"),
    _S(CIPT.mappingStatus): _t("Statut de correspondance de", "Mapping status of"),
    _S(CIPT.validation): _t("Validation du lien", "Validation of link"),
    _S(CIPT.dataStatus): _t("Statut de l'information de", "Data status of"),
    _S(CIPT.enLabelStatus): _t("Statut des libellés anglais de", "English label status of"),
    _S(CIPT.nsfCategory): _t("Code NSF de", "NSF category of"),
    _S(CIPT.ficheBlock): _t("Dans la fiche", "In fiche"),
    _S(CIPT.listedCompetency): _t("Listée par", "Listed by"),
    _S(CIPT.assessesCompetency): _t("Évaluée par", "Assessed by"),
    _S(CIPT.heldDuring): _t("Période où a lieu", "Period holding"),
    _S(CIPT.learningComponent): _t("Composante d'apprentissage de", "Learning component of"),
    _S(CIPT.developsCompetency): _t("Développée par", "Developed by"),
    _S(CIPT.exercisesActivity): _t("Exercée par", "Exercised by"),
    _S(CIPT.referentialExtent): _t("Étendue du référentiel de", "Referential extent of"),
    # Other vocabularies.
    _S(RDF.type): _t("Type de", "Type of"),
    _S(RDF.subject): _t("Sujet de l'énoncé", "Subject of statement"),
    _S(RDF.predicate): _t("Propriété de l'énoncé", "Property of statement"),
    _S(RDF.object): _t("Valeur de l'énoncé", "Value of statement"),
    _S(RDFS.subClassOf): _t("Classe plus générale de", "Superclass of"),
    _S(RDFS.subPropertyOf): _t("Propriété plus générale de", "Superproperty of"),
    _S(RDFS.domain): _t("Domaine de", "Domain of"),
    _S(RDFS.range): _t("Portée de", "Range of"),
    _S(RDFS.seeAlso): _t("Cité par", "Referenced by"),
    _S(SKOS.broader): _t("Comprend", "Includes"),
    _S(SKOS.narrower): _t("Fait partie de", "Part of"),
    _S(SKOS.inScheme): _t("Référentiel de", "Scheme of"),
    _S(SKOS.hasTopConcept): _t("Premier niveau de", "Top concept of"),
    _S(SKOS.topConceptOf): _t("A pour premier niveau", "Has top concept"),
    _S(SKOS.closeMatch): _t("Correspondance proche de", "Close match of"),
    _S(SKOS.exactMatch): _t("Correspondance exacte de", "Exact match of"),
    _S(SKOS.broadMatch): _t("Correspondance plus étroite", "Narrower match"),
    _S(SKOS.narrowMatch): _t("Correspondance plus large", "Broader match"),
    _S(SKOS.relatedMatch): _t("Correspondance associée de", "Related match of"),
    _S(SKOS.related): _t("Cité dans « voir aussi » par", "Related to"),
    _S(SCHEMA.hasCourse): _t("Cours de", "Course of"),
    _S(SCHEMA.provider): _t("Établissement de", "Provider of"),
    _S(SCHEMA.educationalCredentialAwarded): _t("Délivré par", "Awarded by"),
    _S(SCHEMA.occupationalCategory): _t("Catégorie professionnelle de", "Occupational category of"),
    _S(SCHEMA.inCodeSet): _t("Nomenclature de", "Code set of"),
    _S(SCHEMA.hasCategoryCode): _t("Dans la nomenclature", "In code set"),
    _S(SCHEMA.address): _t("Adresse de", "Address of"),
    _S(SCHEMA.contactPoint): _t("Contact de", "Contact point of"),
    _S(SCHEMA.worksFor): _t("Employeur de", "Employer of"),
    _S(SCHEMA.parentOrganization): _t("Organisation de rattachement de", "Parent organization of"),
    _S(DCTERMS.source): _t("Source de", "Source of"),
    _S(DCTERMS.isPartOf): _t("Comprend", "Has part"),
    _S(DCTERMS.hasPart): _t("Fait partie de", "Part of"),
    _S(DCTERMS.publisher): _t("Éditeur de", "Publisher of"),
    _S(DCTERMS.creator): _t("Auteur de", "Creator of"),
    _S(DCTERMS.license): _t("Licence de", "License of"),
    _S(DCTERMS.subject): _t("Sujet de", "Subject of"),
    _S(DCTERMS.type): _t("Nature de", "Kind of"),
    _S(DCTERMS.conformsTo): _t("Norme suivie par", "Conformed to by"),
    _S(PROV.wasAttributedTo): _t("Auteur de", "Author of"),
    _S(PROV.wasDerivedFrom): _t("Source de", "Source of"),
    _S(PROV.wasGeneratedBy): _t("A produit", "Generated"),
    _S(PROV.wasRevisionOf): _t("Révisé par", "Revised by"),
    _S(PROV.specializationOf): _t("A pour version", "Has version"),
    _S(PROV.atLocation): _t("Emplacement de", "Location of"),
    _S(PROV.wasInfluencedBy): _t("A influencé", "Influenced"),
    _S(PROV.wasAssociatedWith): _t("A réalisé", "Carried out"),  # a validator: the validations they made
    _S(PROV.used): _t("Utilisé par", "Used by"),
    _S(OWL.sameAs): _t("Identique à", "Same as"),
    _S(OWL.inverseOf): _t("Inverse de", "Inverse of"),
    _S(OWL.equivalentProperty): _t("Propriété équivalente", "Equivalent property"),
    _S(OWL.equivalentClass): _t("Classe équivalente", "Equivalent class"),
}


def inverse_name(prop: str, forward: str, lang: str) -> str:
    """The name of an incoming link's row: the inverse of ``prop`` in ``lang``, else a phrasing
    around ``forward`` (the property's own name) that reads from the object's side
    (« Valeur de « Nom » pour », "Value of “Name” for")."""
    known = INVERSE_LABELS.get(prop)
    if known:
        return known[lang]
    return f"Valeur de « {forward} » pour" if lang == "fr" else f"Value of “{forward}” for"
