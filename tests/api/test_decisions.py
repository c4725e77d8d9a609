"""Human decisions over HTTP: the right person at the right stage, or a clear 4xx and no change."""

from __future__ import annotations

from registries.sdp_seed import DEMO_ELIGIBLE, DEMO_RELEASE_SOON
from tests.api import flows
from tests.api.conftest import ApiStack

APPROVE = {"decision": "approve", "reason": "motivated and eligible"}


async def test_placement_by_a_caseworker_is_403_and_changes_nothing(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    before = await api.snapshot(enrolment_id)
    response = await api.http.post(
        f"/enrolments/{enrolment_id}/placement", json=APPROVE, headers=api.caseworker()
    )
    assert response.status_code == 403
    assert "tpp_member" in response.json()["detail"]
    assert await api.snapshot(enrolment_id) == before


async def test_placement_by_the_tpp_of_another_upt_is_403(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    before = await api.snapshot(enrolment_id)
    response = await api.http.post(
        f"/enrolments/{enrolment_id}/placement", json=APPROVE, headers=api.tpp("LP-SALEMBA")
    )
    assert response.status_code == 403
    assert "UPT LP-CIPINANG" in response.json()["detail"]
    assert await api.snapshot(enrolment_id) == before


async def test_flagged_request_needs_an_explicit_exception(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_RELEASE_SOON)
    url = f"/enrolments/{enrolment_id}/placement"
    refused = await api.http.post(url, json=APPROVE, headers=api.tpp())
    assert refused.status_code == 422
    assert "exception_granted" in refused.json()["detail"]
    granted = await api.http.post(
        url, json={**APPROVE, "exception_granted": True}, headers=api.tpp()
    )
    assert granted.status_code == 200, granted.text
    assert granted.json()["stage"] == "training"
    assert granted.json()["exception_granted"] is True


async def test_a_decision_in_the_wrong_stage_is_409(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    before = await api.snapshot(enrolment_id)
    response = await api.http.post(
        f"/enrolments/{enrolment_id}/assessments",
        json={"tuk_code": "TUK-1", "results": {"I.56BAR00.001.1": "K"}, "reason": "too early"},
        headers=api.assessor(),
    )
    assert response.status_code == 409
    assert "placement_review" in response.json()["detail"]
    assert await api.snapshot(enrolment_id) == before


async def test_training_cannot_close_below_the_attendance_threshold(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    response = await api.http.post(
        f"/enrolments/{enrolment_id}/training-completion",
        json={"reason": "end of cohort"},
        headers=api.instructor(),
    )
    assert response.status_code == 409
    assert "attendance is 0/20" in response.json()["detail"]


async def test_malformed_decision_is_422(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    before = await api.snapshot(enrolment_id)
    response = await api.http.post(
        f"/enrolments/{enrolment_id}/placement",
        json={"decision": "maybe", "reason": "x"},
        headers=api.tpp(),
    )
    assert response.status_code == 422
    assert await api.snapshot(enrolment_id) == before


async def test_a_decision_on_a_finished_enrolment_is_409_and_changes_nothing(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    rejected = await api.http.post(
        f"/enrolments/{enrolment_id}/placement",
        json={"decision": "reject", "reason": "programme full this cohort"},
        headers=api.tpp(),
    )
    assert rejected.status_code == 200
    assert rejected.json()["outcome"] == "rejected"
    before = await api.snapshot(enrolment_id)
    again = await api.http.post(
        f"/enrolments/{enrolment_id}/placement", json=APPROVE, headers=api.tpp()
    )
    assert again.status_code == 409
    assert "closed" in again.json()["detail"]
    withdraw = await api.http.post(
        f"/enrolments/{enrolment_id}/withdrawal", json={"reason": "changed mind"}, headers=api.tpp()
    )
    assert withdraw.status_code == 409
    assert await api.snapshot(enrolment_id) == before


async def test_unknown_enrolment_is_404(api: ApiStack) -> None:
    response = await api.http.post(
        "/enrolments/ENR-NOPE/placement", json=APPROVE, headers=api.tpp()
    )
    assert response.status_code == 404
    assert "ENR-NOPE" in response.json()["detail"]


async def test_every_decision_is_logged_with_actor_role_and_reason(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    log = await flows.ok(
        await api.http.get(f"/enrolments/{enrolment_id}/decisions", headers=api.tpp())
    )
    decided = [d for d in log if d["kind"] == "placement_decided"]
    assert len(decided) == 1
    assert decided[0]["actor_subject"] == "tpp-LP-CIPINANG"
    assert decided[0]["actor_role"] == "tpp_member"
    assert decided[0]["decision"] == "approve"
    assert decided[0]["reason"] == "motivated and eligible"
    requested = log[0]
    assert (requested["kind"], requested["actor_role"]) == ("requested", "caseworker")


async def test_out_of_scope_caller_learns_nothing_about_a_closed_case(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    rejected = await api.http.post(
        f"/enrolments/{enrolment_id}/placement",
        json={"decision": "reject", "reason": "programme full this cohort"},
        headers=api.tpp(),
    )
    assert rejected.json()["outcome"] == "rejected"
    outsider = await api.http.post(
        f"/enrolments/{enrolment_id}/withdrawal",
        json={"reason": "tidying up"},
        headers=api.tpp("LP-SALEMBA"),
    )
    assert outsider.status_code == 403
    assert "closed" not in outsider.json()["detail"]
