"""Security headers on every answer: a Content-Security-Policy with no inline script or style,
no framing, no sniffing, no referrer leaking case ids.

/docs and /redoc are third-party bundles (Swagger UI, ReDoc) that set styles inline and
ReDoc runs a worker from a blob: URL; they get `style-src 'unsafe-inline'` and
`worker-src blob:`. Their scripts still come from 'self' only (no inline script anywhere:
Swagger UI is started by /static/docs/swagger-init.js).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class _SecurityHeaders:
    """Pure ASGI (see api/access_log.py): the headers are set on the answer's start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = Request(scope).url.path in DOCS_PATHS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", DOCS_POLICY if docs else PAGE_POLICY)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    # Pages show case data: never kept by a shared browser's cache.
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI) -> None:
    app.add_middleware(_SecurityHeaders)
