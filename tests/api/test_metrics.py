"""Operators' view of the API: Prometheus metrics after a case has run (the API's requests by
route and status, the domain's open cases, overdue tasks, outbox and audit verification),
who may read them, and readiness naming what is down."""

from __future__ import annotations

import re

import asyncpg
import httpx
from pydantic import SecretStr

from api.main import create_app
from domain.identity import Role
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api.conftest import ApiStack
from tests.temporal_support import until


def _value(text: str, name: str, **labels: str) -> float | None:
    """The sample `name{labels}` in Prometheus text, or None when it is absent."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        metric, _, value = line.rpartition(" ")
        if metric.split("{")[0] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', metric))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


async def test_after_a_case_runs_the_api_and_domain_metrics_are_there(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    await api.settled(enrolment_id)
    verified = await api.http.get("/audit/verification", headers=api.auditor())
    assert verified.status_code == 200, verified.text
    await api.http.get(f"/enrolments/{enrolment_id}", headers=api.tpp())
    await api.http.get("/no-such-page", headers=api.tpp())

    answer = await api.http.get("/metrics", headers=api.headers("ops-1", Role.OPERATOR))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    # The API's requests, by route template (never the case id) and status.
    assert _value(text, "sinergi_http_requests_total", method="POST", route="/enrolments",
                  status="201") == 1  # fmt: skip
    assert _value(text, "sinergi_http_requests_total", method="GET",
                  route="/enrolments/{enrolment_id}", status="200") == 1  # fmt: skip
    assert _value(text, "sinergi_http_requests_total", route="unmatched", status="404") == 1
    assert enrolment_id not in text
    assert _value(text, "sinergi_http_request_duration_seconds_count", method="POST",
                  route="/enrolments/{enrolment_id}/placement") == 1  # fmt: skip
    # The domain's, read from Postgres now.
    assert _value(text, "sinergi_open_cases", kind="enrolment", stage="training") == 1
    assert _value(text, "sinergi_open_cases", kind="journey", stage="in_custody") == 1
    assert _value(text, "sinergi_outbox_pending") == 0
    assert "# TYPE sinergi_overdue_tasks gauge" in text
    assert _value(text, "sinergi_audit_verification_intact") == 1
    age = _value(text, "sinergi_audit_verification_age_seconds")
    assert age is not None and 0 <= age < 60


async def test_an_overdue_task_and_an_undelivered_message_show(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await until(
        lambda: api.pool.fetchval("SELECT count(*) FROM tasks WHERE case_id = $1", enrolment_id),
        lambda n: n == 1,
        "the placement review task",
    )
    await api.pool.execute(
        "UPDATE tasks SET due_at = now() - interval '1 day' WHERE case_id = $1", enrolment_id
    )
    await api.pool.execute(
        """INSERT INTO outbox (message_id, topic, recipient_role, payload, created_at)
           VALUES ('metrics-test', 'task.escalated', 'supervisor', '{}',
                   now() - interval '1 hour')"""
    )
    text = (await api.http.get("/metrics", headers=api.headers("ops", Role.OPERATOR))).text
    assert _value(text, "sinergi_overdue_tasks", kind="placement_review") == 1
    assert _value(text, "sinergi_outbox_pending") == 1
    oldest = _value(text, "sinergi_outbox_oldest_pending_seconds")
    assert oldest is not None and oldest >= 3600


async def test_metrics_are_for_operators_and_the_scrape_token_only(api: ApiStack) -> None:
    assert api.app is not None
    assert (await api.http.get("/metrics")).status_code == 401
    for headers in (api.caseworker(), api.auditor()):
        assert (await api.http.get("/metrics", headers=headers)).status_code == 403
    scrape = {"Authorization": "Bearer scrape-secret-for-tests"}
    assert (await api.http.get("/metrics", headers=scrape)).status_code == 401  # not set yet
    settings = api.app.state.settings
    api.app.state.settings = settings.model_copy(
        update={"metrics_token": SecretStr("scrape-secret-for-tests")}
    )
    try:
        answer = await api.http.get("/metrics", headers=scrape)
        assert answer.status_code == 200
        assert "sinergi_open_cases" in answer.text
        wrong = {"Authorization": "Bearer scrape-secret-for-test"}
        assert (await api.http.get("/metrics", headers=wrong)).status_code == 401
    finally:
        api.app.state.settings = settings


async def test_ready_says_ok_and_names_postgres_when_it_is_down(
    api: ApiStack, database_dsn: str
) -> None:
    ready = await api.http.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready"}
    assert api.app is not None
    closed = await asyncpg.create_pool(database_dsn, min_size=1, max_size=1)
    assert closed is not None
    await closed.close()
    app = create_app(api.settings, pool=closed, temporal=api.app.state.temporal, sdp=api.sdp)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        down = await http.get("/ready")
        live = await http.get("/health")
    assert down.status_code == 503
    [problem] = down.json()["problems"]
    assert problem.startswith("postgres:")
    assert live.status_code == 200  # liveness: the process answers
