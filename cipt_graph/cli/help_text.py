"""The `--help` of `cipt` in French (the default) and English: ``localize(parser, lang)``.

The English help is written where each command is defined (its docstring, its options'
``help=``); this catalogue gives each of those strings in French, keyed by the English text as
gettext does; the long descriptions are in :mod:`cipt_graph.cli.help_descriptions`, by command.
argparse's own words ("usage:",
"options:", "show this help message and exit"…) are in it too. A string missing from the
catalogue stays in English; a test checks that every help string of every command has its
French.
"""

from __future__ import annotations

import argparse
import inspect

from ..i18n import typeset
from .help_descriptions import DESCRIPTIONS_FR


#: "usage: " as argparse writes it before the usage line, per language.
USAGE = {"fr": typeset("utilisation : ", "fr"), "en": "usage: "}

_FR: dict[str, str] = {
    # argparse's own words
    "positional arguments": "arguments ",
    "options": "options ",
    "show this help message and exit": "affiche cette aide et quitte",
    "show program's version number and exit": "affiche la version de cipt-graph et quitte",
    "COMMAND": "COMMANDE",
    # metavars
    "DIR": "DOSSIER",
    "PATH|URL": "CHEMIN|URL",
    "FILE": "FICHIER",
    "KEY=VALUE": "CLÉ=VALEUR",
    "SECONDS": "SECONDES",
    "BYTES": "OCTETS",
    "TEXT": "TEXTE",
    "ORIGIN": "ORIGINE",
    "NAME": "NOM",
    "ADDRESS": "ADRESSE",
    # the top level
    "language of the messages, reports and pages: fr or en (default: the environment's LC_ALL / "
    "LC_MESSAGES / LANG, else fr); a command's own --lang wins":
        "langue des messages, rapports et pages : fr ou en (par défaut : celle de l'environnement, "
        "LC_ALL / LC_MESSAGES / LANG, sinon fr) ; le --lang d'une commande l'emporte",
    # command summaries
    "Create a workspace holding a copy of the shipped programme data, to edit.":
        "Crée un espace de travail avec une copie modifiable des données livrées de la formation.",
    "Build the dataset and write it as Turtle, N-Quads, N-Triples, TriG or JSON-LD.":
        "Construit le jeu de données et l'écrit en Turtle, N-Quads, N-Triples, TriG ou JSON-LD.",
    "Fill a persistent store from the workspace, once: later commands and `cipt serve` use it as it is.":
        "Remplit un entrepôt persistant depuis l'espace de travail, une fois : les commandes suivantes "
        "et `cipt serve` l'utilisent tel quel.",
    "Validate the dataset against the SHACL shapes (structure and accreditation rules).":
        "Vérifie les données avec les formes SHACL (structure et règles d'accréditation).",
    "Run a named query (see `cipt queries`) with its parameters.":
        "Exécute une requête nommée (voir `cipt queries`) avec ses paramètres.",
    "List the named queries with their summaries (in the language of the messages) and parameters.":
        "Liste les requêtes nommées, avec leur résumé (dans la langue des messages) et leurs paramètres.",
    "Key figures of the graph (from the `stats` named query).":
        "Chiffres clés du graphe (d'après la requête nommée `stats`).",
    "Accreditation audit report (HTML, Markdown or JSON): every figure cites its named query.":
        "Rapport d'audit pour l'accréditation (HTML, Markdown ou JSON) : chaque chiffre cite sa requête nommée.",
    "Export the coverage mapping as a course × competency matrix (XLSX for editing, or CSV).":
        "Exporte la couverture en matrice modules × compétences (XLSX à modifier, ou CSV).",
    "Check an edited matrix workbook (XLSX) and apply it to the workspace's mapping.":
        "Vérifie un classeur de matrice modifié (XLSX) et l'applique à la couverture de l'espace de travail.",
    "List the recorded versions: id, date, who, kind, source, link counts and message (-m).":
        "Liste les versions enregistrées : identifiant, date, auteur, nature, source, nombre de liens "
        "et message (-m).",
    "Compare two versions (ids such as v2, `latest`, or `current` for the files now).":
        "Compare deux versions (identifiants comme v2, `latest`, ou `current` pour les fichiers actuels).",
    "Import France Compétences' RNCP export (XML V4.1 .xml/.zip, or CSV zip) into the workspace.":
        "Importe l'export RNCP de France Compétences (XML V4.1 .xml/.zip, ou zip de CSV) dans l'espace de travail.",
    "Write the certification's referential as a 1EdTech CASE 1.0 package (JSON).":
        "Écrit le référentiel de la certification en paquet 1EdTech CASE 1.0 (JSON).",
    "Write the referential as a Moodle competency framework CSV (tool_lpimportcsv).":
        "Écrit le référentiel en référentiel de compétences Moodle, au format CSV (tool_lpimportcsv).",
    "Write the qualification as Europass / European Learning Model (ELM 3) JSON-LD.":
        "Écrit le diplôme en JSON-LD Europass / European Learning Model (ELM 3).",
    "Write the coverage views as standalone HTML files that open from disk, with no server and no network.":
        "Écrit les vues de la couverture en fichiers HTML autonomes, lisibles depuis le disque, sans "
        "serveur ni réseau.",
    "Serve the graph over HTTP: SPARQL 1.1 endpoint (/sparql), named queries and JSON API":
        "Sert le graphe en HTTP : point d'accès SPARQL 1.1 (/sparql), requêtes nommées et API JSON",
    "Manage who may sign in to `cipt serve` to edit or validate the mapping.":
        "Gère qui peut se connecter à `cipt serve` pour modifier ou valider la couverture.",
    # options
    "folder to create": "dossier à créer",
    "overwrite files in an existing folder": "écrase les fichiers d'un dossier existant",
    "language of the messages: fr or en (default: the global --lang, else LANGUAGE / LC_ALL / "
    "LC_MESSAGES / LANG, else fr)":
        "langue des messages : fr ou en (par défaut : le --lang général, sinon LANGUAGE / LC_ALL / "
        "LC_MESSAGES / LANG, sinon fr)",
    "where the data is": "où sont les données ",
    "workspace of data files made with `cipt init` (default: $CIPT_DATA, else the programme's data "
    "shipped with cipt-graph, read-only)":
        "espace de travail créé par `cipt init` (par défaut : $CIPT_DATA, sinon les données de la "
        "formation livrées avec cipt-graph, en lecture seule)",
    "persistent store: a folder (on-disk Oxigraph) or a SPARQL query endpoint URL (default: "
    "$CIPT_STORE, else a new in-memory store built from the workspace); queries go to a URL by GET up "
    "to $CIPT_QUERY_MAX_GET_URL characters (2000), by form POST beyond; $CIPT_QUERY_METHOD=get|post|direct "
    "forces one way":
        "entrepôt persistant : un dossier (Oxigraph sur disque) ou l'URL d'un point d'accès SPARQL "
        "(par défaut : $CIPT_STORE, sinon un entrepôt en mémoire construit depuis l'espace de travail) ; "
        "les requêtes partent vers une URL en GET jusqu'à $CIPT_QUERY_MAX_GET_URL caractères (2000), en "
        "POST de formulaire au-delà ; $CIPT_QUERY_METHOD=get|post|direct impose une façon",
    "SPARQL Update endpoint of a remote store, for writes (default: $CIPT_UPDATE_URL)":
        "point d'accès SPARQL Update d'un entrepôt distant, pour écrire (par défaut : $CIPT_UPDATE_URL)",
    "Graph Store Protocol endpoint of a remote store, for writes (default: $CIPT_GSP_URL)":
        "point d'accès Graph Store Protocol d'un entrepôt distant, pour écrire (par défaut : $CIPT_GSP_URL)",
    "write to FILE (default: standard output)": "écrit dans FICHIER (par défaut : la sortie standard)",
    "language of the messages (default: the global --lang, else LC_ALL/LANG)":
        "langue des messages (par défaut : le --lang général, sinon LC_ALL/LANG)",
    "exit 1 on any finding (warning, the default) or on violations only":
        "sort avec le statut 1 à chaque constat (warning, par défaut) ou seulement aux violations (violation)",
    "validate one programme's part of the data (its code, such as M2_CIPT, or its IRI); default: every "
    "programme's, each finding naming its programmes":
        "vérifie la seule part d'une formation (son code, comme M2_CIPT, ou son IRI) ; par défaut : "
        "ceux de toutes les formations, chacun nommant ses formations",
    "a named query (see `cipt queries`)": "une requête nommée (voir `cipt queries`)",
    "a parameter of the query (repeatable); IRIs may be given as codes: M01, BC05-C1":
        "un paramètre de la requête (répétable) ; les IRI peuvent être données par leur code : M01, BC05-C1",
    "one programme's figures (its code, such as M2_CIPT, or its IRI); default: every programme":
        "les chiffres d'une seule formation (son code, comme M2_CIPT, ou son IRI) ; par défaut : "
        "toutes les formations",
    "language of the report (default: the global --lang, else LC_ALL/LANG)":
        "langue du rapport (par défaut : le --lang général, sinon LC_ALL/LANG)",
    "audit one programme (its code, such as M2_CIPT, or its IRI); needed when the data holds several; "
    "default: the data's only programme":
        "audite une seule formation (son code, comme M2_CIPT, ou son IRI) ; nécessaire quand les "
        "données en contiennent plusieurs ; par défaut : la seule formation des données",
    "root URL of a running `cipt serve`: adds links running each query there":
        "URL racine d'un `cipt serve` en marche : ajoute des liens qui y exécutent chaque requête",
    "language of the labels and headers (default: the global --lang, else LC_ALL/LANG)":
        "langue des libellés et des en-têtes (par défaut : le --lang général, sinon LC_ALL/LANG)",
    "the programme whose matrix to export (its code, such as M2_CIPT, or its IRI); needed when "
    "the workspace holds several":
        "la formation dont exporter la matrice (son code, comme M2_CIPT, ou son IRI) ; "
        "obligatoire quand l'espace de travail en contient plusieurs",
    "the edited workbook (.xlsx)": "le classeur modifié (.xlsx)",
    "who made the changes (default: $USER)": "auteur des modifications (par défaut : $USER)",
    "a note kept with the version": "une note gardée avec la version",
    "check and show the changes, write nothing": "vérifie et montre les modifications, sans rien écrire",
    "apply even if the mapping changed since the workbook was exported":
        "applique même si la couverture a changé depuis l'export du classeur",
    "the programme the workbook is about (its code, such as M2_CIPT, or its IRI); default: the "
    "one it was exported for, else the workspace's only programme":
        "la formation du classeur (son code, comme M2_CIPT, ou son IRI) ; par défaut : celle pour "
        "laquelle il a été exporté, sinon la seule formation de l'espace de travail",
    "a version id (v1…), `latest` or `current`": "un identifiant de version (v1…), `latest` ou `current`",
    "language of the labels (default: the global --lang, else LC_ALL/LANG)":
        "langue des libellés (par défaut : le --lang général, sinon LC_ALL/LANG)",
    "the changes of one programme (its code, such as M2_CIPT, or its IRI); default: every "
    "programme's, each link and block naming its programme":
        "les modifications d'une seule formation (son code, comme M2_CIPT, ou son IRI) ; par "
        "défaut : celles de toutes, chaque lien et bloc nommant sa formation",
    "the export: export_fiches_RNCP_V4_1_*.xml or its .zip, or export-fiches-csv-*.zip":
        "l'export : export_fiches_RNCP_V4_1_*.xml ou son .zip, ou export-fiches-csv-*.zip",
    "import only these fiches (repeatable), e.g. --fiche RNCP38175":
        "n'importe que ces fiches (répétable), par exemple --fiche RNCP38175",
    "who imports, for the version (default: $USER)": "auteur de l'import, pour la version (par défaut : $USER)",
    "main language of the texts (default: the global --lang, else LC_ALL/LANG, else fr)":
        "langue principale des textes (par défaut : le --lang général, sinon LC_ALL/LANG, sinon fr)",
    "folder to write the HTML files into (created if missing)":
        "dossier où écrire les fichiers HTML (créé s'il n'existe pas)",
    "language of the pages (default: the global --lang, else LC_ALL/LANG)":
        "langue des pages (par défaut : le --lang général, sinon LC_ALL/LANG)",
    "the programme the views are about (its code, such as M2_CIPT, or its IRI); needed when the "
    "data holds several":
        "la formation des vues (son code, comme M2_CIPT, ou son IRI) ; obligatoire quand les "
        "données en contiennent plusieurs",
    "the programme whose certification is exported (its code, such as M2_CIPT, or its IRI); needed "
    "when the data holds several":
        "la formation dont la certification est exportée (son code, comme M2_CIPT, ou son IRI) ; "
        "obligatoire quand les données en contiennent plusieurs",
    "interface to listen on (default: 127.0.0.1, this machine only)":
        "interface d'écoute (par défaut : 127.0.0.1, cette machine seulement)",
    "port (default: 8000)": "port (par défaut : 8000)",
    "query time limit (default: 10)": "durée maximale d'une requête, en secondes (par défaut : 10)",
    "time limit of the audit report and of a diff of versions (default: 60)":
        "durée maximale du rapport d'audit et d'une comparaison de versions (par défaut : 60)",
    "most rows a SPARQL result may have (default: 10000)":
        "nombre maximal de lignes d'un résultat SPARQL (par défaut : 10000)",
    "past --max-rows, send the first rows with an X-Cipt-Truncated header instead of 413":
        "au-delà de --max-rows, envoie les premières lignes avec un en-tête X-Cipt-Truncated au lieu d'un 413",
    "largest request body (default: 1048576)": "taille maximale du corps d'une requête (par défaut : 1048576)",
    "longest query, in characters (default: 50000)":
        "longueur maximale d'une requête, en caractères (par défaut : 50000)",
    "pages, API and named queries computed at once (default: 4)":
        "pages, API et requêtes nommées calculées en même temps (par défaut : 4)",
    "ad-hoc SPARQL queries (/sparql) running at once, on slots of their own (default: 4)":
        "requêtes SPARQL libres (/sparql) exécutées en même temps, sur des places à part (par défaut : 4)",
    "ad-hoc SPARQL queries one client may run at once (default: half of --max-sparql-running)":
        "requêtes SPARQL libres qu'un même client peut exécuter en même temps (par défaut : la moitié "
        "de --max-sparql-running)",
    "memory a query may use, in bytes; 0: no cap (default: 1073741824, 1 GiB)":
        "mémoire qu'une requête peut utiliser, en octets ; 0 : sans limite (par défaut : 1073741824, 1 Gio)",
    "size of the in-memory cache of answers; 0: off (default: 67108864, 64 MiB)":
        "taille du cache des réponses en mémoire ; 0 : désactivé (par défaut : 67108864, 64 Mio)",
    "with --store DIR: largest store (bytes on disk) copied into memory, where queries run 2-5x faster; "
    "0: never (default: 100663296, 96 MiB)":
        "avec --store DOSSIER : taille du plus grand magasin (octets sur disque) copié en mémoire, où les "
        "requêtes vont 2 à 5 fois plus vite ; 0 : jamais (par défaut : 100663296, 96 Mio)",
    "the service's public URL, base of its links and service description (default: the address it "
    "listens on; never the Host header)":
        "URL publique du service, base de ses liens et de sa description (par défaut : l'adresse "
        "d'écoute ; jamais l'en-tête Host)",
    "allow cross-origin requests from ORIGIN (repeatable; * for any); CORS is off by default":
        "autorise les requêtes venant d'ORIGINE (répétable ; * pour toutes) ; CORS est désactivé par défaut",
    "worker processes (default: 1; see the README's load figures before raising it)":
        "processus de service (par défaut : 1 ; voir les mesures de charge du README avant d'augmenter)",
    "also accept the imports other systems send (POST /api/imports/matrix, /api/imports/rncp) with the "
    "bearer token of $CIPT_WRITE_TOKEN; off by default. Signing in with an account needs neither":
        "accepte aussi les imports envoyés par d'autres systèmes (POST /api/imports/matrix, "
        "/api/imports/rncp) avec le jeton (bearer) de $CIPT_WRITE_TOKEN ; désactivé par défaut. Se "
        "connecter avec un compte n'a besoin ni de l'un ni de l'autre",
    "strictly read-only: no sign-in even when the workspace has accounts, no change, nothing written to "
    "the workspace":
        "lecture seule stricte : pas de connexion même si l'espace de travail a des comptes, aucune "
        "modification, rien d'écrit dans l'espace de travail",
    "largest upload (default: 52428800)": "taille maximale d'un envoi (par défaut : 52428800)",
    "ACTION": "ACTION",
    "Create an account (or reset one with --replace); asks for the password twice.":
        "Crée un compte (ou le réinitialise avec --replace) ; demande deux fois le mot de passe.",
    "Remove an account: its sessions end at once.": "Supprime un compte : ses sessions prennent fin aussitôt.",
    "List the accounts: username, role, name shown, date of creation (never a password).":
        "Liste les comptes : identifiant, rôle, nom affiché, date de création (jamais un mot de passe).",
    "the sign-in name": "l'identifiant de connexion",
    "reader (reads), editor (changes the mapping) or validator (also validates links) (default: reader)":
        "reader (lecteur : lit), editor (éditeur : modifie la couverture) ou validator (validateur : "
        "valide aussi les liens) (par défaut : reader)",
    "the workspace whose accounts these are, made with `cipt init` (default: $CIPT_DATA)":
        "l'espace de travail dont ce sont les comptes, créé avec `cipt init` (par défaut : $CIPT_DATA)",
    "the name shown in versions (default: the username)":
        "le nom affiché dans les versions (par défaut : l'identifiant)",
    "read the password from standard input": "lit le mot de passe sur l'entrée standard",
    "reset an existing account (role, password)": "réinitialise un compte existant (rôle, mot de passe)",
}



#: Help for the options that have none where they are defined, by ``dest``: (French, English).
_BY_DEST = {
    "format": ("format de sortie", "output format"),
    "log_level": ("niveau de détail du journal du serveur", "how much the server logs"),
}
_DEFAULT = {"fr": " (par défaut : %(default)s)", "en": " (default: %(default)s)"}

#: The names of positional arguments in French (in the usage line and the list of arguments).
_POSITIONAL_FR = {"dir": "dossier", "name": "requête", "file": "fichier", "username": "identifiant"}


def _fill(action: argparse.Action, lang: str) -> None:
    """Give ``action`` the help it lacks (``--format``…) and, in French, its positional's name."""
    if action.help is None and action.dest in _BY_DEST:
        text = _BY_DEST[action.dest][lang != "fr"]
        action.help = text + (_DEFAULT[lang] if action.default is not None else "")
    if lang == "fr" and not action.option_strings and action.metavar is None and action.choices is None:
        action.metavar = _POSITIONAL_FR.get(action.dest)


def help_fr(text: str) -> str:
    """``text`` (an English help string, option help, title or description) in French, or itself."""
    return _FR.get(text) or _FR.get(inspect.cleandoc(text), text)


def _typeset(text, lang: str):
    return typeset(text, lang) if isinstance(text, str) and text is not argparse.SUPPRESS else text


def _tr(text, lang: str):
    if lang != "fr" or not isinstance(text, str) or text is argparse.SUPPRESS:
        return text
    return help_fr(text)


def localize(parser: argparse.ArgumentParser, lang: str) -> argparse.ArgumentParser:
    """Put ``parser``'s help (and its sub-commands') in ``lang`` in place; returns ``parser``.

    English is the text as written; French comes from this catalogue. Titles, option help,
    metavars, descriptions, epilogs and the sub-commands' one-line summaries are translated;
    option names, choices and defaults are not (they are what one types).
    """
    seen: set[int] = set()

    def walk(p: argparse.ArgumentParser) -> None:
        if id(p) in seen:
            return
        seen.add(id(p))
        if lang == "fr" and p.prog in DESCRIPTIONS_FR:
            p.description = DESCRIPTIONS_FR[p.prog]
        else:
            p.description = _tr(p.description, lang)
        p.description, p.epilog = _typeset(p.description, lang), _typeset(_tr(p.epilog, lang), lang)
        for group in p._action_groups:
            group.title = _tr(group.title, lang)
            group.description = _tr(group.description, lang)
        for action in p._actions:
            _fill(action, lang)
            action.help = _tr(action.help, lang)
            if isinstance(action.help, str):  # French: "défaut : x" never cut before its colon
                action.help = typeset(action.help, lang)
            action.metavar = _tr(action.metavar, lang)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    choice.help = _typeset(_tr(choice.help, lang), lang)
                for child in action.choices.values():
                    walk(child)

    walk(parser)
    return parser
