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
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from db import auditor_requests
from db.auditor_requests import AuditorRequest
from domain.identity import Principal, Role

log = structlog.get_logger(__name__)


def install_auditor_log(app: FastAPI) -> None:
    @app.middleware("http")
    async def _record_auditor_requests(request: Request, call_next):  # type: ignore[no-untyped-def]
        # The row's key is the answer's X-Request-Id, made once per request by the access log
        # (api/access_log.py), so the auditor can cite the row and a repeated write lands once.
        request_id = getattr(request.state, "request_id", None) or uuid.uuid4()
        request.state.request_id = request_id
        at = datetime.now(UTC)
        response: Response = await call_next(request)
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
                status=response.status_code,
            )
            try:
                await auditor_requests.record(request.app.state.pool, entry)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.error("auditor_request_not_recorded", error=str(error))
                response = JSONResponse(
                    status_code=503,
                    content={"detail": "your request could not be recorded in the auditors' "
                             "log, so it is not answered: try again shortly"},
                    headers={"Retry-After": "5"},
                )  # fmt: skip
        return response
