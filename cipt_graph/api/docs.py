"""``/docs``: the OpenAPI documentation inside the site's shell, Swagger UI served from the
package (fastapi-offline), no CDN.

The page's header and introduction follow the site's language; the OpenAPI description itself
is developer documentation and stays in English, like the code.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from ..visualize.i18n import tr
from ..visualize.page import render_page
from .pages import LANG, Lang, html_page, page_lang, site_links, switch_href

#: Swagger UI's script and style, shipped by the fastapi-offline package.
SWAGGER_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui(request: Request, lang: Lang | None = LANG) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``, every asset from this server; started by ``docs.js``."""
    lang = page_lang(request, lang)
    openapi = request.app.openapi_url
    body = (f'<p class="lead">{escape(tr(lang, "docs.lead"))} '
            f'<a href="{escape(openapi)}">{escape(tr(lang, "docs.openapi"))}</a></p>'
            f'<div id="swagger-ui" class="docs-frame" lang="en" data-openapi="{escape(openapi)}"></div>')
    head = ('<link rel="stylesheet" href="/api/static/swagger/swagger-ui.css">'
            '<link rel="icon" href="/api/static/swagger/favicon.png">')
    scripts = ('<script src="/api/static/swagger/swagger-ui-bundle.js"></script>\n'
               '<script src="/api/static/docs.js"></script>')
    html = render_page(view="docs", lang=lang, links=site_links(request, lang), title=tr(lang, "docs.title"),
                       body=body, head=head, scripts=scripts,
                       switch_href=switch_href(request, "en" if lang == "fr" else "fr"))
    return html_page(html, lang)
