"""Outages answer 503 with Retry-After, in bounded time; never a 500, a dropped connection or
a request held open for minutes.

- Postgres down or restarting (connection refused or lost, pool closing, timeouts): 503;
- Temporal down or slow (UNAVAILABLE, DEADLINE_EXCEEDED: every call carries a deadline,
  api/temporal_calls.py), or no worker answering an update in time: 503, saying where to
  look for the outcome, since an update sent may still be applied;
- anything still running at `request_deadline` seconds: 503 (pure ASGI, so the answer goes out
  even when the route is stuck inside a client library).

Postgres refusing data that escaped validation (`DataError`) is the client's input: 422.
"""

from __future__ import annotations

import asyncio

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from api.temporal_calls import TemporalUnreachable
from db.failures import OUTAGE_ERRORS, PERMANENT_ERRORS

log = structlog.get_logger(__name__)

RETRY_AFTER_SECONDS = 5
_TEMPORAL_OUTAGES = frozenset(
    {
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.RESOURCE_EXHAUSTED,
        RPCStatusCode.CANCELLED,
        RPCStatusCode.ABORTED,
    }
)


def unavailable(message: str, retry_after: int = RETRY_AFTER_SECONDS) -> JSONResponse:
    return JSONResponse(
        status_code=503, content={"detail": message}, headers={"Retry-After": str(retry_after)}
    )


def _where_to_look(request: Request) -> str:
    if request.method == "GET":
        return "nothing was changed; try again shortly"
    case = request.url.path.rsplit("/", 1)[0] if request.url.path.count("/") > 1 else None
    look = f"GET {case} shows whether it was applied; " if case else ""
    return (
        "the request may still be applied once the system catches up: "
        f"{look}a retry with the same Idempotency-Key is safe"
    )


# A cohort batch starts up to hundreds of enrolments and bounds each row's wait itself (a
# row not answered in time is reported, api/cohorts.py): it gets ten deadlines.
BATCH_PATHS = ("/cohorts/",)
BATCH_FACTOR = 10


def deadline_for(path: str, seconds: float) -> float:
    return seconds * BATCH_FACTOR if path.startswith(BATCH_PATHS) else seconds


class RequestDeadline:
    """Pure ASGI: a request not answered within `seconds` is answered 503 and its work
    cancelled (a decision already sent to Temporal stays sent: see _where_to_look)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        seconds = deadline_for(str(scope["path"]), self.seconds)
        try:
            async with asyncio.timeout(seconds):
                await self.app(scope, receive, watched_send)
        except TimeoutError:
            if started:
                raise  # the answer is already on its way: nothing better to say
            log.warning("request_deadline_exceeded", seconds=seconds)
            request = Request(scope)
            response = unavailable(
                f"no answer within {seconds:g} s (Postgres, Temporal or a worker is slow "
                f"or down); {_where_to_look(request)}"
            )
            await response(scope, receive, send)


def install_outage_handlers(app: FastAPI, request_deadline: float) -> None:
    app.add_middleware(RequestDeadline, seconds=request_deadline)

    for error_type in OUTAGE_ERRORS:

        @app.exception_handler(error_type)
        async def _postgres_down(request: Request, error: Exception) -> JSONResponse:
            log.warning("postgres_unavailable", error=type(error).__name__)
            return unavailable(f"the database is unavailable; {_where_to_look(request)}")

    for error_type in PERMANENT_ERRORS:

        @app.exception_handler(error_type)
        async def _unstorable(_: Request, error: Exception) -> JSONResponse:
            log.warning("input_refused_by_postgres", error=type(error).__name__)
            return JSONResponse(
                status_code=422,
                content={
                    "detail": f"the input cannot be stored or searched: {type(error).__name__}"
                },
            )

    @app.exception_handler(RPCError)
    async def _temporal(request: Request, error: RPCError) -> JSONResponse:
        if error.status in _TEMPORAL_OUTAGES:
            log.warning("temporal_unavailable", status=error.status.name if error.status else None)
            return unavailable(f"the workflow service is unavailable; {_where_to_look(request)}")
        log.error("temporal_error", status=error.status.name if error.status else None)
        return JSONResponse(status_code=500, content={"detail": "internal error"})

    @app.exception_handler(TemporalUnreachable)
    async def _temporal_unreachable(request: Request, _: Exception) -> JSONResponse:
        log.warning("temporal_unreachable")
        return unavailable(f"the workflow service is unreachable; {_where_to_look(request)}")

    @app.exception_handler(WorkflowUpdateRPCTimeoutOrCancelledError)
    async def _update_waiting(request: Request, _: Exception) -> JSONResponse:
        return unavailable(f"the case did not answer in time; {_where_to_look(request)}")
