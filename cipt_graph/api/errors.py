"""Errors answered with a status and a readable message, never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response

from ..errors import CiptError, QueryError, StoreError
from .imsx import CASE_PREFIX, imsx_response

log = logging.getLogger("cipt_graph.api")

_REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 409: "Conflict", 413: "Content Too Large", 414: "URI Too Long", 415: "Unsupported Media Type",
    429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
}


class ApiError(Exception):
    """An answer other than 2xx: a status, a message for people, optional headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def __reduce__(self):  # picklable: errors come back from query processes (runner.py)
        return (type(self), (self.status, self.message, self.headers))


def _wants_html(request: Request) -> bool:
    """A browser asking for a page (``text/html`` named in ``Accept``), outside the SPARQL protocol."""
    if request.url.path.startswith("/sparql"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/xhtml+xml" in accept


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
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

            return render_error_page(request, status, message, headers)
        except Exception:  # the page itself failed: the plain answer below still tells
            log.exception("the error page failed")
    return PlainTextResponse(f"{status} {_REASONS.get(status, 'Error')}: {message}\n", status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to a status and a message; log the unexpected ones."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(CiptError)
    async def _cipt_error(request: Request, exc: CiptError) -> Response:
        if isinstance(exc, StoreError):
            # The store (a remote server, a disk) is unreachable or failing: the service itself is
            # fine and answers again when the store does (issue #8), so 503, not 500.
            log.warning("store unavailable on %s %s: %s", request.method, request.url.path, exc)
            return error_response(request, 503, f"the store is unavailable: {exc.message}", {"Retry-After": "5"})
        status = 400 if isinstance(exc, QueryError) else 500
        return error_response(request, status, exc.message)

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
