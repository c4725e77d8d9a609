"""Metrics in Prometheus format at `GET /metrics`, and readiness at `GET /ready`.

- The API's own: requests by route template (never the raw path: ids would explode the
  series and could carry personal data) and status, and a latency histogram per route.
- The domain's, computed from Postgres at scrape time (db/operations.py): open cases by kind
  and stage, overdue tasks by kind, the outbox backlog, the audit trail's verification age
  and verdict and its anchor age.

Who may read it: an operator's bearer token, or the scrape token SINERGI_METRICS_TOKEN
(a shared secret for Prometheus, which cannot sign in); nobody else. The workers export the
Temporal SDK's own metrics on their own port (workers/temporal_client.py).
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Iterable
from datetime import timedelta

import structlog
from fastapi import APIRouter, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import principal_from_token
from api.responses import answers
from db import operations
from domain.identity import Role

log = structlog.get_logger(__name__)

router = APIRouter(tags=["operations"])

UNMATCHED = "unmatched"  # a path no route serves: one series, whatever was asked


class HttpMetrics:
    """The API's request metrics, in a registry of this app's own (tests build many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "sinergi_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "sinergi_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status_code: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status_code)).inc()
        self.latency.labels(method, route).observe(seconds)


def route_template(request: Request) -> str:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class _MeasureRequests:
    """Pure ASGI (see api/access_log.py): counts and times each answer by route template."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def measured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.metrics.observe(
                    scope["method"], route_template(Request(scope)), message["status"],
                    time.perf_counter() - started,
                )  # fmt: skip
            await send(message)

        await self.app(scope, receive, measured_send)


def install_http_metrics(app: FastAPI) -> HttpMetrics:
    metrics = HttpMetrics()
    app.state.http_metrics = metrics
    app.add_middleware(_MeasureRequests, metrics=metrics)
    return metrics


class _Families(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def domain_families(g: operations.Gauges) -> list[Metric]:
    open_cases = GaugeMetricFamily(
        "sinergi_open_cases", "Open cases by kind and stage.", labels=["kind", "stage"]
    )
    for row in g.open_cases:
        open_cases.add_metric([row.kind, row.stage], row.count)
    overdue = GaugeMetricFamily(
        "sinergi_overdue_tasks", "Inbox tasks open past their due date, by kind.", labels=["kind"]
    )
    for kind, count in sorted(g.overdue_tasks.items()):
        overdue.add_metric([kind], count)
    families: list[Metric] = [
        open_cases,
        overdue,
        GaugeMetricFamily(
            "sinergi_outbox_pending", "Outbox messages not yet delivered.", value=g.outbox_pending
        ),
        GaugeMetricFamily(
            "sinergi_outbox_oldest_pending_seconds",
            "Age of the oldest undelivered outbox message (0: none pending).",
            value=g.outbox_oldest_pending_seconds,
        ),
    ]
    # Absent until the first verification / anchor: an alert on absence says "never".
    if g.audit_verification_age_seconds is not None:
        families.append(GaugeMetricFamily(
            "sinergi_audit_verification_age_seconds",
            "Seconds since the audit trail was last verified (a sweep, not one case).",
            value=g.audit_verification_age_seconds,
        ))  # fmt: skip
        families.append(GaugeMetricFamily(
            "sinergi_audit_verification_intact",
            "1 when the latest verification found every chain intact, 0 when it found a break.",
            value=1 if g.audit_verification_intact else 0,
        ))  # fmt: skip
    if g.audit_anchor_age_seconds is not None:
        families.append(GaugeMetricFamily(
            "sinergi_audit_anchor_age_seconds",
            "Seconds since the audit trail's chain heads were last anchored.",
            value=g.audit_anchor_age_seconds,
        ))  # fmt: skip
    return families


async def _authorize_scrape(request: Request) -> None:
    """An operator's token, or the scrape token; 401 without either, 403 for other roles."""
    settings = request.app.state.settings
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "metrics need a bearer token: an operator's, or the scrape token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    scrape = settings.metrics_token
    if scrape is not None and hmac.compare_digest(
        credentials.encode(), scrape.get_secret_value().encode()
    ):
        return
    principal = await asyncio.to_thread(principal_from_token, settings, credentials)
    request.state.principal = principal
    if not principal.has_role(Role.OPERATOR):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "metrics are for operators")


# 401/403: neither the scrape secret nor an operator's token (it is no bearer-only route).
@router.get("/metrics", response_class=Response, responses=answers(401, 403))
async def metrics(request: Request) -> Response:
    """The API's and the domain's metrics, Prometheus text format."""
    await _authorize_scrape(request)
    http: HttpMetrics = request.app.state.http_metrics
    gauges = await operations.gauges(request.app.state.pool)
    domain = CollectorRegistry()
    domain.register(_Families(domain_families(gauges)))
    body = generate_latest(http.registry) + generate_latest(domain)
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    """200 when Postgres and Temporal answer; 503 naming what does not. (`/health` is
    liveness: the process answers.)"""
    problems: list[str] = []
    try:
        await asyncio.wait_for(request.app.state.pool.fetchval("SELECT 1"), timeout=5)
    except Exception as error:  # a closed pool, a refused connection, a timeout: not ready
        problems.append(f"postgres: {type(error).__name__}: {error}")
    try:
        # The RPC's own deadline (a cancelled wait_for surfaces as "operation was canceled").
        deadline = timedelta(seconds=request.app.state.settings.temporal_rpc_timeout_seconds)
        await request.app.state.temporal.service_client.check_health(timeout=deadline)
    except Exception as error:  # any failure means "not ready"; say which
        problems.append(f"temporal: {type(error).__name__}: {error}")
    if problems:
        log.warning("not_ready", problems=problems)
        return JSONResponse(
            status_code=503,
            content={"status": "not ready", "problems": problems, "detail": "; ".join(problems)},
            headers={"Retry-After": "5"},
        )
    return JSONResponse(content={"status": "ready"})
