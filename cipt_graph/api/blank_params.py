"""An empty ``programme`` parameter is an absent one, on every route (issue #16).

A form's « tous les programmes » choice, or a link built with an empty value, sends
``?programme=``: every route then answers as without the parameter (the dataset's only programme,
or the 400 naming ``programme`` where an answer over several would be slow), never a 404 for a
programme named « ». Done once, before the cache and the routes, so that no route can differ.

Two different programmes in one request (``?programme=U001&programme=U002``) are a 400 naming the
parameter, on every route: the routes read one value (the last), and an answer for one of the
two, silently, would be taken for the other's.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

#: The parameters whose blank value (empty, or spaces only) means "not given".
BLANK_IS_ABSENT = frozenset({"programme"})


def drop_blank(query_string: bytes, names: frozenset[str] = BLANK_IS_ABSENT) -> bytes:
    """``query_string`` without the pairs of ``names`` whose value is blank (order kept).

    >>> drop_blank(b"lang=en&programme=&x=1")
    b'lang=en&x=1'
    >>> drop_blank(b"programme=+%20&programme=U001")
    b'programme=U001'
    """
    pairs = query_string.split(b"&")
    kept = []
    for pair in pairs:
        name, _, value = pair.partition(b"=")
        if unquote_plus(name.decode("latin-1")) in names and not unquote_plus(value.decode("latin-1")).strip():
            continue
        kept.append(pair)
    return b"&".join(kept) if len(kept) != len(pairs) else query_string


def given_values(query_string: bytes, name: str = "programme") -> list[str]:
    """The distinct values given to ``name`` (stripped, blank ones left out), in order.

    >>> given_values(b"programme=U001&lang=en&programme=+U001&programme=U002")
    ['U001', 'U002']
    """
    values: list[str] = []
    for pair in query_string.split(b"&"):
        key, _, value = pair.partition(b"=")
        if unquote_plus(key.decode("latin-1")) == name:
            text = unquote_plus(value.decode("latin-1")).strip()
            if text and text not in values:
                values.append(text)
    return values


async def _refuse_several(scope, receive, send, values: list[str]) -> None:
    """The 400 of a request naming several programmes, in the request's language and form
    (JSON under ``/api``, the site's page for a browser, plain text otherwise)."""
    from starlette.requests import Request

    from ..i18n import typeset
    from .errors import error_response, request_lang

    request = Request(scope, receive)
    lang = request_lang(request)
    shown = [value if len(value) <= 80 else value[:80] + "…" for value in values[:5]]
    if lang == "fr":
        listed = ", ".join(f"« {value} »" for value in shown)
        message = typeset(f"paramètre « programme » donné plusieurs fois ({listed}) : "
                          "donnez un seul programme (son code ou son IRI)", "fr")
    else:
        listed = ", ".join(repr(value) for value in shown)
        message = f"parameter 'programme' given more than once ({listed}): give one programme (its code or IRI)"
    await error_response(request, 400, message, message_lang=lang)(scope, receive, send)


class BlankParameterIsAbsent:
    """ASGI middleware: drops the blank ``programme`` pairs of every HTTP request's query string;
    refuses (400) a request giving several different programmes."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and b"programme" in scope.get("query_string", b""):
            cleaned = drop_blank(scope["query_string"])
            values = given_values(cleaned)
            if len(values) > 1:
                await _refuse_several(scope, receive, send, values)
                return
            if cleaned is not scope["query_string"]:
                scope = {**scope, "query_string": cleaned}
        await self.app(scope, receive, send)
