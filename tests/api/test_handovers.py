"""The release handover: the package goes to the receiving Bapas (supervised releases) and to
Kemnaker job placement (always); each receiver sees and acknowledges its own, within 7 days
or it escalates; the journey ends when every handover is acknowledged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from domain.identity import Ministry, Role
from domain.journey import JourneyStart, journey_workflow_id
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api import journey_flows as jf
from tests.api.conftest import ApiStack, end_journeys, wire
from tests.conftest import start_time_skipping_server
from tests.temporal_support import SETTLE_SECONDS, until
from workflows.journey import InmateJourneyWorkflow

OTHER_BAPAS = "BP-BANDUNG"


async def _released_in_training(api: ApiStack, kind: str = "pb") -> tuple[str, dict[str, Any]]:
    """An inmate released (PB: to Bapas Jakarta Barat) halfway through training."""
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    for n in (1, 2, 3):
        entry = {"session_no": n, "session_date": flows.session_date(n, 3), "present": n != 2}
        await flows.ok(
            await api.http.post(
                f"/enrolments/{enrolment_id}/attendance", json=entry, headers=api.caseworker()
            )
        )
    await jf.release(api, DEMO_ELIGIBLE, kind, bapas=jf.HOME_BAPAS if kind != "free" else None)
    await jf.reaches(api, enrolment_id, "closed")
    handovers = await jf.handovers_of(api, DEMO_ELIGIBLE, 2 if kind != "free" else 1)
    return enrolment_id, {h["receiver"]: h for h in handovers}


async def test_each_receiver_sees_its_handover_with_the_package(api: ApiStack) -> None:
    enrolment_id, handovers = await _released_in_training(api)
    bapas, placement = handovers["bapas"], handovers["job_placement"]
    assert bapas["bapas_code"] == jf.HOME_BAPAS
    assert bapas["state"] == placement["state"] == "open"
    assert datetime.fromisoformat(bapas["due_at"]) - datetime.fromisoformat(
        bapas["sent_at"]
    ) == timedelta(days=7)

    # Each receiver lists its own, and only its own.
    mine = await flows.ok(await api.http.get("/handovers", headers=jf.pk(api)))
    assert [h["handover_id"] for h in mine["items"]] == [bapas["handover_id"]]
    theirs = await flows.ok(await api.http.get("/handovers", headers=jf.pk(api, bapas=OTHER_BAPAS)))
    assert theirs["items"] == []
    jobs = await flows.ok(await api.http.get("/handovers", headers=jf.placement_officer(api)))
    assert [h["handover_id"] for h in jobs["items"]] == [placement["handover_id"]]
    audited = await flows.ok(await api.http.get("/handovers?state=open", headers=api.auditor()))
    assert len(audited["items"]) == 2

    detail = await flows.ok(
        await api.http.get(f"/handovers/{bapas['handover_id']}", headers=jf.pk(api))
    )
    package = detail["package"]
    assert (package["inmate_sdp_no"], package["release_kind"]) == (DEMO_ELIGIBLE, "pb")
    assert package["last_upt"] == "LP-CIPINANG"
    assert package["certificates"] == []  # nothing was certified before release
    (record,) = package["training_records"]
    assert record["enrolment_id"] == enrolment_id
    assert record["outcome"] == "unfinished_at_release"
    assert (record["attendance_present"], record["attendance_recorded"]) == (2, 3)
    assert record["referral"]  # where to finish it (a BLK)
    assert package["skills_profile"]["unfinished_programmes"] == ["BARISTA"]
    for outsider in (jf.pk(api, bapas=OTHER_BAPAS), jf.placement_officer(api), api.caseworker()):
        response = await api.http.get(f"/handovers/{bapas['handover_id']}", headers=outsider)
        assert response.status_code == 403


async def test_the_journey_ends_when_every_receiver_has_acknowledged(api: ApiStack) -> None:
    _, handovers = await _released_in_training(api)
    bapas, placement = handovers["bapas"], handovers["job_placement"]
    state = await flows.ok(
        await api.http.post(
            f"/handovers/{bapas['handover_id']}/acknowledgement",
            json={"reason": "registered as Klien"},
            headers=jf.pk(api),
        )
    )
    assert state["status"] == "handover"  # job placement has not acknowledged yet
    again = await api.http.post(
        f"/handovers/{bapas['handover_id']}/acknowledgement",
        json={"reason": "registered twice?"},
        headers=jf.pk(api, "pk-2"),
    )
    assert again.status_code == 409
    assert "already acknowledged" in again.json()["detail"]

    last = await flows.ok(
        await api.http.post(
            f"/handovers/{placement['handover_id']}/acknowledgement",
            json={"reason": "referred to BLK Jakarta", "contact_consent": False},
            headers=jf.placement_officer(api),
        )
    )
    assert last["status"] == "ended"
    assert api.app is not None
    handle = api.app.state.temporal.get_workflow_handle(journey_workflow_id(DEMO_ELIGIBLE))
    await handle.result()
    assert (await handle.describe()).status is WorkflowExecutionStatus.COMPLETED

    view = await jf.settled(api, DEMO_ELIGIBLE)
    assert view["journey"]["status"] == "ended"
    assert {h["receiver"]: (h["state"], h["acknowledged_by"]) for h in view["handovers"]} == {
        "bapas": ("acknowledged", "pk-1"),
        "job_placement": ("acknowledged", "kn-1"),
    }
    # Nothing more applies to an ended journey; a redelivered release is still a duplicate.
    before = await jf.snapshot(api, DEMO_ELIGIBLE)
    late = await jf.report(api, jf.event(DEMO_ELIGIBLE, "transfer", to_upt="LP-SALEMBA"))
    assert late.status_code == 409
    assert "has ended" in late.json()["detail"]
    (release,) = view["custody_events"]
    redelivered = await jf.report(api, {**release["payload"], "note": "sent again"})
    assert redelivered.status_code == 200
    assert redelivered.json()["duplicate"] is True
    assert await jf.snapshot(api, DEMO_ELIGIBLE) == before


async def test_a_free_release_is_handed_to_job_placement_only(api: ApiStack) -> None:
    _, handovers = await _released_in_training(api, "free")
    assert set(handovers) == {"job_placement"}
    assert (await flows.ok(await api.http.get("/handovers", headers=jf.pk(api))))["items"] == []


async def test_the_wrong_receiver_or_a_bad_body_changes_nothing(api: ApiStack) -> None:
    _, handovers = await _released_in_training(api)
    bapas = handovers["bapas"]["handover_id"]
    before = await jf.snapshot(api, DEMO_ELIGIBLE)
    attempts: list[tuple[dict[str, str], dict[str, Any], int]] = [
        (jf.placement_officer(api), {"reason": "not ours"}, 403),
        (jf.pk(api, bapas=OTHER_BAPAS), {"reason": "not ours"}, 403),
        (api.caseworker(), {"reason": "not ours"}, 403),
        (api.auditor(), {"reason": "auditors never change anything"}, 403),
        (jf.pk(api), {"reason": "ok"}, 422),  # too short to say why
        (jf.pk(api), {}, 422),
    ]
    for headers, body, status in attempts:
        response = await api.http.post(
            f"/handovers/{bapas}/acknowledgement", json=body, headers=headers
        )
        assert response.status_code == status, (body, response.text)
    missing = await api.http.post(
        "/handovers/JRN-NOPE:bapas/acknowledgement", json={"reason": "who?"}, headers=jf.pk(api)
    )
    assert missing.status_code == 404
    assert await jf.snapshot(api, DEMO_ELIGIBLE) == before


async def test_an_acknowledgement_respects_a_colleagues_claim(api: ApiStack) -> None:
    _, handovers = await _released_in_training(api)
    task_id = handovers["bapas"]["task_id"]
    inbox = await flows.ok(await api.http.get("/inbox", headers=jf.pk(api)))
    assert [t["kind"] for t in inbox["items"]] == ["handover_bapas"]
    await flows.ok(await api.http.post(f"/tasks/{task_id}/claim", headers=jf.pk(api, "pk-1")))
    held = await api.http.post(
        f"/handovers/{handovers['bapas']['handover_id']}/acknowledgement",
        json={"reason": "registered as Klien"},
        headers=jf.pk(api, "pk-2"),
    )
    assert held.status_code == 409
    assert "claimed by pk-1" in held.json()["detail"]
    # The holder decides it from the inbox: the same acknowledgement.
    decided = await flows.ok(
        await api.http.post(
            f"/tasks/{task_id}/decide",
            json={"reason": "registered as Klien"},
            headers=jf.pk(api, "pk-1"),
        )
    )
    assert decided["case"]["status"] == "handover"
    task = await flows.ok(await api.http.get(f"/tasks/{task_id}", headers=api.auditor()))
    assert (task["task"]["state"], task["task"]["decided_by"]) == ("decided", "pk-1")


# ---------------------------------------------------------------- escalation, time skipped


@pytest.fixture
async def skipping(pool: asyncpg.Pool) -> AsyncIterator[tuple[ApiStack, WorkflowEnvironment]]:
    """The API and worker on the time-skipping server: a week passes in a moment."""
    env = await start_time_skipping_server()
    wired = wire(pool, env.client)
    transport = httpx.ASGITransport(app=wired.app)
    try:
        async with (
            wired.worker,
            wired.app.router.lifespan_context(wired.app),
            httpx.AsyncClient(transport=transport, base_url="http://sinergi.test") as http,
        ):
            yield wired.stack(http, pool), env
            await end_journeys(env.client, pool, wired.settings.enrolment_task_queue)
    finally:
        await env.shutdown()


async def test_a_handover_not_acknowledged_within_7_days_escalates(
    skipping: tuple[ApiStack, WorkflowEnvironment],
) -> None:
    api, env = skipping
    # A journey of its own (the enrolments' clocks would also run under time skipping).
    await env.client.start_workflow(
        InmateJourneyWorkflow.run,
        JourneyStart(journey_id="JRN-ESC", inmate_sdp_no=DEMO_ELIGIBLE, upt_code="LP-CIPINANG"),
        id=journey_workflow_id(DEMO_ELIGIBLE),
        task_queue=api.settings.enrolment_task_queue,
    )
    await jf.release(api, DEMO_ELIGIBLE)
    handovers = await jf.handovers_of(api, DEMO_ELIGIBLE, 2)
    assert {h["state"] for h in handovers} == {"open"}

    await env.sleep(timedelta(days=6))
    assert (await jf.journey(api, DEMO_ELIGIBLE))["handovers"][0]["escalated_at"] is None
    await env.sleep(timedelta(days=2))

    async def overdue_now() -> Any:  # the escalations' activities run in real time
        return await flows.ok(await api.http.get("/handovers?state=overdue", headers=api.auditor()))

    overdue = await until(
        overdue_now, lambda found: len(found["items"]) == 2, "2 overdue", SETTLE_SECONDS
    )
    assert {h["receiver"] for h in overdue["items"]} == {"bapas", "job_placement"}
    assert all(h["escalated_at"] is not None for h in overdue["items"])
    # The supervisor of the Bapas finds it in their inbox; the PK may still acknowledge.
    supervisor = api.headers("spv-1", Role.SUPERVISOR, bapas=jf.HOME_BAPAS)
    escalated = await flows.ok(await api.http.get("/inbox", headers=supervisor))
    assert [t["kind"] for t in escalated["items"]] == ["handover_bapas"]
    bapas = next(h for h in overdue["items"] if h["receiver"] == "bapas")
    late = await flows.ok(
        await api.http.post(
            f"/handovers/{bapas['handover_id']}/acknowledgement",
            json={"reason": "registered as Klien, late"},
            headers=jf.pk(api),
        )
    )
    assert late["status"] == "handover"
    kemnaker_supervisor = api.headers("spv-2", Role.SUPERVISOR, ministry=Ministry.KEMNAKER)
    routed = await flows.ok(await api.http.get("/inbox", headers=kemnaker_supervisor))
    assert [t["kind"] for t in routed["items"]] == ["handover_job_placement"]
