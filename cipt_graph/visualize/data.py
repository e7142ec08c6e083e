"""Fetching the named queries the views are drawn from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ..queries import get_query, run_query
from ..i18n import number
from ..store import Store, iter_records


#: The programme the views being drawn are about (its code or IRI); None: the dataset's only one,
#: or every programme. Set by :func:`programme_scope` around a rendering.
_PROGRAMME: ContextVar[str | None] = ContextVar("cipt_view_programme", default=None)


@contextmanager
def programme_scope(programme: str | None) -> Iterator[None]:
    """Draw the views inside the block for ``programme`` (code or IRI; None leaves them unscoped)."""
    token = _PROGRAMME.set(programme)
    try:
        yield
    finally:
        _PROGRAMME.reset(token)


def current_programme() -> str | None:
    """The programme of the views being drawn (see :func:`programme_scope`)."""
    return _PROGRAMME.get()


def records(store: Store, name: str, **params: str) -> list[dict[str, object]]:
    """The rows of a named query as plain dicts (``lang`` and other parameters as keywords).

    Inside :func:`programme_scope`, queries that take a ``programme`` get the scope's programme.
    """
    programme = _PROGRAMME.get()
    if programme is not None and "programme" not in params:
        if any(p.name == "programme" for p in get_query(name).params):
            params = {**params, "programme": programme}
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
