"""Split RNCP competency lists (plain text, line breaks lost) into items; normalise labels.

In France Compétences' exports a list such as ``LISTE_COMPETENCES`` has no line breaks: former
line breaks became runs of 2–10 spaces, and soft wraps inside one item are runs of 2–3 spaces.
Items may start with a bullet (``- ``, ``* ``, ``o ``, ``•``…), a numbering (``C.1.``, ``1.1``,
``A1C1.``) or nothing. See ``../shared/rncp-samples/README.md`` (the format's traps).

Rules, in order:

1. If the text starts with an item marker, or at least two markers follow a run of two or more
   spaces, the list is *marked*: it is cut before every marker that starts the text or follows
   a run of two or more spaces. Runs of spaces inside an item are soft wraps.
2. Otherwise the list is *unmarked*: it is cut at runs of four or more spaces (line breaks);
   runs of two or three spaces are soft wraps.

A list holding HTML tags or entities (older fiches: ``&lt;p&gt;- Param&amp;eacute;trer…``) is
first decoded (:func:`cipt_graph.text.html_items`): one item per paragraph or list item, each
then cut by the rules above.

Every item is then trimmed, its whitespace collapsed to single spaces, and its bullet (not its
numbering, which is part of what the certifier wrote) removed.
"""

from __future__ import annotations

import re
import unicodedata

from ..text import html_items, looks_like_html

#: Bullets seen in exports: dash, asterisk, letter o (a Word bullet), en dash, round and square bullets.
_BULLET = r"(?:[-*o•●▪■◦➢–—](?=\s))"
#: Numberings: C.1. / C1. / C1.2. / C1 : | 1.1 / 1.1. / 1. / 1) | A1C1. / A1.C1.
_NUMBERING = (
    r"(?:C\.?\d+(?:\.\d+)*(?:\s?[.:)-]|\.)(?=\s)"
    r"|\d+(?:\.\d+)+\.?(?=\s)"
    r"|\d+[.)](?=\s)"
    r"|[A-Z]\d+\.?C\d+\.?(?=\s))"
)
_MARKER = re.compile(rf"(?:{_BULLET}|{_NUMBERING})")
_MARKED_CUT = re.compile(rf"(?:^|(?<=\s\s))(?={_MARKER.pattern})")
_LINE_BREAK = re.compile(r"\s{4,}")
_SPACES = re.compile(r"\s+")
_LEADING_BULLET = re.compile(r"^[-*o•●▪■◦➢–—](?=\s|$)\s*")
_LEADING_NUMBERING = re.compile(rf"^{_NUMBERING}\s*")


def _is_marked(text: str) -> bool:
    if _MARKER.match(text):
        return True
    return len(re.findall(rf"\s\s{_MARKER.pattern}", text)) >= 2


def split_competencies(raw: str | None) -> list[str]:
    """The items of a competency list, in order (empty for an empty list).

    Args:
        raw: the list as the export gives it (``LISTE_COMPETENCES``).

    Returns:
        One string per item: whitespace collapsed, bullet removed, numbering kept.
    """
    if raw and looks_like_html(raw):
        # Older fiches: escaped HTML paragraphs / list items, one item each (docs/text.md).
        return [item for line in html_items(raw) for item in _split_plain(line)]
    return _split_plain(raw)


def _split_plain(raw: str | None) -> list[str]:
    text = (raw or "").replace("\u00a0", " ").replace("\r", " ").replace("\n", " ").strip()
    if not text:
        return []
    pieces = _MARKED_CUT.split(text) if _is_marked(text) else _LINE_BREAK.split(text)
    items = []
    for piece in pieces:
        item = _LEADING_BULLET.sub("", _SPACES.sub(" ", piece).strip())
        if item and not _MARKER.fullmatch(item):
            items.append(item)
    return items


def collapse_spaces(text: str | None) -> str:
    """Text with every run of whitespace made one space, trimmed."""
    return _SPACES.sub(" ", (text or "").replace("\u00a0", " ")).strip()


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise_label(text: str | None) -> str:
    """A label reduced for matching: no accents, ligatures spelled out, lower case, no
    punctuation, single spaces, leading bullet or numbering dropped."""
    text = collapse_spaces(text)
    text = _LEADING_BULLET.sub("", text)
    text = _LEADING_NUMBERING.sub("", text)
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _NOT_WORD.sub(" ", text).strip()
