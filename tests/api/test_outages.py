"""Outages answer 503 with Retry-After in bounded time, and cases catch up in seconds.

Postgres is cut by a proxy in front of it (every connection dropped, new ones refused) and
restored on the same address; Temporal is an address nothing listens on; "no worker" is a
case whose worker has stopped.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import asyncpg
import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from db.connect import create_pool
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api.conftest import ApiStack, end_journeys, wire
from tests.outage_support import Proxy, free_port
from tests.temporal_support import CONVERTER, until

BOUND = 8.0  # seconds: every answer during an outage comes within this


# Short deadlines, so the test is quick: the defaults are 10 s and 30 s.
QUICK = {"temporal_rpc_timeout_seconds": 2.0, "request_deadline_seconds": 5.0}


async def _timed(
    http: httpx.AsyncClient, method: str, path: str, **kwargs: object
) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = await http.request(method, path, **kwargs)  # type: ignore[arg-type]
    return answer, time.monotonic() - started


def _assert_unavailable(answer: httpx.Response, took: float, what: str) -> None:
    assert answer.status_code == 503, f"{what}: {answer.status_code} {answer.text}"
    assert int(answer.headers.get("Retry-After", "0")) >= 1, f"{what}: {answer.headers}"
    assert answer.json()["detail"], what
    assert took < BOUND, f"{what} took {took:.1f} s"


@pytest.fixture
async def cut(
    database_dsn: str, dev_env: WorkflowEnvironment
) -> AsyncIterator[tuple[ApiStack, Proxy, Proxy]]:
    """The API and its worker, each reaching Postgres through a proxy of its own."""
    api_proxy, worker_proxy = Proxy(database_dsn), Proxy(database_dsn)
    await api_proxy.start()
    await worker_proxy.start()
    async with AsyncExitStack() as stack:
        api_pool = await create_pool(api_proxy.dsn, min_size=0, max_size=5)
        worker_pool = await create_pool(worker_proxy.dsn, min_size=0, max_size=5)
        stack.push_async_callback(worker_pool.close)
        stack.push_async_callback(api_pool.close)
        wired = wire(worker_pool, dev_env.client)
        settings = wired.settings.model_copy(update=QUICK)
        app = create_app(settings, pool=api_pool, temporal=dev_env.client, sdp=wired.sdp)
        await stack.enter_async_context(wired.worker)
        await stack.enter_async_context(app.router.lifespan_context(app))
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        )
        api = ApiStack(http, settings, api_pool, wired.sdp, wired.bnsp, app)
        yield api, api_proxy, worker_proxy
        await api_proxy.start()  # a failed test may leave it cut
        await worker_proxy.start()
        await end_journeys(dev_env.client, api_pool, settings.enrolment_task_queue)
    await api_proxy.stop()
    await worker_proxy.stop()


ROUTES_ON_POSTGRES = [
    ("GET", "/enrolments"),
    ("GET", "/enrolments/{id}"),
    ("GET", "/enrolments/{id}/decisions"),
    ("POST", "/enrolments/{id}/placement"),
    ("POST", "/enrolments"),
    ("POST", "/cohorts/enrolments"),
    ("GET", "/journeys"),
    ("GET", "/handovers"),
    ("GET", "/permits"),
    ("GET", "/inbox"),
    ("GET", "/audit/verification"),
    ("GET", "/programmes"),
    # Readiness reports the outage; /health is liveness (the process answers) by design.
    ("GET", "/ready"),
]


def _call(api: ApiStack, method: str, path: str, enrolment_id: str) -> dict[str, object]:
    bodies = {
        "/enrolments/{id}/placement": {"decision": "approve", "reason": "motivated"},
        "/enrolments": {
            "inmate_sdp_no": DEMO_ELIGIBLE,
            "programme_code": "WELDING",
            "reason": "x2x",
        },
        "/cohorts/enrolments": {"rows": [{"inmate_sdp_no": DEMO_ELIGIBLE}]},
    }
    who = api.tpp() if "placement" in path else api.caseworker()
    if path.startswith(("/audit", "/journeys", "/handovers", "/permits")):
        who = api.auditor()
    kwargs: dict[str, object] = {"headers": who}
    if method == "POST":
        kwargs["json"] = bodies[path]
    return kwargs


async def test_postgres_down_is_a_503_everywhere_and_cases_catch_up_in_seconds(
    cut: tuple[ApiStack, Proxy, Proxy],
) -> None:
    api, api_proxy, worker_proxy = cut
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await api.settled(enrolment_id)

    await api_proxy.stop()
    for method, template in ROUTES_ON_POSTGRES:
        path = template.replace("{id}", enrolment_id)
        answer, took = await _timed(
            api.http, method, path, **_call(api, method, template, enrolment_id)
        )
        _assert_unavailable(answer, took, f"{method} {template}")
    await api_proxy.start()

    # The worker's Postgres goes away under a decision: the decision is answered 503 within
    # the deadline (it is applied once Postgres is back), and the case catches up within
    # seconds of Postgres returning, not at the 30 s ceiling of the projection's retries.
    await worker_proxy.stop()
    answer, took = await _timed(
        api.http,
        "POST",
        f"/enrolments/{enrolment_id}/placement",
        json={"decision": "approve", "reason": "motivated and eligible"},
        headers=api.tpp(),
    )
    assert answer.status_code in (200, 503), answer.text
    assert took < BOUND
    # Long enough for the retry policy's backoff alone to wait 16 s or more from here.
    time_cut = time.monotonic()
    await until(lambda: _since(time_cut), lambda s: s >= 17, "the outage to last", within=20)
    await worker_proxy.start()
    restored = time.monotonic()
    await until(
        lambda: _stage(api.pool, enrolment_id),
        lambda stage: stage == "training",
        "the read model to catch up",
        within=30,
    )
    caught_up = time.monotonic() - restored
    assert caught_up < 4, f"caught up {caught_up:.1f} s after Postgres came back"


async def _since(started: float) -> float:
    return time.monotonic() - started


async def _stage(pool: asyncpg.Pool, enrolment_id: str) -> str | None:
    value = await pool.fetchval(
        "SELECT stage FROM enrolments WHERE enrolment_id = $1", enrolment_id
    )
    return None if value is None else str(value)


async def test_temporal_down_is_a_503_in_bounded_time(api: ApiStack) -> None:
    dead = await Client.connect(f"127.0.0.1:{free_port()}", data_converter=CONVERTER, lazy=True)
    settings = api.settings.model_copy(update=QUICK)
    app = create_app(settings, pool=api.pool, temporal=dead, sdp=api.sdp)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        from tests.api import permit_flows

        calls = [
            (
                "POST",
                "/enrolments",
                api.caseworker(),
                {
                    "inmate_sdp_no": DEMO_ELIGIBLE,
                    "programme_code": "BARISTA",
                    "reason": "wants to work",
                },
            ),
            ("POST", "/permits", permit_flows.employer(api), permit_flows.submission()),
            ("GET", f"/journeys/{DEMO_ELIGIBLE}", api.auditor(), None),
            ("GET", "/ready", api.auditor(), None),
        ]
        for method, path, headers, body in calls:
            started = time.monotonic()
            answer = await http.request(method, path, headers=headers, json=body)
            _assert_unavailable(answer, time.monotonic() - started, f"{method} {path}")


async def test_a_query_no_worker_answers_is_a_503_in_bounded_time(
    database_dsn: str, dev_env: WorkflowEnvironment
) -> None:
    pool = await create_pool(database_dsn, max_size=5)
    try:
        wired = wire(pool, dev_env.client)
        settings = wired.settings.model_copy(update=QUICK)
        app = create_app(settings, pool=pool, temporal=dev_env.client, sdp=wired.sdp)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
        ):
            api = ApiStack(http, settings, pool, wired.sdp, wired.bnsp, app)
            async with wired.worker:
                enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
                await api.settled(enrolment_id)
            # The worker has stopped: nobody answers the query, nobody applies a decision.
            for method, path, body in [
                ("GET", f"/enrolments/{enrolment_id}/state", None),
                (
                    "POST",
                    f"/enrolments/{enrolment_id}/placement",
                    {"decision": "approve", "reason": "motivated"},
                ),
            ]:
                started = time.monotonic()
                answer = await http.request(method, path, headers=api.tpp(), json=body)
                _assert_unavailable(answer, time.monotonic() - started, f"{method} {path}")
                if method == "POST":
                    assert "Idempotency-Key" in answer.json()["detail"]
            await end_journeys(dev_env.client, pool, settings.enrolment_task_queue)
    finally:
        await pool.close()
