"""/docs (Swagger UI) and /redoc served from vendored files: they work with no internet.

FastAPI's own pages load their bundles from a CDN and start Swagger UI with an inline
script; these load /static/vendor/... and start it from /static/docs/swagger-init.js. The
one image ReDoc fetched from a CDN (the Redocly logo) is patched out of the vendored bundle by
scripts/vendor-assets.sh.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    return render(request, "docs/swagger.html", {"openapi_url": request.app.openapi_url})


@router.get("/redoc", response_class=HTMLResponse)
async def redoc(request: Request) -> HTMLResponse:
    return render(request, "docs/redoc.html", {"openapi_url": request.app.openapi_url})
