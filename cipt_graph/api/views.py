"""The coverage views over HTTP: ``/`` dashboard, ``/graph`` network, ``/matrix`` matrix (with its
CSV and XLSX exports), ``/jobs`` job readiness; ``?lang=en`` for English (else
``Accept-Language`` picks, French by default).

The pages come from ``cipt_graph.visualize``; this router only picks the language, the links and
the programme (issue #16): every view takes ``?programme=`` (its code or IRI, 404 when it names
none). Without it, a dataset of one programme shows that one; with several, ``/`` is the
university overview (``/programmes``) and the other views send there (303) to pick one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from typing import TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..errors import QueryError
from ..queries import resolve_programme
from ..visualize import render_view
from ..visualize.data import programme_scope
from ..visualize.matrix import matrix_csv, matrix_xlsx
from ..visualize.overview import COLUMNS, PageOutOfRange, render_overview
from .errors import ApiError, need_programme, programme_error, several_programmes
from .pages import LANG, Lang, html_page, page_lang, site_links
from ..visualize.static import asset_media_type, asset_names, asset_text, favicon_bytes

router = APIRouter(tags=["Views"])


# pyvis (which imports IPython), networkx and openpyxl are imported by the server's process when a
# view first needs them (``_heavy``), not at start-up (`cipt serve` would take 1 to 2 s more to be
# ready): the processes forked from it afterwards inherit them, instead of importing them again at
# every /graph or /matrix.xlsx request (0.9 s of a 1.1 s answer at university scale).
_HEAVY = {"graph": ("networkx", "pyvis.network"), "xlsx": ("openpyxl",)}


def _heavy(view: str) -> None:
    import importlib

    for name in _HEAVY.get(view, ()):
        importlib.import_module(name)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
T = TypeVar("T")


async def _run(request: Request, work: Callable[[object], T]) -> T:
    """Run ``work(store)`` off the event loop, through the service's query runner when there is one
    (its timeout and concurrency limit then apply to the views too)."""
    store = request.app.state.store
    runner = getattr(request.app.state, "runner", None)
    if runner is not None:
        return await runner.run(lambda deadline: work(store))
    return await run_in_threadpool(work, store)


async def _call(request: Request, function: Callable[..., T], *args) -> T:
    """``function(store, deadline, *args)`` (a module-level function, picklable arguments) in one
    of the runner's long-lived workers: no fork per page, and the worker's store caches stay warm
    across requests (a forked child started cold: up to half of a page's time at university scale).
    Without a runner (a router mounted alone), in a thread."""
    runner = getattr(request.app.state, "runner", None)
    if runner is not None:
        return await runner.call(function, *args)
    store = request.app.state.store
    return await run_in_threadpool(function, store, None, *args)


def draw_page(store, deadline, view: str, lang: str, links, programme: str | None) -> str | None:
    """The HTML of ``view`` for ``programme`` (None: the dataset's only one; with several, the
    overview for the dashboard and None, a redirect to it, for the other views). Runs in a query
    worker (:func:`_call`)."""
    if programme is None and several_programmes(store):
        if view == "dashboard":
            return render_overview(store, lang, links)
        return None
    return scoped(store, programme, lambda s: render_view(s, view, lang, links))


def draw_overview(store, deadline, lang: str, links, q: str, sort: str, order: str, page: int) -> str:
    """The university overview's HTML (``/programmes``), in a query worker (:func:`_call`).

    Raises:
        ApiError: 404, ``page`` past the last page."""
    try:
        return render_overview(store, lang, links, query=q, sort=sort, order=order, page=page)
    except PageOutOfRange as exc:
        raise ApiError(404, f"page: there is no page {exc.page}, the table has {exc.pages}",
                       fr=f"paramètre « page » : il n'y a pas de page {exc.page}, le tableau en a {exc.pages}") from exc


def _overview_parameter(name: str, value: str, allowed: tuple[str, ...]) -> None:
    """400 in the request's language (not pydantic's English) for a ``sort``/``order`` of the
    overview that is not one of ``allowed``."""
    if value not in allowed:
        shown = ", ".join(allowed)
        raise ApiError(400, f"{name}: {value!r} is not accepted (one of {shown})",
                       fr=f"paramètre « {name} » : « {value} » n'est pas accepté (l'une des valeurs {shown})")


PROGRAMME = Query(None, description="The programme (its code, such as M2_CIPT, or its IRI); "
                                    "the dataset's only programme when absent")
def scoped(store, programme: str | None, work: Callable[[object], T], *, needed: bool = False) -> T:
    """``work(store)`` with the views' queries scoped to ``programme`` (404 when it names none;
    when ``needed``, 400 naming the parameter when it is absent and the dataset holds several)."""
    if needed:
        need_programme(store, programme)
    if programme is not None:
        try:  # its IRI from here on: each query then checks it in 0.2 ms, where a code lookup takes 5
            programme = resolve_programme(store, programme).value
        except QueryError as exc:
            raise programme_error(store, programme, exc) from exc
    with programme_scope(programme):
        return work(store)


async def _page(request: Request, view: str, lang: str | None, programme: str | None) -> Response:
    lang = page_lang(request, lang)
    links = site_links(request, lang)
    flash = None
    if view == "matrix":  # a signed-in editor's matrix links each cell to its editor (issue #15)
        from dataclasses import replace

        from .team_cell import matrix_editor

        if matrix_editor(request) is not None:
            links = replace(links, editable=True)
            flash = request.session.pop("flash", None)

    _heavy(view)
    html = await _call(request, draw_page, view, lang, links, programme)
    if html is None:
        return RedirectResponse(links.url("/programmes", lang), status_code=303)
    if links.editable:
        if flash:
            html = html.replace('<p class="lead">', f'<p class="flash" role="status">{escape(flash)}</p><p class="lead">', 1)
        return html_page(html, lang, headers={"Cache-Control": "no-store"})
    return html_page(html, lang)


@router.get("/", response_class=HTMLResponse, summary="Dashboard")
async def dashboard(request: Request, lang: Lang | None = LANG, programme: str | None = PROGRAMME) -> Response:
    """The programme on one screen: key figures (modules, hours declared vs listed, blocks covered,
    gaps), hours per block, links to every view, to the SPARQL page and to the API docs."""
    return await _page(request, "dashboard", lang, programme)


@router.get("/graph", response_class=HTMLResponse, summary="Coverage network")
async def graph(request: Request, lang: Lang | None = LANG, programme: str | None = PROGRAMME) -> Response:
    """Interactive network of modules, competencies, blocks, activities and jobs (vis-network,
    inlined: the page loads nothing else). Filters by block, job and period (also as ``?block=``,
    ``?job=``, ``?period=``); clicking a node shows its details and a link to its ``/id/…`` page."""
    return await _page(request, "graph", lang, programme)


@router.get("/matrix", response_class=HTMLResponse, summary="Coverage matrix")
async def matrix(request: Request, lang: Lang | None = LANG, programme: str | None = PROGRAMME) -> Response:
    """The course × competency matrix: modules by period, competencies by block, the level in each
    cell (colour and letter), totals, hours per block; prints on A4 landscape."""
    return await _page(request, "matrix", lang, programme)


@router.get("/matrix.csv", summary="Coverage matrix as CSV", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
async def matrix_as_csv(request: Request, lang: Lang | None = LANG, programme: str | None = PROGRAMME) -> Response:
    """The ``coverage_matrix`` named query as CSV: one row per module → competency link. With
    several programmes in the dataset, ``programme`` is needed (400 naming it)."""
    lang = page_lang(request, lang)
    text = await _run(request, lambda store: scoped(store, programme, lambda s: matrix_csv(s, lang), needed=True))
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_matrix_name(programme, lang)}.csv"'})


@router.get("/matrix.xlsx", summary="Coverage matrix as XLSX", response_class=Response,
            responses={200: {"content": {XLSX: {}}}})
async def matrix_as_xlsx(request: Request, lang: Lang | None = LANG, programme: str | None = PROGRAMME) -> Response:
    """A workbook: the matrix as shown (levels coloured) and the ``coverage_matrix`` rows. With
    several programmes in the dataset, ``programme`` is needed (400 naming it)."""
    lang = page_lang(request, lang)
    _heavy("xlsx")
    data = await _run(request, lambda store: scoped(store, programme, lambda s: matrix_xlsx(s, lang), needed=True))
    return Response(data, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{_matrix_name(programme, lang)}.xlsx"'})


def _matrix_name(programme: str | None, lang: str) -> str:
    """``matrix-fr``, or ``matrix-U002-fr`` for a programme given (its code, or its IRI's last
    segment; letters, digits, ``._-`` kept): each programme's files get their own names."""
    if not programme or not programme.strip():
        return f"matrix-{lang}"
    code = re.sub(r"[^A-Za-z0-9._-]", "_", programme.strip().rstrip("/").rsplit("/", 1)[-1])[:60]
    return f"matrix-{code}-{lang}"


@router.get("/static/views/{name}", include_in_schema=False)
async def view_asset(name: str) -> Response:
    """The views' own style sheets and scripts (``cipt_graph.visualize.static``)."""
    if name not in asset_names():
        return Response("no such file\n", status_code=404, media_type="text/plain; charset=utf-8")
    return Response(asset_text(name), media_type=asset_media_type(name),
                    headers={"Cache-Control": "no-cache"})


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    """The site's icon (``cipt_graph/visualize/assets/favicon.ico``), which every page links."""
    return Response(favicon_bytes(), media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/jobs", response_class=HTMLResponse, summary="Job readiness")
async def jobs(request: Request, lang: Lang | None = LANG, programme: str | None = PROGRAMME) -> Response:
    """For each target job: its activities, the competencies they need, the modules that build them
    with their hours, and what is missing."""
    return await _page(request, "jobs", lang, programme)


@router.get("/programmes", response_class=HTMLResponse, summary="University overview")
async def programmes(request: Request, lang: Lang | None = LANG,
                     q: str = Query("", max_length=200, description="Search in the programmes' codes, labels and RNCP numbers"),
                     sort: str = Query("code", max_length=20, description="Column to sort by: " + ", ".join(COLUMNS)),
                     order: str = Query("asc", max_length=20, description="Sort order: asc or desc"),
                     page: str = Query("1", max_length=20, description="Page of the table (50 programmes a page, "
                                                                       "from 1; 404 past the last)")) -> HTMLResponse:
    """Every programme with its key figures (hours declared and listed, coverage, gaps, share of
    links validated: query `programmes`), searchable, sortable and paged; then the certifications
    several programmes share, block by block (query `certification_coverage`).

    A ``sort``, ``order`` or ``page`` not accepted is a 400 in the page's language; a page past
    the last, a 404."""
    _overview_parameter("sort", sort, tuple(COLUMNS))
    _overview_parameter("order", order, ("asc", "desc"))
    if not (page.isascii() and page.isdigit() and 1 <= int(page) <= 100_000):
        raise ApiError(400, f"page: {page!r} is not a page number (a whole number from 1)",
                       fr=f"paramètre « page » : « {page} » n'est pas un numéro de page (un nombre entier à partir de 1)")
    lang = page_lang(request, lang)
    links = site_links(request, lang)
    html = await _call(request, draw_overview, lang, links, q, sort, order, int(page))
    return html_page(html, lang)
