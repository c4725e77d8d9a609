"""The decisions in a case's history against its decision log, on the dev server: they
match one for one, and a row removed, forged or altered is named."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.case_history import decoder, fetch_chain
from domain.decision_check import TrailDecision, compare, history_decisions
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api.conftest import ApiStack


async def _case(api: ApiStack, client: Client) -> tuple[list, list[TrailDecision]]:  # type: ignore[type-arg]
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    await flows.ok(await api.http.post(
        f"/enrolments/{enrolment_id}/attendance",
        json={"session_no": 1, "session_date": "2026-12-09", "present": True},
        headers=api.caseworker()))  # fmt: skip
    await api.settled(enrolment_id)
    chain = await fetch_chain(client, f"enrolment-{enrolment_id}", enrolment_id)
    decisions = await history_decisions(chain, decoder(client))
    rows = await api.pool.fetch(
        """SELECT seq, kind, at, actor_subject, actor_role, decision, reason
             FROM enrolment_events WHERE enrolment_id = $1 ORDER BY seq""",
        enrolment_id,
    )
    return decisions, [TrailDecision(**dict(r)) for r in rows]


async def test_every_decision_in_history_is_in_the_log_and_back(
    api: ApiStack, dev_env: WorkflowEnvironment
) -> None:
    decisions, trail = await _case(api, dev_env.client)
    assert [(d.update, d.actor_subject, d.decision) for d in decisions] == [
        ("decide_placement", "tpp-LP-CIPINANG", "approve"),
        ("record_attendance", "cw-LP-CIPINANG", None),
    ]
    report = compare(decisions, trail)
    assert report.consistent, report
    assert (report.matched, report.trail_decisions) == (2, 1)


async def test_a_decision_removed_forged_or_altered_is_named(
    api: ApiStack, dev_env: WorkflowEnvironment
) -> None:
    decisions, trail = await _case(api, dev_env.client)
    [placement] = [r for r in trail if r.decision == "approve"]

    removed = compare(decisions, [r for r in trail if r is not placement])
    assert not removed.consistent
    assert [d.update for d in removed.in_history_not_in_trail] == ["decide_placement"]

    forged = placement.model_copy(update={"seq": 99, "at": placement.at + timedelta(days=3),
                                          "decision": "reject"})  # fmt: skip
    added = compare(decisions, [*trail, forged])
    assert not added.consistent and added.in_trail_not_in_history == [forged]

    altered = [r.model_copy(update={"decision": "defer"}) if r is placement else r for r in trail]
    changed = compare(decisions, altered)
    assert not changed.consistent
    [pair] = changed.decision_differs
    assert (pair.history.decision, pair.trail.decision) == ("approve", "defer")

    someone_else = [r.model_copy(update={"actor_subject": "tpp-other"}) if r is placement else r
                    for r in trail]  # fmt: skip
    impostor = compare(decisions, someone_else)
    assert [d.update for d in impostor.in_history_not_in_trail] == ["decide_placement"]
    assert [r.actor_subject for r in impostor.in_trail_not_in_history] == ["tpp-other"]
