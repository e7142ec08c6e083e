"""``/docs``: the OpenAPI documentation inside the site's shell, Swagger UI served from the
package (fastapi-offline), no CDN.

The page follows the site's language, the operations included: Swagger UI reads
``/openapi.fr.json`` or ``/openapi.en.json`` (:mod:`.openapi_i18n`: summaries, descriptions, tags
and parameters named for people); ``/openapi.json`` stays FastAPI's, for machines. The schemas'
field names are the API's contract, in English; their descriptions follow the language
(:mod:`.openapi_schemas_fr`).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, JSONResponse

from ..visualize.i18n import tr
from ..visualize.page import render_page
from .errors import ApiError
from .openapi_i18n import localized_openapi
from .pages import LANG, Lang, html_page, page_lang, site_links, switch_href

#: Swagger UI's script and style, shipped by the fastapi-offline package.
SWAGGER_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui(request: Request, lang: Lang | None = LANG) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``, every asset from this server; started by ``docs.js``."""
    lang = page_lang(request, lang)
    openapi = f"/openapi.{lang}.json"
    body = (f'<p class="lead">{escape(tr(lang, "docs.lead"))} '
            f'<a href="{escape(request.app.openapi_url)}">{escape(tr(lang, "docs.openapi"))}</a></p>'
            f'<div id="swagger-ui" class="docs-frame" data-openapi="{escape(openapi)}"></div>')
    head = '<link rel="stylesheet" href="/api/static/swagger/swagger-ui.css">'
    scripts = ('<script src="/api/static/swagger/swagger-ui-bundle.js"></script>\n'
               '<script src="/api/static/docs.js"></script>')
    html = render_page(view="docs", lang=lang, links=site_links(request, lang), title=tr(lang, "docs.title"),
                       body=body, head=head, scripts=scripts,
                       switch_href=switch_href(request, "en" if lang == "fr" else "fr"))
    return html_page(html, lang)


@router.get("/openapi.{lang}.json")
def openapi_in(lang: str, request: Request) -> JSONResponse:
    """The OpenAPI description with its operations named in ``lang`` (``fr`` or ``en``), for ``/docs``."""
    if lang not in ("fr", "en"):
        raise ApiError(404, f"no OpenAPI description in {lang!r}: fr or en",
                       fr=f"pas de description OpenAPI en « {lang} » : fr ou en")
    state = request.app.state
    cache = getattr(state, "openapi_by_lang", None)
    if cache is None:
        cache = state.openapi_by_lang = {}
    if lang not in cache:
        cache[lang] = localized_openapi(request.app.openapi(), lang)
    return JSONResponse(cache[lang], headers={"Content-Language": lang})
