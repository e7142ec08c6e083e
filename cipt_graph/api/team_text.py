"""The words of the team's pages, in French (default) and English; numbers and dates through Babel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal
from babel.plural import PluralRule

from ..i18n import typeset

_PLURAL = {"fr": PluralRule({"one": "n in 0..1"}), "en": PluralRule({"one": "n is 1"})}


def _plural(lang: str, one: str, other: str):
    def choose(n: int) -> str:
        form = one if _PLURAL[lang](n) == "one" else other
        return form.format(n=format_decimal(n, locale=lang))
    return choose


def format_hours(value: object, lang: str) -> str:
    """``value`` hours as the locale writes them: ``12,5 h`` (fr), ``12.5 h`` (en); '' for None."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    return f"{format_decimal(number, locale=lang, format='#,##0.##')}\u00a0h"


def format_number(value: object, lang: str) -> str:
    """A number of hours for a form field, as the locale writes it without grouping: ``2,5`` (fr),
    ``2.5`` (en); '' for None or ''; the text itself when it is not a number."""
    if value is None or str(value).strip() == "":
        return ""
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        return str(value)
    return format_decimal(number, locale=lang, format="0.####")


def format_datetime(iso: str, lang: str) -> str:
    """An ISO 8601 UTC time (``2026-11-29T10:00:00Z``) as the locale writes it, in UTC."""
    try:
        when = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return _babel_datetime(when, format="medium", tzinfo=dt.timezone.utc, locale=lang) + " UTC"


TEXT: dict[str, dict] = {
    "fr": {
        "nav": "Navigation du site", "dashboard": "Tableau de bord", "matrix": "Matrice", "graph": "Réseau",
        "jobs": "Métiers", "review": "Relecture de la correspondance", "versions": "Versions",
        "sign_in": "Se connecter", "sign_out": "Se déconnecter", "other_lang": "English",
        "username": "Identifiant", "password": "Mot de passe",
        "role_reader": "lecteur", "role_editor": "éditeur", "role_validator": "validateur",
        "refused": "Action refusée",
        "upload_validates": "Classeur refusé : il valide des liens ({links}) ; seul le rôle « validateur » le peut. Laissez leur statut à « proposé » ou demandez à un validateur.",
        "bad_csrf": "Formulaire refusé : jeton anti-falsification (CSRF) absent ou invalide. Rechargez la page.", "need_sign_in": "Connectez-vous pour continuer.",
        "need_read": "Connectez-vous pour continuer.",
        "need_edit": "Votre compte ne permet pas de modifier la correspondance (rôle « éditeur » requis).",
        "need_validate": "Votre compte ne permet pas de valider des liens (rôle « validateur » requis).",
        "upload_self_validates": "Classeur refusé : il valide des liens que vous avez proposés ({links}) ; un autre validateur doit les valider (principe des quatre yeux). Laissez leur statut à « proposé ».",
        "own_link": "Proposé par vous : un autre validateur doit le valider.",
        "reject_needs_comment": "Un rejet demande un commentaire (pourquoi ?).",
        "writes_off": "Les modifications sont désactivées sur ce service : il sert les données livrées ou a été lancé avec --read-only (lancez « cipt serve --data DOSSIER » sur un espace de travail qui a des comptes).",
        "no_accounts": "Aucun compte sur ce service : créez-en avec « cipt users add NOM --data DOSSIER ».",
        "read_only_service": "Connexion désactivée : ce service a été lancé en lecture seule stricte (--read-only).",
        "shipped_data": "Connexion impossible : ce service sert les données livrées, en lecture seule. Lancez « cipt serve --data DOSSIER » sur un espace de travail qui a des comptes (« cipt users add »).",
        "too_many": "Trop d'essais de connexion : réessayez dans {s}.",
        "bad_login": "Identifiant ou mot de passe incorrect.",
        "signed_in": "Connecté·e : {name}.", "signed_out": "Vous êtes déconnecté·e.",
        "kind": "Type de lien", "kind_competency": "Compétence", "kind_activity": "Activité",
        "kind_objective": "Objectif", "block": "Bloc", "module": "Module", "status": "Statut", "all": "Tous",
        "status_proposed": "proposé", "status_validated": "validé", "filter": "Filtrer",
        "status_rejected": "rejeté (retiré)", "rejected_by": "Rejeté par",
        "rejected_note": "Un lien rejeté est retiré de la correspondance : ceux-ci viennent de l'historique des relectures, "
                         "avec qui les a rejetés et pourquoi ; chaque version et son diff sont dans la page",
        "n_links": _plural("fr", "{n} lien", "{n} liens"),
        "download_workbook": "Télécharger le classeur modifiable",
        "upload_workbook": "Déposer un classeur modifié", "level": "Niveau", "hours": "Heures",
        "author": "Auteur", "rationale": "Justification", "actions": "Actions", "comment": "Commentaire",
        "validate": "Valider", "reject": "Rejeter", "edit": "Modifier", "remove": "Supprimer ce lien",
        "validate_link": "Valider {link}", "reject_link": "Rejeter {link}", "comment_link": "Commentaire sur {link}",
        "edit_link": "Modifier {link}",
        "save": "Enregistrer", "add_link": "Ajouter un lien", "add": "Ajouter",
        "saved": "Lien {link} enregistré (version {version}).", "validated": "Lien {link} validé (version {version}).",
        "rejected": "Lien {link} rejeté et retiré (version {version}).", "nothing_changed": "Aucun changement pour {link}.",
        "field_level": "niveau", "field_hours": "heures", "field_rationale": "justification", "field_module": "module",
        "field_competency": "compétence", "field_activity": "activité", "field_objective": "objectif",
        "field_status": "statut", "field_kind": "type de lien", "field_decision": "décision",
        "upload_help": "Déposez le classeur téléchargé depuis cette page (ou produit par cipt export-matrix) après "
                       "l'avoir modifié : chaque cellule est vérifiée ; rien n'est appliqué si une seule est en erreur.",
        "message": "Message (facultatif)", "workbook": "Classeur (.xlsx)", "send": "Vérifier et appliquer",
        "no_file": "Choisissez un classeur .xlsx.", "workbook_errors": "Le classeur {name} contient des erreurs ; rien n'a été appliqué :",
        "workbook_applied": "Classeur appliqué : version {version} enregistrée.",
        "stale_workbook": "Classeur refusé : la correspondance a changé depuis le téléchargement du classeur {name} "
                          "(une autre modification a été enregistrée entre-temps) ; l'appliquer annulerait ces "
                          "changements. Téléchargez de nouveau le classeur modifiable avec le lien ci-dessous, "
                          "reportez-y vos modifications, puis déposez-le ici.",
        "workbook_unchanged": "Classeur valide : aucun changement.", "changes": "Changements",
        "upload_advice": "Téléchargez le classeur modifiable avec le lien de cette page, modifiez-le dans Excel ou "
                         "LibreOffice, enregistrez-le au format .xlsx, puis déposez-le ici.",
        "workbook_sheet": "Classeur", "colon": "\u00a0: ", "semicolon": "\u202f; ",
        "no_versions": "Aucune version enregistrée pour l'instant (la première l'est au premier changement).",
        "no_workspace": "La relecture lit les fichiers de l'espace de travail, que ce service n'a pas : il sert un entrepôt (--store) sans --data. Relancez cipt serve avec --data DOSSIER, l'espace de travail chargé dans cet entrepôt.",
        "from": "De", "to": "à", "current": "fichiers actuels", "compare": "Comparer", "version": "Version",
        "date": "Date", "who": "Qui", "what": "Quoi", "source": "Origine", "links": "Liens", "diff": "différences",
        "vkind_baseline": "état initial", "vkind_matrix-import": "import du classeur", "vkind_rncp-import": "import RNCP",
        "vkind_edit": "modification", "vkind_review": "relecture", "vsource_workspace": "espace de travail",
        "vsource_init": "cipt init (copie des données livrées)", "vagent_baseline": "aucun : état initial",
        "diff_missing": "Choisissez les deux versions à comparer dans la page Versions.",
        "diff_bad": "«\u00a0{v}\u00a0» n'est pas un nom de version : choisissez une version dans la page Versions "
                    "(v1, v2… ou les fichiers actuels).",
        "diff_unknown": "La version {v} n'existe pas : les versions enregistrées vont de {first} à {last}.",
        "diff_none": "La version {v} n'existe pas : aucune version n'est encore enregistrée.",
        "diff_title": "Différences entre {a} et {b}", "no_change": "Aucune différence.",
        "current_files": "les fichiers actuels",
        "added": "Liens ajoutés", "removed": "Liens retirés", "changed": "Liens modifiés", "before": "Avant",
        "after": "Après", "per_block": "Effet par bloc", "covered": "Compétences couvertes", "modules": "Modules",
        "dk_activity_links": "Liens module → activité", "dk_objective_links": "Liens module → objectif",
        "dk_modules": "Modules (intitulé, heures, période)",
        "dk_reconciliation": "Rapprochement avec la fiche RNCP (bloc ↔ bloc officiel)",
        "dk_fiches": "Fiches RNCP importées", "dk_added": "Ajouts", "dk_removed": "Retraits",
        "dk_changed": "Modifications", "field_label": "intitulé", "field_period": "période",
        "field_official_label": "intitulé officiel", "field_matched_competencies": "compétences identiques",
        "field_title": "titre", "field_state": "état", "field_active": "active",
        "field_registration_date": "date d'enregistrement", "field_registration_end_date": "fin d'enregistrement",
        "field_source_title": "export", "field_blocks": "blocs", "field_competencies": "compétences",
        "field_validated_by": "validé par", "field_validation_comment": "commentaire de validation",
        "diff_versions": "Versions enregistrées entre les deux : qui, quoi, pourquoi", "message_col": "Message",
        "edit_cell": "Modifier une cellule de la matrice", "edit_cell_title": "Modifier la cellule {module} × {competency}",
        "unknown_cell": "Cellule inconnue : module {module}, compétence {competency}.",
        "no_link": "aucun lien", "cell_refused": "Modification refusée ; rien n'a été enregistré. Corrigez le champ signalé.",
        "level_none": "— aucun lien (retirer) —", "hours_help": "nombre décimal, au plus deux décimales (ex. 3,5), vide si inconnu",
        "validated_by_on": "par {who}, le {when} (heure de Paris)", "quoted": "«\u00a0{text}\u00a0»",
        "back_to_matrix": "Retour à la matrice", "back_to_review": "Retour à la relecture",
        "reload": "Recharger la page pour voir le lien tel qu'il est maintenant",
    },
    "en": {
        "nav": "Site navigation", "dashboard": "Dashboard", "matrix": "Matrix", "graph": "Network",
        "jobs": "Jobs", "review": "Mapping review", "versions": "Versions",
        "sign_in": "Sign in", "sign_out": "Sign out", "other_lang": "Français",
        "username": "Username", "password": "Password",
        "role_reader": "reader", "role_editor": "editor", "role_validator": "validator",
        "refused": "Not allowed",
        "upload_validates": "Workbook refused: it validates links ({links}); only the validator role may. Leave their status at 'proposed' or ask a validator.",
        "bad_csrf": "Form refused: missing or invalid anti-forgery (CSRF) token. Reload the page.", "need_sign_in": "Sign in to go on.", "need_read": "Sign in to go on.",
        "need_edit": "Your account may not change the mapping (the editor role is needed).",
        "need_validate": "Your account may not validate links (the validator role is needed).",
        "upload_self_validates": "Workbook refused: it validates links you proposed ({links}); another validator must validate them (four eyes). Leave their status at 'proposed'.",
        "own_link": "Proposed by you: another validator must validate it.",
        "reject_needs_comment": "A rejection needs a comment (why?).",
        "writes_off": "Changes are off on this service: it serves the shipped data or was started with --read-only (run `cipt serve --data DIR` on a workspace that has accounts).",
        "no_accounts": "No accounts on this service: create some with `cipt users add NAME --data DIR`.",
        "read_only_service": "Sign-in is off: this service was started strictly read-only (--read-only).",
        "shipped_data": "No sign-in here: this service serves the shipped data, read-only. Run `cipt serve --data DIR` on a workspace that has accounts (`cipt users add`).",
        "too_many": "Too many sign-in attempts: try again in {s}.",
        "bad_login": "Wrong username or password.",
        "signed_in": "Signed in: {name}.", "signed_out": "You are signed out.",
        "kind": "Kind of link", "kind_competency": "Competency", "kind_activity": "Activity",
        "kind_objective": "Objective", "block": "Block", "module": "Module", "status": "Status", "all": "All",
        "status_proposed": "proposed", "status_validated": "validated", "filter": "Filter",
        "status_rejected": "rejected (removed)", "rejected_by": "Rejected by",
        "rejected_note": "A rejected link is removed from the mapping: these come from the history of reviews, with "
                         "who rejected them and why; each version and its diff are on the page",
        "n_links": _plural("en", "{n} link", "{n} links"),
        "download_workbook": "Download the editable workbook",
        "upload_workbook": "Upload an edited workbook", "level": "Level", "hours": "Hours",
        "author": "Author", "rationale": "Rationale", "actions": "Actions", "comment": "Comment",
        "validate": "Validate", "reject": "Reject", "edit": "Edit", "remove": "Remove this link",
        "validate_link": "Validate {link}", "reject_link": "Reject {link}", "comment_link": "Comment on {link}",
        "edit_link": "Edit {link}",
        "save": "Save", "add_link": "Add a link", "add": "Add",
        "saved": "Link {link} saved (version {version}).", "validated": "Link {link} validated (version {version}).",
        "rejected": "Link {link} rejected and removed (version {version}).", "nothing_changed": "No change for {link}.",
        "field_level": "level", "field_hours": "hours", "field_rationale": "rationale", "field_module": "module",
        "field_competency": "competency", "field_activity": "activity", "field_objective": "objective",
        "field_status": "status", "field_kind": "kind of link", "field_decision": "decision",
        "upload_help": "Upload the workbook downloaded from this page (or made by cipt export-matrix) once edited: "
                       "every cell is checked; nothing is applied if a single one is wrong.",
        "message": "Message (optional)", "workbook": "Workbook (.xlsx)", "send": "Check and apply",
        "no_file": "Choose an .xlsx workbook.", "workbook_errors": "The workbook {name} has errors; nothing was applied:",
        "workbook_applied": "Workbook applied: version {version} recorded.",
        "stale_workbook": "Workbook refused: the mapping changed since the workbook {name} was downloaded "
                          "(another change was recorded in the meantime); applying it would undo those changes. "
                          "Download the editable workbook again with the link below, carry your edits over, "
                          "then upload it here.",
        "workbook_unchanged": "Valid workbook: no change.", "changes": "Changes",
        "upload_advice": "Download the editable workbook with this page's link, edit it in Excel or LibreOffice, "
                         "save it as .xlsx, then upload it here.",
        "workbook_sheet": "Workbook", "colon": ": ", "semicolon": "; ",
        "no_versions": "No version recorded yet (the first one is at the first change).",
        "no_workspace": "The review reads the workspace's files, which this service does not have: it serves a store (--store) without --data. Start cipt serve again with --data DIR, the workspace loaded into that store.",
        "from": "From", "to": "to", "current": "current files", "compare": "Compare", "version": "Version",
        "date": "Date", "who": "Who", "what": "What", "source": "Source", "links": "Links", "diff": "differences",
        "vkind_baseline": "baseline", "vkind_matrix-import": "workbook import", "vkind_rncp-import": "RNCP import",
        "vkind_edit": "edit", "vkind_review": "review", "vsource_workspace": "workspace",
        "vsource_init": "cipt init (copy of the shipped data)", "vagent_baseline": "none: initial state",
        "diff_missing": "Choose the two versions to compare on the Versions page.",
        "diff_bad": "“{v}” is not a version name: choose a version on the Versions page "
                    "(v1, v2… or the current files).",
        "diff_unknown": "Version {v} does not exist: the versions recorded run from {first} to {last}.",
        "diff_none": "Version {v} does not exist: no version is recorded yet.",
        "diff_title": "Differences from {a} to {b}", "no_change": "No difference.",
        "current_files": "the current files",
        "added": "Links added", "removed": "Links removed", "changed": "Links changed", "before": "Before",
        "after": "After", "per_block": "Effect per block", "covered": "Competencies covered", "modules": "Modules",
        "dk_activity_links": "Module → activity links", "dk_objective_links": "Module → objective links",
        "dk_modules": "Modules (title, hours, period)",
        "dk_reconciliation": "Reconciliation with the RNCP fiche (block ↔ official block)",
        "dk_fiches": "Imported RNCP fiches", "dk_added": "Added", "dk_removed": "Removed",
        "dk_changed": "Changed", "field_label": "title", "field_period": "period",
        "field_official_label": "official title", "field_matched_competencies": "identical competencies",
        "field_title": "title", "field_state": "state", "field_active": "active",
        "field_registration_date": "registration date", "field_registration_end_date": "registration end",
        "field_source_title": "export", "field_blocks": "blocks", "field_competencies": "competencies",
        "field_validated_by": "validated by", "field_validation_comment": "validation comment",
        "diff_versions": "Versions recorded in between: who, what, why", "message_col": "Message",
        "edit_cell": "Edit a matrix cell", "edit_cell_title": "Edit the cell {module} × {competency}",
        "unknown_cell": "Unknown cell: module {module}, competency {competency}.",
        "no_link": "no link", "cell_refused": "Change refused; nothing was saved. Correct the field shown.",
        "level_none": "— no link (remove) —", "hours_help": "decimal number, at most two decimals (e.g. 3.5), empty when unknown",
        "validated_by_on": "by {who}, on {when} (Paris time)", "quoted": "“{text}”",
        "back_to_matrix": "Back to the matrix", "back_to_review": "Back to the review",
        "reload": "Reload the page to see the link as it is now",
    },
}

#: French typography once for all (a no-break space before « : », a narrow one before « ; ! ? »).
TEXT["fr"] = {key: typeset(value, "fr") if isinstance(value, str) else value for key, value in TEXT["fr"].items()}
