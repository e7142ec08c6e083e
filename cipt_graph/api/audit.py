"""``/audit``: the accreditation audit report served as printable HTML, Markdown or JSON."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from ..audit import build_audit_report
from ..audit.render_html import render_html
from ..audit.render_json import render_json
from ..audit.render_md import render_md
from .runner import run_limited
from .settings import public_base_url

router = APIRouter(tags=["Audit"])

_MEDIA = {"html": "text/html; charset=utf-8", "json": "application/json",
          "md": "text/markdown; charset=utf-8"}


@router.get("/audit", response_class=HTMLResponse, responses={
    200: {"description": "The report; `X-Cipt-Audit-Violations` and `X-Cipt-Audit-Warnings` count the findings",
          "content": {"application/json": {}, "text/markdown": {}}},
})
async def get_audit(
    request: Request,
    lang: Literal["fr", "en"] = Query("fr", description="Language of the report"),
    format: Literal["html", "json", "md"] = Query(
        "html", description="`html` (printable, A4), `json` (the schema of docs/audit-json.md) or `md`"),
) -> Response:
    """The accreditation audit report of the graph served.

    Every figure cites the named query (or SHACL shape) that produced it, with links that run
    it on this service at `/api/queries/{name}` and `/sparql`. The HTML page prints on A4 and
    needs no JavaScript. The report is built on each request (it runs the SHACL validation).
    """
    state = request.app.state
    base_url = public_base_url(request)
    store = state.store

    def work(deadline) -> Response:  # in a query process: same time, memory and slot limits as queries
        report = build_audit_report(store, lang=lang, base_url=base_url)
        render = {"html": render_html, "json": render_json, "md": render_md}[format]
        counts = report.counts()
        headers = {"X-Cipt-Audit-Violations": str(counts["violation"]),
                   "X-Cipt-Audit-Warnings": str(counts["warning"]),
                   "Content-Language": lang}
        return Response(render(report), media_type=_MEDIA[format], headers=headers)

    return await run_limited(request, work)
