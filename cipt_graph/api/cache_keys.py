"""What a cached answer is keyed on (issue #11), for :class:`cipt_graph.api.cache.ResponseCache`:
the ``Accept`` header in a canonical form, the language ``Accept-Language`` picks, and the query
parameters each route reads (the rest of a query string cannot change an answer).
"""

from __future__ import annotations

import sys

from starlette.types import Scope


def normalised_accept(value: bytes, offered: frozenset[str] | None = None) -> bytes:
    """An ``Accept`` header in one canonical form, for a cache key, that keeps exactly what
    :mod:`cipt_graph.api.conneg` reads: media ranges lower-cased (``text`` as ``text/*``, ``*`` as
    ``*/*``), spaces and other parameters' spelling dropped, ranges ordered by falling ``q`` (equal
    ones keep their order), and each ``q`` replaced by its rank among the header's weights
    (negotiation only compares weights and tells 0 apart): ``application/json``,
    ``application/json;q=1`` and ``…;q=0.1234``/``…;q=0.5678`` are one key, not one per spelling.
    An unreadable ``q`` counts as 0, as in :func:`~cipt_graph.api.conneg.parse_accept`.

    With ``offered`` (every media type a route of the service may negotiate), a range that matches
    none of them is dropped: it cannot change what any route picks, so
    ``Accept: application/x-foo-1`` and ``…-2`` are one key (``!none``: nothing the service offers
    is named, each route then answers its default or 406), not one cache entry per invented type."""
    from .conneg import parse_accept  # the reading the routes negotiate with (an empty header is */*)

    parsed = parse_accept(value.decode("latin-1"))
    if offered is not None:
        kinds = {media.partition("/")[0] for media in offered}
        parsed = [(media, q, index) for media, q, index in parsed
                  if media == "*/*" or media in offered or media.endswith("/*") and media[:-2] in kinds]
        if not parsed:
            return b"!none"
    ranges = [(-q, index, media) for media, q, index in parsed]
    weights = sorted({-q for q, _, _ in ranges if q < 0}, reverse=True)
    rank = {w: i for i, w in enumerate(weights)}
    out = [media + (";q=0" if q == 0 else f";r={rank[-q]}" if rank[-q] else "")
           for q, _, media in sorted(ranges)]
    return ",".join(out).encode("latin-1")


def negotiated_language(value: bytes) -> bytes:
    """The language an ``Accept-Language`` header picks (``fr`` or ``en``, as every route reads it:
    :func:`cipt_graph.i18n.negotiate`), for a cache key: ``fr;q=0.1234`` and ``fr;q=0.5678`` are one key."""
    from ..i18n import negotiate

    return negotiate(value.decode("latin-1") or None).encode()


def route_parameters(app, always: tuple[str, ...] = (), raw: tuple[str, ...] = ()):
    """For :class:`ResponseCache`: a function of an ASGI scope giving its route (or ``None``) and
    the names of the query parameters the route reads — the ones it declares (FastAPI ``Query``
    parameters, its dependencies' included) and ``always`` (read by every page: the language, the
    kept ``programme``) — or ``None`` for a route that reads its query string itself (``raw``:
    the endpoint's module names, such as the SPARQL protocol's or the named queries', which refuse
    what they do not know; a raw module's ``CACHE_KEY_PARAMETERS``, when it has one, are then the
    names kept)."""
    from fastapi.routing import APIRoute
    from starlette.routing import Match

    table: list | None = None

    def flat(routes) -> list:
        out = []
        for route in routes:
            included = getattr(route, "original_router", None)  # FastAPI >= 0.16x keeps routers whole
            if included is not None:
                out += flat(included.routes)
            elif isinstance(route, APIRoute):
                out.append(route)
        return out

    def build() -> list:
        rows = []
        for route in flat(app.router.routes):
            module = getattr(route.endpoint, "__module__", "")
            if module in raw:
                keyed = getattr(sys.modules.get(module), "CACHE_KEY_PARAMETERS", None)
                rows.append((route, frozenset(keyed) if keyed is not None else None))
                continue
            names: set[str] = set()
            todo = [route.dependant]
            while todo:
                dependant = todo.pop()
                names.update(field.alias for field in dependant.query_params)
                todo.extend(dependant.dependencies)
            rows.append((route, frozenset(names | set(always))))
        return rows

    def of(scope: Scope) -> tuple[object, frozenset | None]:
        nonlocal table
        if table is None:
            table = build()
        probe = {**scope, "method": "GET"}
        for route, names in table:
            if route.matches(probe)[0] == Match.FULL:
                return route, names
        return None, None

    return of
