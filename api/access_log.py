"""One access-log line per request (JSON in production, like every log line): the request id,
the subject who asked (the token's `sub`, never a name), the route template, the status and
the duration. The request id is bound into the logs of everything the request does (the
workflow calls it makes included) and echoed in the answer's `X-Request-Id`.

The id is the server's own (a UUID), never the caller's: the auditors' request log is keyed
by it (api/auditor_log.py), and a caller choosing it could make two reads share one record.
A caller's `X-Request-ID` (a proxy's or client's correlation id) is accepted and carried in
the same log lines as `client_request_id`, so a request can be followed by either.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from fastapi import FastAPI, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import route_template
from domain.identity import Principal

log = structlog.get_logger("sinergi.access")

REQUEST_ID_HEADER = "X-Request-Id"
# What a correlation id from outside may look like before it enters a log line.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")


class AccessLog:
    """Pure ASGI (as every middleware of the API: Starlette's `BaseHTTPMiddleware` runs the
    app in a task of its own and streams the answer through memory channels, a cost on every
    request, issue 18)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = Request(scope)
        request_id = uuid.uuid4()
        request.state.request_id = request_id
        structlog.contextvars.clear_contextvars()
        context: dict[str, str] = {"request_id": str(request_id)}
        offered = Headers(scope=scope).get(REQUEST_ID_HEADER)
        if offered is not None and _CLIENT_ID.fullmatch(offered):
            context["client_request_id"] = offered
        structlog.contextvars.bind_contextvars(**context, method=scope["method"])
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = str(request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # The line carries what was bound here, not what the request bound on its way
            # (a case id): the route template says what was asked.
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(**context, method=scope["method"])
            principal: Principal | None = getattr(request.state, "principal", None)
            log.info(
                "http_request",
                route=route_template(request),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                subject=principal.subject if principal is not None else None,
                roles=sorted(r.value for r in principal.roles) if principal is not None else None,
            )


def install_access_log(app: FastAPI) -> None:
    """Install last: the outermost middleware, so the id is bound before anything logs."""
    app.add_middleware(AccessLog)
