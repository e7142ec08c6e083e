"""The rules of a mapping edit: the values it takes (levels, hours, rationale), the errors that
name the field at fault, in French or English, and the team's four-eyes rule (who may validate
a link: :func:`proposed_by`, :func:`team_settings`). See :mod:`cipt_graph.editing`."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from ..errors import InputError
from ..mapping import ACCOUNT_COLUMN, LINK_KINDS, LinkKind
from ..paths import Workspace
from ..text import clean_code, clean_line, quoted

if TYPE_CHECKING:
    from rdflib import Graph

#: The kinds of link, by the name used in forms and URLs.
KINDS: dict[str, LinkKind] = {kind.target_column: kind for kind in LINK_KINDS}
DECISIONS = ("validate", "reject")
MAX_RATIONALE = 4000

MESSAGES = {
    "kind": ("type de lien inconnu : {v}", "unknown kind of link: {v}"),
    "module": ("module inconnu : {v}", "unknown module: {v}"),
    "target": ("cible inconnue : {v}", "unknown target: {v}"),
    "target_competency": ("compétence inconnue : {v}", "unknown competency: {v}"),
    "target_activity": ("activité inconnue : {v}", "unknown activity: {v}"),
    "target_objective": ("objectif inconnu : {v}", "unknown objective: {v}"),
    "level": ("niveau hors de l'échelle : {v} (choisir parmi {choices})", "level not on the scale: {v} (choose from {choices})"),
    "hours": ("heures : «\u00a0{v}\u00a0» n'est pas un nombre d'heures : écrivez un nombre décimal en chiffres, "
              "avec une virgule ou un point et au plus deux décimales (par exemple 12 ou 3,5)",
              "hours: “{v}” is not a number of hours: write a decimal number in digits, with a point or a comma "
              "and at most two decimals (for example 12 or 3.5)"),
    "hours_decimals": ("heures : «\u00a0{v}\u00a0» a plus de deux décimales (la virgule sépare les décimales, pas les "
                       "milliers) : écrivez au plus deux chiffres après la virgule, par exemple 3,25",
                       "hours: “{v}” has more than two decimals (the point separates decimals, not thousands): "
                       "write at most two digits after the point, for example 3.25"),
    "hours_max": ("heures : {v}, c'est plus que le maximum de {max}", "hours: {v} is more than the maximum of {max}"),
    "hours_module": ("heures : {v} dépasse les {max} du module", "hours: {v} is more than the module's {max}"),
    "hours_sum": ("heures : les liens du module totaliseraient {v} pour un module de {max}",
                  "hours: the module's links would add up to {v} for a {max} module"),
    "rationale": ("justification : elle est obligatoire", "rationale: it is required"),
    "rationale_long": ("justification : au plus {max} caractères", "rationale: at most {max} characters"),
    "missing": ("aucun lien {v} : rien à {verb}", "no link {v}: nothing to {verb}"),
    "decision": ("décision inconnue : {v}", "unknown decision: {v}"),
    "comment": ("commentaire : il est obligatoire pour rejeter un lien (dites à son auteur pourquoi)",
                "comment: it is required to reject a link (tell its author why)"),
    "self": ("le lien {v} a été proposé par vous ({author}) : un autre validateur doit le valider (principe des "
             "quatre yeux). Équipe d'une seule personne : mettez allow_self_validation = true dans team.toml",
             "the link {v} was proposed by you ({author}): another validator must validate it (four eyes). "
             "A one-person team: set allow_self_validation = true in team.toml"),
}

#: The workspace's team settings file (TOML) and its keys with their defaults.
TEAM_SETTINGS_FILE = "team.toml"
TEAM_SETTINGS = {"allow_self_validation": False}


class EditError(InputError):
    """A value of an edit is not acceptable; ``where`` names the field (``level``, ``hours``…)."""

    status = 400  # the HTTP status a page answers with


class SelfReviewError(EditError):
    """A validator tried to validate a link they proposed (four eyes, see :func:`team_settings`)."""

    status = 403


def team_settings(workspace: Workspace, lang: str = "fr") -> dict[str, object]:
    """The workspace's team settings: ``team.toml`` at its root, over :data:`TEAM_SETTINGS`.

    ``allow_self_validation`` (bool, default false): a validator may validate the links they
    proposed themselves, for a one-person team; otherwise another validator must.

    Raises:
        InputError: the file is not TOML, has an unknown key or a value of the wrong type
            (naming the file).
    """
    import tomllib

    path = workspace.root / TEAM_SETTINGS_FILE
    settings = dict(TEAM_SETTINGS)
    if workspace.read_only or not path.is_file():
        return settings
    try:
        found = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError((f"{TEAM_SETTINGS_FILE}: not a TOML file: {exc}" if lang == "en" else
                          f"{TEAM_SETTINGS_FILE} : ce n'est pas du TOML : {exc}"), where=str(path)) from None
    for key, value in found.items():
        if key not in TEAM_SETTINGS:
            raise InputError((f"{TEAM_SETTINGS_FILE}: unknown setting {key!r} (known: {', '.join(TEAM_SETTINGS)})"
                              if lang == "en" else f"{TEAM_SETTINGS_FILE} : réglage inconnu {quoted(key)} (connus : "
                              f"{', '.join(TEAM_SETTINGS)})"), where=str(path))
        if type(value) is not type(TEAM_SETTINGS[key]):
            raise InputError((f"{TEAM_SETTINGS_FILE}: {key} must be true or false, not {value!r}" if lang == "en"
                              else f"{TEAM_SETTINGS_FILE} : {key} vaut true ou false, pas {quoted(value)}"), where=str(path))
        settings[key] = value
    return settings


def same_person(name: str, identities: tuple[str, ...] | list[str]) -> bool:
    """Whether a link's ``asserted_by`` (``name``) is one of a person's ``identities`` (sign-in
    name, name shown), compared without case or surrounding spaces."""
    key = clean_line(name or "").casefold()
    return bool(key) and any(key == clean_line(i or "").casefold() for i in identities)


def proposed_by(row: dict[str, str], account_id: str, identities: tuple[str, ...] | list[str]) -> bool:
    """Whether the mapping ``row`` was proposed (last changed) by the account ``account_id``
    whose sign-in and shown names are ``identities``.

    The rule: a row with an ``asserted_by_account`` is judged by it alone (the names do not
    count); a row without one (command line, older data) by its ``asserted_by`` name
    (:func:`same_person`), which errs on the side of asking another validator."""
    recorded = clean_code(row.get(ACCOUNT_COLUMN) or "")
    if recorded:
        return bool(account_id) and recorded == account_id
    return same_person(row.get("asserted_by") or "", identities)


def error(key: str, lang: str, where: str, **values: object) -> EditError:
    """The :data:`MESSAGES` ``key`` in ``lang``, filled with ``values``, naming the field ``where``."""
    fr, en = MESSAGES[key]
    return EditError((en if lang == "en" else fr).format(**values), where=where)


def module_hours(graph: Graph, module) -> Decimal | None:
    """A module's hours (its ``schema:timeRequired``, ``PT20H`` → 20), or None."""
    from ..namespaces import SCHEMA

    for value in graph.objects(module, SCHEMA.timeRequired):
        text = str(value).upper()
        if text.startswith("PT") and text.endswith("H"):
            try:
                return Decimal(text[2:-1])
            except InvalidOperation:
                return None
    return None


#: The hours a person may type: ASCII digits, then a comma or a point and at most two decimals
#: (no sign, no exponent, no '_' or other digits that Python's Decimal would accept).
_HOURS_TYPED = re.compile(r"([0-9]{1,9})(?:[.,]([0-9]+))?")
MAX_HOURS = Decimal(10000)


def parse_hours(text: str | None, lang: str) -> Decimal | None:
    """Hours as typed in a form (``12``, ``3,5``, ``3.25``; '' for none: None), or EditError on
    ``hours`` naming what is wrong: not a plain decimal, more than two decimals, above :data:`MAX_HOURS`."""
    from .. import i18n

    typed = clean_line(text or "")
    if not typed:
        return None
    shown = typed if len(typed) <= 40 else typed[:39] + "…"
    found = _HOURS_TYPED.fullmatch(typed)
    if found is None:
        raise error("hours", lang, "hours", v=shown)
    if found.group(2) is not None and len(found.group(2)) > 2:
        raise error("hours_decimals", lang, "hours", v=shown)
    value = Decimal(typed.replace(",", "."))
    if value > MAX_HOURS:
        raise error("hours_max", lang, "hours", v=i18n.hours(value, lang), max=i18n.hours(MAX_HOURS, lang))
    return value


def stored_hours(text: str | None) -> Decimal:
    """The hours of a link already in the mapping file (written by the program or checked on
    import): 0 when empty or not a number (the builder reports such a file, not an edit of another link)."""
    try:
        value = Decimal(clean_line(text or "").replace(",", "."))
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() and value >= 0 else Decimal(0)


def format_hours(value: Decimal | None) -> str:
    """Hours as the mapping CSV keeps them (``12.5``, ``20``; empty for None)."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text
