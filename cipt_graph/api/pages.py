"""What every HTML page of the service shares: the language choice, the links, the page shell.

The language of a page is its ``lang`` query parameter when given, else the one the
``Accept-Language`` header prefers (French when it names neither French nor English). Every link
of a page carries ``?lang=`` so that the choice survives each click, and the language switch
points at the same address in the other language.
"""

from __future__ import annotations

from typing import Literal

from fastapi import Query, Request
from fastapi.responses import HTMLResponse
from starlette.routing import Match

from ..i18n import negotiate, number
from ..visualize.page import EXTRAS, Links

Lang = Literal["fr", "en"]
LANG = Query(None, description="Language of the page: fr or en (default: the one Accept-Language "
                               "prefers, else fr)")

#: Query parameters the site's links carry from page to page besides ``lang``.
KEPT_PARAMS: tuple[str, ...] = ("programme",)


def page_lang(request: Request, lang: str | None = None) -> str:
    """The page's language: ``lang`` when given, else the ``Accept-Language`` choice, else ``fr``."""
    return lang or negotiate(request.headers.get("accept-language"))


def serves(app, path: str) -> bool:
    """Whether one of the app's routes answers ``GET path`` (routers may be nested)."""
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "path_params": {},
             "query_string": b"", "headers": []}
    return any(route.matches(scope)[0] == Match.FULL for route in app.routes)


def warm(app) -> None:
    """Build, in the server's process, what pages otherwise build on their first use: the optional
    pages this app serves (matching every route builds FastAPI's per-route models) and Babel's
    locale data. Pages run in processes forked per request (``runner.py``): without this, each of
    them built it again and threw it away (0.1 s of CPU per page, ~0.6 s on a busy machine)."""
    app.state.site_extras = frozenset(n for n in EXTRAS if serves(app, f"/{n}"))
    for lang in ("fr", "en"):
        number(1234.5, lang)


def site_links(request: Request, lang: str) -> Links:
    """Server links in ``lang``, with the optional pages this app actually serves and the kept
    parameters (such as ``programme``) of the current request."""
    extras = getattr(request.app.state, "site_extras", None)
    if extras is None:
        extras = frozenset(n for n in EXTRAS if serves(request.app, f"/{n}"))
        request.app.state.site_extras = extras
    keep = tuple((k, request.query_params[k]) for k in KEPT_PARAMS if request.query_params.get(k))
    return Links(standalone=False, extras=extras, lang=lang, keep=keep, identity=page_identity(request, lang),
                 **account_links(request, lang))


def page_identity(request: Request, lang: str) -> tuple[str, str] | None:
    """The header's subtitle and the footer naming the request's programme (its ``programme``
    parameter, else the dataset's only one): :func:`cipt_graph.visualize.identity.site_identity`,
    kept per programme and language until the data changes. None (the neutral ones) when the app
    has no store."""
    from ..visualize.identity import site_identity

    state = request.app.state
    store = getattr(state, "store", None)
    if store is None:
        return None
    version = getattr(state, "data_version", None)
    programme = request.query_params.get("programme") or None
    key = (id(store), getattr(version, "token", 0), programme, lang)
    known = getattr(state, "page_identities", None)
    if known is None or len(known) > 512:
        known = state.page_identities = {}
    if key not in known:
        try:
            known[key] = site_identity(store, lang, programme)
        except Exception:  # noqa: BLE001 - a header must not break the page (an error page above all)
            return None
    return known[key]


def account_links(request: Request, lang: str) -> dict:
    """What the header says of the reader (see :class:`Links`): the signed-in account (its name,
    role, the sign-out form's CSRF token), else a sign-in link when the served workspace has
    accounts (none on the shipped data, on a ``--read-only`` service, nor on the sign-in page).

    Only a request with a session cookie can be signed in, and such a request is never answered
    from nor stored in the shared cache (:mod:`.cache`); its answer says ``private, no-store``."""
    from .auth import account_store, csrf_token, current_account

    account = current_account(request)
    raw = request.scope.get("raw_path")  # as sent: decoding would change an IRI's %2F, %25…
    path = raw.decode("latin-1") if isinstance(raw, bytes) and raw else request.url.path
    here = path + (f"?{request.url.query}" if request.url.query else "")
    if account is not None:
        return {"account": (account.display_name or account.username, account.role), "csrf": csrf_token(request),
                "here": here}
    if request.url.path == "/login" or account_store(request) is None:
        return {}
    return {"sign_in": Links().url("/login", lang, next=here)}


def switch_href(request: Request, lang: str) -> str:
    """The current address in ``lang`` (path and query, ``lang`` replaced)."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    # The path as it was sent: decoding it would turn the %2F, %25… of an IRI's path into
    # another address (see cipt_graph.safelinks.id_path).
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) and raw else request.url.path
    return Links().url(path, lang, **dict(pairs))


def html_page(html: str, lang: str, status_code: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    """An HTML answer with its ``Content-Language`` and ``Vary: Accept-Language``."""
    return HTMLResponse(html, status_code=status_code,
                        headers={"Content-Language": lang, "Vary": "Accept-Language", **(headers or {})})
