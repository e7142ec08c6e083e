"""Editing and reviewing one link of the mapping, all or nothing: :func:`edit_link`,
:func:`review_link` (see :mod:`cipt_graph.editing` for the rules they follow)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib.namespace import SKOS

from .. import i18n
from ..linkstate import check_loaded
from ..mapping import ACCOUNT_COLUMN, with_validation
from ..paths import Workspace
from ..text import clean_text
from ..versions import Version, workspace_lock
from ..versions.messages import review_message
from .files import find, prepare, read_rows, switch
from .rules import (DECISIONS, MAX_RATIONALE, MESSAGES, SelfReviewError, error, format_hours, module_hours, parse_hours,
                    proposed_by, stored_hours, team_settings)


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
        kind, graph, vocab, module, target = prepare(workspace, kind_name, module, target, lang)
        path = workspace.mapping_dir / kind.file_name
        rows = read_rows(path)
        at = find(rows, kind, module, target)
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
                raise error("rationale", lang, "rationale")
            if len(text) > MAX_RATIONALE:
                raise error("rationale_long", lang, "rationale", max=MAX_RATIONALE)
            new = {"module": module, kind.target_column: target, "rationale": text}
            if kind.has_level:
                code = next((c for c, iri in vocab.levels.items() if c == level.strip().casefold()), None)
                if code is None:
                    choices = sorted({k.upper() for k in vocab.levels if len(k) == 1})
                    raise error("level", lang, "level", v=level, choices=", ".join(choices))
                notation = next(str(n) for n in graph.objects(vocab.levels[code], SKOS.notation))
                value = parse_hours(hours, lang)
                limit = module_hours(graph, vocab.modules[module])
                if value is not None and limit is not None and value > limit:
                    raise error("hours_module", lang, "hours", v=i18n.hours(value, lang), max=i18n.hours(limit, lang))
                others = sum((stored_hours(r.get("hours")) for i, r in enumerate(rows)
                              if i != at and (r.get("module") or "").strip() == module), Decimal(0))
                if value is not None and limit is not None and others + value > limit:
                    raise error("hours_sum", lang, "hours", v=i18n.hours(others + value, lang),
                                max=i18n.hours(limit, lang))
                new.update(level=notation, hours=format_hours(value))
            fields = [f for f in ("level", "hours", "rationale") if f in new and (before or {}).get(f, "") != new[f]]
            if before is not None and not fields:
                return EditResult(kind_name, module, target, before, before)
            after = with_validation({**(before or {}), **new, "status": "proposed", "asserted_by": author,
                                     ACCOUNT_COLUMN: author_account,
                                     "asserted_on": (today or i18n.paris_today()).isoformat()})  # no validation left
            if at is None:
                rows.append(after)
            else:
                rows[at] = after
        version = switch(workspace, kind, rows, vocab, kind_name="edit", agent=author, message=message,
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
        raise error("decision", lang, "decision", v=decision)
    if decision == "reject" and not clean_text(comment):
        raise error("comment", lang, "comment")
    with workspace_lock(workspace):
        kind, _, vocab, module, target = prepare(workspace, kind_name, module, target, lang)
        rows = read_rows(workspace.mapping_dir / kind.file_name)
        at = find(rows, kind, module, target)
        if loaded is not None:  # the reviewer decides on what they saw, or not at all
            check_loaded(rows[at] if at is not None else None, loaded, f"{module} → {target}", lang,
                         decision=decision)
        if at is None:
            verb = {"validate": ("valider", "validate"), "reject": ("rejeter", "reject")}[decision][lang == "en"]
            raise error("missing", lang, kind.target_column, v=f"{module} → {target}", verb=verb)
        before = dict(rows[at])
        if decision == "reject":
            del rows[at]
            after = None
        else:
            if before.get("status", "").strip() in ("validated", "validé"):
                return EditResult(kind_name, module, target, before, before)
            author = before.get("asserted_by", "")
            if proposed_by(before, reviewer_account, (reviewer, *reviewer_ids)) and not team_settings(workspace, lang)["allow_self_validation"]:
                fr, en = MESSAGES["self"]
                raise SelfReviewError((en if lang == "en" else fr).format(v=f"{module} → {target}", author=author),
                                      where="decision")
            # Who validated, when, with what comment: kept with the link (and in the graph).
            after = with_validation({**before, "status": "validated"}, by=reviewer, account=reviewer_account,
                                    comment=comment)
            rows[at] = after
        # Words of the page's language; shown in each reader's (versions.messages.shown_message).
        message = review_message(f"{module} → {target}", decision, clean_text(comment), lang)
        version = switch(workspace, kind, rows, vocab, kind_name="review", agent=reviewer, message=message,
                          source=f"{module} → {target}", agent_account=reviewer_account)
    return EditResult(kind_name, module, target, before, after, version, True, ["status" if after else "removed"])
