"""Content negotiation: pick a media type from an ``Accept`` header (RFC 9110 §12.5.1)."""

from __future__ import annotations

from collections.abc import Sequence


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """The media ranges of an Accept header as (range, q, position), lower-cased."""
    if not header or not header.strip():
        return [("*/*", 1.0, 0)]
    ranges = []
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else media + "/*"
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    return ranges


def _specificity(media_range: str, offered: str) -> int:
    if media_range == offered:
        return 3
    kind, _, sub = media_range.partition("/")
    if sub == "*" and offered.startswith(kind + "/"):
        return 2
    if media_range == "*/*":
        return 1
    return 0


def acceptable(header: str | None, offered: Sequence[str]) -> list[str]:
    """Every offered type the client accepts (q > 0), the preferred first (see ``negotiate``)."""
    ranked = []
    ranges = parse_accept(header)
    for index, media in enumerate(offered):
        matches = [(s, q, pos) for r, q, pos in ranges if (s := _specificity(r, media))]
        if not matches:
            continue
        specificity, q, pos = max(matches, key=lambda m: (m[0], m[1]))
        if q <= 0:
            continue
        # Prefer higher q, then an exact mention over a wildcard, then the header's order, then ours.
        key = (q, 1 if specificity == 3 else 0, -pos if specificity == 3 else 0, -index)
        ranked.append((key, media))
    return [media for _, media in sorted(ranked, reverse=True)]


def negotiate(header: str | None, offered: Sequence[str]) -> str | None:
    """The offered type the client prefers, ties going to the earlier offer; None if none fits.

    The q of an offered type is the q of the most specific range that matches it; ``*/*``
    picks the first offer (the default).
    """
    ranked = acceptable(header, offered)
    return ranked[0] if ranked else None
