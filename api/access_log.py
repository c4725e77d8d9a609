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
from fastapi import FastAPI, Request, Response

from api.metrics import route_template
from domain.identity import Principal

log = structlog.get_logger("sinergi.access")

REQUEST_ID_HEADER = "X-Request-Id"
# What a correlation id from outside may look like before it enters a log line.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")


def install_access_log(app: FastAPI) -> None:
    """Install last: the outermost middleware, so the id is bound before anything logs."""

    @app.middleware("http")
    async def _access_log(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        request_id = uuid.uuid4()
        request.state.request_id = request_id
        structlog.contextvars.clear_contextvars()
        context: dict[str, str] = {"request_id": str(request_id)}
        offered = request.headers.get(REQUEST_ID_HEADER)
        if offered is not None and _CLIENT_ID.fullmatch(offered):
            context["client_request_id"] = offered
        structlog.contextvars.bind_contextvars(**context, method=request.method)
        status = 500
        try:
            response: Response = await call_next(request)
            status = response.status_code
        finally:
            principal: Principal | None = getattr(request.state, "principal", None)
            log.info(
                "http_request",
                route=route_template(request),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                subject=principal.subject if principal is not None else None,
                roles=sorted(r.value for r in principal.roles) if principal is not None else None,
            )
        response.headers[REQUEST_ID_HEADER] = str(request_id)
        return response
