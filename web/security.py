"""Security headers on every answer: a Content-Security-Policy with no inline script or style,
no framing, no sniffing, no referrer leaking case ids.

/docs and /redoc are third-party bundles (Swagger UI, ReDoc) that set styles inline and
ReDoc runs a worker from a blob: URL; they get `style-src 'unsafe-inline'` and
`worker-src blob:`. Their scripts still come from 'self' only (no inline script anywhere:
Swagger UI is started by /static/docs/swagger-init.js).
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        # A task page shows an application's document in a frame: our own URLs only (the
        # document answers with frame-ancestors 'self'; every other answer refuses framing).
        "frame-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
DOCS_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
DOCS_PATHS = ("/docs", "/redoc")


def install_security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def _security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        docs = request.url.path in DOCS_PATHS
        response.headers.setdefault("Content-Security-Policy", DOCS_POLICY if docs else PAGE_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.headers.get("content-type", "").startswith("text/html"):
            # Pages show case data: never kept by a shared browser's cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
