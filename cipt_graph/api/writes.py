"""``/api/imports/…``: the only HTTP operations that change data, off unless configured (issue #8).

Uploading an edited mapping workbook runs the spreadsheet import (``cipt import-matrix``),
uploading an RNCP export runs the RNCP import (``cipt import-rncp``): the same functions, so the
same checks, all or nothing, atomic ``os.replace`` under the workspace lock, and a recorded
version. The served store is refreshed from the workspace only after the import succeeded.

Both answer 403 unless the service was started with ``--allow-writes`` (``CIPT_ALLOW_WRITES``)
and a token in ``CIPT_WRITE_TOKEN``; then they need ``Authorization: Bearer <token>``, compared
in constant time (``hmac.compare_digest``). Uploads are size-limited (``--max-upload-bytes``,
refused before the body is read) and type-checked (media type and the file's first bytes).
"""

from __future__ import annotations

import asyncio
import hmac
import os
import re
import shutil
import tempfile
import time
from collections import deque
from pathlib import Path

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from ..errors import CiptError, InputError
from ..i18n import number
from .errors import ApiError, cipt_text, error_response, log, request_lang

router = APIRouter(prefix="/api/imports", tags=["Imports (writes, off by default)"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Media types an RNCP export may be sent as → the file suffix the importer expects.
RNCP_TYPES = {"application/xml": ".xml", "text/xml": ".xml", "application/zip": ".zip"}
MATRIX_PATH = "/api/imports/matrix"
RNCP_PATH = "/api/imports/rncp"
UPLOAD_PATHS = (MATRIX_PATH, RNCP_PATH)
UPLOAD_PREFIX = "cipt-upload-"

_WRITE_RESPONSES = {
    200: {"description": "Applied (or, with `dry_run`, checked): what changed, and the version recorded"},
    400: {"description": "The file is not valid: every problem listed, nothing written"},
    401: {"description": "Missing or wrong bearer token"},
    403: {"description": "Writes are off (the default): the service is read-only"},
    413: {"description": "The upload (or, for RNCP, its unzipped size, fiches, items or a field) is larger "
                         "than the service's limit: the limit and the place are named"},
    415: {"description": "Not the expected file type"},
    429: {"description": "Too many wrong tokens from this client: wait `Retry-After` seconds"},
    503: {"description": "Another import is running (wait `Retry-After` seconds), or the import was recorded "
                         "but the served store could not be refreshed"},
}


#: Wrong tokens a client may send per window before 429 (``CIPT_WRITE_TOKEN_FAILURES`` / ``…_WINDOW`` s).
TOKEN_FAILURES = int(os.environ.get("CIPT_WRITE_TOKEN_FAILURES", "5") or 5)
TOKEN_WINDOW = float(os.environ.get("CIPT_WRITE_TOKEN_WINDOW", "60") or 60)
#: Seconds a second HTTP import waits for the one running before 503 + Retry-After (``CIPT_IMPORT_WAIT``).
IMPORT_WAIT = float(os.environ.get("CIPT_IMPORT_WAIT", "10") or 10)


def _failures(request: Request) -> dict[str, deque]:
    state = request.app.state
    if not hasattr(state, "token_failures"):
        state.token_failures = {}
    return state.token_failures


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _authorize(request: Request) -> None:
    """Writes on, and the right bearer token: else 403 / 401; 429 after too many wrong tokens
    from one client (``TOKEN_FAILURES`` per ``TOKEN_WINDOW`` seconds), before any comparison."""
    settings = request.app.state.settings
    failures = _failures(request)
    now = time.monotonic()
    recent = failures.get(_client(request))
    if recent is not None:
        while recent and recent[0] <= now - TOKEN_WINDOW:
            recent.popleft()
        if len(recent) >= TOKEN_FAILURES:
            retry = max(1, int(recent[0] + TOKEN_WINDOW - now) + 1)
            from ..i18n import wait

            raise ApiError(429, f"too many wrong tokens from this client: try again in {wait(retry, 'en')}",
                           {"Retry-After": str(retry)},
                           fr=f"trop de jetons erronés venant de ce client : réessayez dans {wait(retry, 'fr')}")
    if not settings.allow_writes:
        raise ApiError(403, "this service is read-only for other systems: imports over HTTP are off (start it "
                            "with --allow-writes and a token in CIPT_WRITE_TOKEN to accept them; people change the "
                            "mapping by signing in with an account instead)",
                       fr="ce service est en lecture seule pour les autres systèmes : les imports par HTTP sont "
                          "désactivés (lancez-le avec --allow-writes et un jeton dans CIPT_WRITE_TOKEN pour les "
                          "accepter ; les personnes modifient la couverture en se connectant avec un compte)")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="cipt-graph"'}
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(401, "this operation changes data: send Authorization: Bearer <token>", challenge,
                       fr="cette opération modifie les données : envoyez Authorization: Bearer <jeton>")
    expected = (settings.write_token or "").encode("utf-8")
    if not hmac.compare_digest(given.strip().encode("utf-8"), expected):
        if len(failures) > 10_000:  # bounded memory: forget the oldest clients
            for key in list(failures)[:5_000]:
                failures.pop(key, None)
        failures.setdefault(_client(request), deque()).append(now)
        raise ApiError(401, "wrong bearer token", {"WWW-Authenticate": 'Bearer realm="cipt-graph", error="invalid_token"'},
                       fr="jeton d'accès (bearer) erroné")


def _workspace(request: Request):
    workspace = getattr(request.app.state, "workspace", None)
    if workspace is None or workspace.read_only:
        raise ApiError(403, "no workspace to write to: start the service with --data DIR (a folder made by "
                            "`cipt init DIR`); the shipped data is read-only",
                       fr="aucun espace de travail où écrire : lancez le service avec --data DOSSIER (un dossier "
                          "créé par `cipt init DOSSIER`) ; les données livrées sont en lecture seule")
    return workspace


def _media(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _safe_name(name: str | None, default: str, suffix: str) -> str:
    """A file name for the version record: the client's base name, made harmless, with ``suffix``."""
    base = Path((name or "").replace("\\", "/")).name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(base).stem).strip("._")[:100] or default
    return stem + suffix


async def _receive(request: Request, folder: Path, name: str) -> Path:
    """The body streamed to ``folder/name``, at most ``max_upload_bytes`` (413 past it, 400 if empty)."""
    limit = request.app.state.settings.max_upload_bytes
    path = folder / name
    size = 0
    with open(path, "wb") as handle:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, f"the upload is larger than {limit} bytes, this service's limit",
                               fr=f"l'envoi dépasse {limit} octets, la limite de ce service")
            handle.write(chunk)
    if size == 0:
        raise ApiError(400, "the request body is empty: send the file as the body",
                       fr="le corps de la requête est vide : envoyez le fichier comme corps")
    return path


def _check_magic(path: Path, kind: str) -> None:
    with open(path, "rb") as handle:
        head = handle.read(512)
    if kind == "zip" and not head.startswith(b"PK\x03\x04"):
        raise ApiError(415, "the body is not a zip archive (an .xlsx workbook or a zipped export is one)",
                       fr="le corps n'est pas une archive zip (un classeur .xlsx ou un export zippé en est une)")
    if kind == "xml" and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise ApiError(415, "the body is not an XML document", fr="le corps n'est pas un document XML")


async def _refresh(request: Request, workspace) -> None:
    """Reload the served store from the workspace (all or nothing, readers never see half of it)."""
    from ..load import load_workspace
    from .watch import data_changed

    try:
        await run_in_threadpool(load_workspace, request.app.state.store, workspace)
        data_changed(request.app.state)  # cached answers of the old data are not reused
    except CiptError as exc:
        log.error("import recorded but the store refresh failed: %s", exc)
        raise ApiError(503, f"the import was applied to the workspace and recorded, but the served store could "
                            f"not be refreshed ({exc.text('en')}); restart the service to serve it",
                       fr=f"l'import a été appliqué à l'espace de travail et enregistré, mais l'entrepôt servi n'a "
                          f"pas pu être rechargé ({exc.text('fr')}) ; relancez le service pour le servir") from None


async def _run_import(request: Request, work, payload) -> Response:
    """Run an import in a worker thread, one at a time; map its errors to answers."""
    from ..importers import LimitError
    from ..spreadsheet import LimitError as SheetLimitError
    from ..spreadsheet import MatrixError
    from ..versions import WorkspaceBusy

    lock = request.app.state.write_lock
    busy = {"Retry-After": str(max(1, int(IMPORT_WAIT)))}
    lang = request_lang(request)
    try:
        await asyncio.wait_for(lock.acquire(), IMPORT_WAIT)
    except asyncio.TimeoutError:
        wait = number(IMPORT_WAIT, lang)
        text = (f"un autre import est en cours ; attendu {wait} s, réessayez plus tard" if lang == "fr" else
                f"another import is running; waited {wait} s, try again later")
        return error_response(request, 503, text, busy, message_lang=lang)
    try:
        try:
            result = await run_in_threadpool(work)
        except WorkspaceBusy as exc:
            text, text_lang = cipt_text(exc, lang)
            return error_response(request, 503, text, {"Retry-After": str(exc.retry_after)}, message_lang=text_lang)
        except SheetLimitError as exc:
            return _limit_response(exc, lang)
        except LimitError as exc:
            return _input_error(request, exc, lang, exc.status)
        except MatrixError as exc:
            return _matrix_response(exc, lang)
        except InputError as exc:
            return _input_error(request, exc, lang)
        body = payload(result)
        if body.pop("_changed", False):
            await _refresh(request, _workspace(request))
            body["refreshed"] = True
        else:
            body["refreshed"] = False
        return JSONResponse(body)
    finally:
        lock.release()


def _public(message: str) -> str:
    """An error message with the server's upload folder taken out of the place it names
    (``/tmp/cipt-upload-…/export.zip:12`` → ``export.zip:12``)."""
    return re.sub(r"(?:[^\s:]*/)?" + re.escape(UPLOAD_PREFIX) + r"[^/\s]*/", "", message)


def _input_error(request: Request, exc: CiptError, lang: str, status: int = 400) -> Response:
    """A file refused by an importer: ``file:line: message`` in ``lang``, the upload folder taken out."""
    text, text_lang = cipt_text(exc, lang)
    where = f"{exc.where}: " if exc.where else ""
    return error_response(request, status, _public(where + text), message_lang=text_lang,
                          headers={"Content-Language": text_lang})


def _matrix_response(exc, lang: str) -> Response:
    """A workbook with errors: 400, the list in ``lang`` (``message``) and each error with its
    ``sheet``, ``cell`` and ``message`` in ``lang``."""
    body = {"status": 400, "error": "Bad Request", "message": exc.text(lang),
            "errors": [e.as_dict(lang) for e in exc.errors]}
    return JSONResponse(body, status_code=400, headers={"Content-Language": lang, "Vary": "Accept-Language"})


def _limit_response(exc, lang: str = "fr") -> Response:
    """A workbook past a limit: 413 for a size (bytes), 400 for a count; the limit, its setting and
    the place in the body, the message in ``lang``."""
    status = 413 if exc.limit in exc.SIZE_LIMITS else 400
    body = {"status": status, "error": "Payload Too Large" if status == 413 else "Bad Request",
            "message": exc.text(lang), **exc.as_dict()}
    return JSONResponse(body, status_code=status, headers={"Content-Language": lang, "Vary": "Accept-Language"})


@router.post("/matrix", responses=_WRITE_RESPONSES, openapi_extra={"requestBody": {
    "required": True, "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
async def import_matrix_upload(request: Request, author: str | None = None, message: str = "",
                               dry_run: bool = False, force: bool = False, filename: str | None = None) -> Response:
    """Upload an edited mapping workbook (the XLSX of `cipt export-matrix`) and apply it: `cipt import-matrix`.

    Off unless the service runs with `--allow-writes`; needs `Authorization: Bearer <token>`.
    The body is the workbook itself (`Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`).
    Every cell is checked and nothing is applied unless the whole workbook is valid (400 lists
    every error with its sheet and cell). The answer is `cipt import-matrix --format json`'s.
    A workbook past a limit (`CIPT_XLSX_*` settings, SECURITY.md) is refused before it is parsed
    and before the write lock is taken: 413 for bytes, 400 for counts (rows, cells, merged
    ranges…), with `limit`, `value`, `found` and `place` (`Matrice!A5001`) in the body.
    """
    from ..spreadsheet import LimitError, import_matrix
    from ..spreadsheet.reader import check_container

    _authorize(request)
    workspace = _workspace(request)
    if _media(request) != XLSX:
        given = _media(request)
        raise ApiError(415, f"send the workbook as {XLSX}, not {given or '(no type)'!r}",
                       fr=f"envoyez le classeur en {XLSX}, pas en {given or '(aucun type)'!r}")
    folder = Path(tempfile.mkdtemp(prefix="cipt-upload-"))
    try:
        path = await _receive(request, folder, _safe_name(filename, "matrice", ".xlsx"))
        _check_magic(path, "zip")
        lang = request_lang(request)
        try:  # limits first, outside the write lock: a hostile workbook never holds it
            await run_in_threadpool(check_container, path)
        except LimitError as exc:
            return _limit_response(exc, lang)
        except InputError as exc:
            text, text_lang = cipt_text(exc, lang)
            return error_response(request, 400, text, message_lang=text_lang)

        def payload(result) -> dict:
            return {**result.as_dict(), "_changed": result.applied}

        return await _run_import(request, lambda: import_matrix(
            workspace, path, author=author, message=message, dry_run=dry_run, force=force, lang=lang), payload)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@router.post("/rncp", responses=_WRITE_RESPONSES, openapi_extra={"requestBody": {
    "required": True, "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in RNCP_TYPES}}})
async def import_rncp_upload(request: Request, author: str | None = None, filename: str | None = None,
                             fiche: list[str] | None = Query(None)) -> Response:
    """Upload France Compétences' RNCP export (XML V4.1, or its zip, or the CSV zip) and import it: `cipt import-rncp`.

    Off unless the service runs with `--allow-writes`; needs `Authorization: Bearer <token>`.
    The body is the file (`application/xml` or `application/zip`); `?fiche=RNCP38175` (repeatable)
    keeps only those fiches. Nothing is written unless the whole export reads without error
    (400 says file, line and what). The answer is `cipt import-rncp --format json`'s.
    """
    from ..importers import ImportLimits, import_rncp
    from ..importers.staging import make_dir

    _authorize(request)
    workspace = _workspace(request)
    media = _media(request)
    if media not in RNCP_TYPES:
        raise ApiError(415, f"send the export as {', '.join(RNCP_TYPES)}, not {media or '(no type)'!r}",
                       fr=f"envoyez l'export en {', '.join(RNCP_TYPES)}, pas en {media or '(aucun type)'!r}")
    fiches = [f for f in fiche or () if f.strip()] or None
    limits = ImportLimits.from_env(upload=True)
    folder = make_dir(Path(tempfile.gettempdir()), UPLOAD_PREFIX)  # pid-named: cleaned if we are killed
    try:
        path = await _receive(request, folder, _safe_name(filename, "export_rncp", RNCP_TYPES[media]))
        _check_magic(path, "zip" if RNCP_TYPES[media] == ".zip" else "xml")

        def payload(report) -> dict:
            # The upload's own name, not the server's temporary path.
            return {**report.as_dict(), "source": path.name, "_changed": bool(report.written)}

        return await _run_import(request, lambda: import_rncp(path, workspace, fiches=fiches, agent=author,
                                                              limits=limits), payload)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
