"""Errors answered with a status and a readable message, never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response

from ..errors import CiptError, QueryError, StoreError
from ..i18n import LANGS, negotiate
from .imsx import CASE_PREFIX, imsx_response

log = logging.getLogger("cipt_graph.api")

_REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 409: "Conflict", 413: "Content Too Large", 414: "URI Too Long", 415: "Unsupported Media Type",
    429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
}


def request_lang(request: Request) -> str:
    """The language a request's answers (pages, error messages) are in: its ``lang`` query
    parameter when ``fr`` or ``en``, else the one ``Accept-Language`` prefers, else ``fr`` — the
    pages' choice (:func:`.pages.page_lang`)."""
    asked = request.query_params.get("lang")
    return asked if asked in LANGS else negotiate(request.headers.get("accept-language"))


class ApiError(Exception):
    """An answer other than 2xx: a status, a message for people, optional headers.

    ``message`` is the English text; ``fr`` its French, when given: the answer carries the one
    of the request's language (:func:`request_lang`)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, *,
                 fr: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.fr = fr

    def text(self, lang: str) -> tuple[str, str]:
        """(the message in ``lang`` when known, else in English; the language it is in)."""
        return (self.fr, "fr") if lang == "fr" and self.fr else (self.message, "en")

    def __reduce__(self):  # picklable: errors come back from query processes (runner.py)
        return (_rebuild_api_error, (type(self), self.status, self.message, self.headers, self.fr))


def _rebuild_api_error(cls, status, message, headers, fr):
    return cls(status, message, headers, fr=fr)


def cipt_text(exc: CiptError, lang: str) -> tuple[str, str]:
    """A library error's message in ``lang`` (its ``fr``/``en`` text; the place it names on the
    server, ``where``, left out), with the language the text is in (``message``'s, English or
    French, when that language's text is unknown)."""
    known = exc.en if lang == "en" else exc.fr
    if known:
        return known, lang
    return exc.message, _guess(exc)


def _guess(exc: CiptError) -> str:
    """The language of ``exc.message`` when it is neither ``fr`` nor ``en``'s text: French when it
    is the French text, else English (the library writes ``message`` in one of the two)."""
    return "fr" if exc.fr and exc.message == exc.fr else "en"


def _wants_html(request: Request) -> bool:
    """A browser asking for a page (``text/html`` named in ``Accept``), outside the SPARQL protocol."""
    if request.url.path.startswith("/sparql"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/xhtml+xml" in accept


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None, *,
                   message_lang: str = "en") -> Response:
    """JSON (``{"status", "error", "message"}``) under ``/api``; an HTML page of the site for
    browsers (``Accept: text/html``); plain text otherwise.

    SPARQL clients show a plain-text body as it is; JSON clients get a stable shape. Under
    ``/ims/case/`` the CASE binding's ``imsx_StatusInfo`` (see :mod:`.imsx`).
    """
    if request.url.path.startswith(CASE_PREFIX):
        return imsx_response(status, message, headers)
    if request.url.path.startswith("/api"):
        body = {"status": status, "error": _REASONS.get(status, "Error"), "message": message}
        return JSONResponse(body, status_code=status, headers=headers)
    if _wants_html(request):
        try:
            from .error_page import render_error_page

            return render_error_page(request, status, message, headers, message_lang=message_lang)
        except Exception:  # the page itself failed: the plain answer below still tells
            log.exception("the error page failed")
    return PlainTextResponse(f"{status} {_REASONS.get(status, 'Error')}: {message}\n", status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to a status and a message; log the unexpected ones."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        message, lang = exc.text(request_lang(request))
        return error_response(request, exc.status, message, exc.headers, message_lang=lang)

    @app.exception_handler(CiptError)
    async def _cipt_error(request: Request, exc: CiptError) -> Response:
        message, lang = cipt_text(exc, request_lang(request))
        if isinstance(exc, StoreError):
            # The store (a remote server, a disk) is unreachable or failing: the service itself is
            # fine and answers again when the store does (issue #8), so 503, not 500.
            log.warning("store unavailable on %s %s: %s", request.method, request.url.path, exc)
            frame = "l'entrepôt est indisponible : " if lang == "fr" else "the store is unavailable: "
            return error_response(request, 503, frame + message, {"Retry-After": "5"}, message_lang=lang)
        status = 400 if isinstance(exc, QueryError) else 500
        return error_response(request, status, message, message_lang=lang)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no resource at {request.url.path}"
        if exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        return error_response(request, exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body"))
            parts.append(f"{where}: {err.get('msg', 'invalid value')}" if where else str(err.get("msg")))
        return error_response(request, 400, "; ".join(parts) or "invalid request")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal error (logged on the server)")
