"""The audit report's words in French (the default) and English: headings, column names, verdicts."""

from __future__ import annotations

from collections.abc import Mapping

from .. import i18n

LANGS = ("fr", "en")

#: Sentences by key; an entry ``{"by": SLOT, "one": …, "other": …}`` takes its form from the
#: count given for ``SLOT`` (the language's CLDR plural rules: in French 0 and 1 are singular).
TEXT: dict[str, dict[str, object]] = {
    "fr": {
        "title": "Rapport d'analyse de la couverture du référentiel de compétences",
        "subtitle": "Chaque chiffre de ce rapport vient d'une requête nommée, citée à côté, que le lecteur peut relancer (voir l'annexe).",
        "generated": "Produit le",
        "version": "cipt-graph",
        "identity": "Identité et certification",
        "hours": "Volume horaire : déclaré et listé",
        "hours_sentence": "Le programme déclare {declared} h ; ses {modules} modules listés totalisent "
                          "{listed} h, soit un écart de {difference} h.",
        "summary": "Synthèse des contrôles",
        "summary_sentence": "{violation}, {warning}, {info} ; un constat trouvé par une requête et par une règle de validation n'est compté qu'une fois. Code de retour de « cipt audit » : {exit_code}.",
        "verdict_ok": "Conforme : les règles bloquantes tiennent, sur une correspondance entièrement validée et des évaluations énoncées.",
        "verdict_ko": "Provisoire : ce rapport ne permet pas de conclure à la conformité.",
        "checks_table": "Contrôles effectués",
        "blocks": "Blocs et compétences",
        "blocks_intro": "Pour chaque compétence : ce qui l'enseigne (modules et niveau atteint, heures estimées), à côté de ce qui l'évalue (modalité et statut de l'information), et la période en entreprise. Les heures sont des estimations : les heures d'un module sont réparties à parts égales entre ses liens, faute d'heures déclarées ; les sessions d'évaluation, qui n'enseignent rien, sont comptées à part. L'ordre des périodes repose sur des périodes déduites et n'est pas vérifié à l'intérieur d'une période.",
        "findings": "Constats des contrôles",
        "shacl": "Constats des règles de validation",
        "shacl_none": "Aucun constat des règles de validation qui ne soit déjà compté plus haut.",
        "mapping": "Statut de la correspondance modules → référentiels",
        "mapping_sentence": {"by": "proposed",
                             "one": "{proposed} lien sur {links} ({percent}) est encore « proposé » et non validé par l'équipe pédagogique.",
                             "other": "{proposed} liens sur {links} ({percent}) sont encore « proposés » et non validés par l'équipe pédagogique."},
        "appendix": "Annexe : requêtes citées",
        "appendix_intro": "Chaque requête est un fichier du dossier queries/ ; son texte complet figure dans les versions Markdown et JSON du rapport (cipt audit --format md|json) et s'exécute telle quelle dans tout outil SPARQL.",
        "source": "Source",
        "query": "requête",
        "shape": "règle de validation",
        "severity": "Gravité",
        "check": "Contrôle",
        "kind": "Type",
        "count": "Constats",
        "result": "Résultat",
        "passed": "conforme",
        "failed": "à examiner",
        "no_rows": "Aucun constat : la requête ne renvoie aucune ligne.",
        "params": "Paramètres",
        "run_api": "exécuter (API)",
        "run_sparql": "exécuter (/sparql)",
        "open_sparql": "ouvrir dans l’éditeur SPARQL",
        "yes": "oui",
        "no": "non",
        "none": "aucun",
        "violation": "violation",
        "warning": "avertissement",
        "info": "information",
        "block": "Bloc",
        "competency": "Compétence",
        "code": "Code",
        "modules_levels": "Modules (niveau)",
        "hours_h": "Heures estimées",
        "max_level": "Niveau maximal atteint",
        "reaches_top": "Maîtrise atteinte",
        "in_order": "Ordre des périodes",
        "steps": "Étapes",
        "assessed": "Évaluation",
        "covered": "Compétences couvertes",
        "modules": "Modules",
        "focus": "Ressource",
        "message": "Message",
        "value": "Valeur",
        "item": "Élément",
        "file": "Fichier",
        "terms": "Termes de l'ontologie",
        "levels_legend": "Niveaux : {levels}. Étapes : période:niveau de chaque module.",
        "status_legend": "* lien proposé, pas encore validé par l'équipe pédagogique (en italique) ; sans astérisque : validé.",
        "column_sources": "Colonnes : bloc (heures, compétences, modules) — {hours_per_block} ; évalué — "
                          "{blocks_without_assessment} ; heures par compétence — {hours_per_competency} ; "
                          "modules et niveaux — {coverage_matrix} ; niveau max., sommet, ordre, étapes — "
                          "{competency_progression}.",
        "toc": "Sommaire",
        "evidence": "État des preuves",
        "evidence_mapping": "Correspondance modules → compétences, activités, objectifs : {links}, {validated} par l'équipe pédagogique ({validated_percent}) et {proposed} ({proposed_percent}).",
        "evidence_inferred": "Informations déduites ou jugées (non énoncées par les sources) : {statements} et {resources}, détaillés à la section « Statut des informations ».",
        "evidence_referential": "La liste des compétences de la certification ({competencies}) est un {extent} (source de la formation : {source}), non vérifiée sur la fiche RNCP officielle.",
        "evidence_referential_plain": "La liste des compétences de la certification ({competencies}) est celle des données, qui ne disent pas si c'est le référentiel complet ou un extrait.",
        "verdict_reasons": "Raisons :",
        "reason_violations": "{count}",
        "reason_proposed": {"by": "proposed",
                            "one": "{proposed} lien de correspondance sur {links} ({percent}) est proposé, non validé",
                            "other": "{proposed} liens de correspondance sur {links} ({percent}) sont proposés, non validés"},
        "reason_assessment": "l'évaluation de {count} sur {blocks} est déduite, non énoncée par les sources",
        "data_version": "Données : empreinte {digest}{sources}, dernier lien de correspondance daté du {last_assertion}, {links} ; jeu de données entier : {triples}.",
        "data_version_source": ", source de la formation ({source}) mise à jour le {source_modified}",
        "data_version_official": ", source officielle de la certification du {official_source_issued}",
        "hours_gap_title": "D'où vient l'écart",
        "hours_gap": "L'écart vient de la source de la formation ({source}), qui déclare {declared} h et liste {modules} lignes totalisant {listed} h sans l'expliquer.",
        "hours_gap_data": "L'écart est dans les données, qui déclarent {declared} h et listent {modules} lignes totalisant {listed} h sans l'expliquer.",
        "hours_no_gap": "Les heures listées ({listed} h) égalent les heures déclarées : pas d'écart à expliquer.",
        "hours_hypotheses": "Hypothèses : le suivi de la période en entreprise (visites, entretiens) compté dans le volume de la session ; des séances non listées (rattrapages, seconde session d'évaluation, rentrée).",
        "hours_split": "Sur les {listed} h listées, {assessment_hours} h sont de l'évaluation (sessions d'évaluation) et {teaching_hours} h de l'enseignement.",
        "hours_workplace": "La période en entreprise, environ {workplace_share} % du temps (déduit du rythme), n'a pas d'heures dans les données.",
        "data_status": "Statut des informations",
        "data_status_intro": "Ce que les sources n'énoncent pas et que les données déduisent ou choisissent, par sorte d'information ; chaque énoncé porte son statut dans les données (fichier data/inferences.ttl).",
        "kind_of_fact": "Information",
        "statements_n": "Énoncés",
        "status": "Statut",
        "reason": "Raison",
        "more_rows": "… et {count} de plus dans les versions Markdown et JSON.",
        "structural_line": "{count} de structure des données (identifiants, niveaux, liens qualifiés) : {failed}.",
        "workplace": "Entreprise",
        "taught": "Enseigné par",
        "untaught_part": "Partie non enseignée",
        "verdict": "Verdict",
        "status_inferred": "déduit",
        "status_judgement": "jugement",
        "status_stated": "énoncé",
        "status_official": "officiel",
    },
    "en": {
        "title": "Analysis of the coverage of the competency referential",
        "subtitle": "Every figure in this report comes from a named query, cited next to it, that the reader can run again (see the appendix).",
        "generated": "Generated on",
        "version": "cipt-graph",
        "identity": "Identity and certification",
        "hours": "Hours: declared and listed",
        "hours_sentence": "The programme declares {declared} h; its {modules} listed modules add up to "
                          "{listed} h, a difference of {difference} h.",
        "summary": "Summary of the checks",
        "summary_sentence": "{violation}, {warning}, {info}; a finding reported by both a query and a validation rule is counted once. Exit status of \"cipt audit\": {exit_code}.",
        "verdict_ok": "Conforming: the blocking rules hold, on a fully validated mapping and stated assessments.",
        "verdict_ko": "Provisional: this report does not allow concluding that the programme conforms.",
        "checks_table": "Checks run",
        "blocks": "Blocks and competencies",
        "blocks_intro": "For each competency: what teaches it (modules and level reached, estimated hours), beside what assesses it (kind and status of the information), and the workplace period. Hours are estimates: a module's hours are split equally among its links, no hours being stated; assessment sessions, which teach nothing, are counted apart. The order of periods rests on inferred periods and is not checked within a period.",
        "findings": "Findings of the checks",
        "shacl": "Findings of the validation rules",
        "shacl_none": "No finding of the validation rules that is not already counted above.",
        "mapping": "Status of the mapping of modules to the referentials",
        "mapping_sentence": {"by": "proposed",
                             "one": "{proposed} link out of {links} ({percent}) is still \"proposed\", not validated by the pedagogical team.",
                             "other": "{proposed} links out of {links} ({percent}) are still \"proposed\", not validated by the pedagogical team."},
        "appendix": "Appendix: queries cited",
        "appendix_intro": "Each query is a file of the queries/ folder; its full text is in the Markdown and JSON forms of the report (cipt audit --format md|json) and runs as-is in any SPARQL tool.",
        "source": "Source",
        "query": "query",
        "shape": "validation rule",
        "severity": "Severity",
        "check": "Check",
        "kind": "Kind",
        "count": "Findings",
        "result": "Result",
        "passed": "passed",
        "failed": "to examine",
        "no_rows": "No finding: the query returns no row.",
        "params": "Parameters",
        "run_api": "run (API)",
        "run_sparql": "run (/sparql)",
        "open_sparql": "open in the SPARQL editor",
        "yes": "yes",
        "no": "no",
        "none": "none",
        "violation": "violation",
        "warning": "warning",
        "info": "info",
        "block": "Block",
        "competency": "Competency",
        "code": "Code",
        "modules_levels": "Modules (level)",
        "hours_h": "Estimated hours",
        "max_level": "Highest level reached",
        "reaches_top": "Mastery reached",
        "in_order": "Order of periods",
        "steps": "Steps",
        "assessed": "Assessment",
        "covered": "Covered competencies",
        "modules": "Modules",
        "focus": "Resource",
        "message": "Message",
        "value": "Value",
        "item": "Item",
        "file": "File",
        "terms": "Ontology terms",
        "levels_legend": "Levels: {levels}. Steps: period:level of each module.",
        "status_legend": "* link proposed, not yet validated by the teaching team (in italics); no asterisk: validated.",
        "column_sources": "Columns: block (hours, competencies, modules) — {hours_per_block}; assessed — "
                          "{blocks_without_assessment}; hours per competency — {hours_per_competency}; "
                          "modules and levels — {coverage_matrix}; highest level, top, order, steps — "
                          "{competency_progression}.",
        "toc": "Contents",
        "evidence": "State of the evidence",
        "evidence_mapping": "Mapping of modules to competencies, activities, objectives: {links}, of which {validated} validated by the pedagogical team ({validated_percent}) and {proposed} proposed ({proposed_percent}).",
        "evidence_inferred": "Information inferred or judged (not stated by the sources): {statements} and {resources}, detailed in the section \"Status of the information\".",
        "evidence_referential": "The list of the certification's competencies ({competencies}) is a {extent} (the programme's source: {source}), not checked against the official RNCP fiche.",
        "evidence_referential_plain": "The list of the certification's competencies ({competencies}) is the data's, which does not say whether it is the whole referential or an extract.",
        "verdict_reasons": "Reasons:",
        "reason_violations": "{count}",
        "reason_proposed": {"by": "proposed",
                            "one": "{proposed} mapping link out of {links} ({percent}) is proposed, not validated",
                            "other": "{proposed} mapping links out of {links} ({percent}) are proposed, not validated"},
        "reason_assessment": "the assessment of {count} out of {blocks} is inferred, not stated by the sources",
        "data_version": "Data: digest {digest}{sources}, latest mapping link dated {last_assertion}, {links}; whole dataset: {triples}.",
        "data_version_source": ", the programme's source ({source}) updated on {source_modified}",
        "data_version_official": ", the certification's official source of {official_source_issued}",
        "hours_gap_title": "Where the difference comes from",
        "hours_gap": "The difference comes from the programme's source ({source}), which declares {declared} h and lists {modules} lines adding up to {listed} h without explaining it.",
        "hours_gap_data": "The difference is in the data, which declares {declared} h and lists {modules} lines adding up to {listed} h without explaining it.",
        "hours_no_gap": "The listed hours ({listed} h) equal the declared hours: no difference to explain.",
        "hours_hypotheses": "Hypotheses: the follow-up of the workplace period (visits, meetings) counted in the session's volume; sessions not listed (resits, second assessment session, induction).",
        "hours_split": "Of the {listed} listed hours, {assessment_hours} h are assessment (assessment sessions) and {teaching_hours} h teaching.",
        "hours_workplace": "The workplace period, about {workplace_share}% of the time (inferred from the rhythm), has no hours in the data.",
        "data_status": "Status of the information",
        "data_status_intro": "What the sources do not state and the data infers or chooses, by kind of information; each statement carries its status in the data (file data/inferences.ttl).",
        "kind_of_fact": "Information",
        "statements_n": "Statements",
        "status": "Status",
        "reason": "Reason",
        "more_rows": "… and {count} in the Markdown and JSON forms.",
        "structural_line": "{count} on the structure of the data (identifiers, levels, qualified links): {failed}.",
        "workplace": "Workplace",
        "taught": "Taught by",
        "untaught_part": "Untaught part",
        "verdict": "Verdict",
        "status_inferred": "inferred",
        "status_judgement": "judgement",
        "status_stated": "stated",
        "status_official": "official",
    },
}

#: Column headers for the variables of the named queries (a variable not listed shows its name).
COLUMNS: dict[str, dict[str, str]] = {
    "fr": {
        "problem": "Problème", "untaught_aspect": "Partie non enseignée", "workplace": "Période en entreprise",
        "prepared_activities": "Activités préparées", "link_hours": "Heures des liens", "objective_code": "Objectif",
        "objective_label": "Intitulé de l'objectif", "modules_count": "Modules",
        "programme_label": "Programme", "short_label": "Nom court", "source_label": "Source de la formation",
        "referential_extent_label": "Étendue du référentiel", "identifier": "Identifiant", "provider_label": "Établissement",
        "component_label": "Composante", "declared_hours": "Heures déclarées", "start_date": "Début",
        "end_date": "Fin", "director_name": "Responsable de la formation", "rncp_number": "Fiche RNCP",
        "certification_label": "Certification", "qualification_level": "Niveau de qualification",
        "registration_type": "Type d'enregistrement", "registration_date": "Date d'enregistrement",
        "registration_end_date": "Fin d'enregistrement", "delivery_end_date": "Fin de délivrance",
        "diploma_code": "Code diplôme", "certifier_label": "Certificateur", "replaces_rncp": "Remplace",
        "declared": "Déclarées (h)", "listed": "Listées (h)", "difference": "Écart (h)", "modules": "Modules",
        "block_code": "Bloc", "block_label": "Intitulé du bloc", "competency_code": "Compétence",
        "competency_label": "Intitulé de la compétence", "competencies": "Compétences",
        "module_code": "Module", "module_label": "Intitulé du module", "period_code": "Période",
        "module_hours": "Heures du module", "max_rank": "Rang max.", "top_rank": "Rang sommet",
        "job_code": "Métier", "job_label": "Intitulé du métier", "activity_code": "Activité",
        "activity_label": "Intitulé de l'activité", "earlier_module_code": "Module antérieur",
        "earlier_period_code": "Période", "earlier_level_code": "Niveau", "later_module_code": "Module ultérieur",
        "later_period_code": "Période", "later_level_code": "Niveau", "link_kind": "Type de lien",
        "links": "Liens", "proposed": "Proposés", "validated": "Validés", "proposed_percent": "Part proposée (%)",
    },
    "en": {
        "problem": "Problem", "untaught_aspect": "Untaught part", "workplace": "Workplace period",
        "prepared_activities": "Prepared activities", "link_hours": "Link hours", "objective_code": "Objective",
        "objective_label": "Objective label", "modules_count": "Modules",
        "programme_label": "Programme", "short_label": "Short name", "source_label": "Programme's source",
        "referential_extent_label": "Referential extent", "identifier": "Identifier", "provider_label": "Institution",
        "component_label": "Component", "declared_hours": "Declared hours", "start_date": "Start",
        "end_date": "End", "director_name": "Head of programme", "rncp_number": "RNCP fiche",
        "certification_label": "Certification", "qualification_level": "Qualification level",
        "registration_type": "Registration type", "registration_date": "Registration date",
        "registration_end_date": "Registration end", "delivery_end_date": "Delivery end",
        "diploma_code": "Diploma code", "certifier_label": "Certifier", "replaces_rncp": "Replaces",
        "declared": "Declared (h)", "listed": "Listed (h)", "difference": "Difference (h)", "modules": "Modules",
        "block_code": "Block", "block_label": "Block label", "competency_code": "Competency",
        "competency_label": "Competency label", "competencies": "Competencies",
        "module_code": "Module", "module_label": "Module label", "period_code": "Period",
        "module_hours": "Module hours", "max_rank": "Highest rank", "top_rank": "Top rank",
        "job_code": "Job", "job_label": "Job label", "activity_code": "Activity",
        "activity_label": "Activity label", "earlier_module_code": "Earlier module",
        "earlier_period_code": "Period", "earlier_level_code": "Level", "later_module_code": "Later module",
        "later_period_code": "Period", "later_level_code": "Level", "link_kind": "Link kind",
        "links": "Links", "proposed": "Proposed", "validated": "Validated", "proposed_percent": "Share proposed (%)",
    },
}


#: Counted words of the sentences, by ``KEY.SLOT``: a number given for that slot is written
#: with its noun in the right plural form (``1 constat bloquant``, ``6 blocs``), never ``(s)``.
PLURALS: dict[str, dict[str, dict[str, str]]] = {
    "fr": {
        "summary_sentence.violation": {"one": "{n} constat bloquant", "other": "{n} constats bloquants"},
        "summary_sentence.warning": {"one": "{n} avertissement", "other": "{n} avertissements"},
        "summary_sentence.info": {"one": "{n} information", "other": "{n} informations"},
        "reason_violations.count": {"one": "{n} constat bloquant", "other": "{n} constats bloquants"},
        "reason_assessment.count": {"one": "{n} bloc", "other": "{n} blocs"},
        "data_version.links": {"one": "{n} lien", "other": "{n} liens"},
        "data_version.triples": {"one": "{n} triplet", "other": "{n} triplets"},
        "evidence_referential.competencies": {"one": "{n} compétence", "other": "{n} compétences"},
        "evidence_referential_plain.competencies": {"one": "{n} compétence", "other": "{n} compétences"},
        "evidence_mapping.links": {"one": "{n} lien", "other": "{n} liens"},
        "evidence_mapping.validated": {"one": "dont {n} validé", "other": "dont {n} validés"},
        "evidence_mapping.proposed": {"one": "{n} proposé", "other": "{n} proposés"},
        "evidence_inferred.statements": {"one": "{n} énoncé", "other": "{n} énoncés"},
        "evidence_inferred.resources": {"one": "{n} ressource", "other": "{n} ressources"},
        "more_rows.count": {"one": "{n} ligne", "other": "{n} lignes"},
        "structural_line.count": {"one": "{n} règle", "other": "{n} règles"},
        "structural_line.failed": {"one": "{n} constat", "other": "{n} constats"},
    },
    "en": {
        "summary_sentence.violation": {"one": "{n} blocking finding", "other": "{n} blocking findings"},
        "summary_sentence.warning": {"one": "{n} warning", "other": "{n} warnings"},
        "summary_sentence.info": {"one": "{n} info", "other": "{n} infos"},
        "reason_violations.count": {"one": "{n} blocking finding", "other": "{n} blocking findings"},
        "reason_assessment.count": {"one": "{n} block", "other": "{n} blocks"},
        "data_version.links": {"one": "{n} link", "other": "{n} links"},
        "data_version.triples": {"one": "{n} triple", "other": "{n} triples"},
        "evidence_referential.competencies": {"one": "{n} competency", "other": "{n} competencies"},
        "evidence_referential_plain.competencies": {"one": "{n} competency", "other": "{n} competencies"},
        "evidence_mapping.links": {"one": "{n} link", "other": "{n} links"},
        "evidence_inferred.statements": {"one": "{n} statement", "other": "{n} statements"},
        "evidence_inferred.resources": {"one": "{n} resource", "other": "{n} resources"},
        "more_rows.count": {"one": "{n} more row", "other": "{n} more rows"},
        "structural_line.count": {"one": "{n} rule", "other": "{n} rules"},
        "structural_line.failed": {"one": "{n} finding", "other": "{n} findings"},
    },
}


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def counted(lang: str, slot: str, count: float) -> str:
    """``count`` with the noun of ``slot`` (``KEY.SLOT`` of ``PLURALS``) in its plural form:
    ``counted("fr", "summary_sentence.violation", 1)`` → ``1 constat bloquant``."""
    forms = PLURALS.get(lang, PLURALS["fr"]).get(slot) or PLURALS["fr"][slot]
    return i18n.plural(lang, count, forms)


def text(lang: str, key: str, **values: object) -> str:
    """A sentence of the report in ``lang``, with ``{name}`` slots filled.

    Numbers given as numbers are written as the locale writes them (Babel): a slot with a
    counted noun (``PLURALS``) gets its noun in the right plural form, a slot named ``percent``
    or ``*_percent`` is a percentage (``25,4 %`` with a narrow no-break space, ``25.4%``), any
    other number is a number (``1 234,5``). Text values are used as given. French sentences are
    typeset (:func:`cipt_graph.i18n.typeset`: no-break spaces before « : ; ! ? », inside « … »).
    """
    template = TEXT.get(lang, TEXT["fr"]).get(key) or TEXT["fr"][key]
    if isinstance(template, Mapping):
        count = values[str(template["by"])]
        form = i18n.plural_form(lang, float(count)) if _is_number(count) else "other"
        template = template.get(form) or template["other"]
    if not values:
        return i18n.typeset(str(template), lang)
    slots = PLURALS.get(lang, PLURALS["fr"])
    shown = {}
    for name, value in values.items():
        if not _is_number(value):
            shown[name] = value
        elif f"{key}.{name}" in slots:
            shown[name] = i18n.plural(lang, value, slots[f"{key}.{name}"])
        elif name == "percent" or name.endswith("_percent"):
            shown[name] = i18n.percent(value, lang)
        else:
            shown[name] = i18n.number(value, lang)
    return i18n.typeset(str(template).format(**shown), lang)


def column(lang: str, name: str) -> str:
    """The header of a query variable in ``lang`` (its own name when none is known)."""
    return COLUMNS.get(lang, COLUMNS["fr"]).get(name, name)


#: Values of a column that name something for people: the kinds of mapping links
#: (``mapping_status``, ``mapping_links_proposed``: the class's local name, or ``all``).
VALUES: dict[str, dict[str, dict[str, str]]] = {
    "fr": {"link_kind": {"CompetencyCoverage": "module → compétence", "ActivityCoverage": "module → activité",
                         "ObjectiveCoverage": "module → objectif", "all": "tous les liens"}},
    "en": {"link_kind": {"CompetencyCoverage": "module → competency", "ActivityCoverage": "module → activity",
                         "ObjectiveCoverage": "module → objective", "all": "all links"}},
}


def value_word(lang: str, name: str | None, value: object) -> object:
    """``value`` of the column ``name`` as people read it in ``lang`` (``CompetencyCoverage`` →
    « module → compétence »); any other value unchanged."""
    words = VALUES.get(lang, VALUES["en"]).get(name or "", {})
    return words.get(value, value) if isinstance(value, str) else value
