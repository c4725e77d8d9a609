"""The decisions in a case's history against its audit trail, on the dev server: they match
one for one, and a row removed, forged or altered is named."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.case_history import decoder, fetch_chain
from db.audit_search import CaseKind
from db.trail_decisions import trail_of
from domain.decision_check import TrailDecision, compare, history_decisions
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api.conftest import ApiStack


async def _case(api: ApiStack, client: Client) -> tuple[list, list[TrailDecision]]:  # type: ignore[type-arg]
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    await flows.ok(await api.http.post(
        f"/enrolments/{enrolment_id}/attendance",
        json={"session_no": 1, "session_date": flows.session_date(1, 1), "present": True},
        headers=api.caseworker()))  # fmt: skip
    await api.settled(enrolment_id)
    chain = await fetch_chain(client, f"enrolment-{enrolment_id}", enrolment_id)
    decisions = await history_decisions(chain, decoder(client))
    return decisions, await trail_of(api.pool, CaseKind.ENROLMENT, enrolment_id)


async def test_every_decision_in_history_is_in_the_trail_and_back(
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


async def test_an_auditor_asks_whether_history_and_the_audit_trail_agree(
    api: ApiStack,
) -> None:
    """Against the real trail (V6): the projection appends each event to the case's chain."""
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    await api.settled(enrolment_id)
    path = f"/audit/cases/enrolment/{enrolment_id}/history/consistency"
    report = await flows.ok(await api.http.get(path, headers=api.auditor()))
    assert report["consistent"] and report["matched"] == 1, report
    assert (report["history_decisions"], report["trail_decisions"]) == (1, 1)
    assert report["workflow_id"] == f"enrolment-{enrolment_id}"

    # A decision slipped into the trail (appending is all the table allows) is named.
    await api.pool.execute(
        """INSERT INTO audit_entries (chain_id, seq, entry_key, case_kind, case_id, workflow_id,
               kind, at, stage, actor_subject, actor_role, decision, reason, prev_hash, hash,
               recorded_at)
           VALUES ($1, 1000, 'forged', 'enrolment', $2, 'w', 'withdrawn', now(), 'closed',
                   'tpp-LP-CIPINANG', 'tpp_member', 'withdraw', 'never happened', '', '', now())""",
        f"enrolment:{enrolment_id}", enrolment_id,
    )  # fmt: skip
    report = await flows.ok(await api.http.get(path, headers=api.auditor()))
    assert not report["consistent"]
    assert [(r["seq"], r["decision"]) for r in report["in_trail_not_in_history"]] == [
        (1000, "withdraw")
    ]
    assert report["in_history_not_in_trail"] == []
