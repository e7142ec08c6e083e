"""``/docs``: the OpenAPI documentation with Swagger UI served from the package, no CDN."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse

#: Swagger UI's script and style, shipped by the fastapi-offline package.
SWAGGER_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``, every asset from this server."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url, title="cipt-graph — API",
        swagger_js_url="/api/static/swagger/swagger-ui-bundle.js",
        swagger_css_url="/api/static/swagger/swagger-ui.css",
        swagger_favicon_url="/api/static/swagger/favicon.png",
        # No validator badge: it would load an image from validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
