"""The state of one mapping link as a person saw it: a fingerprint carried by the browser's forms.

A form that changes, validates or rejects a link carries the fingerprint of the link as the page
showed it (``loaded``); the change is applied under the workspace lock only if the link is still
the same (:func:`check_loaded`). Otherwise the person would overwrite a colleague's change made in
between (a lost update) or validate content they never saw: the change is refused (HTTP 409) and
the page offers to reload. A form that adds a link carries :data:`NEW`: adding a link that exists
already is refused the same way (edit it instead).

The fingerprint is the first 16 hex digits of the SHA-256 of the link's row (its non-empty
columns, JSON with sorted keys), so a column added to the file for other rows does not change it.
"""

from __future__ import annotations

import hashlib
import json

from .errors import InputError

#: The ``loaded`` value of a form that adds a link (no link was shown).
NEW = "new"

_STATUS_WORDS = {"validated": ("validé", "validated"), "proposed": ("proposé", "proposed")}


class StaleLinkError(InputError):
    """The link changed (or appeared, or disappeared) since the page that sent the form was loaded."""

    status = 409


def fingerprint(row: dict[str, str] | None) -> str:
    """The fingerprint of a mapping row (:data:`NEW` for no row): 16 hex digits."""
    if row is None:
        return NEW
    kept = {k: (v or "").strip() for k, v in row.items() if k and isinstance(v, str) and (v or "").strip()}
    data = json.dumps(kept, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


def _now(row: dict[str, str], lang: str) -> str:
    state = "validated" if (row.get("status") or "").strip() in ("validated", "validé") else "proposed"
    word = _STATUS_WORDS[state][1 if lang == "en" else 0]
    who = (row.get("validated_by") if state == "validated" else row.get("asserted_by")) or ""
    who = who.strip()
    if lang == "en":
        return f"it is now {word}" + (f" by {who}" if who else "")
    return f"il est maintenant {word}" + (f" par {who}" if who else "")


def check_loaded(row: dict[str, str] | None, loaded: str | None, link: str, lang: str, *,
                 decision: str = "") -> None:
    """Refuse a change made from a page that showed another state of the link.

    Args:
        row: the link's row now (under the workspace lock), None when absent.
        loaded: the fingerprint the form carried (:data:`NEW` from an add form); None or empty
            when the form carried none (refused too: nobody can say what the person saw).
        link: ``module → target``, for the message.
        decision: ``validate`` or ``reject`` for a review, '' for an edit (the message's verb).

    Raises:
        StaleLinkError (status 409, ``where`` = ``loaded``): the link is not as loaded; the
            message says what happened, in French and English.
    """
    loaded = (loaded or "").strip()
    if loaded and loaded == fingerprint(row):
        return
    reload_fr = "Rechargez la page pour voir le lien tel qu'il est, puis refaites votre modification."
    reload_en = "Reload the page to see the link as it is now, then make your change again."
    if not loaded:
        fr = f"le formulaire ne dit pas quel état du lien {link} vous avez vu. {reload_fr}"
        en = f"the form does not say which state of the link {link} you saw. {reload_en}"
    elif loaded == NEW:
        fr = f"le lien {link} existe déjà : modifiez-le plutôt (formulaire « Modifier » de sa ligne)."
        en = f"the link {link} already exists: edit it instead (the “Edit” form of its row)."
    elif row is None:
        verb_fr = {"validate": "à valider", "reject": "à rejeter"}.get(decision, "à modifier")
        verb_en = {"validate": "to validate", "reject": "to reject"}.get(decision, "to change")
        fr = (f"le lien {link} n'existe plus : il a été rejeté ou supprimé depuis que vous avez ouvert la page, "
              f"plus rien {verb_fr}.")
        en = f"the link {link} no longer exists: it was rejected or removed since you opened the page, nothing left {verb_en}."
    else:
        fr = (f"le lien {link} a changé depuis que vous avez ouvert la page ({_now(row, 'fr')}) : votre "
              f"{'décision' if decision else 'modification'} n'est pas enregistrée. {reload_fr}")
        en = (f"the link {link} changed since you opened the page ({_now(row, 'en')}): your "
              f"{'decision' if decision else 'change'} was not saved. {reload_en}")
    raise StaleLinkError(en if lang == "en" else fr, where="loaded", fr=fr, en=en)
