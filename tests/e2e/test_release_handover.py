"""End to end on the dev server, over real HTTP: an inmate enrols in two programmes, is
transferred halfway (one programme continues at the new UPT, the other is suspended), earns a
certificate there, and is released on parole. The Bapas and Kemnaker job placement each see
and acknowledge the handover package; the journey then ends."""

from __future__ import annotations

from datetime import date
from typing import Any

from temporalio.client import WorkflowExecutionStatus

from domain.journey import journey_workflow_id
from tests.api import flows
from tests.api import journey_flows as jf
from tests.api.conftest import ApiStack
from tests.temporal_support import SETTLE_SECONDS, until

INMATE = "CPN-2023-00457"  # Cipinang, S1: BARISTA and WELDING both open to them
NEW_UPT = "LP-SALEMBA"  # offers BARISTA, not WELDING


async def _attend(api: ApiStack, enrolment_id: str, sessions: range, upt: str) -> None:
    for n in sessions:
        entry = {"session_no": n, "session_date": flows.session_date(n, 20), "present": True}
        await flows.ok(
            await api.http.post(
                f"/enrolments/{enrolment_id}/attendance", json=entry, headers=api.caseworker(upt)
            )
        )


async def _finish_training(api: ApiStack, enrolment_id: str) -> Any:
    programme = await flows.ok(await api.http.get("/programmes/BARISTA", headers=api.tpp()))
    await _attend(api, enrolment_id, range(6, programme["session_count"] + 1), NEW_UPT)
    for module in programme["modules"]:
        await flows.ok(
            await api.http.post(
                f"/enrolments/{enrolment_id}/modules",
                json={"module_code": module},
                headers=api.instructor(),
            )
        )
    return await flows.ok(
        await api.http.post(
            f"/enrolments/{enrolment_id}/training-completion",
            json={"reason": "all sessions and modules done"},
            headers=api.instructor(),
        )
    )


async def _certified(api: ApiStack, enrolment_id: str) -> Any:
    return await flows.closed(api, enrolment_id)


async def _reported_to_journey(api: ApiStack, enrolment_id: str) -> None:
    """Until the journey holds the closed enrolment's training record (a signal)."""
    await until(
        lambda: jf.journey(api, INMATE),
        lambda view: any(
            e["enrolment_id"] == enrolment_id and e["record"] for e in view["live"]["enrolments"]
        ),
        f"the journey told that {enrolment_id} closed",
        SETTLE_SECONDS,
    )


async def test_a_transferred_inmate_is_released_and_handed_over(served: ApiStack) -> None:
    api = served
    barista = await flows.request(api, INMATE, "BARISTA")
    welding = await flows.request(api, INMATE, "WELDING")
    for enrolment_id in (barista, welding):
        await flows.approve(api, enrolment_id)
        await _attend(api, enrolment_id, range(1, 6), "LP-CIPINANG")

    # Transferred: BARISTA continues at Salemba, WELDING is suspended there.
    moved = await flows.ok(
        await jf.report(api, jf.event(INMATE, "transfer", to_upt=NEW_UPT), api.caseworker())
    )
    effects = {e["programme_code"]: e["effect"] for e in moved["enrolments"]}
    assert effects == {"BARISTA": "continues", "WELDING": "suspended"}
    await jf.reaches(api, welding, "suspended")

    # Salemba's caseworkers carry the training on; the LSP assesses; BNSP certifies.
    trained = await _finish_training(api, barista)
    assert trained["stage"] == "assessment"
    assert trained["attendance"][0]["recorded_by"] == "cw-LP-CIPINANG"  # history kept
    await flows.assess(api, barista, {u: "K" for u in trained["units_due"]})
    certified = await _certified(api, barista)
    assert certified["outcome"] == "certified"
    certificate = certified["certificate"]
    await _reported_to_journey(api, barista)

    # Released on parole, to the Bapas of the inmate's address.
    released = await jf.release(api, INMATE, "pb", bapas=jf.HOME_BAPAS)
    assert {e["programme_code"]: e["effect"] for e in released["enrolments"]} == {
        "WELDING": "stopped"
    }
    handovers = {h["receiver"]: h for h in await jf.handovers_of(api, INMATE, 2)}

    # The Bapas officer finds the handover in their list and reads the package.
    listed = await flows.ok(await api.http.get("/handovers?state=open", headers=jf.pk(api)))
    assert [h["handover_id"] for h in listed["items"]] == [handovers["bapas"]["handover_id"]]
    detail = await flows.ok(
        await api.http.get(f"/handovers/{handovers['bapas']['handover_id']}", headers=jf.pk(api))
    )
    package = detail["package"]
    assert (package["release_kind"], package["last_upt"]) == ("pb", NEW_UPT)
    (entry,) = package["certificates"]
    assert entry["programme_code"] == "BARISTA"
    assert entry["number"] == certificate["number"]
    assert entry["number"].startswith("BNSP/SKM-BARISTA-2024/")
    assert (entry["issued_on"], entry["valid_until"]) == (
        certificate["issued_on"],
        certificate["valid_until"],
    )
    issued = date.fromisoformat(entry["issued_on"])
    assert date.fromisoformat(entry["valid_until"]) == issued.replace(year=issued.year + 3)
    records = {r["programme_code"]: r for r in package["training_records"]}
    assert records["BARISTA"]["outcome"] == "certified"
    assert records["BARISTA"]["attendance_present"] == 20
    assert sorted(records["BARISTA"]["competent_units"]) == sorted(trained["units_due"])
    assert records["WELDING"]["outcome"] == "unfinished_at_release"
    assert records["WELDING"]["attendance_present"] == 5
    assert records["WELDING"]["referral"]
    profile = package["skills_profile"]
    assert profile["certified_programmes"] == ["BARISTA"]
    assert profile["unfinished_programmes"] == ["WELDING"]
    assert sorted(profile["competent_units"]) == sorted(trained["units_due"])

    # Both receivers acknowledge: the Bapas on the handover, job placement from its inbox.
    await flows.ok(
        await api.http.post(
            f"/handovers/{handovers['bapas']['handover_id']}/acknowledgement",
            json={"reason": "registered as Klien"},
            headers=jf.pk(api),
        )
    )
    inbox = await flows.ok(await api.http.get("/inbox", headers=jf.placement_officer(api)))
    (task,) = [t for t in inbox["items"] if t["kind"] == "handover_job_placement"]
    decided = await flows.ok(
        await api.http.post(
            f"/tasks/{task['task_id']}/decide",
            json={"reason": "referred to BLK Jakarta for welding", "contact_consent": True},
            headers=jf.placement_officer(api),
        )
    )
    assert decided["case"]["status"] == "ended"

    assert api.app is not None
    handle = api.app.state.temporal.get_workflow_handle(journey_workflow_id(INMATE))
    await handle.result()
    assert (await handle.describe()).status is WorkflowExecutionStatus.COMPLETED
    view = await flows.ok(
        await api.http.get(f"/journeys/{INMATE}", headers=api.caseworker(NEW_UPT))
    )
    assert view["journey"]["status"] == "ended"
    assert view["journey"]["release_kind"] == "pb"
    assert {h["receiver"]: h["state"] for h in view["handovers"]} == {
        "bapas": "acknowledged",
        "job_placement": "acknowledged",
    }
    assert [e["kind"] for e in view["custody_events"]] == ["transfer", "release"]
    assert view["events"][-1]["kind"] == "ended"
