"""The pedagogical team's pages: sign-in, review of the mapping, editing in the browser, versions.

| path | who | what |
|---|---|---|
| ``GET /login``, ``POST /login``, ``POST /logout`` | anyone | sign in and out (CSRF-protected forms) |
| ``GET /review`` | signed in | the mapping's links, filtered by kind, block, module and status |
| ``POST /review/decision`` | validator | validate or reject a proposed link, with a comment |
| ``POST /edit/link`` | editor | add, change or remove one link (level, hours, rationale) |
| ``GET /edit/workbook.xlsx``, ``GET/POST /edit/upload`` | editor | the workbook: :mod:`.team_upload` |
| ``GET /versions``, ``GET /versions/diff`` | anyone | who changed or validated what, when, why; a diff |

Every change goes through the same functions as the command line (:mod:`cipt_graph.editing`,
``import_matrix``): same checks, all or nothing, one version per change whose agent is the
signed-in person. Writes need the service to run on a workspace that has accounts, without
``--read-only`` (no bearer token, no ``--allow-writes``: those are for other systems' imports).
Errors: 401 (not signed in; pages redirect to ``/login``), 403 (role too low, writes off, bad
CSRF token, a validator's own proposal: four eyes), 400 (a value refused: the field or cell named; an
unknown filter of ``/review``: the parameter named), 409 (the link changed since the form's page was
loaded: :mod:`cipt_graph.linkstate`), 429 (too many failed sign-ins).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

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
    close_session,
    csrf_token,
    current_account,
    no_sign_in,
    open_session,
    team_writes,
)
from .errors import cipt_text
from .pages import html_page, page_lang, site_links, switch_href
from .team_data import self_validation_allowed as _self_allowed
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
_VIEW = {"review.html.j2": "review", "upload.html.j2": "matrix", "diff.html.j2": "versions", "cell.html.j2": "matrix"}


def _render(request: Request, name: str, lang: str, title_key: str, status: int = 200, **context) -> HTMLResponse:
    """The page ``name`` inside the site's shell (header, navigation, language switch)."""
    t = TEXT[lang]
    title = context.pop("title", None) or t[title_key]
    flash = request.session.pop("flash", None) if "session" in request.scope else None
    # The messages from the checks (editing rules, workbook cells, refusals) in French typography.
    context.update({key: i18n.typeset(context[key], lang) for key in ("error",) if isinstance(context.get(key), str)})
    if context.get("errors"):
        context["errors"] = [{**e, "message": i18n.typeset(str(e.get("message", "")), lang)} for e in context["errors"]]
    if context.get("field_error"):
        context["field_error"] = (context["field_error"][0], i18n.typeset(context["field_error"][1], lang))
    other = "en" if lang == "fr" else "fr"
    switch = switch_href(request, other)
    if request.method != "GET" and request.url.path in _POST_ONLY:
        # A form's answer (a refusal): the other language of a page one can open, not of the form's
        # address; the header's sign-in link and sign-out form come back to that page too (a GET of
        # the form's address is a 405).
        page = context.get("switch_to") or context.get("back_link") or "/review"
        switch = _in_lang(page, other)
        request.state.here = _in_lang(page, lang)
    body = _ENV.get_template(name).render(
        # every link keeps the language (issue #15) and the programme (issue #16)
        lang=lang, t=t, q="?" + urlencode([("lang", lang)] + [("programme", p) for p in
                                                               [request.query_params.get("programme")] if p]),
        account=current_account(request), can_sign_in=account_store(request) is not None,
        csrftoken=csrf_token(request), flash=i18n.typeset(flash, lang) if isinstance(flash, str) else flash,
        fmt=lambda v: format_hours(v, lang), num=lambda v: format_number(v, lang),
        date=lambda v: i18n.date(v, lang) if v else "", on_sign_in=name == "login.html.j2",
        moment=lambda v: i18n.local_datetime(v, lang, zone=False) if v else "", **context)
    html = render_page(view=_VIEW.get(name), lang=lang, links=site_links(request, lang), title=title, body=body,
                       head='<link rel="stylesheet" href="/api/static/team.css">',
                       switch_href=switch)
    return html_page(html, lang, status, {"Cache-Control": "no-store"})


#: Addresses that only take a form (POST): a page answering there switches language to another page.
_POST_ONLY = frozenset({"/edit/link", "/review/decision"})


def _in_lang(url: str, lang: str) -> str:
    """``url`` (a path of this site, with its query and fragment) with ``lang=`` set to ``lang``."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"] + [("lang", lang)]
    return urlunsplit(("", "", parts.path or "/review", urlencode(query), parts.fragment))


def _local(path: str | None, default: str = "/review") -> str:
    """Only a path of this site is a place to go back to (no open redirect): a path starting
    with one ``/`` (not ``//``, which a browser reads as another site), without backslashes
    or control characters (a browser drops tabs and line breaks: ``/\t/evil`` is ``//evil``);
    anything else gives ``default``."""
    path = (path or "").strip()
    if not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 2000:
        return default
    return default if any(ord(ch) < 32 or ord(ch) == 127 for ch in path) else path


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


def _refused(request: Request, exc: _Refusal, lang: str, form: dict | None = None) -> Response:
    """The refusal page; with the refused ``form``, signing in again (or switching language)
    comes back to the page that form was on: the cell's editor, else the form's ``back``."""
    if exc.status == 401 and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target, 'lang': lang})}", status_code=303)
    page = None
    if form is not None and form.get("form") == "cell":
        page = "/edit/cell?" + urlencode({"module": str(form.get("module", ""))[:40],
                                          "competency": str(form.get("target", ""))[:40]})
    elif form is not None:
        page = _back_to_link(form, lang)
    return _render(request, "base.html.j2", lang, "refused", status=exc.status, error=exc.message,
                   back_link=f"/review?lang={lang}", back_text=TEXT[lang]["back_to_review"], switch_to=page)



async def _form(request: Request) -> dict:
    """The posted form's fields (the last value of a field given twice). A URL-encoded body is
    read as UTF-8, percent-escapes and raw bytes alike (Starlette reads raw bytes as Latin-1:
    ``curl -d "rationale=responsabilités"`` would be stored as « responsabilitÃ©s »)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        body = await request.body()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = body.decode("latin-1")  # not UTF-8: each byte a character, as Starlette does
        try:
            return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=1000))
        except ValueError:  # more than 1000 fields: no form of this site
            return {}
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
    limiter.succeeded(client, username)
    open_session(request, account)
    request.session["flash"] = t["signed_in"].format(name=account.display_name)
    back = _local(form.get("next"))
    # A form's address only takes a POST: the review page rather than a 405.
    return RedirectResponse(f"/review?lang={lang}" if urlsplit(back).path in _POST_ONLY else back, status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await _form(request)
    close_session(request)
    lang = _lang(request, form)
    # Back to the page the person was on (the header's form sends it), unless only a signed-in
    # person may see it (the editing pages); else the dashboard, in the page's language.
    back = _local(str(form.get("next", "")), default="")
    if not back or back.startswith(("/edit/", "/login", "/logout")) or urlsplit(back).path in _POST_ONLY:
        back = "/" + ("?lang=en" if lang == "en" else "")
    if back.startswith(("/review", "/versions/diff")):  # the pages that show a flash message
        request.session["flash"] = TEXT[lang]["signed_out"]
    return RedirectResponse(back, status_code=303)


# Review ------------------------------------------------------------------------------------------
@router.get("/review", response_class=HTMLResponse)
async def review_page(request: Request) -> Response:
    from .team_data import OVERVIEW, catalogue, filter_refusal, link_rows, rejections, review_programme

    lang = _lang(request)
    params = request.query_params
    kind = params.get("kind") or "competency"
    workspace = getattr(request.app.state, "workspace", None)
    if workspace is None:
        return _render(request, "base.html.j2", lang, "review", status=404, error=TEXT[lang]["no_versions"])
    if not getattr(request.app.state, "workspace_serves_store", True):  # `--store` without `--data`
        return _render(request, "base.html.j2", lang, "review", status=404, error=TEXT[lang]["no_workspace"])
    programme = await run_in_threadpool(review_programme, request)
    if programme is OVERVIEW:  # several programmes, none chosen: pick one on the overview (issue #16)
        return RedirectResponse(site_links(request, lang).url("/programmes", lang), status_code=303)
    try:
        cat = await run_in_threadpool(catalogue, workspace, lang, programme)
    except CiptError as exc:
        return _render(request, "base.html.j2", lang, "review", status=503, error=cipt_text(exc, lang)[0])
    refusal = filter_refusal(params, cat, lang)
    if refusal is not None:  # an unknown value is said, as /programmes does, not shown as « 0 lien »
        return _render(request, "base.html.j2", lang, "review", status=400, error=refusal,
                       back_link="/review?" + urlencode([("lang", lang)] + ([("programme", params["programme"])]
                                                                             if programme else [])),
                       back_text=TEXT[lang]["back_to_review"])
    # Blocks group competencies only: the block filter does not apply to the other kinds.
    block, module, status = (params.get("block", "") if kind == "competency" else ""), params.get("module", ""), params.get("status", "")
    rejected = await run_in_threadpool(rejections, workspace, cat, kind, block=block, module=module,
                                       lang=lang) if status == "rejected" else []
    rows = [] if status == "rejected" else link_rows(workspace, cat, kind, block=block, module=module, status=status)
    account = current_account(request)
    if account is not None and account.can("validate") and not _self_allowed(workspace):
        for r in rows:  # four eyes: the validator's own proposals wait for another validator
            r["own"] = proposed_by(r["row"], account.id, (account.username, account.display_name))
    t = TEXT[lang]
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return _render(request, "review.html.j2", lang, "review", rows=rows, kind=kind, kinds=("competency", "activity", "objective"),
                   blocks=cat.blocks, modules=cat.modules, targets=cat.targets[kind], levels=cat.levels,
                   block=block, module=module, status_filter=status, rejected=rejected,
                   count_text=t["n_links"](len(rejected if status == "rejected" else rows)), back=back,
                   programme=params.get("programme") if programme else None)


async def _apply(request: Request, work, form: dict, lang: str, done_key: str, on_error=None) -> Response:
    lock = request.app.state.write_lock
    async with lock:
        try:
            result = await run_in_threadpool(work)
        except InputError as exc:
            if on_error is not None:
                return await on_error(exc)
            stale = getattr(exc, "status", 400) == 409  # the link changed since the page was loaded
            return _render(request, "base.html.j2", lang, "refused", status=getattr(exc, "status", 400),
                           error=cipt_text(exc, lang)[0], errors=[],
                           back_link=_back_to_link(form, lang), back_text=TEXT[lang]["reload" if stale else "back_to_review"])
        if result.changed:
            from .writes import _refresh

            await _refresh(request, request.app.state.workspace)
    request.session["flash"] = TEXT[lang][done_key if result.changed else "nothing_changed"].format(
        link=f"{result.module} → {result.target}", version=result.version.id if result.version else "")
    return RedirectResponse(_local(form.get("back")), status_code=303)


def _back_to_link(form: dict, lang: str) -> str:
    """The page the form came from (``back``, else /review in ``lang``), at the link's row."""
    back = _local(str(form.get("back", "")), default=f"/review?lang={lang}")
    if not back.startswith("/review"):
        return back
    module, target = str(form.get("module", ""))[:40], str(form.get("target", ""))[:40]
    anchor = f"link-{module}-{target}" if module and target else ""
    return back.split("#")[0] + (f"#{quote(anchor)}" if anchor else "")


@router.post("/review/decision")
async def review_decision(request: Request) -> Response:
    from ..editing import review_link

    form = await _form(request)
    lang = _lang(request, form)
    try:
        account = _need(request, "validate", lang)
    except _Refusal as exc:
        return _refused(request, exc, lang, form)
    decision = str(form.get("decision", ""))
    return await _apply(request, lambda: review_link(
        request.app.state.workspace, str(form.get("kind", "")), str(form.get("module", "")),
        str(form.get("target", "")), decision=decision, reviewer=account.display_name,
        comment=str(form.get("comment", ""))[:1000], lang=lang, reviewer_ids=(account.username,),
        reviewer_account=account.id, loaded=str(form.get("loaded", ""))[:64]), form, lang,
        "validated" if decision == "validate" else "rejected")


@router.post("/edit/link")
async def edit_cell(request: Request) -> Response:
    from ..editing import edit_link

    form = await _form(request)
    lang = _lang(request, form)
    try:
        account = _need(request, "edit", lang)
    except _Refusal as exc:
        return _refused(request, exc, lang, form)
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
        lang=lang, loaded=str(form.get("loaded", ""))[:64]), form, lang, "saved",
        on_error)


# Versions ----------------------------------------------------------------------------------------
