"""Fetching the named queries the views are drawn from."""

from __future__ import annotations

from ..queries import run_query
from ..i18n import number
from ..store import Store, iter_records


def records(store: Store, name: str, **params: str) -> list[dict[str, object]]:
    """The rows of a named query as plain dicts (``lang`` and other parameters as keywords)."""
    return list(iter_records(run_query(store, name, params)))


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:(")
    return cut + "…"


def hours_text(value: object, lang: str = "fr") -> str:
    """Hours as a number the locale writes (no unit): ``20``, ``62,5``, ``16,67`` (fr)."""
    return number(value, lang)
