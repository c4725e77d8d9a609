"""A lost answer can be retried: the same Idempotency-Key and request answer with the first
answer (even while the first is still being applied), another request under the key is a 409,
and a decision retried after its answer was lost is applied once."""

from __future__ import annotations

import asyncio
import time

import httpx
from temporalio.testing import WorkflowEnvironment

from activities.working_calendar import WorkingCalendar
from api.main import create_app
from db.connect import create_pool
from domain.identity import Role
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api.conftest import ApiStack, end_journeys, wire
from workers.enrolment import enrolment_worker

APPROVE = {"decision": "approve", "reason": "motivated and eligible"}


def _keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def _placements(api: ApiStack, enrolment_id: str) -> int:
    count: int = await api.pool.fetchval(
        "SELECT count(*) FROM enrolment_events WHERE enrolment_id = $1 AND decision = $2",
        enrolment_id,
        "approve",
    )
    return count


async def test_a_retry_with_the_same_key_answers_the_first_answer(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    path = f"/enrolments/{enrolment_id}/placement"
    first = await api.http.post(path, json=APPROVE, headers=_keyed(api.tpp(), "k-1"))
    again = await api.http.post(path, json=APPROVE, headers=_keyed(api.tpp(), "k-1"))
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    # Without the key the same decision is refused as already decided: the key is the cure.
    unkeyed = await api.http.post(path, json=APPROVE, headers=api.tpp())
    assert unkeyed.status_code == 409
    other = await api.http.post(
        path, json={**APPROVE, "reason": "another reason"}, headers=_keyed(api.tpp(), "k-1")
    )
    assert other.status_code == 409
    assert "another request" in other.json()["detail"]
    # Keys are per person: a colleague's k-1 is their own.
    colleague = api.headers("tpp-2", Role.TPP_MEMBER, upt="LP-CIPINANG")
    theirs = await api.http.post(path, json=APPROVE, headers=_keyed(colleague, "k-1"))
    assert theirs.status_code == 409 and "Idempotent-Replayed" not in theirs.headers
    await api.settled(enrolment_id)
    assert await _placements(api, enrolment_id) == 1


async def test_two_copies_at_once_apply_once_and_answer_alike(api: ApiStack) -> None:
    body = {"inmate_sdp_no": DEMO_ELIGIBLE, "programme_code": "BARISTA", "reason": "wants work"}
    copies = await asyncio.gather(
        *[
            api.http.post("/enrolments", json=body, headers=_keyed(api.caseworker(), "start-1"))
            for _ in range(3)
        ]
    )
    assert {c.status_code for c in copies} == {201}, [c.text for c in copies]
    assert len({c.json()["enrolment_id"] for c in copies}) == 1
    assert sum(c.headers.get("Idempotent-Replayed") == "true" for c in copies) == 2
    assert await api.pool.fetchval("SELECT count(*) FROM enrolments") == 1


async def test_a_decision_whose_answer_was_lost_is_applied_once_on_retry(
    database_dsn: str, dev_env: WorkflowEnvironment
) -> None:
    """The worker is down while the decision is sent: the API answers 503 within its
    deadline; the decision is applied once the worker is back; the retry with the same key is
    the same Temporal update and answers 200 with the case's state, not 'already decided'."""
    pool = await create_pool(database_dsn, max_size=5)
    try:
        wired = wire(pool, dev_env.client)
        settings = wired.settings.model_copy(update={"request_deadline_seconds": 3.0})
        app = create_app(settings, pool=pool, temporal=dev_env.client, sdp=wired.sdp)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t") as http,
        ):
            api = ApiStack(http, settings, pool, wired.sdp, wired.bnsp, app)
            async with wired.worker:
                enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
                await api.settled(enrolment_id)
            path = f"/enrolments/{enrolment_id}/placement"
            started = time.monotonic()
            lost = await http.post(path, json=APPROVE, headers=_keyed(api.tpp(), "lost-1"))
            assert lost.status_code == 503, lost.text
            assert time.monotonic() - started < 6
            restarted = enrolment_worker(
                dev_env.client,
                pool,
                wired.bnsp,
                WorkingCalendar.from_settings(settings),
                settings.enrolment_task_queue,
            )
            async with restarted:
                retried = await http.post(path, json=APPROVE, headers=_keyed(api.tpp(), "lost-1"))
                assert retried.status_code == 200, retried.text
                assert retried.json()["stage"] == "training"
                await api.settled(enrolment_id)
                assert await _placements(api, enrolment_id) == 1
                await end_journeys(dev_env.client, pool, settings.enrolment_task_queue)
    finally:
        await pool.close()
