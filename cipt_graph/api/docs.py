"""``/docs``: the OpenAPI documentation with Swagger UI served from the package, no CDN."""

from __future__ import annotations

import json
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

#: Swagger UI's script and style, shipped by the fastapi-offline package.
SWAGGER_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``, every asset from this server, no inline script (the
    settings are a JSON data block read by ``/api/static/swagger-init.js``)."""
    # No validator badge: it would load an image from validator.swagger.io.
    config = {"url": request.app.openapi_url, "layout": "BaseLayout", "deepLinking": True,
              "showExtensions": True, "showCommonExtensions": True, "validatorUrl": None}
    data = json.dumps(config).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return HTMLResponse(f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/api/static/swagger/swagger-ui.css">
<link rel="icon" href="/api/static/swagger/favicon.png">
<title>cipt-graph — API</title>
</head>
<body>
<div id="swagger-ui"></div>
<script id="swagger-config" type="application/json">{data}</script>
<script src="/api/static/swagger/swagger-ui-bundle.js"></script>
<script src="/api/static/swagger-init.js"></script>
</body>
</html>
""")
