"""POST /custody-events: corrections (SDP) or the inmate's caseworker reports a transfer,
sanction or release; the journey applies it to every active enrolment.

Rules protected: an enrolment continues where its programme is offered (the new UPT takes
over, the old one loses access) and is suspended elsewhere until the destination TPP
decides; the same event twice changes nothing; an impossible event is a clear 4xx and
changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from domain.identity import Role
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api import journey_flows as jf
from tests.api.conftest import ApiStack
from tests.temporal_support import SETTLE_SECONDS, until

NOT_ENROLLED = "SLB-2023-00588"  # Salemba, eligible, but no enrolment: no journey


async def _enrolled_in_training(api: ApiStack, sdp_no: str = DEMO_ELIGIBLE) -> str:
    enrolment_id = await flows.request(api, sdp_no)
    await flows.approve(api, enrolment_id)
    # The answer comes once the decision is projected; the stage change that follows it is
    # projected after. A snapshot taken before it lands would differ from one taken after.
    await api.settled(enrolment_id)
    return enrolment_id


async def test_a_transfer_where_the_programme_is_offered_hands_the_case_to_the_new_upt(
    api: ApiStack,
) -> None:
    enrolment_id = await _enrolled_in_training(api)
    body = jf.event(DEMO_ELIGIBLE, "transfer", to_upt="LP-SALEMBA")  # Salemba offers BARISTA
    outcome = await flows.ok(await jf.report(api, body))
    assert outcome["duplicate"] is False
    assert outcome["enrolments"] == [
        {"enrolment_id": enrolment_id, "programme_code": "BARISTA", "effect": "continues"}
    ]
    await api.settled(enrolment_id)
    view = await jf.settled(api, DEMO_ELIGIBLE)
    assert view["journey"]["upt_code"] == "LP-SALEMBA"
    assert [e["event_id"] for e in view["custody_events"]] == [body["event_id"]]

    # The new UPT's caseworkers and TPP take over; the old ones lose access.
    moved = await flows.ok(
        await api.http.get(f"/enrolments/{enrolment_id}", headers=api.tpp("LP-SALEMBA"))
    )
    assert moved["upt_code"] == "LP-SALEMBA"
    assert moved["stage"] == "training"  # progress kept, never restarted
    old = await api.http.get(f"/enrolments/{enrolment_id}", headers=api.tpp("LP-CIPINANG"))
    assert old.status_code == 403
    entry = {"session_no": 1, "session_date": flows.session_date(1, 20), "present": True}
    refused = await api.http.post(
        f"/enrolments/{enrolment_id}/attendance", json=entry, headers=api.caseworker()
    )
    assert refused.status_code == 403
    accepted = await api.http.post(
        f"/enrolments/{enrolment_id}/attendance",
        json=entry,
        headers=api.caseworker("LP-SALEMBA"),
    )
    assert accepted.status_code == 200, accepted.text
    journey_here = await api.http.get(f"/journeys/{DEMO_ELIGIBLE}", headers=api.caseworker())
    assert journey_here.status_code == 403


async def test_a_transfer_where_it_is_not_offered_suspends_it_until_the_destination_tpp_decides(
    api: ApiStack,
) -> None:
    enrolment_id = await _enrolled_in_training(api)
    body = jf.event(DEMO_ELIGIBLE, "transfer", to_upt="LP-SUKAMISKIN")  # no BARISTA there
    outcome = await flows.ok(await jf.report(api, body))
    assert [e["effect"] for e in outcome["enrolments"]] == ["suspended"]
    await jf.reaches(api, enrolment_id, "suspended")
    record = await flows.ok(
        await api.http.get(f"/enrolments/{enrolment_id}", headers=api.tpp("LP-SUKAMISKIN"))
    )
    assert (record["stage"], record["awaiting_kind"]) == ("suspended", "transfer_review")

    # The destination's TPP finds the decision in its inbox and withdraws the case there.
    async def waiting() -> list[Any]:  # the task is opened by an activity of its own
        inbox = await flows.ok(await api.http.get("/inbox", headers=api.tpp("LP-SUKAMISKIN")))
        return [t for t in inbox["items"] if t["case_id"] == enrolment_id]

    (task,) = await until(waiting, bool, "the transfer review task", SETTLE_SECONDS)
    assert task["kind"] == "transfer_review"
    not_theirs = await api.http.post(
        f"/enrolments/{enrolment_id}/hold-review",
        json={"decision": "withdraw", "reason": "no barista cohort here"},
        headers=api.tpp("LP-CIPINANG"),
    )
    assert not_theirs.status_code == 403
    decided = await flows.ok(
        await api.http.post(
            f"/tasks/{task['task_id']}/decide",
            json={"decision": "withdraw", "reason": "no barista cohort here"},
            headers=api.tpp("LP-SUKAMISKIN"),
        )
    )
    assert decided["case"]["outcome"] == "withdrawn"


async def test_the_same_event_delivered_twice_changes_nothing(api: ApiStack) -> None:
    enrolment_id = await _enrolled_in_training(api)
    body = jf.event(DEMO_ELIGIBLE, "sanction", sanction_ref="F-2026-001")
    first = await flows.ok(await jf.report(api, body))
    assert first["duplicate"] is False
    # The enrolment pauses at its next wait: only then is there a "before" to compare with.
    await jf.reaches(api, enrolment_id, "paused")
    before = await jf.snapshot(api, DEMO_ELIGIBLE)

    again = await flows.ok(await jf.report(api, body | {"note": "redelivered by SDP"}))
    assert again["duplicate"] is True
    assert again["event_id"] == body["event_id"]
    assert await jf.snapshot(api, DEMO_ELIGIBLE) == before

    # The same source id with other content is not a redelivery: refused, nothing changes.
    other = await jf.report(api, body | {"sanction_ref": "F-2026-999"})
    assert other.status_code == 409
    assert "other content" in other.json()["detail"]
    assert await jf.snapshot(api, DEMO_ELIGIBLE) == before


IMPOSSIBLE: list[tuple[str, dict[str, Any], int, str]] = [
    ("unknown inmate", {"inmate_sdp_no": "CPN-0000-00000"}, 404, "not registered in SDP"),
    ("no journey", {"inmate_sdp_no": NOT_ENROLLED}, 404, "no journey"),
    ("unknown UPT", {"to_upt": "LP-NOWHERE"}, 422, "LP-NOWHERE"),
    ("a Bapas holds no inmates", {"to_upt": "BP-JAKBAR"}, 422, "BP-JAKBAR"),
    ("already there", {"to_upt": "LP-CIPINANG"}, 409, "already held at UPT LP-CIPINANG"),
    ("lifting no sanction", {"kind": "sanction_lifted", "to_upt": None, "sanction_ref": "F-1"},
     409, "no sanction F-1"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "change", "status", "says"), IMPOSSIBLE, ids=lambda v: v)
async def test_an_event_that_cannot_apply_is_refused_and_changes_nothing(
    api: ApiStack, label: str, change: dict[str, Any], status: int, says: str
) -> None:
    await _enrolled_in_training(api)
    before = await jf.snapshot(api, DEMO_ELIGIBLE)
    body = jf.event(DEMO_ELIGIBLE, "transfer", to_upt="LP-SALEMBA") | change
    response = await jf.report(api, {k: v for k, v in body.items() if v is not None})
    assert response.status_code == status, response.text
    assert says in response.json()["detail"], label
    assert await jf.snapshot(api, DEMO_ELIGIBLE) == before


async def test_a_transfer_after_release_is_refused(api: ApiStack) -> None:
    enrolment_id = await _enrolled_in_training(api)
    await jf.release(api, DEMO_ELIGIBLE, "free", bapas=None)
    await jf.reaches(api, enrolment_id, "closed")
    await jf.handovers_of(api, DEMO_ELIGIBLE, 1)  # job placement only: a free release
    before = await jf.snapshot(api, DEMO_ELIGIBLE)
    late = await jf.report(api, jf.event(DEMO_ELIGIBLE, "transfer", to_upt="LP-SALEMBA"))
    assert late.status_code == 409
    assert "cannot apply after release" in late.json()["detail"]
    assert await jf.snapshot(api, DEMO_ELIGIBLE) == before


MALFORMED: list[tuple[dict[str, Any], str]] = [
    ({"kind": "transfer"}, "needs to_upt"),
    ({"kind": "release", "release_kind": "pb"}, "name the Bapas"),
    ({"kind": "release", "release_kind": "free", "bapas_code": "BP-JAKBAR"}, "drop bapas_code"),
    ({"kind": "sanction", "sanction_ref": "F-1", "to_upt": "LP-SALEMBA"}, "does not take"),
    ({"kind": "escape"}, "Input should be"),
    ({"kind": "transfer", "to_upt": "LP-SALEMBA", "event_id": "has spaces"}, "pattern"),
    ({"kind": "transfer", "to_upt": "LP-SALEMBA", "occurred_at": "2026-12-01T10:00:00"},
     "timezone"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "says"), MALFORMED, ids=lambda v: str(v))
async def test_a_malformed_event_is_422_with_the_reason(
    api: ApiStack, change: dict[str, Any], says: str
) -> None:
    await _enrolled_in_training(api)
    before = await jf.snapshot(api, DEMO_ELIGIBLE)
    body = {
        "event_id": "SDP-MALFORMED-1",
        "inmate_sdp_no": DEMO_ELIGIBLE,
        "occurred_at": "2026-12-01T10:00:00+07:00",
    } | change
    response = await jf.report(api, body)
    assert response.status_code == 422
    assert says in str(response.json()["detail"])
    assert await jf.snapshot(api, DEMO_ELIGIBLE) == before


async def test_a_caseworker_reports_for_inmates_held_at_their_upt_only(api: ApiStack) -> None:
    await _enrolled_in_training(api)
    sanction = jf.event(DEMO_ELIGIBLE, "sanction", sanction_ref="F-2026-002")
    elsewhere = await jf.report(api, sanction, api.caseworker("LP-SALEMBA"))
    assert elsewhere.status_code == 403
    tpp = await jf.report(api, sanction, api.tpp())
    assert tpp.status_code == 403
    pk = await jf.report(api, sanction, jf.pk(api))
    assert pk.status_code == 403
    ours = await flows.ok(await jf.report(api, sanction, api.caseworker("LP-CIPINANG")))
    assert [e["effect"] for e in ours["enrolments"]] == ["paused"]
    view = await jf.settled(api, DEMO_ELIGIBLE)
    (stored,) = view["custody_events"]
    assert (stored["reported_by"], stored["reported_role"]) == (
        "cw-LP-CIPINANG",
        Role.CASEWORKER.value,
    )
