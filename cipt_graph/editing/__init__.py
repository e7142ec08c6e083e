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

The package: :mod:`.rules` (values, errors, four eyes), :mod:`.files` (the mapping files, the
checked switch), :mod:`.links` (:func:`edit_link`, :func:`review_link`).
"""

from __future__ import annotations

from .links import EditResult, edit_link, review_link
from .rules import (DECISIONS, KINDS, MAX_RATIONALE, TEAM_SETTINGS, TEAM_SETTINGS_FILE, EditError, SelfReviewError,
                    proposed_by, same_person, team_settings)

__all__ = ["DECISIONS", "KINDS", "MAX_RATIONALE", "TEAM_SETTINGS", "TEAM_SETTINGS_FILE", "EditError", "EditResult",
           "SelfReviewError", "edit_link", "proposed_by", "review_link", "same_person", "team_settings"]
