"""The API documentation in each language: ``/openapi.fr.json`` and ``/openapi.en.json``.

``/openapi.json`` stays FastAPI's own description, for machines (operation ids, schemas and
English texts unchanged). The two per-language copies, which ``/docs`` shows, name every
operation for people (« Matrice de couverture », "Coverage matrix" rather than the function's
name "Coverage Matrix Api…"), with the summaries, descriptions, tags and parameter descriptions
of :data:`OPERATIONS`, :data:`PARAMETERS_FR` and :data:`TAGS_FR` (what they do not know stays as
FastAPI wrote it; ``tests/test_docs_lang.py`` checks every operation is known).
"""

from __future__ import annotations

import copy

from ..i18n import typeset_markdown
from .openapi_schemas_fr import localize_schemas

#: (method, path) → (English summary, French summary, French description or "" to keep none).
OPERATIONS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("get", "/sparql"): (
        "SPARQL query (GET)", "Requête SPARQL (GET)",
        "Requête SPARQL 1.1 par GET (`?query=…`, avec `default-graph-uri`, `named-graph-uri` au besoin). "
        "Sans requête : la description du service SPARQL 1.1 (Turtle), ou pour un navigateur la page de "
        "requête avec les requêtes nommées en exemples. Le format des résultats suit `Accept` : SPARQL "
        "Results JSON (par défaut), XML, CSV, TSV ; les graphes en Turtle (par défaut), N-Triples, RDF/XML, "
        "JSON-LD."),
    ("post", "/sparql"): (
        "SPARQL query (POST)", "Requête SPARQL (POST)",
        "Requête SPARQL 1.1 par POST : formulaire (`query=…`) ou direct (`application/sparql-query`). "
        "Le point d'accès est en lecture seule : une mise à jour (`update=…` ou `application/sparql-update`) "
        "est refusée (403) ; une mise à jour envoyée comme requête n'en est pas une (400)."),
    ("get", "/api/queries"): (
        "List the named queries", "Liste des requêtes nommées",
        "Chaque requête nommée : nom, titre, description, paramètres, exemple et texte SPARQL ; titres et "
        "descriptions des paramètres dans la langue demandée (`?lang=`, sinon `Accept-Language`), les deux "
        "langues dans `summaries` et `descriptions`."),
    ("get", "/api/queries/{name}"): (
        "Run a named query", "Exécuter une requête nommée",
        "Exécute une requête nommée avec ses paramètres dans l'adresse (`?module=M01&lang=en`). Sans "
        "paramètre `lang`, la langue de la requête HTTP (`Accept-Language`, sinon le français). Un tableau "
        "JSON d'objets par défaut ; CSV, SPARQL Results JSON/XML ou TSV selon `Accept`, ou le suffixe "
        "`.csv` / `.json` du nom."),
    ("get", "/api/programme"): (
        "Programme", "Formation",
        "La formation : libellé, université, heures déclarées et listées, certification (requêtes "
        "`programme_identity` et `hours_declared_vs_listed`)."),
    ("get", "/api/modules"): ("Modules", "Modules", "Chaque module dans l'ordre de la brochure (requête `modules`)."),
    ("get", "/api/modules/{code}"): (
        "One module", "Un module",
        "Un module avec les compétences qu'il couvre et le niveau atteint (requêtes `modules` et "
        "`competencies_for_module`)."),
    ("get", "/api/competencies"): (
        "Competencies", "Compétences", "Chaque compétence avec son bloc et sa couverture (requête `competencies`)."),
    ("get", "/api/competencies/{code}"): (
        "One competency", "Une compétence",
        "Une compétence avec les modules qui la couvrent (requêtes `competencies` et `modules_for_competency`)."),
    ("get", "/api/blocks"): (
        "Competency blocks", "Blocs de compétences",
        "Chaque bloc de compétences avec ses heures et sa couverture (requête `hours_per_block`)."),
    ("get", "/api/blocks/{code}"): (
        "One block", "Un bloc", "Un bloc avec ses compétences (requêtes `hours_per_block` et `competencies`)."),
    ("get", "/api/jobs"): ("Target jobs", "Métiers visés", "Chaque métier visé avec sa catégorie ROME (requête `jobs`)."),
    ("get", "/api/jobs/{code}"): (
        "One job", "Un métier",
        "Un métier avec ses activités, les compétences qu'elles mobilisent et les modules qui les "
        "construisent (requêtes `jobs` et `job_paths`)."),
    ("get", "/api/coverage-matrix"): (
        "Coverage matrix", "Matrice de couverture",
        "La matrice cours × compétences : modules (lignes), compétences (colonnes), liens (cellules) "
        "(requêtes `modules`, `competencies` et `coverage_matrix`)."),
    ("get", "/api/gaps"): (
        "Gaps", "Manques",
        "Ce qui manque : compétences et blocs non couverts, modules qui ne couvrent rien, heures déclarées "
        "et listées (requêtes `uncovered_competencies`, `uncovered_blocks`, `modules_without_competency`, "
        "`hours_declared_vs_listed`)."),
    ("get", "/id/{path}"): (
        "A resource of the graph", "Une ressource du graphe",
        "La ressource `https://w3id.org/cipt-graph/id/{path}` : ses propriétés et les liens vers elle. "
        "Négociation de contenu par `Accept` (HTML pour les navigateurs, Turtle, JSON-LD…) ou par un "
        "suffixe (`.html`, `.ttl`, `.jsonld`, `.nt`, `.rdf`) ; les en-têtes `Link` nomment les autres formats."),
    ("get", "/ontology"): (
        "The vocabulary", "Le vocabulaire",
        "Le vocabulaire (`https://w3id.org/cipt-graph/ontology#`) : classes et propriétés avec libellés et "
        "définitions, en HTML, Turtle, JSON-LD… ; chaque terme est une ancre (`/ontology#Module`). Un "
        "suffixe (`/ontology.ttl`…) choisit le format."),
    ("get", "/api/versions"): (
        "List the versions", "Liste des versions",
        "Chaque version enregistrée de l'espace de travail, de la plus ancienne à la plus récente : "
        "identifiant, date, auteur, nature, fichier source et nombres de liens. Vide avant le premier import "
        "accepté."),
    ("get", "/api/versions/diff"): (
        "Compare two versions", "Comparer deux versions",
        "Les liens ajoutés, retirés et modifiés (niveau, heures, statut ou justification) de `a` à `b`, et "
        "par bloc les compétences couvertes, les heures et les modules avant et après ; les autres natures "
        "de changement (`activity_links`, `objective_links`, `modules`, `reconciliation`, `fiches`), chacune "
        "avec `added`, `removed` et `changed`. Le même JSON que `cipt diff A B --format json --programme X`. "
        "Les versions sont celles de l'espace de travail : les changements de toutes les formations ensemble ; "
        "`programme` limite la comparaison à une formation."),
    ("get", "/api/versions/{version_id}"): (
        "One version", "Une version", "Une version enregistrée (`latest` pour la dernière)."),
    ("get", "/"): (
        "Dashboard", "Tableau de bord",
        "La formation sur un écran : chiffres clés (modules, heures déclarées et listées, blocs couverts, "
        "manques), heures par bloc, liens vers chaque vue, la page SPARQL et la documentation de l'API."),
    ("get", "/graph"): (
        "Coverage network", "Réseau de couverture",
        "Réseau interactif des modules, compétences, blocs, activités, objectifs et métiers. Filtres par "
        "bloc, métier et période (aussi `?block=`, `?job=`, `?period=`) ; un clic sur un nœud montre son "
        "détail et le lien vers sa page `/id/…`."),
    ("get", "/matrix"): (
        "Coverage matrix", "Matrice de couverture",
        "La matrice cours × compétences : modules par période, compétences par bloc, le niveau dans chaque "
        "cellule (couleur et lettre), totaux, heures par bloc ; s'imprime en A4 paysage."),
    ("get", "/matrix.csv"): (
        "Coverage matrix as CSV", "Matrice de couverture en CSV",
        "La requête nommée `coverage_matrix` en CSV : une ligne par lien module → compétence. Quand le jeu "
        "de données contient plusieurs formations, `programme` est nécessaire (400 le nommant)."),
    ("get", "/matrix.xlsx"): (
        "Coverage matrix as XLSX", "Matrice de couverture en XLSX",
        "Le classeur modifiable (celui de `cipt export-matrix`) : la matrice telle qu'affichée, ses totaux "
        "et les lignes de la cartographie. Quand le jeu de données contient plusieurs formations, "
        "`programme` est nécessaire (400 le nommant)."),
    ("get", "/jobs"): (
        "Job readiness", "Préparation aux métiers",
        "Pour chaque métier visé : ses activités, les compétences qu'elles demandent, les modules qui les "
        "construisent avec leurs heures, et ce qui manque."),
    ("get", "/programmes"): (
        "University overview", "Vue d'ensemble de l'université",
        "Chaque formation avec ses chiffres clés (heures déclarées et listées, couverture, manques, part des "
        "liens validés : requête `programmes`), avec recherche, tri et pages ; puis les certifications que "
        "plusieurs formations partagent, bloc par bloc (requête `certification_coverage`)."),
    ("get", "/audit"): (
        "Accreditation audit", "Audit d'accréditation",
        "Le rapport d'audit d'accréditation du graphe servi. Chaque chiffre cite la requête nommée (ou la "
        "forme SHACL) qui l'a produit, avec les liens qui l'exécutent sur ce service. La page HTML s'imprime "
        "en A4 sans JavaScript. Le rapport est établi à chaque appel (il lance la validation SHACL)."),
    ("post", "/api/imports/matrix"): (
        "Import an edited matrix workbook", "Importer un classeur de matrice modifié",
        "Envoie un classeur de cartographie modifié (le XLSX de `cipt export-matrix`) et l'applique, comme "
        "`cipt import-matrix`. Désactivé sauf avec `--allow-writes` ; demande `Authorization: Bearer "
        "<jeton>`. Chaque cellule est vérifiée et rien n'est appliqué si le classeur n'est pas entièrement "
        "valide (400 liste chaque erreur avec sa feuille et sa cellule). Un classeur au-delà d'une limite "
        "est refusé avant d'être lu : 413 pour les octets, 400 pour les nombres de lignes, cellules…"),
    ("post", "/api/imports/rncp"): (
        "Import an RNCP export", "Importer un export RNCP",
        "Envoie l'export RNCP de France Compétences (XML V4.1, son zip, ou le zip CSV) et l'importe, comme "
        "`cipt import-rncp`. Désactivé sauf avec `--allow-writes` ; demande `Authorization: Bearer "
        "<jeton>`. `?fiche=RNCP38175` (répétable) ne garde que ces fiches. Rien n'est écrit si l'export "
        "entier ne se lit pas sans erreur (400 dit le fichier, la ligne et quoi)."),
    ("get", "/ims/case/v1p0/CFDocuments"): (
        "getAllCFDocuments", "getAllCFDocuments : tous les documents",
        "Chaque CFDocument (ici : la certification de la formation), en `{\"CFDocuments\": [...]}`."),
    ("get", "/ims/case/v1p0/CFDocuments/{sourcedId}"): (
        "getCFDocument", "getCFDocument : un document",
        "Le CFDocument d'identifiant `sourcedId` (liaison REST de CASE 1.0)."),
    ("get", "/ims/case/v1p0/CFPackages/{sourcedId}"): (
        "getCFPackage", "getCFPackage : un paquet", "Le CFPackage d'identifiant `sourcedId` (liaison REST de CASE 1.0)."),
    ("get", "/ims/case/v1p0/CFItems/{sourcedId}"): (
        "getCFItem", "getCFItem : un élément", "Le CFItem d'identifiant `sourcedId` (liaison REST de CASE 1.0)."),
    ("get", "/ims/case/v1p0/CFAssociations/{sourcedId}"): (
        "getCFAssociation", "getCFAssociation : une association",
        "La CFAssociation d'identifiant `sourcedId` (liaison REST de CASE 1.0)."),
    ("get", "/ims/case/v1p0/CFItemAssociations/{sourcedId}"): (
        "getCFItemAssociations", "getCFItemAssociations : les associations d'un élément",
        "Le CFItem d'identifiant `sourcedId` et ses associations (liaison REST de CASE 1.0)."),
    ("get", "/ims/case/v1p0/CFItemTypes/{sourcedId}"): (
        "getCFItemType", "getCFItemType : un type d'élément",
        "Le CFItemType d'identifiant `sourcedId` (liaison REST de CASE 1.0)."),
    ("get", "/ims/case/v1p0/CFAssociationGroupings/{sourcedId}"): (
        "getCFAssociationGrouping", "getCFAssociationGrouping : un groupement d'associations",
        "Le CFAssociationGrouping d'identifiant `sourcedId` (liaison REST de CASE 1.0)."),
    ("get", "/context.jsonld"): (
        "The JSON-LD context", "Le contexte JSON-LD",
        "Le `@context` JSON-LD du projet (IRI stable https://w3id.org/cipt-graph/context.jsonld) : préfixes "
        "et termes avec lesquels chaque réponse JSON-LD du service est compactée."),
    ("get", "/interchange/case.json"): (
        "CASE 1.0 package", "Paquet CASE 1.0", "Le référentiel en CFPackage CASE 1.0 (ce qu'écrit `cipt export-case`)."),
    ("get", "/interchange/moodle.csv"): (
        "Moodle competency framework", "Référentiel de compétences Moodle",
        "Le CSV de référentiel pour l'outil d'import de Moodle (ce qu'écrit `cipt export-moodle`)."),
    ("get", "/interchange/elm.jsonld"): (
        "Europass ELM qualification", "Certification Europass ELM",
        "La certification en JSON-LD ELM 3 (ce qu'écrit `cipt export-elm`)."),
    ("get", "/interchange"): (
        "Interchange page", "Page des échanges",
        "Les exports pour d'autres systèmes (CASE, Moodle, ELM, contexte JSON-LD), chacun avec son usage, "
        "ses lecteurs, un lien de téléchargement et la commande qui l'écrit."),
}

#: Parameter descriptions: English (as the routes write them) → French.
PARAMETERS_FR: dict[str, str] = {
    "The programme whose certification is exported (its code, such as M2_CIPT, or its IRI); needed when "
    "the dataset holds several programmes (400)":
        "La formation dont la certification est exportée (son code, comme M2_CIPT, ou son IRI) ; "
        "obligatoire quand les données comptent plusieurs formations (400)",
    "Only this programme's (its code, such as M2_CIPT, or its IRI); every programme when absent, "
    "each row naming its programme":
        "Seulement ceux de cette formation (son code, comme M2_CIPT, ou son IRI) ; toutes les "
        "formations en son absence, chaque ligne nommant la sienne",
    "Only this programme's (its code, such as M2_CIPT, or its IRI); every programme when absent, "
    "each row naming its programme — except on /api/modules, /api/blocks, /api/competencies (and their "
    "details), /api/coverage-matrix and /api/gaps, which need it when the dataset holds several programmes (400)":
        "Seulement ceux de cette formation (son code, comme M2_CIPT, ou son IRI) ; toutes les "
        "formations en son absence, chaque ligne nommant la sienne — sauf sur /api/modules, /api/blocks, "
        "/api/competencies (et leurs détails), /api/coverage-matrix et /api/gaps, qui la demandent quand le "
        "jeu de données contient plusieurs formations (400)",
    "Audit one programme (its code, such as M2_CIPT, or its IRI); the whole graph when absent — needed "
    "when the dataset holds several programmes: the HTML page then sends to the overview (303), json and md "
    "answer 400":
        "Auditer une formation (son code, comme M2_CIPT, ou son IRI) ; tout le graphe en son absence — "
        "nécessaire quand le jeu de données contient plusieurs formations : la page HTML renvoie alors à la "
        "vue d'ensemble (303), json et md répondent 400",
    "Only this programme's changes (its code, such as M2_CIPT, or its IRI; 404 naming the parameter when it "
    "names none); every programme's when absent, each link and block naming its programme":
        "Seulement les changements de cette formation (son code, comme M2_CIPT, ou son IRI ; 404 nommant le "
        "paramètre quand elle n'en désigne aucune) ; ceux de toutes les formations en son absence, chaque "
        "lien et bloc nommant sa formation",
    "Language of the labels: fr (default) or en": "Langue des libellés : fr (par défaut) ou en",
    "Language of the page: fr or en (default: the one Accept-Language prefers, else fr)":
        "Langue de la page : fr ou en (par défaut : celle que préfère Accept-Language, sinon fr)",
    "The programme (its code, such as M2_CIPT, or its IRI); the dataset's only programme when absent":
        "La formation (son code, comme M2_CIPT, ou son IRI) ; la seule formation du jeu de données "
        "en son absence",
    "Language of the HTML page (default: the one Accept-Language prefers, else fr)":
        "Langue de la page HTML (par défaut : celle que préfère Accept-Language, sinon fr)",
    "a CFDocument field to sort on": "un champ de CFDocument selon lequel trier",
    "Column to sort by": "Colonne de tri",
    "Sort order: asc or desc": "Ordre de tri : asc ou desc",
    "Page of the table (50 programmes a page, from 1; 404 past the last)":
        "Page du tableau (50 formations par page, à partir de 1 ; 404 au-delà de la dernière)",
    "Column to sort by: code, label, rncp, declared, listed, modules, coverage, uncovered, empty, validated":
        "Colonne de tri : code, label, rncp, declared, listed, modules, coverage, uncovered, empty, validated",
    "Search in the programmes' codes, labels and RNCP numbers":
        "Recherche dans les codes, libellés et numéros RNCP des formations",
    "Audit one programme (its code, such as M2_CIPT, or its IRI); the whole graph when absent":
        "Auditer une formation (son code, comme M2_CIPT, ou son IRI) ; tout le graphe en son absence",
    "Page of the table (50 programmes a page)": "Page du tableau (50 formations par page)",
    "asc or desc": "asc ou desc",
    "Sort order": "Ordre de tri",
    "skip this many": "en sauter autant",
    "at most this many documents": "au plus autant de documents",
    "main language of the texts": "langue principale des textes",
    "Language of the titles, summaries and parameter descriptions: fr or en (default: the one "
    "Accept-Language prefers, else fr); both are always in `summaries` and `descriptions`":
        "Langue des titres, résumés et descriptions des paramètres : fr ou en (par défaut : celle que "
        "préfère Accept-Language, sinon fr) ; les deux sont toujours dans `summaries` et `descriptions`",
    "Language of the report (default: the one Accept-Language prefers, else fr)":
        "Langue du rapport (par défaut : celle que préfère Accept-Language, sinon fr)",
    "Language of the labels": "Langue des libellés",
    "`html` (printable, A4), `json` (the schema of docs/audit-json.md) or `md`":
        "`html` (imprimable, A4), `json` (le schéma de docs/audit-json.md) ou `md`",
    "field op 'value' [AND …]; op = != ~": "champ op 'valeur' [AND …] ; op = != ~",
    "comma-separated fields to return": "champs à renvoyer, séparés par des virgules",
    "Only this block's (its code, BC05)": "Seulement celles de ce bloc (son code, BC05)",
    "A version id, `latest` or `current`": "Un identifiant de version, `latest` ou `current`",
    "A version id (`v1`…), `latest` or `current` (the workspace's files now)":
        "Un identifiant de version (`v1`…), `latest` ou `current` (les fichiers actuels de l'espace de travail)",
}

#: Tags (the groups of operations) → French.
TAGS_FR: dict[str, str] = {
    "SPARQL": "SPARQL", "Named queries": "Requêtes nommées", "Resources": "Ressources",
    "Linked data": "Données liées", "Versions": "Versions", "Views": "Vues", "Audit": "Audit",
    "Imports (writes, off by default)": "Imports (écritures, désactivées par défaut)",
    "CASE 1.0": "CASE 1.0", "Interchange": "Échanges",
}

#: Response descriptions → French.
RESPONSES_FR: dict[str, str] = {
    "Another import is running (wait `Retry-After` seconds), or the import was recorded but the served "
    "store could not be refreshed":
        "Un autre import est en cours (attendre `Retry-After` secondes), ou l'import a été enregistré mais "
        "l'entrepôt servi n'a pas pu être rafraîchi",
    "Applied (or, with `dry_run`, checked): what changed, and the version recorded":
        "Appliqué (ou, avec `dry_run`, vérifié) : ce qui a changé, et la version enregistrée",
    "Bad query: syntax error, two queries, non-UTF-8 text, SERVICE call":
        "Requête incorrecte : erreur de syntaxe, deux requêtes, texte non UTF-8, appel SERVICE, mise à jour",
    "Body, query or result too large": "Corps, requête ou résultat trop grand",
    "Missing or wrong bearer token": "Jeton d'accès absent ou faux",
    "No query of that name": "Aucune requête de ce nom",
    "No such resource": "Aucune ressource de ce code",
    "Not the expected file type": "Pas le type de fichier attendu",
    "Query results (SPARQL Results JSON/XML/CSV/TSV, or an RDF graph)":
        "Résultats de la requête (SPARQL Results JSON/XML/CSV/TSV, ou un graphe RDF)",
    "Rows: a JSON array of objects keyed by the query's variables (or CSV, SPARQL results)":
        "Lignes : un tableau JSON d'objets dont les clés sont les variables de la requête (ou CSV, "
        "résultats SPARQL)",
    "SPARQL Update refused": "Mise à jour SPARQL refusée (point d'accès en lecture seule)",
    "Successful Response": "Réponse réussie",
    "The file is not valid: every problem listed, nothing written":
        "Le fichier n'est pas valide : chaque problème listé, rien d'écrit",
    "The graph holds nothing about this IRI": "Le graphe ne contient rien sur cette IRI",
    "The report; `X-Cipt-Audit-Violations` and `X-Cipt-Audit-Warnings` count the findings":
        "Le rapport ; `X-Cipt-Audit-Violations` et `X-Cipt-Audit-Warnings` comptent les constats",
    "The resource: HTML, Turtle, JSON-LD, N-Triples or RDF/XML":
        "La ressource : HTML, Turtle, JSON-LD, N-Triples ou RDF/XML",
    "The upload (or, for RNCP, its unzipped size, fiches, items or a field) is larger than the service's "
    "limit: the limit and the place are named":
        "L'envoi (ou, pour le RNCP, sa taille décompressée, ses fiches, éléments ou un champ) dépasse la "
        "limite du service : la limite et l'endroit sont nommés",
    "Time limit passed, or too many queries running":
        "Limite de temps dépassée, ou trop de requêtes en cours",
    "Too many wrong tokens from this client: wait `Retry-After` seconds":
        "Trop de jetons faux de ce client : attendre `Retry-After` secondes",
    "Unknown or missing parameter, or a code that names nothing":
        "Paramètre inconnu ou absent, ou code qui ne désigne rien",
    "Validation Error": "Paramètre refusé",
    "Writes are off (the default): the service is read-only":
        "Les écritures sont désactivées (par défaut) : le service est en lecture seule",
    "Wrong media type": "Mauvais type de contenu",
}

INFO_FR = """\
Le graphe de compétences du Master 2 *Communication institutionnelle et politique des
territoires* (Université Paris 1, RNCP 38175) en HTTP : un point d'accès SPARQL 1.1 en lecture
seule (`/sparql`), les requêtes nommées (`/api/queries`), une API JSON des ressources principales
(`/api/…`) et chaque IRI du graphe en page ou en RDF (`/id/…`). Les noms des champs JSON sont
ceux du contrat, en anglais (leurs descriptions sont ici en français) ; `/openapi.json` est la
description pour les machines.
"""
_METHODS = ("get", "post", "put", "delete", "patch")


def localized_openapi(spec: dict, lang: str) -> dict:
    """A copy of the OpenAPI description ``spec`` with the operations named for people in ``lang``,
    and the schemas' texts (models, fields) in ``lang`` (:mod:`.openapi_schemas_fr`)."""
    out = copy.deepcopy(spec)
    localize_schemas(out, lang)
    if lang == "fr":
        out.setdefault("info", {})["description"] = INFO_FR
    for path, operations in out.get("paths", {}).items():
        for method, op in operations.items():
            if method not in _METHODS:
                continue
            known = OPERATIONS.get((method, path))
            if known:
                op["summary"] = known[0] if lang == "en" else known[1]
                if lang == "fr" and known[2]:
                    op["description"] = known[2]
            if lang != "fr":
                continue
            op["tags"] = [TAGS_FR.get(tag, tag) for tag in op.get("tags", [])]
            for param in op.get("parameters", []):
                text = param.get("description")
                if text in PARAMETERS_FR:
                    param["description"] = PARAMETERS_FR[text]
            for response in op.get("responses", {}).values():
                text = response.get("description")
                if text in RESPONSES_FR:
                    response["description"] = RESPONSES_FR[text]
    if lang == "fr":
        _typeset_texts(out)
    return out


def docs_text(text: str, markdown: bool = True) -> str:
    """A French text of /openapi.fr.json in French typography (:func:`..i18n.typeset_markdown`:
    code spans as written). In Markdown (descriptions) the no-break space is written ``&nbsp;``:
    Swagger UI's Markdown (Remarkable) turns the character U+00A0 into a plain space, the entity
    into U+00A0; a summary is plain text."""
    text = typeset_markdown(text, "fr")
    return text.replace("\u00a0", "&nbsp;") if markdown else text


def _typeset_texts(node: object) -> None:
    """Every ``description`` (Markdown) and ``summary`` under ``node`` through :func:`docs_text`,
    in place; examples, names and values untouched."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary") and isinstance(value, str):
                node[key] = docs_text(value, markdown=key == "description")
            elif key not in ("example", "examples", "default", "enum", "const"):
                _typeset_texts(value)
    elif isinstance(node, list):
        for value in node:
            _typeset_texts(value)
