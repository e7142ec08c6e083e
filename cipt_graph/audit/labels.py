"""The audit report's words in French (the default) and English: headings, column names, verdicts."""

from __future__ import annotations

LANGS = ("fr", "en")

TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Rapport d'audit d'accréditation",
        "subtitle": "Chaque chiffre de ce rapport vient d'une requête nommée ou d'une forme SHACL, "
                    "citée à côté, que l'auditeur peut relancer (voir l'annexe).",
        "generated": "Produit le",
        "version": "cipt-graph",
        "identity": "Identité et certification",
        "hours": "Volume horaire : déclaré et listé",
        "hours_sentence": "Le programme déclare {declared} h ; ses {modules} modules listés totalisent "
                          "{listed} h, soit un écart de {difference} h.",
        "summary": "Synthèse des contrôles",
        "summary_sentence": "{violation} violation(s), {warning} avertissement(s), {info} information(s). "
                            "Statut de sortie de « cipt audit » : {exit_code}.",
        "verdict_ok": "Aucune violation : le référentiel est conforme aux règles bloquantes.",
        "verdict_ko": "Des violations doivent être corrigées avant l'accréditation.",
        "checks_table": "Tous les contrôles effectués (requêtes étiquetées « check » et formes SHACL)",
        "blocks": "Blocs et compétences",
        "blocks_intro": "Pour chaque bloc : heures, compétences couvertes, évaluation ; pour chaque "
                        "compétence : modules (niveau atteint), heures, niveau maximal, sommet de "
                        "l'échelle atteint, progression dans l'ordre des périodes.",
        "findings": "Constats des requêtes de contrôle",
        "shacl": "Validation SHACL",
        "shacl_none": "Aucun constat SHACL.",
        "mapping": "Statut de la correspondance modules → référentiels",
        "mapping_sentence": "{proposed} lien(s) sur {links} ({percent} %) sont encore « proposés » "
                            "et non validés par l'équipe pédagogique.",
        "appendix": "Annexe : texte des requêtes",
        "appendix_intro": "Chaque requête s'exécute telle quelle dans tout outil SPARQL ; les "
                          "paramètres utilisés par le rapport sont indiqués.",
        "source": "Source",
        "query": "requête",
        "shape": "forme",
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
        "hours_h": "Heures",
        "max_level": "Niveau max.",
        "reaches_top": "Sommet atteint",
        "in_order": "Dans l'ordre",
        "steps": "Étapes",
        "assessed": "Évalué",
        "covered": "Compétences couvertes",
        "modules": "Modules",
        "focus": "Ressource",
        "message": "Message",
        "value": "Valeur",
        "item": "Élément",
        "file": "Fichier",
        "levels_legend": "Niveaux : {levels}. Étapes : période:niveau de chaque module.",
        "column_sources": "Colonnes : bloc (heures, compétences, modules) — {hours_per_block} ; évalué — "
                          "{blocks_without_assessment} ; heures par compétence — {hours_per_competency} ; "
                          "modules et niveaux — {coverage_matrix} ; niveau max., sommet, ordre, étapes — "
                          "{competency_progression}.",
        "toc": "Sommaire",
    },
    "en": {
        "title": "Accreditation audit report",
        "subtitle": "Every figure in this report comes from a named query or a SHACL shape, cited next "
                    "to it, that the auditor can run again (see the appendix).",
        "generated": "Generated on",
        "version": "cipt-graph",
        "identity": "Identity and certification",
        "hours": "Hours: declared and listed",
        "hours_sentence": "The programme declares {declared} h; its {modules} listed modules add up to "
                          "{listed} h, a difference of {difference} h.",
        "summary": "Summary of the checks",
        "summary_sentence": "{violation} violation(s), {warning} warning(s), {info} info. Exit status of "
                            "\"cipt audit\": {exit_code}.",
        "verdict_ok": "No violation: the referential meets the blocking rules.",
        "verdict_ko": "Violations must be fixed before accreditation.",
        "checks_table": "Every check run (queries tagged \"check\" and SHACL shapes)",
        "blocks": "Blocks and competencies",
        "blocks_intro": "For each block: hours, covered competencies, assessment; for each competency: "
                        "modules (level reached), hours, highest level, whether it reaches the top of "
                        "the scale, whether it progresses in the order of the periods.",
        "findings": "Findings of the check queries",
        "shacl": "SHACL validation",
        "shacl_none": "No SHACL finding.",
        "mapping": "Status of the mapping of modules to the referentials",
        "mapping_sentence": "{proposed} link(s) out of {links} ({percent} %) are still \"proposed\", not "
                            "validated by the pedagogical team.",
        "appendix": "Appendix: text of the queries",
        "appendix_intro": "Each query runs as-is in any SPARQL tool; the parameters the report used are "
                          "shown.",
        "source": "Source",
        "query": "query",
        "shape": "shape",
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
        "hours_h": "Hours",
        "max_level": "Highest",
        "reaches_top": "Top reached",
        "in_order": "In order",
        "steps": "Steps",
        "assessed": "Assessed",
        "covered": "Covered competencies",
        "modules": "Modules",
        "focus": "Resource",
        "message": "Message",
        "value": "Value",
        "item": "Item",
        "file": "File",
        "levels_legend": "Levels: {levels}. Steps: period:level of each module.",
        "column_sources": "Columns: block (hours, competencies, modules) — {hours_per_block}; assessed — "
                          "{blocks_without_assessment}; hours per competency — {hours_per_competency}; "
                          "modules and levels — {coverage_matrix}; highest level, top, order, steps — "
                          "{competency_progression}.",
        "toc": "Contents",
    },
}

#: Column headers for the variables of the named queries (a variable not listed shows its name).
COLUMNS: dict[str, dict[str, str]] = {
    "fr": {
        "programme_label": "Programme", "identifier": "Identifiant", "provider_label": "Établissement",
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
        "programme_label": "Programme", "identifier": "Identifier", "provider_label": "Institution",
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


def text(lang: str, key: str, **values: object) -> str:
    """A sentence of the report in ``lang``, with ``{name}`` slots filled."""
    template = TEXT.get(lang, TEXT["fr"]).get(key) or TEXT["fr"][key]
    return template.format(**values) if values else template


def column(lang: str, name: str) -> str:
    """The header of a query variable in ``lang`` (its own name when none is known)."""
    return COLUMNS.get(lang, COLUMNS["fr"]).get(name, name)
