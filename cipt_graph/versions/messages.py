"""A version's message as a reader sees it, in the reader's language (issue #15).

A message has two parts of different nature. What a person typed (``-m``, the comment of a review)
is kept as typed, in whatever language it was written. What the program wrote — the baseline's
sentence, a review's ``M02 → BC02-C1 validé`` — is a fact said in words, and the words are chosen
when the message is shown, not when it was recorded: a review recorded from the French page reads
``M02 → BC02-C1 validated: OK vu`` to an English reader (the comment ``OK vu`` as typed).

A review's stored message is ``<module> → <target> <word>[<colon><comment>]`` where the word is
``validé``/``rejeté`` (French page) or ``validated``/``rejected`` (English page), as written by
:func:`cipt_graph.editing.review_link`; anything else is shown as stored.
"""

from __future__ import annotations

import re

_REVIEW = re.compile(r"(?P<link>\S+ → \S+) (?P<word>validé|rejeté|validated|rejected)(?:(?: : |: )(?P<comment>.*))?",
                     re.S)
_DECISION = {"validé": "validate", "validated": "validate", "rejeté": "reject", "rejected": "reject"}
_WORDS = {"fr": {"validate": "validé", "reject": "rejeté"}, "en": {"validate": "validated", "reject": "rejected"}}


def review_decision(message: str) -> tuple[str, str, str] | None:
    """The facts of a review's generated message: (``module → target``, ``validate`` or
    ``reject``, the comment as typed, '' when none); None for any other message."""
    found = _REVIEW.fullmatch(message or "")
    if found is None:
        return None
    return found.group("link"), _DECISION[found.group("word")], found.group("comment") or ""


def review_message(link: str, decision: str, comment: str, lang: str) -> str:
    """The sentence of a review in ``lang``: ``M02 → BC02-C1 validé : OK vu`` (fr),
    ``M02 → BC02-C1 rejected: off topic`` (en); the comment as typed."""
    lang = "en" if lang == "en" else "fr"
    colon = ": " if lang == "en" else " : "
    return f"{link} {_WORDS[lang][decision]}" + (f"{colon}{comment}" if comment else "")


def shown_message(version, lang: str) -> str:
    """``version``'s message for a reader in ``lang`` (``fr``/``en``): a baseline's and a review's
    generated words in that language, a person's text as typed; '' when none."""
    from .record import BASELINE_MESSAGE, BASELINE_MESSAGES

    message = version.message or ""
    if version.kind == "baseline" and message == BASELINE_MESSAGE:
        return BASELINE_MESSAGES.get(lang, BASELINE_MESSAGE)
    if version.kind == "review":
        facts = review_decision(message)
        if facts is not None:
            return review_message(*facts, lang)
    return message
