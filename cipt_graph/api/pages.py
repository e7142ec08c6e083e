"""What every HTML page of the service shares: the language choice, the links, the page shell.

The language of a page is its ``lang`` query parameter when given, else the one the
``Accept-Language`` header prefers (French when it names neither French nor English). Every link
of a page carries ``?lang=`` so that the choice survives each click, and the language switch
points at the same address in the other language.
"""

from __future__ import annotations

import asyncio
import sys
import time
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


#: Seconds the identity of a remote store's programme is reused (its data gives no version).
REMOTE_IDENTITY_TTL = 60.0


def page_identity(request: Request, lang: str) -> tuple[str, str] | None:
    """The header's subtitle and the footer naming the request's programme (its ``programme``
    parameter, else the dataset's only one): :func:`cipt_graph.visualize.identity.site_identity`,
    kept per programme and language until the data changes. None (the neutral ones) when the app
    has no store.

    On a remote store (``--store URL``) the identity takes requests to that server: on the
    server's event loop (an error page rendered there) it is never waited for — it is fetched in
    a thread for the next pages, this one gets the neutral identity (or the last one known) —
    and it is reused for ``REMOTE_IDENTITY_TTL`` seconds (a remote store's data has no version).
    """
    from ..visualize.identity import site_identity

    state = request.app.state
    store = getattr(state, "store", None)
    if store is None:
        return None
    programme = request.query_params.get("programme") or None
    remote = _is_remote(store)
    version = "remote" if remote else getattr(getattr(state, "data_version", None), "token", 0)
    key = (id(store), version, programme, lang)
    known = getattr(state, "page_identities", None)
    if known is None or len(known) > 512:
        known = state.page_identities = {}
    entry = known.get(key)
    if entry is not None and (not remote or time.monotonic() - entry[0] < REMOTE_IDENTITY_TTL):
        return entry[1]

    def compute() -> tuple[str, str] | None:
        try:
            found = site_identity(store, lang, programme)
        except Exception:  # noqa: BLE001 - a header must not break the page (an error page above all)
            return None
        known[key] = (time.monotonic(), found)
        return found

    if remote and _on_event_loop():
        pending = getattr(state, "identity_fetches", None)
        if pending is None:
            pending = state.identity_fetches = set()
        if key not in pending:
            pending.add(key)
            asyncio.get_running_loop().run_in_executor(None, compute).add_done_callback(
                lambda _done: pending.discard(key))
        return entry[1] if entry is not None else None
    return compute()


def _is_remote(store) -> bool:
    remote = sys.modules.get("cipt_graph.stores.remote")  # imported if the store is one
    return remote is not None and isinstance(store, remote.RemoteStore)


def _on_event_loop() -> bool:
    """Whether this thread runs the server's event loop (nothing may block it)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


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
    # A page answering a form names the page to come back to (request.state.here): its own
    # address may only take a POST.
    here = getattr(request.state, "here", None) or path + (f"?{request.url.query}" if request.url.query else "")
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
