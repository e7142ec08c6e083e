"""Editing one cell of the matrix from the matrix page (issue #15).

A signed-in editor's ``/matrix`` links every cell (module × competency) to ``GET /edit/cell``:
a form with the level (I, R, M… or none: the link is removed), the hours and the rationale,
posted with its CSRF token to ``POST /edit/link`` (:mod:`cipt_graph.api.team`), which applies it
through :func:`cipt_graph.editing.edit_link` (the checks of the workbook import, one version
authored by the signed-in person). A refused value brings the form back (400) with the error
beside the field it names and the values typed kept; a saved one goes back to the matrix, at
the cell. No script: the page works with plain forms (the service's CSP allows no inline script).

Errors: 401 (not signed in: redirected to ``/login``), 403 (not an editor, or writes off),
404 (unknown module or competency).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ..accounts import Account
from ..errors import CiptError, InputError, QueryError
from ..linkstate import NEW
from .auth import current_account, team_writes
from .errors import cipt_text
from .team_text import TEXT, format_number

router = APIRouter(include_in_schema=False)


def matrix_editor(request: Request) -> Account | None:
    """The signed-in account when it may edit the mapping on this service (editor role, a
    workspace served without ``--read-only``), else None: the matrix then shows no edit control."""
    account = current_account(request)
    if account is None or not account.can("edit"):
        return None
    return account if team_writes(request) else None


def cell_anchor(module: str, competency: str) -> str:
    """The id of a matrix cell (``cell-M01-BC03-C2``), where the matrix page scrolls back to."""
    return f"cell-{module}-{competency}"


def back_to_matrix(lang: str, module: str, competency: str, programme: str | None = None) -> str:
    """The matrix page in ``lang`` (of ``programme`` when the workspace holds several), at the cell."""
    query = urlencode([("lang", lang)] + ([("programme", programme)] if programme else []))
    return f"/matrix?{query}#{cell_anchor(module, competency)}"


def _cell_context(workspace, lang: str, module: str, competency: str, store=None) -> dict | None:
    from .team_data import catalogue, link_rows, programme_of_module

    # One programme of several (issue #16): the module's own, whatever the page was given.
    programme = programme_of_module(store, module) if store is not None else None
    try:
        cat = catalogue(workspace, lang, programme)
    except QueryError:  # several programmes and the module is none of theirs: no such cell
        return None
    if cat.programme is None:
        programme = None
    mod = next((m for m in cat.modules if m["code"] == module), None)
    comp = next((c for c in cat.targets["competency"] if c["code"] == competency), None)
    if mod is None or comp is None:
        return None
    row = next((r for r in link_rows(workspace, cat, "competency", module=module) if r["target"] == competency), None)
    return {"mod": mod, "comp": comp, "row": row, "levels": cat.levels, "programme": programme}


def _without_field(message: str, word: str) -> str:
    """``message`` without its leading field name (``heures : …``): the page shows the field's
    name beside it already."""
    for sep in (" : ", ": "):
        if word and message.casefold().startswith((word + sep).casefold()):
            return message[len(word + sep):]
    return message


async def render_cell(request: Request, lang: str, module: str, competency: str, *, status: int = 200,
                      error: InputError | None = None, typed: dict | None = None) -> Response:
    """The cell's form: current values (or those ``typed``), with ``error`` beside its field."""
    from .team import _render

    t = TEXT[lang]
    workspace = request.app.state.workspace
    try:
        context = await run_in_threadpool(_cell_context, workspace, lang, module, competency,
                                          getattr(request.app.state, "store", None))
    except CiptError as exc:
        return _render(request, "base.html.j2", lang, "edit_cell", status=503, error=cipt_text(exc, lang)[0])
    if context is None:
        return _render(request, "base.html.j2", lang, "edit_cell", status=404,
                       error=t["unknown_cell"].format(module=module, competency=competency))
    row = context["row"] or {}
    values = {"level": row.get("level", "none") or "none", "hours": format_number(row.get("hours", ""), lang),
              "rationale": row.get("rationale", ""), "message": ""}
    if typed:
        values.update({k: str(typed.get(k, "")) for k in values})
    field = None
    if error is not None:
        field = error.where if error.where in ("level", "hours", "rationale") else None
    # The link as first shown: a form sent back after an error keeps it, so that a change made
    # meanwhile by someone else is still noticed (409) rather than overwritten.
    loaded = str(typed.get("loaded", "")) if typed else (context["row"] or {}).get("fingerprint", NEW)
    stale = error is not None and getattr(error, "status", 400) == 409
    title = t["edit_cell_title"].format(module=module, competency=competency)
    return _render(request, "cell.html.j2", lang, "edit_cell", status=getattr(error, "status", status) if stale else status,
                   title=title, loaded=loaded,
                   back_link=f"/edit/cell?{urlencode({'module': module, 'competency': competency, 'lang': lang})}" if stale else None,
                   back_text=t["reload"], switch_to=f"/edit/cell?{urlencode({'module': module, 'competency': competency})}",
                   error=cipt_text(error, lang)[0] if error is not None and field is None else None,
                   field_error=(field, _without_field(error.message, t.get(f"field_{field}", ""))) if field else None,
                   values=values,
                   back=back_to_matrix(lang, module, competency, context["programme"] and (
                       request.query_params.get("programme") or context["programme"])), **context)


@router.get("/edit/cell", response_class=HTMLResponse)
async def cell_page(request: Request, module: str = "", competency: str = "") -> Response:
    from .team import _lang, _need, _Refusal, _refused

    lang = _lang(request)
    try:
        _need(request, "edit", lang)
    except _Refusal as exc:
        return _refused(request, exc, lang)
    return await render_cell(request, lang, module.strip()[:40], competency.strip()[:40])
