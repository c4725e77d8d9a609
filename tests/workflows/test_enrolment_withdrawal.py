"""Withdrawal by the TPP at any open stage, and nothing more decided once a case is closed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from temporalio.service import RPCError

from domain.clock import local_date
from domain.enrolment import AppealOutcome, EventKind, Outcome, PlacementChoice, Stage
from tests.workflows.support import (
    CASEWORKER,
    MODULES,
    TPP,
    TPP_OTHER_UPT,
    UNITS,
    Case,
    Harness,
    appeal,
    appeal_decision,
    assessment,
    attendance,
    module,
    placement,
    training_completion,
    withdrawal,
)
from workflows import enrolment_case
from workflows.enrolment import EnrolmentWorkflow

FAILED = (UNITS[0],)


async def _deferred(harness: Harness, case: Case) -> None:
    until = local_date(await harness.now()) + timedelta(days=5)
    await case.place(placement(PlacementChoice.DEFER, defer_until=until))


async def _training(harness: Harness, case: Case) -> None:
    await case.approve()
    await case.attend(attendance(1))


async def _assessment(harness: Harness, case: Case) -> None:
    await case.to_assessment()


async def _remedial(harness: Harness, case: Case) -> None:
    await case.to_assessment()
    await case.assess_due(bk=FAILED)


async def _appeal_review(harness: Harness, case: Case) -> None:
    await _remedial(harness, case)
    await case.file_appeal()


async def _awaiting_appeal(harness: Harness, case: Case) -> None:
    await _remedial(harness, case)
    for _ in range(2):
        state = await case.at(Stage.REMEDIAL)
        await harness.skip_to(state.attempts[-1].decided_at + timedelta(days=14, hours=1))
        await case.at(Stage.ASSESSMENT)
        await case.assess_due(bk=FAILED)


async def _certification(harness: Harness, case: Case) -> None:
    harness.bnsp.answering = False
    await case.to_assessment()
    await case.assess_due()
    await case.until(lambda s: s.certification_ref is not None, "the BNSP submission")


async def _placement_review(harness: Harness, case: Case) -> None:
    pass


Setup = Callable[[Harness, Case], Awaitable[None]]


# How to bring a fresh case to each open stage.
SETUPS: dict[Stage, Setup] = {
    Stage.PLACEMENT_REVIEW: _placement_review,
    Stage.PLACEMENT_DEFERRED: _deferred,
    Stage.TRAINING: _training,
    Stage.ASSESSMENT: _assessment,
    Stage.REMEDIAL: _remedial,
    Stage.APPEAL_REVIEW: _appeal_review,
    Stage.AWAITING_APPEAL: _awaiting_appeal,
    Stage.CERTIFICATION: _certification,
}


@pytest.mark.parametrize("stage", list(SETUPS), ids=lambda stage: stage.value)
async def test_tpp_withdraws_an_open_enrolment_at_any_stage(harness: Harness, stage: Stage) -> None:
    case = await harness.start()
    await SETUPS[stage](harness, case)
    before = await case.at(stage)

    answered = await case.withdraw(withdrawal(reason="inmate chose the carpentry programme"))

    assert answered.outcome is Outcome.WITHDRAWN
    result = await case.result()
    assert (result.stage, result.outcome) == (Stage.CLOSED, Outcome.WITHDRAWN)
    assert result.closed_reason == "inmate chose the carpentry programme"
    # History and progress are kept, not reset.
    assert (result.attendance, result.attempts, result.appeals) == (
        before.attendance,
        before.attempts,
        before.appeals,
    )
    assert result.certificate is None
    [withdrawn] = case.events_of(EventKind.WITHDRAWN)
    assert (withdrawn.actor, withdrawn.decision) == (TPP, "withdraw")
    assert withdrawn.reason == "inmate chose the carpentry programme"
    last = case.events()[-1]
    assert last.kind is EventKind.CLOSED
    assert last.summary.outcome is Outcome.WITHDRAWN


async def test_only_the_tpp_of_the_upt_withdraws(harness: Harness) -> None:
    case = await harness.start()
    await case.approve()
    assert await case.refused(EnrolmentWorkflow.withdraw, withdrawal(CASEWORKER)) == "Forbidden"
    refusal = await case.refused(EnrolmentWorkflow.withdraw, withdrawal(TPP_OTHER_UPT))
    assert refusal == "Forbidden"


async def test_no_decision_is_taken_on_a_closed_enrolment(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A case that projects through activities (started before the local-projections patch):
    # its CLOSED write can be held outside any workflow task, so decisions arrive meanwhile.
    # A local projection runs inside the workflow task; a decision sent while it runs is
    # delivered once that task ends (by the SDK's heartbeat of a long one), then refused.
    monkeypatch.setattr(enrolment_case, "LOCAL_PROJECTIONS_PATCH", None)
    monkeypatch.setattr(enrolment_case, "STAGE_WRITE_PATCH", None)
    case = await harness.start()
    await case.to_assessment()
    # Hold the CLOSED projection: the case is closed but its workflow not yet finished.
    harness.projection.hold = EventKind.CLOSED
    await case.assess_due(bk=())
    await asyncio.wait_for(harness.projection.holding.wait(), timeout=10)
    assert (await case.state()).outcome is Outcome.CERTIFIED

    wf = EnrolmentWorkflow
    # settle=False: the CLOSED write is held, so the case cannot settle meanwhile.
    assert await case.refused(wf.withdraw, withdrawal(), settle=False) == "Conflict"
    assert await case.refused(wf.decide_placement, placement(), settle=False) == "Conflict"
    assert await case.refused(wf.record_attendance, attendance(1), settle=False) == "Conflict"
    assert await case.refused(wf.complete_module, module(MODULES[0]), settle=False) == "Conflict"
    assert (
        await case.refused(wf.complete_training, training_completion(), settle=False) == "Conflict"
    )
    assert await case.refused(wf.record_assessment, assessment(), settle=False) == "Conflict"
    assert await case.refused(wf.file_appeal, appeal(), settle=False) == "Conflict"
    reassess = appeal_decision(AppealOutcome.REASSESS)
    assert await case.refused(wf.decide_appeal, reassess, settle=False) == "Conflict"

    harness.projection.release.set()
    closed = await case.result()
    assert closed.outcome is Outcome.CERTIFIED
    # Once the workflow has finished, the server itself refuses further decisions.
    with pytest.raises(RPCError):
        await case.handle.execute_update(EnrolmentWorkflow.withdraw, withdrawal())
    assert await case.state() == closed


async def test_accepted_withdrawal_wins_over_a_certificate_arriving_meanwhile(
    harness: Harness,
) -> None:
    # The TPP withdraws while BNSP is being asked; BNSP then answers with a certificate.
    gate = asyncio.Event()
    harness.bnsp.gate = gate
    case = await harness.start()
    await case.to_assessment()
    await case.assess_due()
    await asyncio.wait_for(harness.bnsp.asked.wait(), timeout=10)

    withdrawing = asyncio.create_task(case.withdraw(withdrawal(reason="transferred abroad")))
    # The withdrawal is accepted (and projected) while the lookup is still out.
    await case.until(lambda _: bool(case.events_of(EventKind.WITHDRAWN)), "the accepted withdrawal")
    gate.set()
    answered = await withdrawing

    assert answered.outcome is Outcome.WITHDRAWN
    result = await case.result()
    assert result.outcome is Outcome.WITHDRAWN
    assert result.closed_reason == "transferred abroad"
    # What BNSP issued is not hidden: the record keeps the certificate it returned.
    assert result.certificate is not None
