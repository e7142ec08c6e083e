"""Changing one mapping link at a time (the browser's cell editor and review), all or nothing.

The mapping lives in the workspace's long-format CSV files (``mapping/module_competency.csv``,
``module_activity.csv``, ``module_objective.csv``; see :mod:`cipt_graph.mapping`). An edit:

1. takes the workspace lock (the same as ``cipt import-matrix`` and the HTTP imports);
2. checks the values (module and target known, level on the scale, hours a number of hours
   between 0 and the module's hours, the module's stated link hours not above its hours,
   a rationale given), naming the field at fault;
3. writes the new file to a temporary file, reads it back with the builder's own reader, then
   switches it in with ``os.replace``;
4. records a version (kind ``edit`` or ``review``) whose agent is the signed-in person and whose
   message is the comment given.

Rules, the same as the workbook's: a changed level, hours or rationale makes the link
``proposed`` again, with the editor as ``asserted_by`` and today as ``asserted_on``; a review
keeps the link's content and author: ``validate`` sets ``validated`` and records who validated,
when and with what comment (the mapping's ``validated_*`` columns, :data:`~cipt_graph.mapping.VALIDATION_COLUMNS`),
``reject`` removes the link (the version keeps it, with the reviewer's comment, which a rejection
must give). A changed link loses its validation.

Four eyes: a validator may not validate a link they proposed themselves, unless the workspace's
``team.toml`` says ``allow_self_validation = true`` (a one-person team); see :func:`team_settings`.
Who proposed a link is judged by account (:func:`proposed_by`): a link changed by a signed-in
person records their account's stable id (column ``asserted_by_account``; in the graph,
``prov:wasAttributedTo cid:agent/account/<id>``), so two accounts showing the same name are two
people and a renamed account stays the same person. A link recorded without an account (the
command line, or data from before accounts had ids) is judged by name: it is the validator's own
when its ``asserted_by`` is their sign-in name or the name they show.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SKOS

from . import i18n
from .errors import CiptError, InputError, os_reason
from .mapping import (ACCOUNT_COLUMN, LINK_KINDS, LinkKind, Vocabulary, columns_of, read_mapping_file,
                      with_validation)
from .linkstate import check_loaded
from .paths import Workspace
from .text import clean_code, clean_line, clean_text, quoted
from .versions import Version, ensure_baseline, record_version, workspace_lock
from .versions.messages import review_message

#: The kinds of link, by the name used in forms and URLs.
KINDS: dict[str, LinkKind] = {kind.target_column: kind for kind in LINK_KINDS}
DECISIONS = ("validate", "reject")
MAX_RATIONALE = 4000

_MESSAGES = {
    "kind": ("type de lien inconnu : {v}", "unknown kind of link: {v}"),
    "module": ("module inconnu : {v}", "unknown module: {v}"),
    "target": ("cible inconnue : {v}", "unknown target: {v}"),
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


def _error(key: str, lang: str, where: str, **values: object) -> EditError:
    fr, en = _MESSAGES[key]
    return EditError((en if lang == "en" else fr).format(**values), where=where)


@dataclass
class EditResult:
    """What an edit or review did: the row before and after (None when absent), the version."""

    kind: str
    module: str
    target: str
    before: dict[str, str] | None
    after: dict[str, str] | None
    version: Version | None = None
    changed: bool = False
    fields: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "module": self.module, "target": self.target, "before": self.before,
                "after": self.after, "changed": self.changed, "fields": self.fields,
                "version": self.version.as_dict() if self.version else None}


def _graph(workspace: Workspace) -> Graph:
    from .build import parse_turtle

    graph = Graph()
    for ttl in sorted(workspace.root.glob("*.ttl")):
        graph += parse_turtle(ttl)
    return graph


def _read_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _format(kind: LinkKind, rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns_of(kind, rows), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _module_hours(graph: Graph, module) -> Decimal | None:
    from .namespaces import SCHEMA

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


def _hours(text: str | None, lang: str) -> Decimal | None:
    """Hours as typed in a form (``12``, ``3,5``, ``3.25``; '' for none), or EditError on
    ``hours`` naming what is wrong: not a plain decimal, more than two decimals, above :data:`MAX_HOURS`."""
    typed = clean_line(text or "")
    if not typed:
        return None
    shown = typed if len(typed) <= 40 else typed[:39] + "…"
    found = _HOURS_TYPED.fullmatch(typed)
    if found is None:
        raise _error("hours", lang, "hours", v=shown)
    if found.group(2) is not None and len(found.group(2)) > 2:
        raise _error("hours_decimals", lang, "hours", v=shown)
    value = Decimal(typed.replace(",", "."))
    if value > MAX_HOURS:
        raise _error("hours_max", lang, "hours", v=i18n.hours(value, lang), max=i18n.hours(MAX_HOURS, lang))
    return value


def _stored_hours(text: str | None) -> Decimal:
    """The hours of a link already in the mapping file (written by the program or checked on
    import): 0 when empty or not a number (the builder reports such a file, not an edit of another link)."""
    try:
        value = Decimal(clean_line(text or "").replace(",", "."))
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() and value >= 0 else Decimal(0)


def _format_hours(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def _switch(workspace: Workspace, kind: LinkKind, rows: list[dict[str, str]], vocab: Vocabulary, *,
            kind_name: str, agent: str, message: str, source: str, agent_account: str = "") -> Version:
    """Write ``rows`` as the kind's mapping file, checked, switched atomically, then recorded."""
    target = workspace.mapping_dir / kind.file_name
    data = _format(kind, rows)
    check = target.with_name(f".{target.name}.{os.getpid()}.check")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        check.write_bytes(data)
        read_mapping_file(check, kind, vocab)
    finally:
        check.unlink(missing_ok=True)
    ensure_baseline(workspace, agent=agent)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CiptError(f"cannot write the mapping: {exc.strerror or exc}", where=str(target),
                        fr=f"impossible d'écrire la correspondance : {os_reason(exc, 'fr')}",
                        en=f"cannot write the mapping: {os_reason(exc, 'en')}") from exc
    return record_version(workspace, kind=kind_name, source=source, agent=agent, message=message,
                          agent_account=agent_account or None)


def _find(rows: list[dict[str, str]], kind: LinkKind, module: str, target: str) -> int | None:
    for i, row in enumerate(rows):
        if (row.get("module") or "").strip() == module and (row.get(kind.target_column) or "").strip() == target:
            return i
    return None


def _prepare(workspace: Workspace, kind_name: str, module: str, target: str, lang: str):
    if workspace.read_only:
        raise CiptError("the shipped data is read-only: edit a workspace (`cipt init DIR`, then --data DIR)",
                        fr="les données livrées sont en lecture seule : modifiez un espace de travail (`cipt init "
                           "DOSSIER`, puis --data DOSSIER)")
    kind = KINDS.get(kind_name)
    if kind is None:
        raise _error("kind", lang, "kind", v=kind_name)
    graph = _graph(workspace)
    vocab = Vocabulary.from_graph(graph)
    module, target = clean_code(module), clean_code(target)
    if module not in vocab.modules:
        raise _error("module", lang, "module", v=module)
    if target not in vocab.targets[kind.target_class]:
        raise _error("target", lang, kind.target_column, v=target)
    return kind, graph, vocab, module, target


def edit_link(workspace: Workspace, kind_name: str, module: str, target: str, *, level: str = "",
              hours: str = "", rationale: str = "", remove: bool = False, author: str, message: str = "",
              lang: str = "fr", today: dt.date | None = None, author_account: str = "",
              loaded: str | None = None) -> EditResult:
    """Add, change or remove one link of the mapping (``kind_name``: competency, activity, objective).

    Args:
        level: the level's notation or label (``I``, ``R``, ``M``, ``Maîtrise``…); competency links only.
        hours: hours given to the link (decimal, comma or point; empty for none); competency links only.
        rationale: why the module serves the target (required unless ``remove``).
        author: who edits (the signed-in person's name): the link's ``asserted_by`` and the version's agent.
        author_account: the signed-in account's id (``asserted_by_account``, the version's
            ``agent_account``); empty when the change has no account (the link is then judged by name).
        loaded: the fingerprint of the link as the person's page showed it
            (:func:`cipt_graph.linkstate.fingerprint`, ``new`` for an add form); the change is refused
            when the link is not that any more (None: not checked, for callers that show nothing).

    Returns:
        The change, with the version recorded (None and ``changed`` False when nothing changed).

    Raises:
        EditError: a value is not acceptable (``where`` names the field). CiptError: read-only data.
        StaleLinkError (409): the link is not as ``loaded`` (changed, added or removed meanwhile).
    """
    with workspace_lock(workspace):
        kind, graph, vocab, module, target = _prepare(workspace, kind_name, module, target, lang)
        path = workspace.mapping_dir / kind.file_name
        rows = _read_rows(path)
        at = _find(rows, kind, module, target)
        before = dict(rows[at]) if at is not None else None
        if loaded is not None:  # under the lock: nobody changes the link between check and write
            check_loaded(before, loaded, f"{module} → {target}", lang)
        if remove:
            if at is None:
                return EditResult(kind_name, module, target, None, None)
            del rows[at]
            after = None
            fields = ["removed"]
        else:
            text = clean_text(rationale)
            if not text:
                raise _error("rationale", lang, "rationale")
            if len(text) > MAX_RATIONALE:
                raise _error("rationale_long", lang, "rationale", max=MAX_RATIONALE)
            new = {"module": module, kind.target_column: target, "rationale": text}
            if kind.has_level:
                code = next((c for c, iri in vocab.levels.items() if c == level.strip().casefold()), None)
                if code is None:
                    choices = sorted({k.upper() for k in vocab.levels if len(k) == 1})
                    raise _error("level", lang, "level", v=level, choices=", ".join(choices))
                notation = next(str(n) for n in graph.objects(vocab.levels[code], SKOS.notation))
                value = _hours(hours, lang)
                limit = _module_hours(graph, vocab.modules[module])
                if value is not None and limit is not None and value > limit:
                    raise _error("hours_module", lang, "hours", v=i18n.hours(value, lang), max=i18n.hours(limit, lang))
                others = sum((_stored_hours(r.get("hours")) for i, r in enumerate(rows)
                              if i != at and (r.get("module") or "").strip() == module), Decimal(0))
                if value is not None and limit is not None and others + value > limit:
                    raise _error("hours_sum", lang, "hours", v=i18n.hours(others + value, lang),
                                 max=i18n.hours(limit, lang))
                new.update(level=notation, hours=_format_hours(value))
            fields = [f for f in ("level", "hours", "rationale") if f in new and (before or {}).get(f, "") != new[f]]
            if before is not None and not fields:
                return EditResult(kind_name, module, target, before, before)
            after = with_validation({**(before or {}), **new, "status": "proposed", "asserted_by": author,
                                     ACCOUNT_COLUMN: author_account,
                                     "asserted_on": (today or dt.date.today()).isoformat()})  # no validation left
            if at is None:
                rows.append(after)
            else:
                rows[at] = after
        version = _switch(workspace, kind, rows, vocab, kind_name="edit", agent=author, message=message,
                          source=f"{module} → {target}", agent_account=author_account)
    return EditResult(kind_name, module, target, before, after, version, True, fields)


def review_link(workspace: Workspace, kind_name: str, module: str, target: str, *, decision: str,
                reviewer: str, comment: str = "", lang: str = "fr",
                reviewer_ids: tuple[str, ...] = (), reviewer_account: str = "",
                loaded: str | None = None) -> EditResult:
    """Validate (status ``validated``) or reject (remove) one link, recorded as a ``review`` version.

    The link's content and its author (``asserted_by``) are kept; the version's agent is the
    reviewer and its message the comment.

    Args:
        reviewer_ids: the reviewer's names (sign-in name; ``reviewer``, the name shown, is always one).
        reviewer_account: the reviewer's account id. Validating a link they proposed is refused,
            judged by :func:`proposed_by`: by account when the link has one, else by these names.
        loaded: the fingerprint of the link as the reviewer's page showed it; the decision is
            refused (StaleLinkError, 409) when the link changed or went since (None: not checked).

    Raises:
        EditError: unknown decision, module, target, no such link, a rejection without a
            comment. SelfReviewError: the reviewer proposed the link (and ``team.toml`` does
            not allow it). CiptError: read-only data.
    """
    if decision not in DECISIONS:
        raise _error("decision", lang, "decision", v=decision)
    if decision == "reject" and not clean_text(comment):
        raise _error("comment", lang, "comment")
    with workspace_lock(workspace):
        kind, _, vocab, module, target = _prepare(workspace, kind_name, module, target, lang)
        rows = _read_rows(workspace.mapping_dir / kind.file_name)
        at = _find(rows, kind, module, target)
        if loaded is not None:  # the reviewer decides on what they saw, or not at all
            check_loaded(rows[at] if at is not None else None, loaded, f"{module} → {target}", lang,
                         decision=decision)
        if at is None:
            verb = {"validate": ("valider", "validate"), "reject": ("rejeter", "reject")}[decision][lang == "en"]
            raise _error("missing", lang, kind.target_column, v=f"{module} → {target}", verb=verb)
        before = dict(rows[at])
        if decision == "reject":
            del rows[at]
            after = None
        else:
            if before.get("status", "").strip() in ("validated", "validé"):
                return EditResult(kind_name, module, target, before, before)
            author = before.get("asserted_by", "")
            if proposed_by(before, reviewer_account, (reviewer, *reviewer_ids)) and not team_settings(workspace, lang)["allow_self_validation"]:
                fr, en = _MESSAGES["self"]
                raise SelfReviewError((en if lang == "en" else fr).format(v=f"{module} → {target}", author=author),
                                      where="decision")
            # Who validated, when, with what comment: kept with the link (and in the graph).
            after = with_validation({**before, "status": "validated"}, by=reviewer, account=reviewer_account,
                                    comment=comment)
            rows[at] = after
        # Words of the page's language; shown in each reader's (versions.messages.shown_message).
        message = review_message(f"{module} → {target}", decision, clean_text(comment), lang)
        version = _switch(workspace, kind, rows, vocab, kind_name="review", agent=reviewer, message=message,
                          source=f"{module} → {target}", agent_account=reviewer_account)
    return EditResult(kind_name, module, target, before, after, version, True, ["status" if after else "removed"])

