"""``/audit``: the accreditation audit report served as printable HTML, Markdown or JSON."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .errors import programme_error, programme_needed, several_programmes
from ..errors import QueryError
from .security import policy_for_own_document
from ..visualize.page import HEADER_CSS, site_header
from .pages import page_lang, site_links, switch_href
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
    lang: Literal["fr", "en"] | None = Query(None, description="Language of the report (default: the one "
                                             "Accept-Language prefers, else fr)"),
    format: Literal["html", "json", "md"] = Query(
        "html", description="`html` (printable, A4), `json` (the schema of docs/audit-json.md) or `md`"),
    programme: str | None = Query(None, description="Audit one programme (its code, such as M2_CIPT, "
                                                    "or its IRI); the whole graph when absent — needed when the "
                                                    "dataset holds several programmes: the HTML page then sends "
                                                    "to the overview (303), json and md answer 400"),
) -> Response:
    """The accreditation audit report of the graph served.

    Every figure cites the named query (or SHACL shape) that produced it, with links that run
    it on this service at `/api/queries/{name}` and `/sparql`. The HTML page prints on A4 and
    needs no JavaScript. The report is built on each request (it runs the SHACL validation).
    """
    # The audit (and SHACL: pyshacl, rdflib's SPARQL) is imported by the server's process when first
    # asked for (`cipt serve` starts without it); the processes forked for reports inherit it.
    from ..audit import build_audit_report
    from ..audit import shapes as audit_shapes
    from ..audit.render_html import render_html
    from ..audit.render_json import render_json
    from ..audit.render_md import render_md

    lang = page_lang(request, lang)
    base_url = public_base_url(request)  # never the Host header
    store = request.app.state.store
    if programme is None and await run_in_threadpool(several_programmes, store):
        # The audit of every programme at once takes minutes at university scale (issue #16): the
        # page sends to the overview to pick one, the data formats answer 400 naming the parameter.
        if format == "html":
            return RedirectResponse(site_links(request, lang).url("/programmes", lang), status_code=303)
        raise await run_in_threadpool(programme_needed, store)

    def work(deadline):  # in a query process: killed past the reports' time limit
        try:
            report = build_audit_report(store, lang=lang, base_url=base_url, programme=programme)
        except QueryError as exc:
            if programme is None:
                raise
            raise programme_error(store, programme, exc) from exc
        render = {"html": render_html, "json": render_json, "md": render_md}[format]
        counts = report.counts()
        return render(report), {"X-Cipt-Audit-Violations": str(counts["violation"]),
                                "X-Cipt-Audit-Warnings": str(counts["warning"]),
                                "Content-Language": lang}, dict(audit_shapes._VALIDATIONS)

    text, headers, validations = await run_limited(request, work, report=True)
    # The SHACL run (the slow part) was made in a query process: keep its result here, so that the
    # next report (another language or format) forked from this process reuses it.
    for key, value in validations.items():
        audit_shapes._VALIDATIONS.setdefault(key, value)
    while len(audit_shapes._VALIDATIONS) > audit_shapes._VALIDATIONS_KEPT:
        audit_shapes._VALIDATIONS.popitem(last=False)
    if format == "html":
        text = with_site_header(text, request, lang)
        headers["Vary"] = "Accept-Language"
        # The report keeps its inline style (it is also a standalone file): allowed by hash.
        headers["Content-Security-Policy"] = policy_for_own_document(text)
    return Response(text, media_type=_MEDIA[format], headers=headers)

def with_site_header(html: str, request: Request, lang: str) -> str:
    """The report with the site's header and navigation on top (screen only: it does not print).

    The report is a whole document with its own style; the header brings its own, scoped style.
    """
    header = site_header(view="audit", lang=lang, links=site_links(request, lang),
                         switch_href=switch_href(request, "en" if lang == "fr" else "fr"))
    html = html.replace("</head>", f'<link rel="icon" href="/favicon.ico" sizes="16x16 32x32">\n'
                                    f"<style>{HEADER_CSS}{_SCREEN_CSS}</style>\n</head>", 1)
    head_end, _, rest = html.partition("<body")
    if not rest:
        return html
    tag_end = rest.index(">") + 1
    body, end, after = rest[tag_end:].rpartition("</body>")
    if not end:
        body, after = rest[tag_end:], ""
    return (f'{head_end}<body{rest[:tag_end]}\n{header}\n<main id="main" class="audit-report" tabindex="-1">'
            f"{body}</main>\n{end}{after}")


#: On screen, the header spans the window as on every other page; the report keeps its A4 column
#: below it (the report's own style puts the column on ``body``: moved to the report's ``main``).
_SCREEN_CSS = """
@media screen {
  body { max-width: none; margin: 0; padding: 0; }
  main.audit-report { display: block; max-width: 190mm; margin: 0 auto; padding: 6mm; }
  main.audit-report:focus { outline: none; }
}
"""
