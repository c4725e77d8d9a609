"""The FastAPI application, and `python -m api.main` to serve it with uvicorn."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg
import structlog
import uvicorn
from fastapi import FastAPI
from temporalio.client import Client

from api import (
    audit,
    audit_trail,
    certificate_check,
    codec,
    cohorts,
    custody_events,
    documents,
    employer_contact,
    enrolments,
    handover_documents,
    handovers,
    inbox,
    incidents,
    inmates,
    journeys,
    metrics,
    notifications,
    payments,
    people,
    permit_life,
    permit_payment,
    permit_search,
    permits,
    placements,
    reference,
    reports,
)
from api.access_log import install_access_log
from api.auditor_log import install_auditor_log
from api.errors import install_error_handlers
from api.final_answers import install_pending_handler
from api.idempotency import Idempotency
from api.input_guard import install_input_guard
from api.openapi_docs import install_openapi_docs
from api.outages import install_outage_handlers
from api.responses import document_errors
from api.temporal_calls import bounded
from config.log import configure_logging
from config.settings import Settings, get_settings
from db.connect import create_pool
from documents.wiring import document_service
from domain.registries import SdpRegistry
from registries.factory import build_sdp
from web import install_workspace
from workers.process import exit_after
from workers.temporal_client import connect_temporal

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings,
    *,
    pool: asyncpg.Pool | None = None,
    temporal: Client | None = None,
    sdp: SdpRegistry | None = None,
) -> FastAPI:
    """Clients passed in are used as they are (tests); missing ones are made from settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned_pool = None
        if pool is None:
            if settings.database_dsn is None:
                raise RuntimeError("DATABASE_URL is not set: start the stack with `sinergi up`")
            # No connection at start: the API comes up (and answers 503) while Postgres is down.
            owned_pool = await create_pool(settings.database_dsn, min_size=0)
        app.state.settings = settings
        app.state.pool = pool or owned_pool
        app.state.temporal = bounded(
            temporal or await connect_temporal(settings, lazy=True),
            timedelta(seconds=settings.temporal_rpc_timeout_seconds),
        )
        app.state.sdp = sdp or build_sdp(settings)
        try:
            app.state.documents = document_service(settings, app.state.pool)
        except ValueError as error:
            # No document keys outside development: every document route answers 503, the
            # rest of the API serves on.
            app.state.documents = None
            log.warning("documents_not_configured", problem=str(error))
        try:
            yield
        finally:
            if owned_pool is not None:
                await owned_pool.close()

    app = FastAPI(
        title="Sinergi",
        summary=(
            "Joint Kemnaker-Kemenimipas processes: inmate vocational certification and TKA permits."
        ),
        version="0.1.0",
        lifespan=lifespan,
        # /docs and /redoc are served from vendored files by web/docs.py (offline).
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    install_pending_handler(app)
    install_input_guard(app)
    # Inside the request deadline: a retry waiting for the first copy's answer is bounded too.
    app.add_middleware(Idempotency)
    install_outage_handlers(app, settings.request_deadline_seconds)
    install_auditor_log(app)
    codec.install_codec_cors(app)
    metrics.install_http_metrics(app)

    install_access_log(app)  # outermost: binds the request id before anything logs

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers. Whether Postgres and Temporal do: `GET /ready`."""
        return {"status": "ok"}

    app.include_router(reference.router)
    app.include_router(enrolments.router)
    app.include_router(inmates.router)
    app.include_router(cohorts.router)
    app.include_router(inbox.router)
    app.include_router(journeys.router)
    app.include_router(custody_events.router)
    app.include_router(handovers.router)
    app.include_router(handover_documents.router)
    app.include_router(placements.router)
    app.include_router(certificate_check.router)
    certificate_check.quiet_access_log()
    app.include_router(permits.router)
    app.include_router(permit_life.router)
    app.include_router(permit_search.router)
    app.include_router(permit_payment.router)
    app.include_router(documents.router)
    app.include_router(payments.router)
    app.include_router(audit_trail.router)
    app.include_router(audit.router)
    app.include_router(reports.router)
    app.include_router(people.router)
    app.include_router(employer_contact.router)
    app.include_router(notifications.router)
    app.include_router(codec.router)
    app.include_router(metrics.router)
    app.include_router(incidents.router)
    install_workspace(app, settings)  # the pages, /docs and /redoc (web/)
    install_openapi_docs(app)
    document_errors(app)  # after: it adds the error answers to that document
    return app


def _end_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


def main() -> None:
    # uvicorn catches SIGTERM and SIGINT, shuts down in order, then raises the caught signal
    # again against the handler it found: with this one, that ends the process with exit code 0
    # (and a signal before uvicorn starts ends it the same way) instead of killing it by the
    # signal, which the stack's supervisor would report as an abnormal stop.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _end_on_signal)
    settings = get_settings()
    configure_logging(settings.log_json)
    app = create_app(settings)
    # uvicorn stops on SIGTERM; the process then leaves without finalising the interpreter
    # under the Temporal client's runtime threads (workers/process.py).
    exit_after(
        lambda: uvicorn.run(
            app,
            host=settings.api_host,
            port=settings.api_port,
            log_config=None,  # keep our structlog configuration
            access_log=False,  # api/access_log.py writes one line per request, without raw paths
        )
    )


if __name__ == "__main__":
    main()
