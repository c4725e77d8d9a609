"""Answers that are final: each write answers with the state it created, and a read right
after it shows that state; past the wait, a 202 says where to poll and until when."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api import final_answers
from domain.clock import local_date
from registries.sdp_seed import DEMO_ELIGIBLE, DEMO_RELEASE_SOON
from registries.simkim import SimkimSimulator
from tests.api import flows, permit_flows
from tests.api import journey_flows as jf
from tests.api.conftest import ApiStack, end_journeys, wire
from tests.temporal_support import until
from workers.imigrasi import imigrasi_worker


async def test_an_enrolment_request_answers_once_the_case_waits_on_its_placement(
    api: ApiStack,
) -> None:
    body = {"inmate_sdp_no": DEMO_ELIGIBLE, "programme_code": "BARISTA", "reason": "motivated"}
    answer = await api.http.post("/enrolments", json=body, headers=api.caseworker())
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert (created["stage"], created["awaiting_kind"], created["awaiting_role"]) == (
        "placement_review", "placement_review", "tpp_member")  # fmt: skip
    # A read right after shows the same, and the TPP's task is there to decide.
    read = await flows.ok(
        await api.http.get(f"/enrolments/{created['enrolment_id']}", headers=api.tpp())
    )
    assert read["awaiting_kind"] == "placement_review"
    inbox = await flows.ok(await api.http.get("/inbox", headers=api.tpp()))
    assert created["enrolment_id"] in [t["case_id"] for t in inbox["items"]]


async def test_a_release_answers_with_the_handovers_it_sent(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_RELEASE_SOON)
    answer = await jf.report(api, jf.event(DEMO_RELEASE_SOON, "release", release_kind="pb",
                                           bapas_code=jf.HOME_BAPAS))  # fmt: skip
    assert answer.status_code == 200, answer.text
    released = answer.json()
    assert sorted(h["receiver"] for h in released["handovers"]) == ["bapas", "job_placement"]
    assert released["enrolments"][0]["enrolment_id"] == enrolment_id
    # The Bapas officer finds theirs at once, by the inmate.
    theirs = await flows.ok(await api.http.get(
        "/handovers", params={"inmate_sdp_no": DEMO_RELEASE_SOON}, headers=jf.pk(api)))  # fmt: skip
    bapas = next(h for h in released["handovers"] if h["receiver"] == "bapas")
    assert [h["handover_id"] for h in theirs["items"]] == [bapas["handover_id"]]


async def _awaiting_arrival(api: ApiStack) -> str:
    application_id = await permit_flows.submit(api, duration_months=12)
    live = await permit_flows.to_payment(api, application_id)
    assert (await permit_flows.pay(api, live)).status_code == 200
    await permit_flows.at_stage(api, application_id, "rptka_approval")
    approve = {"decision": "approve", "reason": permit_flows.REASON}
    await permit_flows.decide(api, application_id, "rptka", approve, permit_flows.director(api))
    await permit_flows.at_stage(api, application_id, "visa_decision")
    await permit_flows.decide(api, application_id, "visa", approve, permit_flows.officer(api))
    await permit_flows.at_stage(api, application_id, "awaiting_arrival")
    return application_id


def _arrival() -> dict[str, Any]:
    return {"arrived_on": str(local_date(datetime.now(UTC))), "port_of_entry": "CGK"}


async def test_an_arrival_answers_once_the_permit_is_active(api: ApiStack) -> None:
    application_id = await _awaiting_arrival(api)
    answer = await permit_flows.decide(
        api, application_id, "arrival", _arrival(), permit_flows.officer(api)
    )
    assert answer["stage"] == "active" and answer["permit"]["itas_number"].startswith("ITAS-")
    read = await flows.ok(await api.http.get(
        f"/permits/{application_id}", headers=permit_flows.employer(api)))  # fmt: skip
    assert (read["stage"], read["itas_number"]) == ("active", answer["permit"]["itas_number"])


async def test_an_arrival_imigrasi_cannot_act_on_yet_answers_202_with_where_to_poll(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Imigrasi's worker stops after the visa: the ITAS waits for it. The answer does not
    hang: a 202 with the application to poll, which shows it active once Imigrasi is back."""
    wired = wire(pool, dev_env.client)
    transport = httpx.ASGITransport(app=wired.app)
    async with (
        wired.worker,
        wired.kemnaker,
        wired.app.router.lifespan_context(wired.app),
        httpx.AsyncClient(transport=transport, base_url="http://sinergi.test") as http,
    ):
        api = wired.stack(http, pool)
        async with wired.imigrasi:
            application_id = await _awaiting_arrival(api)
        monkeypatch.setattr(final_answers, "wait_bound", lambda: 1.0)
        answer = await http.post(f"/permits/{application_id}/arrival", json=_arrival(),
                                 headers=permit_flows.officer(api))  # fmt: skip
        assert answer.status_code == 202, answer.text
        pending = answer.json()
        assert answer.headers["Location"] == pending["poll"] == f"/permits/{application_id}"
        assert datetime.fromisoformat(pending["until"]) > datetime.now(UTC)
        # The arrival was taken: sending it again is refused (it is recorded once).
        again = await http.post(f"/permits/{application_id}/arrival", json=_arrival(),
                                headers=permit_flows.officer(api))  # fmt: skip
        assert again.status_code == 409, again.text
        async with imigrasi_worker(
            dev_env.client, SimkimSimulator(), wired.settings.imigrasi_task_queue
        ):

            async def read() -> Any:
                return (await http.get(pending["poll"], headers=permit_flows.employer(api))).json()

            await until(read, lambda r: r["stage"] == "active", "the permit is active", 30)
        await end_journeys(dev_env.client, pool, wired.settings.enrolment_task_queue)
