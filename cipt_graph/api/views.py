"""The coverage views over HTTP: ``/`` dashboard, ``/graph`` network, ``/matrix`` matrix (with its
CSV and XLSX exports), ``/jobs`` job readiness; ``?lang=en`` for English (else
``Accept-Language`` picks, French by default).

The pages come from ``cipt_graph.visualize``; this router only picks the language and the links.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ..visualize import render_view
from ..visualize.matrix import matrix_csv, matrix_xlsx
from .pages import LANG, Lang, html_page, page_lang, site_links
from ..visualize.static import asset_media_type, asset_names, asset_text

router = APIRouter(tags=["Views"])

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


async def _page(request: Request, view: str, lang: str | None) -> HTMLResponse:
    lang = page_lang(request, lang)
    links = site_links(request, lang)
    html = await _run(request, lambda store: render_view(store, view, lang, links))
    return html_page(html, lang)


@router.get("/", response_class=HTMLResponse, summary="Dashboard")
async def dashboard(request: Request, lang: Lang | None = LANG) -> HTMLResponse:
    """The programme on one screen: key figures (modules, hours declared vs listed, blocks covered,
    gaps), hours per block, links to every view, to the SPARQL page and to the API docs."""
    return await _page(request, "dashboard", lang)


@router.get("/graph", response_class=HTMLResponse, summary="Coverage network")
async def graph(request: Request, lang: Lang | None = LANG) -> HTMLResponse:
    """Interactive network of modules, competencies, blocks, activities and jobs (vis-network,
    inlined: the page loads nothing else). Filters by block, job and period (also as ``?block=``,
    ``?job=``, ``?period=``); clicking a node shows its details and a link to its ``/id/…`` page."""
    return await _page(request, "graph", lang)


@router.get("/matrix", response_class=HTMLResponse, summary="Coverage matrix")
async def matrix(request: Request, lang: Lang | None = LANG) -> HTMLResponse:
    """The course × competency matrix: modules by period, competencies by block, the level in each
    cell (colour and letter), totals, hours per block; prints on A4 landscape."""
    return await _page(request, "matrix", lang)


@router.get("/matrix.csv", summary="Coverage matrix as CSV", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
async def matrix_as_csv(request: Request, lang: Lang | None = LANG) -> Response:
    """The ``coverage_matrix`` named query as CSV: one row per module → competency link."""
    lang = page_lang(request, lang)
    text = await _run(request, lambda store: matrix_csv(store, lang))
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="matrix-{lang}.csv"'})


@router.get("/matrix.xlsx", summary="Coverage matrix as XLSX", response_class=Response,
            responses={200: {"content": {XLSX: {}}}})
async def matrix_as_xlsx(request: Request, lang: Lang | None = LANG) -> Response:
    """A workbook: the matrix as shown (levels coloured) and the ``coverage_matrix`` rows."""
    lang = page_lang(request, lang)
    data = await _run(request, lambda store: matrix_xlsx(store, lang))
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="matrix-{lang}.xlsx"'})


@router.get("/static/views/{name}", include_in_schema=False)
async def view_asset(name: str) -> Response:
    """The views' own style sheets and scripts (``cipt_graph.visualize.static``)."""
    if name not in asset_names():
        return Response("no such file\n", status_code=404, media_type="text/plain; charset=utf-8")
    return Response(asset_text(name), media_type=asset_media_type(name),
                    headers={"Cache-Control": "no-cache"})


@router.get("/jobs", response_class=HTMLResponse, summary="Job readiness")
async def jobs(request: Request, lang: Lang | None = LANG) -> HTMLResponse:
    """For each target job: its activities, the competencies they need, the modules that build them
    with their hours, and what is missing."""
    return await _page(request, "jobs", lang)
