"""The French of the OpenAPI schemas' texts: each response model's description and each field's.

The field names are the API's contract and stay as they are (``module_count``); what they mean is
said in the page's language on ``/openapi.fr.json`` (:func:`localize_schemas`, called by
:func:`.openapi_i18n.localized_openapi`). ``tests/test_docs_lang.py`` checks that every text of
the schemas has its French here.
"""

from __future__ import annotations

#: English text (a model's docstring, a field's ``description``) → French.
SCHEMAS_FR: dict[str, str] = {
    # Shared fields.
    "IRI of the resource in the graph (resolvable under /id/…)":
        "IRI de la ressource dans le graphe (résolue sous /id/…)",
    "IRI of the programme this row belongs to": "IRI de la formation à laquelle appartient cette ligne",
    # models.py
    "The programme, its volume of hours and its certification.":
        "La formation, son volume horaire et sa certification.",
    "Identifier (M2_CIPT)": "Identifiant (M2_CIPT)",
    "The university": "L'université",
    "The school (composante)": "La composante (UFR, école)",
    "Volume of hours the brochure declares": "Volume horaire que déclare la plaquette",
    "Sum of the hours of the listed modules": "Somme des heures des modules listés",
    "declared_hours − listed_hours": "declared_hours − listed_hours (heures déclarées moins heures listées)",
    "A module (course) of the programme.": "Un module (cours) de la formation.",
    "Module code (M01)": "Code du module (M01)",
    "Position in the brochure's list": "Rang dans la liste de la plaquette",
    "Number of competencies the module covers": "Nombre de compétences que couvre le module",
    "Path of this resource in the JSON API": "Chemin de cette ressource dans l'API JSON",
    "A competency a module covers, with the level reached.":
        "Une compétence que couvre un module, avec le niveau atteint.",
    "I (introduced), R (reinforced) or M (mastered)":
        "I (sensibilisation), R (approfondissement) ou M (maîtrise)",
    "Hours devoted to the competency, when stated": "Heures consacrées à la compétence, quand elles sont indiquées",
    "A module with the competencies it covers.": "Un module avec les compétences qu'il couvre.",
    "A competency of the certification.": "Une compétence de la certification.",
    "Competency code (BC05-C1)": "Code de la compétence (BC05-C1)",
    "Number of modules covering it": "Nombre de modules qui la couvrent",
    "Highest level rank reached; null when uncovered": "Rang du plus haut niveau atteint ; null si elle n'est pas couverte",
    "A module covering a competency.": "Un module qui couvre une compétence.",
    "A competency with the modules covering it.": "Une compétence avec les modules qui la couvrent.",
    "A competency block of the certification, with its hours (rule of `hours_per_block`).":
        "Un bloc de compétences de la certification, avec ses heures (règle de `hours_per_block`).",
    "Block code (BC01)": "Code du bloc (BC01)",
    "A block with its competencies.": "Un bloc avec ses compétences.",
    "A target job.": "Un métier visé.",
    "Job code (J1)": "Code du métier (J1)",
    "Main ROME category": "Code ROME principal",
    "A module building a competency a job needs.": "Un module qui construit une compétence dont un métier a besoin.",
    "A competency an activity rests on, and the modules building it (empty: a gap).\n\n"
    "``estimated_hours``: its teaching hours by the equal-split rule of ``hours_per_competency``\n"
    "(an estimate, as on the /jobs page); ``link_status``: whether the activity → competency link\n"
    "is stated, inferred or a judgement.":
        "Une compétence que mobilise une activité, et les modules qui la construisent (aucun : un manque).\n\n"
        "``estimated_hours`` : ses heures d'enseignement selon la répartition égale de ``hours_per_competency``\n"
        "(une estimation, comme sur la page /jobs) ; ``link_status`` : si le lien activité → compétence\n"
        "est énoncé par la source, déduit ou un jugement.",
    "A professional activity a job involves (``link_status``: of the job → activity link).":
        "Une activité professionnelle que comporte un métier (``link_status`` : celui du lien métier → activité).",
    "A job → activities → competencies → modules, with hours along the chain (query\n"
    "``job_paths``): ``estimated_hours`` sums the estimated hours of the distinct competencies the\n"
    "job needs; ``rome_status`` says whether its ROME code is inferred or a judgement.":
        "Un métier → activités → compétences → modules, avec les heures le long de la chaîne (requête\n"
        "``job_paths``) : ``estimated_hours`` additionne les heures estimées des compétences distinctes\n"
        "dont le métier a besoin ; ``rome_status`` dit si son code ROME est déduit ou un jugement.",
    "A row of the coverage matrix.": "Une ligne de la matrice de couverture.",
    "A column of the coverage matrix.": "Une colonne de la matrice de couverture.",
    "A cell of the coverage matrix: a module covers a competency at a level.":
        "Une case de la matrice de couverture : un module couvre une compétence à un niveau.",
    "Mapping status: proposed or validated": "Statut de correspondance : proposed (proposé) ou validated (validé)",
    "The course × competency matrix: rows, columns and the non-empty cells.":
        "La matrice cours × compétences : lignes, colonnes et cases non vides.",
    "Declared hours against the sum of the listed modules' hours.":
        "Heures déclarées face à la somme des heures des modules listés.",
    "What the accreditation checks find missing (empty lists when all is well).":
        "Ce que les contrôles d'accréditation trouvent manquant (listes vides quand tout va bien).",
    "One entry per programme": "Une entrée par formation",
    "True when every competency and block is covered and every module contributes":
        "Vrai quand chaque compétence et chaque bloc sont couverts et que chaque module contribue",
    # versions.py
    "A recorded version of the workspace (an accepted import or mapping change).":
        "Une version enregistrée de l'espace de travail (un import accepté ou une modification de la correspondance).",
    "`v1`, `v2`… in recording order": "`v1`, `v2`… dans l'ordre d'enregistrement",
    "When it was recorded (ISO 8601, UTC)": "Date d'enregistrement (ISO 8601, UTC)",
    "Who made the change": "Auteur de la modification",
    "What made it: `baseline`, `matrix-import`, `rncp-import`…": "Ce qui l'a produite : `baseline`, `matrix-import`, `rncp-import`…",
    "The file the change came from (its name), or a description": "Le fichier d'où vient la modification (son nom), ou une description",
    "SHA-256 of that file, when it was a file": "SHA-256 de ce fichier, quand c'était un fichier",
    "The previous version": "La version précédente",
    "Coverage links per kind and triples": "Liens de couverture par sorte, et triplets",
    "Source graph IRI → SHA-256 of its snapshot": "IRI du graphe source → SHA-256 de son instantané",
    "The stable id of the signed-in account that made the change (PROV agent `cid:agent/account/<id>`), else null":
        "L'identifiant stable du compte connecté qui a fait la modification (agent PROV "
        "`cid:agent/account/<id>`), sinon null",
    # named_queries.py
    "A parameter of a named query.": "Un paramètre d'une requête nommée.",
    "Parameter name, also the SPARQL variable it binds": "Nom du paramètre, aussi la variable SPARQL qu'il lie",
    "`iri` (an IRI or a code such as M01, BC05-C1, J1) or `literal`":
        "`iri` (une IRI ou un code comme M01, BC05-C1, J1) ou `literal` (une valeur)",
    "What to pass, in the answer's language (`lang`)": "Ce qu'il faut passer, dans la langue de la réponse (`lang`)",
    "The description in each language: `fr`, `en`": "La description dans chaque langue : `fr`, `en`",
    "A named query as listed by `/api/queries`.": "Une requête nommée telle que la liste `/api/queries`.",
    "Name: the file name, CLI name and URL slug": "Nom : celui du fichier, de la commande et de l'adresse",
    "The same one-line summary, in the answer's language": "Le même résumé d'une ligne, dans la langue de la réponse",
    "The summary in each language: `fr`, `en`": "Le résumé dans chaque langue : `fr`, `en`",
    "What the query answers (the file header's `description`, in English)":
        "Ce à quoi répond la requête (la `description` de l'en-tête du fichier, en anglais)",
    "One-line title, in the answer's language (the `summary` or `summary_fr` of the file header)":
        "Titre d'une ligne, dans la langue de la réponse (le `summary` ou le `summary_fr` de l'en-tête du fichier)",
    "The language of `title`, `summary` and the parameters' `description`: `?lang=`, else the one "
    "`Accept-Language` prefers, else fr":
        "La langue de `title`, de `summary` et de la `description` des paramètres : `?lang=`, sinon celle "
        "que préfère `Accept-Language`, sinon fr",
    "Example parameters": "Paramètres d'exemple",
    "Path that runs the query with its example parameters": "Chemin qui exécute la requête avec ses paramètres d'exemple",
    "The query file, header included": "Le fichier de la requête, en-tête compris",
}


def localize_schemas(spec: dict, lang: str) -> None:
    """Put the texts of ``spec``'s schemas (``components.schemas``: each model's ``description``,
    each property's) in ``lang``, in place; English is the models' own. A text not in
    :data:`SCHEMAS_FR` stays as written."""
    if lang != "fr":
        return

    def walk(node: object) -> None:
        if isinstance(node, dict):
            text = node.get("description")
            if isinstance(text, str) and text in SCHEMAS_FR:
                node["description"] = SCHEMAS_FR[text]
            for value in node.values():
                walk(value)  # (a translated text is a string: walking it does nothing)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec.get("components", {}).get("schemas", {}))
