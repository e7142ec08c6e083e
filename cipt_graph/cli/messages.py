"""The command line's own words, in French (the default) and English: ``tr(lang, key, count, **values)``.

Kept apart from the site's catalogs (``cipt_graph.visualize.catalog``): these strings are never on
a page. Plurals ``{"one": …, "other": …}`` follow each language's CLDR rules through Babel
(:func:`cipt_graph.i18n.plural`); ``{n}`` is the count as the locale writes it. Both languages
have the same keys (a test compares them).
"""

from __future__ import annotations

from ..i18n import check_lang, plural

_FR = {
    "cli.error": "erreur : ",
    "cli.errors": {"one": "{n} erreur, rien n'a été appliqué :", "other": "{n} erreurs, rien n'a été appliqué :"},
    "cli.more_errors": {"one": "… et {n} autre", "other": "… et {n} autres"},
    "cli.import.unchanged": "classeur valide : aucun changement (rien n'a été écrit)",
    "cli.import.applied": "classeur appliqué : {summary} ; version {version} enregistrée (cipt diff {parent} {version})",
    "cli.import.dry_run": "classeur valide (essai, rien n'a été écrit) : {summary}",
    "cli.import.level": "niveau {level}",
    "cli.added": {"one": "{n} ajouté", "other": "{n} ajoutés"},
    "cli.removed": {"one": "{n} supprimé", "other": "{n} supprimés"},
    "cli.changed": {"one": "{n} modifié", "other": "{n} modifiés"},
    "cli.field.level": "niveau",
    "cli.field.hours": "heures",
    "cli.field.status": "statut",
    "cli.field.rationale": "justification",
    "cli.versions.none": "aucune version enregistrée (la première l'est au premier import)",
    "cli.validate.focus": "objet",
    "cli.validate.shape": "règle",
    "cli.validate.programme": "programme",
    "cli.severity.Violation": "Violation",
    "cli.severity.Warning": "Avertissement",
    "cli.severity.Info": "Information",
    "cli.count.Violation": {"one": "{n} violation", "other": "{n} violations"},
    "cli.count.Warning": {"one": "{n} avertissement", "other": "{n} avertissements"},
    "cli.count.Info": {"one": "{n} information", "other": "{n} informations"},
}

_EN = {
    "cli.error": "error: ",
    "cli.errors": {"one": "{n} error, nothing was applied:", "other": "{n} errors, nothing was applied:"},
    "cli.more_errors": {"one": "… and {n} more", "other": "… and {n} more"},
    "cli.import.unchanged": "valid workbook: no change (nothing was written)",
    "cli.import.applied": "workbook applied: {summary}; version {version} recorded (cipt diff {parent} {version})",
    "cli.import.dry_run": "valid workbook (dry run, nothing was written): {summary}",
    "cli.import.level": "level {level}",
    "cli.added": {"one": "{n} added", "other": "{n} added"},
    "cli.removed": {"one": "{n} removed", "other": "{n} removed"},
    "cli.changed": {"one": "{n} changed", "other": "{n} changed"},
    "cli.field.level": "level",
    "cli.field.hours": "hours",
    "cli.field.status": "status",
    "cli.field.rationale": "rationale",
    "cli.versions.none": "no version recorded yet (the first one is at the first import)",
    "cli.validate.focus": "focus",
    "cli.validate.shape": "shape",
    "cli.validate.programme": "programme",
    "cli.severity.Violation": "Violation",
    "cli.severity.Warning": "Warning",
    "cli.severity.Info": "Info",
    "cli.count.Violation": {"one": "{n} violation", "other": "{n} violations"},
    "cli.count.Warning": {"one": "{n} warning", "other": "{n} warnings"},
    "cli.count.Info": {"one": "{n} info", "other": "{n} infos"},
}

#: Language → key → text (or plural forms).
MESSAGES: dict[str, dict[str, object]] = {"fr": _FR, "en": _EN}


def tr(lang: str, key: str, count: float | None = None, **values: object) -> str:
    """The command-line string ``key`` in ``lang``, a plural chosen by ``count``, placeholders filled."""
    text = MESSAGES[check_lang(lang)][key]
    if isinstance(text, dict):
        if count is None:
            raise TypeError(f"message {key!r} takes a plural: pass count=")
        text = plural(lang, count, text)
    return text.format(**values) if values else text
