"""Auditors' reads are themselves recorded: every request by a person holding the auditor
role, to any endpoint, lands in `auditor_requests` with its answer's status.

A middleware, not a per-route dependency, so no endpoint (today's or tomorrow's) can be
forgotten, and so the row carries the status actually answered (a 403 from a later rule
included). The caller is known once `current_principal` has read their token; a request whose
token was refused (401) names nobody and is not recorded. An auditor's answer is released only
once its row is written: if the log cannot be written, the auditor gets a 503 instead of the
data, so no read escapes the record.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from db import auditor_requests
from db.auditor_requests import AuditorRequest
from domain.identity import Principal, Role

log = structlog.get_logger(__name__)


class _RecordAuditorRequests:
    """Pure ASGI (see api/access_log.py). The answer's start is held until the row is written
    (for an auditor): the row carries its status, and a 503 can still replace it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        # The row's key is the answer's X-Request-Id, made once per request by the access log
        # (api/access_log.py), so the auditor can cite the row and a repeated write lands once.
        request_id = getattr(request.state, "request_id", None) or uuid.uuid4()
        request.state.request_id = request_id
        at = datetime.now(UTC)
        refused = False

        async def send_once_recorded(message: Message) -> None:
            nonlocal refused
            if refused:
                return  # the 503 went out instead of this answer
            if message["type"] == "http.response.start":
                principal: Principal | None = getattr(request.state, "principal", None)
                if principal is not None and principal.has_role(Role.AUDITOR):
                    entry = AuditorRequest(
                        request_id=request_id,
                        at=at,
                        subject=principal.subject,
                        role=Role.AUDITOR.value,
                        scope=principal.scope,
                        method=request.method,
                        path=request.url.path,
                        query=request.url.query,
                        status=message["status"],
                    )
                    try:
                        await auditor_requests.record(request.app.state.pool, entry)
                    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                        log.error("auditor_request_not_recorded", error=str(error))
                        refused = True
                        await _not_recorded()(scope, receive, send)
                        return
            await send(message)

        await self.app(scope, receive, send_once_recorded)


def install_auditor_log(app: FastAPI) -> None:
    app.add_middleware(_RecordAuditorRequests)


def _not_recorded() -> JSONResponse:
    return JSONResponse(
        status_code=503,
        content={"detail": "your request could not be recorded in the auditors' "
                 "log, so it is not answered: try again shortly"},
        headers={"Retry-After": "5"},
    )  # fmt: skip
