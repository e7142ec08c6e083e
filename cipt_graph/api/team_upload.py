"""The editable workbook in the browser (issue #15): download it, bring it back edited.

| path | who | what |
|---|---|---|
| ``GET /edit/workbook.xlsx`` | editor | the editable workbook (the same as ``cipt export-matrix``) |
| ``GET/POST /edit/upload`` | editor | bring an edited workbook back; errors shown by sheet and cell |

An upload goes through :func:`cipt_graph.spreadsheet.import_matrix` (the command line's checks,
all or nothing, one version authored by the signed-in person). A workbook exported before the
mapping last changed is refused (409) with what to do in the browser: download the workbook
again from the page's link and carry the edits over (the page offers no override; the command
line's ``--force`` is for the command line).

Errors: 401 (not signed in: redirected to ``/login``), 403 (not an editor, writes off, bad CSRF
token, an editor's workbook validating links or a validator's validating their own), 400 (no
file, a workbook with errors: every cell named), 409 (a stale workbook).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path, PurePath
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ..errors import CiptError, InputError
from .auth import check_form_token
from .settings import public_base_url
from .team import UPLOAD_PATH, XLSX, _lang, _need, _Refusal, _refused, _render
from .team_data import self_validation_allowed as _self_allowed
from .team_data import validated_by as _validated_by
from .team_text import TEXT, format_hours

router = APIRouter(include_in_schema=False)


def _sheet(name: str | None, lang: str) -> str | None:
    """A sheet's name as the page says it: the pseudo-sheet of errors about the whole workbook
    (``Classeur``) in the page's language."""
    return TEXT[lang]["workbook_sheet"] if name == "Classeur" else name


def _upload_name(filename: str) -> str:
    """A safe local name for an uploaded workbook's ``filename`` (no folders, no control or
    shell characters, ending in ``.xlsx``, at most 100 characters), ``matrice.xlsx`` when nothing is left."""
    name = re.sub(r"[^\w.\- ]", "_", PurePath(filename.replace("\\", "/")).name).strip(" .")
    stem = name[:-5] if name.lower().endswith(".xlsx") else name
    return stem[:95] + ".xlsx" if stem else "matrice.xlsx"


@router.get("/edit/workbook.xlsx")
async def edit_workbook(request: Request) -> Response:
    from ..spreadsheet import MatrixModel, write_matrix_xlsx

    lang = _lang(request)
    try:
        _need(request, "edit", lang)
    except _Refusal as exc:
        return _refused(request, exc, lang)
    from fastapi.responses import RedirectResponse

    from .pages import site_links
    from .team_data import OVERVIEW, review_programme

    workspace = request.app.state.workspace
    programme = await run_in_threadpool(review_programme, request)  # one programme of several (issue #16)
    if programme is OVERVIEW:
        return RedirectResponse(site_links(request, lang).url("/programmes", lang), status_code=303)
    upload_url = public_base_url(request) + UPLOAD_PATH + ("?lang=en" if lang == "en" else "")
    data = await run_in_threadpool(lambda: write_matrix_xlsx(
        MatrixModel.from_workspace(workspace, lang=lang, programme=programme, option="programme"), upload_url=upload_url))
    name = "matrice-cipt.xlsx" if lang == "fr" else "cipt-matrix.xlsx"
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", "Cache-Control": "no-store"})


@router.get(UPLOAD_PATH, response_class=HTMLResponse)
async def upload_page(request: Request) -> Response:
    lang = _lang(request)
    try:
        _need(request, "edit", lang)
    except _Refusal as exc:
        return _refused(request, exc, lang)
    return _render(request, "upload.html.j2", lang, "upload_workbook", result=None)


@router.post(UPLOAD_PATH, response_class=HTMLResponse)
async def upload(request: Request) -> Response:
    from ..spreadsheet import MatrixError, StaleWorkbookError, import_matrix

    try:  # before the body is read: nobody but a signed-in editor gets a workbook parsed
        _need(request, "edit", _lang(request))
    except _Refusal as exc:
        return _refused(request, exc, _lang(request))
    form = await request.form(max_files=1, max_fields=10)
    lang = _lang(request, dict(form))
    t = TEXT[lang]
    if not check_form_token(request, str(form.get("csrftoken", ""))):
        return _render(request, "base.html.j2", lang, "refused", status=403, error=t["bad_csrf"])
    try:
        account = _need(request, "edit", lang)
    except _Refusal as exc:
        return _refused(request, exc, lang)
    workbook = form.get("workbook")
    if workbook is None or isinstance(workbook, str) or not workbook.filename:
        return _render(request, "upload.html.j2", lang, "upload_workbook", status=400, error=t["no_file"], result=None,
                       message=str(form.get("message", ""))[:1000])
    folder = Path(tempfile.mkdtemp(prefix="cipt-upload-"))
    try:
        path = folder / _upload_name(workbook.filename)  # the version names the file the person sent
        with open(path, "wb") as handle:
            shutil.copyfileobj(workbook.file, handle)
        message = str(form.get("message", ""))[:1000]
        async with request.app.state.write_lock:
            try:
                workspace = request.app.state.workspace
                if not account.can("validate") or not _self_allowed(workspace):
                    # An editor's workbook may not validate links; a validator's may not validate
                    # the links they proposed (four eyes).
                    preview = await run_in_threadpool(lambda: import_matrix(
                        workspace, path, author=account.display_name, author_account=account.id, dry_run=True,
                        lang=lang))
                    validating = _validated_by(preview, None if not account.can("validate") else
                                               (workspace, account.id, (account.username, account.display_name)))
                    if validating:
                        key = "upload_validates" if not account.can("validate") else "upload_self_validates"
                        return _render(request, "upload.html.j2", lang, "upload_workbook", status=403,
                                       error=t[key].format(links=", ".join(validating[:10])),
                                       errors=[], result=None, message=message)
                result = await run_in_threadpool(lambda: import_matrix(
                    request.app.state.workspace, path, author=account.display_name, author_account=account.id,
                    message=message, lang=lang))
            except MatrixError as exc:
                errors = [{"where": "!".join(p for p in (_sheet(e.as_dict().get("sheet"), lang), e.as_dict().get("cell"))
                                             if p),
                           "message": e.text(lang)} for e in exc.errors]
                return _render(request, "upload.html.j2", lang, "upload_workbook", status=400,
                               error=t["workbook_errors"].format(name=workbook.filename), errors=errors, result=None,
                               advice=t["upload_advice"], message=message)
            except StaleWorkbookError:
                # What to do here, in the browser: not the command line's advice (issue #15).
                return _render(request, "upload.html.j2", lang, "upload_workbook", status=409,
                               error=t["stale_workbook"].format(name=workbook.filename), errors=[], result=None,
                               stale=True, message=message)
            except (InputError, CiptError) as exc:
                # The error in the page's language (its fr/en texts), its browser wording when it has one.
                said = getattr(exc, "browser", {}).get(lang) or exc.text(lang)
                where = workbook.filename if exc.where in (None, str(path)) else exc.where.replace(str(path),
                                                                                                  workbook.filename)
                return _render(request, "upload.html.j2", lang, "upload_workbook", status=400,
                               error=f"{where}{t['colon']}{said}", errors=[], result=None,
                               advice=t["upload_advice"], message=message)
            if result.applied:
                from .writes import _refresh

                await _refresh(request, request.app.state.workspace)
        flash = (t["workbook_applied"].format(version=result.version.id) if result.applied and result.version
                 else t["workbook_unchanged"])
        if "session" in request.scope:
            request.session["flash"] = flash
        return _render(request, "upload.html.j2", lang, "upload_workbook", result=result,
                       shown=lambda field, value: _shown(field, value, lang))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _shown(field: str, value: object, lang: str) -> str:
    """A changed value of a link as the change list shows it: hours as the locale writes them,
    a status in words, a level by its code; « — » when there is none."""
    from ..versions.diff_kinds import status_word

    if value in (None, ""):
        return "—"
    if field == "hours":
        return format_hours(value, lang)
    return status_word(str(value), lang) if field == "status" else str(value)
