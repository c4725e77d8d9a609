"""The reviewer inbox over HTTP: who sees what, claims, reassignment, and racing deciders."""

from __future__ import annotations

import asyncio
from typing import Any

from domain.identity import Ministry, Role
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows, permit_flows
from tests.api.conftest import ApiStack
from tests.temporal_support import SETTLE_SECONDS, until

APPROVE = {"decision": "approve", "reason": "motivated and eligible"}


async def _open_task(api: ApiStack, enrolment_id: str, kind: str) -> dict[str, Any]:
    """The case's open task of `kind`, once the workflow has opened it."""

    async def of_kind() -> list[dict[str, Any]]:
        inbox = await flows.ok(await api.http.get("/inbox", headers=api.tpp()))
        return [t for t in inbox["items"] if t["case_id"] == enrolment_id and t["kind"] == kind]

    found = await until(of_kind, bool, f"an open {kind} task of {enrolment_id}", SETTLE_SECONDS)
    return found[0]


def _tpp(api: ApiStack, subject: str, upt: str = "LP-CIPINANG") -> dict[str, str]:
    return api.headers(subject, Role.TPP_MEMBER, upt=upt)


async def test_each_reviewer_sees_only_the_work_of_their_role_and_scope(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    task = await _open_task(api, enrolment_id, "placement_review")
    assert task["required_role"] == "tpp_member"
    assert task["due_at"] is not None and task["state"] == "open"
    for headers in (
        _tpp(api, "tpp-salemba", "LP-SALEMBA"),
        api.caseworker(),
        api.instructor(),
        api.assessor(),
        api.headers("sup-1", Role.SUPERVISOR, upt="LP-CIPINANG"),  # nothing escalated yet
    ):
        inbox = await flows.ok(await api.http.get("/inbox", headers=headers))
        assert inbox["items"] == [], headers
    auditor = await api.http.get("/inbox", headers=api.auditor())
    assert auditor.status_code == 403  # auditors read cases, they have no work


async def test_two_reviewers_deciding_at_once_exactly_one_wins(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    task = await _open_task(api, enrolment_id, "placement_review")
    url = f"/tasks/{task['task_id']}/decide"
    first, second = await asyncio.gather(
        api.http.post(url, json=APPROVE, headers=_tpp(api, "ani")),
        api.http.post(url, json={**APPROVE, "decision": "reject"}, headers=_tpp(api, "budi")),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    # The loser is told who has it: still claimed by the winner, or (the decision and its
    # task's closing now land in one workflow task) already decided by the winner.
    who = "ani" if winner is first else "budi"
    detail = loser.json()["detail"]
    assert f"claimed by {who}" in detail or f"already decided by {who}" in detail, detail
    assert winner.json()["case"]["stage"] in ("training", "closed")
    await api.settled(enrolment_id)
    log = await flows.ok(
        await api.http.get(f"/enrolments/{enrolment_id}/decisions", headers=api.tpp())
    )
    assert len([e for e in log if e["kind"] == "placement_decided"]) == 1


async def test_a_claimed_task_is_held_until_its_holder_releases_it(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    task_id = (await _open_task(api, enrolment_id, "placement_review"))["task_id"]
    claimed = await flows.ok(
        await api.http.post(f"/tasks/{task_id}/claim", headers=_tpp(api, "ani"))
    )
    assert (claimed["state"], claimed["assignee"]) == ("claimed", "ani")

    taken = await api.http.post(f"/tasks/{task_id}/claim", headers=_tpp(api, "budi"))
    assert taken.status_code == 409 and "claimed by ani" in taken.json()["detail"]
    around = await api.http.post(
        f"/enrolments/{enrolment_id}/placement", json=APPROVE, headers=_tpp(api, "budi")
    )
    assert around.status_code == 409, "the case's own endpoint must respect the claim too"
    not_theirs = await api.http.post(f"/tasks/{task_id}/unclaim", headers=_tpp(api, "budi"))
    assert not_theirs.status_code == 403

    await flows.ok(await api.http.post(f"/tasks/{task_id}/unclaim", headers=_tpp(api, "ani")))
    mine = await flows.ok(await api.http.post(f"/tasks/{task_id}/claim", headers=_tpp(api, "budi")))
    assert mine["assignee"] == "budi"
    detail = await flows.ok(await api.http.get(f"/tasks/{task_id}", headers=_tpp(api, "budi")))
    assert [h["action"] for h in detail["history"]] == ["opened", "claimed", "unclaimed", "claimed"]


async def test_a_supervisor_of_the_scope_reassigns_and_no_one_else_may(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    task_id = (await _open_task(api, enrolment_id, "placement_review"))["task_id"]
    body = {"to_subject": "citra"}
    for headers in (
        _tpp(api, "ani"),
        api.headers("sup-salemba", Role.SUPERVISOR, upt="LP-SALEMBA"),
        api.headers("sup-kemnaker", Role.SUPERVISOR, ministry=Ministry.KEMNAKER),
    ):
        refused = await api.http.post(f"/tasks/{task_id}/reassign", json=body, headers=headers)
        assert refused.status_code == 403, headers
    supervisor = api.headers("sup-1", Role.SUPERVISOR, upt="LP-CIPINANG")
    # citra is not in the directory yet: the task cannot go to someone who cannot do it.
    unknown = await api.http.post(f"/tasks/{task_id}/reassign", json=body, headers=supervisor)
    assert unknown.status_code == 422
    assert "citra is not in the directory of people" in unknown.json()["detail"]
    await flows.ok(await api.http.get("/people/me", headers=_tpp(api, "citra")))  # signs in
    moved = await flows.ok(
        await api.http.post(f"/tasks/{task_id}/reassign", json=body, headers=supervisor)
    )
    assert moved["assignee"] == "citra"
    detail = await flows.ok(await api.http.get(f"/tasks/{task_id}", headers=supervisor))
    assert detail["history"][-1]["detail"] == "from nobody to citra"
    decided = await api.http.post(
        f"/tasks/{task_id}/decide", json=APPROVE, headers=_tpp(api, "citra")
    )
    assert decided.status_code == 200, decided.text


async def test_a_decided_task_leaves_the_inbox_and_records_who_decided(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    task_id = (await _open_task(api, enrolment_id, "placement_review"))["task_id"]
    answer = await flows.ok(
        await api.http.post(f"/tasks/{task_id}/decide", json=APPROVE, headers=_tpp(api, "ani"))
    )
    assert answer["case"]["stage"] == "training"
    await api.settled(enrolment_id)
    detail = await flows.ok(await api.http.get(f"/tasks/{task_id}", headers=_tpp(api, "ani")))
    task = detail["task"]
    assert (task["state"], task["decision"], task["decided_by"], task["decided_role"]) == (
        "decided",
        "approve",
        "ani",
        "tpp_member",
    )
    assert task["reason"] == APPROVE["reason"]
    inbox = await flows.ok(await api.http.get("/inbox", headers=api.tpp()))
    assert task_id not in [t["task_id"] for t in inbox["items"]]
    again = await api.http.post(f"/tasks/{task_id}/decide", json=APPROVE, headers=_tpp(api, "budi"))
    assert again.status_code == 409 and "already decided by ani" in again.json()["detail"]


async def test_a_decision_on_a_cancelled_task_is_409(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    task_id = (await _open_task(api, enrolment_id, "placement_review"))["task_id"]
    await flows.ok(
        await api.http.post(
            f"/enrolments/{enrolment_id}/withdrawal",
            json={"reason": "transferred to another programme"},
            headers=api.tpp(),
        )
    )
    await api.settled(enrolment_id)
    response = await api.http.post(f"/tasks/{task_id}/decide", json=APPROVE, headers=api.tpp())
    assert response.status_code == 409
    assert "cancelled" in response.json()["detail"]


async def test_a_malformed_task_decision_is_422_and_claims_nothing(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    task_id = (await _open_task(api, enrolment_id, "placement_review"))["task_id"]
    response = await api.http.post(
        f"/tasks/{task_id}/decide", json={"decision": "maybe"}, headers=_tpp(api, "ani")
    )
    assert response.status_code == 422
    assert "decision" in response.json()["detail"] and "reason" in response.json()["detail"]
    detail = await flows.ok(await api.http.get(f"/tasks/{task_id}", headers=_tpp(api, "ani")))
    assert detail["task"]["assignee"] is None


async def test_a_permit_reviewer_filters_the_inbox_by_a_permit_stage(api: ApiStack) -> None:
    """The stage filter knows Process B's stages (a Kemnaker verifier's document
    verification), and says which stages exist when given one that does not."""
    application_id = await permit_flows.submit(api)
    await permit_flows.settled(api, application_id)
    verifier = permit_flows.verifier(api)

    async def at(stage: str) -> list[str]:
        page = await flows.ok(await api.http.get(f"/inbox?stage={stage}", headers=verifier))
        return [t["case_id"] for t in page["items"]]

    assert application_id in await at("document_verification")
    assert application_id not in await at("feasibility")
    unknown = await api.http.get("/inbox?stage=verification", headers=verifier)
    assert unknown.status_code == 422
    assert "document_verification" in unknown.json()["detail"]
