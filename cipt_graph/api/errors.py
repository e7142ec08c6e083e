"""Errors answered with a status and a readable message, never a stack trace."""

from __future__ import annotations

import logging
import re

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
                 fr: str | None = None, title: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.fr = fr
        #: The key of the error page's title in the site's catalogue (``error.unknown_programme``),
        #: when the status's own title would mislead.
        self.title = title

    def text(self, lang: str) -> tuple[str, str]:
        """(the message in ``lang`` when known, else in English; the language it is in)."""
        return (self.fr, "fr") if lang == "fr" and self.fr else (self.message, "en")

    def __reduce__(self):  # picklable: errors come back from query processes (runner.py)
        return (_rebuild_api_error, (type(self), self.status, self.message, self.headers, self.fr, self.title))


def _rebuild_api_error(cls, status, message, headers, fr, title=None):
    return cls(status, message, headers, fr=fr, title=title)


#: How many programme codes an unknown programme's answer lists.
PROGRAMMES_LISTED = 12


def programme_error(store, value: str, exc: CiptError, parameter: str = "programme") -> ApiError:
    """The 404 of a ``programme`` parameter naming no programme (``exc``, from
    :func:`cipt_graph.queries.resolve_programme`), worded as the command line's ``--programme``:
    ``paramètre « programme » : « U999 » n'est pas un programme connu ; vouliez-vous dire U099 ?
    (programmes : M2_CIPT, U001… et 290 autres ; voir /programmes)``, the same on every route.
    Other refusals (a value naming several programmes) keep their own message, the parameter named (400)."""
    from ..queries import UnknownProgramme, close_programmes

    if not isinstance(exc, UnknownProgramme):
        return ApiError(400, f"{parameter}: {exc.text('en')}", fr=f"paramètre « {parameter} » : {exc.text('fr')}")
    if not exc.value:  # raised elsewhere than resolve_programme: its parts found again
        close, codes = close_programmes(store, value)
        exc.value, exc.close, exc.codes = value, tuple(close), tuple(codes)
    codes, more = ", ".join(exc.codes[:PROGRAMMES_LISTED]), len(exc.codes) - PROGRAMMES_LISTED
    listed_en = (codes + (f" and {more} more" if more > 0 else "")) if codes else "none in the data"
    listed_fr = (codes + (f" et {more} autres" if more > 0 else "")) if codes else "aucun dans les données"
    return ApiError(404, f"parameter {parameter!r}: {exc.phrase('en')} (programmes: {listed_en}; see /programmes)",
                    fr=f"paramètre « {parameter} » : {exc.phrase('fr', guillemets=True)} (programmes : {listed_fr} ; voir /programmes)",
                    title="error.unknown_programme")


_TWO_PROGRAMMES = ("PREFIX cipt: <https://w3id.org/cipt-graph/ontology#> "
                   "SELECT ?p WHERE { ?p a cipt:Programme } LIMIT 2")


def several_programmes(store) -> bool:
    """True when the dataset holds more than one programme (one ``LIMIT 2`` query: ~1 ms)."""
    from ..store import select

    return len(select(store, _TWO_PROGRAMMES)) > 1


def programme_needed(store, parameter: str = "programme") -> ApiError:
    """The 400 of a route asked without ``parameter`` on a dataset of several programmes, where
    an answer over every programme would be slow at university scale (issue #16): the parameter
    named, the dataset's first codes listed, the overview (``/programmes``) pointed to."""
    from ..queries import programme_codes

    codes = programme_codes(store)
    shown = ", ".join(codes[:PROGRAMMES_LISTED])
    more = len(codes) - PROGRAMMES_LISTED
    en = (f"the {parameter} parameter is needed: this dataset holds {len(codes)} programmes "
          f"({shown}{f' and {more} more' if more > 0 else ''}; see /programmes)")
    fr = (f"le paramètre « {parameter} » est nécessaire : ce jeu de données contient {len(codes)} programmes "
          f"({shown}{f' et {more} autres' if more > 0 else ''} ; voir /programmes)")
    return ApiError(400, en, fr=fr)


def need_programme(store, programme: str | None, parameter: str = "programme") -> None:
    """Raise :func:`programme_needed`'s 400 when ``programme`` is None and the dataset holds
    several programmes; with one (or a programme given), nothing."""
    if programme is None and several_programmes(store):
        raise programme_needed(store, parameter)


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


def validation_text(err: dict, lang: str) -> str:
    """One of FastAPI's validation errors (``{"type", "loc", "msg", "ctx"}``) as a sentence naming
    the parameter: in English, pydantic's own message; in French, the common cases (a parameter
    missing, a value not among those allowed, not a number, too long or too short) said in French,
    any other case as "valeur refusée" with pydantic's message kept after it."""
    where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body", "header", "form"))
    msg = str(err.get("msg", "invalid value"))
    if lang != "fr":
        return f"{where}: {msg}" if where else msg
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    param = f"paramètre « {where} »" if where else "paramètre"
    if kind == "missing":
        return f"{param} absent : il est obligatoire"
    if kind in ("literal_error", "enum"):
        # pydantic's "'fr' or 'en'": « fr » ou « en » in French
        expected = re.sub(r"'([^']*)'", r"« \1 »", str(ctx.get("expected", ""))).replace(" or ", " ou ")
        return f"{param} : valeur non acceptée ({expected} attendu)" if expected else f"{param} : valeur non acceptée"
    if kind.startswith(("int_", "float_", "decimal_")) and kind.endswith(("_parsing", "_type")):
        return f"{param} : un nombre est attendu"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        word = {"greater_than_equal": "au moins", "greater_than": "plus de",
                "less_than_equal": "au plus", "less_than": "moins de"}[kind]
        return f"{param} : la valeur doit être {word} {bound}"
    if kind in ("string_too_long", "string_too_short"):
        limit = ctx.get("max_length" if kind == "string_too_long" else "min_length", "")
        word = "au plus" if kind == "string_too_long" else "au moins"
        return f"{param} : {word} {limit} caractères"
    return f"{param} : valeur refusée ({msg})"


def _wants_html(request: Request) -> bool:
    """A browser asking for a page (``text/html`` named in ``Accept``), outside the SPARQL protocol."""
    if request.url.path.startswith("/sparql"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/xhtml+xml" in accept


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None, *,
                   message_lang: str = "en", title: str | None = None) -> Response:
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

            return render_error_page(request, status, message, headers, message_lang=message_lang, title=title)
        except Exception:  # the page itself failed: the plain answer below still tells
            log.exception("the error page failed")
    return PlainTextResponse(f"{status} {_REASONS.get(status, 'Error')}: {message}\n", status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to a status and a message; log the unexpected ones."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        message, lang = exc.text(request_lang(request))
        return error_response(request, exc.status, message, exc.headers, message_lang=lang, title=exc.title)

    @app.exception_handler(CiptError)
    async def _cipt_error(request: Request, exc: CiptError) -> Response:
        message, lang = cipt_text(exc, request_lang(request))
        if isinstance(exc, StoreError):
            # The store (a remote server, a disk) is unreachable or failing: the service itself is
            # fine and answers again when the store does (issue #8), so 503, not 500.
            log.warning("store unavailable on %s %s: %s", request.method, request.url.path, exc)
            frame = "l'entrepôt est indisponible : " if lang == "fr" else "the store is unavailable: "
            return error_response(request, 503, frame + message, {"Retry-After": "5"}, message_lang=lang)
        from ..queries import UnknownProgramme

        # a programme naming none is a 404, as on every route taking `programme` (issue #16)
        status = 404 if isinstance(exc, UnknownProgramme) else 400 if isinstance(exc, QueryError) else 500
        return error_response(request, status, message, message_lang=lang)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        lang, message_lang = request_lang(request), "en"
        path = request.url.path
        if exc.status_code == 404 and message == "Not Found":
            message, message_lang = ((f"aucune ressource à l'adresse {path}", "fr") if lang == "fr"
                                     else (f"no resource at {path}", "en"))
        if exc.status_code == 405:
            message, message_lang = ((f"la méthode {request.method} n'est pas acceptée à l'adresse {path}", "fr")
                                     if lang == "fr" else (f"method {request.method} is not allowed on {path}", "en"))
        return error_response(request, exc.status_code, message, getattr(exc, "headers", None),
                              message_lang=message_lang)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        lang = request_lang(request)
        parts = [validation_text(err, lang) for err in exc.errors()]
        fallback = "requête incorrecte" if lang == "fr" else "invalid request"
        return error_response(request, 400, "; ".join(parts) or fallback, message_lang=lang)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        fr = request_lang(request) == "fr"
        return error_response(request, 500, "erreur interne (consignée sur le serveur)" if fr
                              else "internal error (logged on the server)", message_lang="fr" if fr else "en")
