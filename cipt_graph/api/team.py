"""The pedagogical team's pages: sign-in, review of the mapping, editing in the browser, versions.

| path | who | what |
|---|---|---|
| ``GET /login``, ``POST /login``, ``POST /logout`` | anyone | sign in and out (CSRF-protected forms) |
| ``GET /review`` | signed in | the mapping's links, filtered by kind, block, module and status |
| ``POST /review/decision`` | validator | validate or reject a proposed link, with a comment |
| ``POST /edit/link`` | editor | add, change or remove one link (level, hours, rationale) |
| ``GET /edit/workbook.xlsx`` | editor | the editable workbook (the same as ``cipt export-matrix``) |
| ``GET/POST /edit/upload`` | editor | bring an edited workbook back; errors shown by sheet and cell |
| ``GET /versions``, ``GET /versions/diff`` | anyone | who changed or validated what, when, why; a diff |

Every change goes through the same functions as the command line (:mod:`cipt_graph.editing`,
``import_matrix``): same checks, all or nothing, one version per change whose agent is the
signed-in person. Writes need the service to run on a workspace that has accounts, without
``--read-only`` (no bearer token, no ``--allow-writes``: those are for other systems' imports).
Errors: 401 (not signed in; pages redirect to ``/login``), 403 (role too low, writes off, bad
CSRF token, a validator's own proposal: four eyes), 400 (a value refused: the field or cell named), 429 (too many failed sign-ins).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path, PurePath
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader
from starlette.concurrency import run_in_threadpool

from .. import i18n
from ..accounts import Account
from ..editing import proposed_by
from ..errors import CiptError, InputError
from ..visualize.page import render_page
from .auth import (
    account_store,
    check_form_token,
    close_session,
    csrf_token,
    current_account,
    no_sign_in,
    open_session,
    team_writes,
)
from .errors import cipt_text
from .pages import html_page, page_lang, site_links, switch_href
from .settings import public_base_url
from .team_data import self_validation_allowed as _self_allowed
from .team_data import validated_by as _validated_by
from .team_text import TEXT, format_hours, format_number

router = APIRouter(tags=["Team (sign-in, review, editing)"], include_in_schema=False)
UPLOAD_PATH = "/edit/upload"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ENV = Environment(loader=PackageLoader("cipt_graph.api", "templates/team"), autoescape=True,
                   trim_blocks=True, lstrip_blocks=True)


def _lang(request: Request, form: dict | None = None) -> str:
    value = (form or {}).get("lang") or request.query_params.get("lang") or None
    return page_lang(request, value if value in ("fr", "en") else None)


#: The navigation entry each page marks as current.
_VIEW = {"review.html.j2": "review", "upload.html.j2": "review", "diff.html.j2": "versions", "cell.html.j2": "matrix"}


def _render(request: Request, name: str, lang: str, title_key: str, status: int = 200, **context) -> HTMLResponse:
    """The page ``name`` inside the site's shell (header, navigation, language switch)."""
    t = TEXT[lang]
    title = context.pop("title", None) or t[title_key]
    body = _ENV.get_template(name).render(
        lang=lang, t=t, q=f"?lang={lang}",  # every link keeps the language (issue #15)
        account=current_account(request), can_sign_in=account_store(request) is not None,
        csrftoken=csrf_token(request), flash=request.session.pop("flash", None) if "session" in request.scope else None,
        fmt=lambda v: format_hours(v, lang), num=lambda v: format_number(v, lang),
        date=lambda v: i18n.date(v, lang) if v else "", on_sign_in=name == "login.html.j2", **context)
    html = render_page(view=_VIEW.get(name), lang=lang, links=site_links(request, lang), title=title, body=body,
                       head='<link rel="stylesheet" href="/api/static/team.css">',
                       switch_href=switch_href(request, "en" if lang == "fr" else "fr"))
    return html_page(html, lang, status, {"Cache-Control": "no-store"})


def _local(path: str | None, default: str = "/review") -> str:
    """Only a path of this site is a place to go back to (no open redirect)."""
    path = (path or "").strip()
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else default


def _need(request: Request, action: str, lang: str) -> Account:
    account = current_account(request)
    t = TEXT[lang]
    if account is None:
        raise _Refusal(401, t["need_sign_in"])
    if not account.can(action):
        raise _Refusal(403, t[f"need_{action}"])
    if action != "read" and not team_writes(request):
        raise _Refusal(403, t["writes_off"])
    return account


class _Refusal(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


def _refused(request: Request, exc: _Refusal, lang: str) -> Response:
    if exc.status == 401 and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target, 'lang': lang})}", status_code=303)
    return _render(request, "base.html.j2", lang, "refused", status=exc.status, error=exc.message)



def _upload_name(filename: str) -> str:
    """A safe local name for an uploaded workbook's ``filename`` (no folders, no control or
    shell characters, ending in ``.xlsx``, at most 100 characters), ``matrice.xlsx`` when nothing is left."""
    name = re.sub(r"[^\w.\- ]", "_", PurePath(filename.replace("\\", "/")).name).strip(" .")
    stem = name[:-5] if name.lower().endswith(".xlsx") else name
    return stem[:95] + ".xlsx" if stem else "matrice.xlsx"

async def _form(request: Request) -> dict:
    form = await request.form()
    return {k: v for k, v in form.items()}


# Sign-in -----------------------------------------------------------------------------------------

@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    lang = _lang(request)
    if account_store(request) is None:
        return _render(request, "base.html.j2", lang, "sign_in", status=404, error=TEXT[lang][no_sign_in(request)])
    return _render(request, "login.html.j2", lang, "sign_in", next=_local(request.query_params.get("next")),
                   username="")


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await _form(request)
    lang = _lang(request, form)
    t = TEXT[lang]
    store = account_store(request)
    if store is None:
        return _render(request, "base.html.j2", lang, "sign_in", status=404, error=TEXT[lang][no_sign_in(request)])
    username = str(form.get("username", ""))[:200]
    password = str(form.get("password", ""))
    client = request.client.host if request.client else "?"
    limiter = request.app.state.sign_in_limiter
    wait = limiter.retry_after(client, username)
    if wait:
        response = _render(request, "login.html.j2", lang, "sign_in", status=429, error=t["too_many"].format(s=i18n.wait(wait, lang)),
                           next=_local(form.get("next")), username=username)
        response.headers["Retry-After"] = str(wait)
        return response
    account = await run_in_threadpool(store.authenticate, username, password)
    if account is None:
        limiter.failed(client, username)
        return _render(request, "login.html.j2", lang, "sign_in", status=401, error=t["bad_login"],
                       next=_local(form.get("next")), username=username)
    limiter.succeeded(username)
    open_session(request, account)
    request.session["flash"] = t["signed_in"].format(name=account.display_name)
    return RedirectResponse(_local(form.get("next")), status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await _form(request)
    close_session(request)
    request.session["flash"] = TEXT[_lang(request, form)]["signed_out"]
    return RedirectResponse("/review" + ("?lang=en" if _lang(request, form) == "en" else ""), status_code=303)


# Review ------------------------------------------------------------------------------------------
@router.get("/review", response_class=HTMLResponse)
async def review_page(request: Request) -> Response:
    from .team_data import catalogue, link_rows

    lang = _lang(request)
    params = request.query_params
    kind = params.get("kind", "competency")
    kind = kind if kind in ("competency", "activity", "objective") else "competency"
    workspace = getattr(request.app.state, "workspace", None)
    if workspace is None:
        return _render(request, "base.html.j2", lang, "review", status=404, error=TEXT[lang]["no_versions"])
    try:
        cat = await run_in_threadpool(catalogue, workspace, lang)
    except CiptError as exc:
        return _render(request, "base.html.j2", lang, "review", status=503, error=cipt_text(exc, lang)[0])
    rows = link_rows(workspace, cat, kind, block=params.get("block", ""), module=params.get("module", ""),
                     status=params.get("status", ""))
    account = current_account(request)
    if account is not None and account.can("validate") and not _self_allowed(workspace):
        for r in rows:  # four eyes: the validator's own proposals wait for another validator
            r["own"] = proposed_by(r["row"], account.id, (account.username, account.display_name))
    t = TEXT[lang]
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return _render(request, "review.html.j2", lang, "review", rows=rows, kind=kind, kinds=("competency", "activity", "objective"),
                   blocks=cat.blocks, modules=cat.modules, targets=cat.targets[kind], levels=cat.levels,
                   block=params.get("block", ""), module=params.get("module", ""), status_filter=params.get("status", ""),
                   count_text=t["n_links"](len(rows)), back=back)


async def _apply(request: Request, work, form: dict, lang: str, done_key: str, on_error=None) -> Response:
    lock = request.app.state.write_lock
    async with lock:
        try:
            result = await run_in_threadpool(work)
        except InputError as exc:
            if on_error is not None:
                return await on_error(exc)
            return _render(request, "base.html.j2", lang, "refused", status=getattr(exc, "status", 400),
                           error=cipt_text(exc, lang)[0], errors=[])
        if result.changed:
            from .writes import _refresh

            await _refresh(request, request.app.state.workspace)
    request.session["flash"] = TEXT[lang][done_key if result.changed else "nothing_changed"].format(
        link=f"{result.module} → {result.target}", version=result.version.id if result.version else "")
    return RedirectResponse(_local(form.get("back")), status_code=303)


@router.post("/review/decision")
async def review_decision(request: Request) -> Response:
    from ..editing import review_link

    form = await _form(request)
    lang = _lang(request, form)
    try:
        account = _need(request, "validate", lang)
    except _Refusal as exc:
        return _refused(request, exc, lang)
    decision = str(form.get("decision", ""))
    return await _apply(request, lambda: review_link(
        request.app.state.workspace, str(form.get("kind", "")), str(form.get("module", "")),
        str(form.get("target", "")), decision=decision, reviewer=account.display_name,
        comment=str(form.get("comment", ""))[:1000], lang=lang, reviewer_ids=(account.username,),
        reviewer_account=account.id), form, lang,
        "validated" if decision == "validate" else "rejected")


@router.post("/edit/link")
async def edit_cell(request: Request) -> Response:
    from ..editing import edit_link

    form = await _form(request)
    lang = _lang(request, form)
    try:
        account = _need(request, "edit", lang)
    except _Refusal as exc:
        return _refused(request, exc, lang)
    on_error = None
    if form.get("form") == "cell" and form.get("kind") == "competency":  # the matrix's cell editor
        from .team_cell import render_cell

        async def on_error(exc: InputError) -> Response:
            return await render_cell(request, lang, str(form.get("module", ""))[:40], str(form.get("target", ""))[:40],
                                     status=400, error=exc, typed=form)
    level = str(form.get("level", ""))
    return await _apply(request, lambda: edit_link(
        request.app.state.workspace, str(form.get("kind", "")), str(form.get("module", "")),
        str(form.get("target", "")), level=level, hours=str(form.get("hours", "")),
        rationale=str(form.get("rationale", "")), remove=form.get("remove") == "1" or level == "none",
        author=account.display_name, author_account=account.id, message=str(form.get("message", ""))[:1000],
        lang=lang), form, lang, "saved",
        on_error)


# Workbook ----------------------------------------------------------------------------------------
@router.get("/edit/workbook.xlsx")
async def edit_workbook(request: Request) -> Response:
    from ..spreadsheet import MatrixModel, write_matrix_xlsx

    lang = _lang(request)
    try:
        _need(request, "edit", lang)
    except _Refusal as exc:
        return _refused(request, exc, lang)
    workspace = request.app.state.workspace
    upload_url = public_base_url(request) + UPLOAD_PATH + ("?lang=en" if lang == "en" else "")
    data = await run_in_threadpool(lambda: write_matrix_xlsx(MatrixModel.from_workspace(workspace, lang=lang),
                                                             upload_url=upload_url))
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
    from ..spreadsheet import MatrixError, import_matrix

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
        return _render(request, "upload.html.j2", lang, "upload_workbook", status=400, error=t["no_file"], result=None)
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
                                       errors=[], result=None)
                result = await run_in_threadpool(lambda: import_matrix(
                    request.app.state.workspace, path, author=account.display_name, author_account=account.id,
                    message=message, lang=lang))
            except MatrixError as exc:
                errors = [{"where": "!".join(p for p in (e.as_dict().get("sheet"), e.as_dict().get("cell")) if p),
                           "message": e.text(lang)} for e in exc.errors]
                return _render(request, "upload.html.j2", lang, "upload_workbook", status=400,
                               error=t["workbook_errors"].format(name=workbook.filename), errors=errors, result=None)
            except (InputError, CiptError) as exc:
                return _render(request, "upload.html.j2", lang, "upload_workbook", status=400,
                               error=str(exc).replace(str(path), workbook.filename), errors=[], result=None)
            if result.applied:
                from .writes import _refresh

                await _refresh(request, request.app.state.workspace)
        flash = (t["workbook_applied"].format(version=result.version.id) if result.applied and result.version
                 else t["workbook_unchanged"])
        return _render_upload_done(request, lang, flash, result)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _render_upload_done(request: Request, lang: str, flash: str, result) -> HTMLResponse:
    if "session" in request.scope:
        request.session["flash"] = flash
    return _render(request, "upload.html.j2", lang, "upload_workbook", result=result)


# Versions ----------------------------------------------------------------------------------------
@router.get("/versions/diff", response_class=HTMLResponse)
async def diff_page(request: Request, a: str, b: str) -> Response:
    from ..versions import diff_versions

    lang = _lang(request)
    workspace = getattr(request.app.state, "workspace", None)
    if workspace is None or workspace.read_only:
        return _render(request, "base.html.j2", lang, "versions", status=404, error=TEXT[lang]["no_versions"])
    try:
        diff = await run_in_threadpool(diff_versions, workspace, a, b, lang=lang)
    except CiptError as exc:
        return _render(request, "base.html.j2", lang, "versions", status=404, error=cipt_text(exc, lang)[0])
    from babel.numbers import format_decimal

    from ..versions.diff_kinds import detail, headline, plain

    def number(v: object) -> str:
        return "" if v is None else format_decimal(v, locale=lang, format="#,##0.##")

    def value(field: str, v: object) -> str:
        return format_hours(v, lang) if field == "hours" and v is not None else plain(v, lang, number, field)

    from ..versions.diff_kinds import status_word

    return _render(request, "diff.html.j2", lang, "diff", diff=diff, kinds=list(diff.others),
                   status_word=lambda s: status_word(s, lang),
                   headline=headline, detail=lambda name, row: detail(name, row, number, lang),
                   value=value, title=TEXT[lang]["diff_title"].format(a=diff.a, b=diff.b))
