"""End to end on the dev server, over real HTTP: request -> placement -> training ->
assessment -> BNSP certificate, and the read model agrees with the workflow's query."""

from __future__ import annotations

from cli.demo import run_demo
from registries.sdp_seed import DEMO_ELIGIBLE, DEMO_PAROLE
from tests.api import flows
from tests.api.conftest import ApiStack


async def test_an_inmate_goes_from_request_to_a_bnsp_certificate(served: ApiStack) -> None:
    api = served
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    placed = await flows.approve(api, enrolment_id)
    assert placed["stage"] == "training"
    trained = await flows.train(api, enrolment_id)
    assert trained["stage"] == "assessment"
    units = trained["units_due"]
    assert len(units) == 4
    assessed = await flows.assess(api, enrolment_id, {u: "K" for u in units})
    assert assessed["stage"] in ("certification", "closed")

    # BNSP answers on the first lookup; wait for the workflow to close and the read model.
    state = await flows.closed(api, enrolment_id)
    assert state["outcome"] == "certified"
    certificate = state["certificate"]
    assert certificate["number"].startswith("BNSP/SKM-BARISTA-2024/")
    await api.settled(enrolment_id)

    record = await flows.ok(await api.http.get(f"/enrolments/{enrolment_id}", headers=api.tpp()))
    assert record["outcome"] == state["outcome"] == "certified"
    assert record["stage"] == state["stage"] == "closed"
    assert record["certificate_number"] == certificate["number"]
    assert record["certificate_valid_until"] == certificate["valid_until"]
    assert record["attendance_present"] == sum(a["present"] for a in state["attendance"]) == 20
    assert record["modules_completed"] == len(state["modules_completed"]) == 4
    assert record["reassessments_used"] == 0
    stored_results = await api.pool.fetch(
        "SELECT unit_code, result FROM assessment_results WHERE enrolment_id = $1", enrolment_id
    )
    assert {r["unit_code"]: r["result"] for r in stored_results} == state["attempts"][0]["results"]
    log = await flows.ok(
        await api.http.get(f"/enrolments/{enrolment_id}/decisions", headers=api.tpp())
    )
    assert [e["seq"] for e in log] == list(range(1, state["event_count"] + 1))
    assert log[-1]["kind"] == "closed"


async def test_the_demo_job_reaches_a_certificate_and_a_release_handover(
    served: ApiStack,
) -> None:
    said: list[str] = []
    record = await run_demo(str(served.http.base_url), served.settings, said.append)
    assert record["outcome"] == "certified"
    assert record["certificate_number"].startswith("BNSP/SKM-BARISTA-2024/")
    assert any(line.startswith("BNSP certificate ") for line in said)
    assert "bapas_officer acknowledged the handover (1 certificate(s) in the package)" in said
    assert said[-1] == "the inmate's journey is ended"
    # Run again (as on every `sinergi up` over the same state): nothing is released again.
    releases = await served.pool.fetchval(
        "SELECT count(*) FROM custody_events WHERE inmate_sdp_no = $1", DEMO_PAROLE
    )
    again = await run_demo(str(served.http.base_url), served.settings, said.append)
    assert again["enrolment_id"] == record["enrolment_id"]
    assert said[-1].startswith("the demo already ran")
    assert (
        await served.pool.fetchval(
            "SELECT count(*) FROM custody_events WHERE inmate_sdp_no = $1", DEMO_PAROLE
        )
        == releases
        == 1
    )
