"""An empty ``programme`` parameter is an absent one, on every route (issue #16).

A form's « tous les programmes » choice, or a link built with an empty value, sends
``?programme=``: every route then answers as without the parameter (the dataset's only programme,
or the 400 naming ``programme`` where an answer over several would be slow), never a 404 for a
programme named « ». Done once, before the cache and the routes, so that no route can differ.
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


class BlankParameterIsAbsent:
    """ASGI middleware: drops the blank ``programme`` pairs of every HTTP request's query string."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and b"programme" in scope.get("query_string", b""):
            cleaned = drop_blank(scope["query_string"])
            if cleaned is not scope["query_string"]:
                scope = {**scope, "query_string": cleaned}
        await self.app(scope, receive, send)
