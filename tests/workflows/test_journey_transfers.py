"""Transfers: the journey moves, an enrolment continues where its programme is offered and is
suspended where it is not, until the destination's TPP resumes or withdraws it. Progress and
history are kept; the new UPT's staff take over and the old UPT's lose access."""

from __future__ import annotations

from datetime import timedelta

from domain.custody import EnrolmentEffect, HoldChoice, HoldReviewInput
from domain.enrolment import EventKind, Outcome, Stage
from domain.errors import Refusal
from domain.identity import Actor, Role, Scope
from domain.reference import Programme
from tests.workflows.journey_support import JourneyCase, transfer
from tests.workflows.support import (
    CASEWORKER,
    CASEWORKER_OTHER_UPT,
    NO_PROGRAMME_UPT,
    OTHER_UPT,
    PROGRAMME,
    TPP,
    TPP_OTHER_UPT,
    UPT,
    Harness,
    attendance,
    placement,
)
from workflows.enrolment import EnrolmentWorkflow
from workflows.journey import InmateJourneyWorkflow


def _other_programme() -> Programme:
    return PROGRAMME.model_copy(update={"code": "WELDING-2025", "name": "Las dasar"})


TPP_NO_PROGRAMME_UPT = Actor(
    subject="tpp-tng-1", role=Role.TPP_MEMBER, scope=Scope(upt=NO_PROGRAMME_UPT)
)


async def test_an_enrolment_started_by_the_journey_is_linked_both_ways(harness: Harness) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    state = await journey.state()
    assert [e.enrolment_id for e in state.enrolments] == [case.enrolment_id]
    assert case.request.journey_workflow_id == journey.handle.id
    # one active enrolment per programme, checked by the journey before anything starts
    second = (await harness.request()).model_copy(update={"journey_workflow_id": journey.handle.id})
    assert await journey.refused(InmateJourneyWorkflow.enrol, second) == Refusal.CONFLICT
    # an enrolment requested at the UPT the inmate has left is refused too
    await journey.report(transfer(OTHER_UPT))
    third = (await harness.request()).model_copy(
        update={"journey_workflow_id": journey.handle.id, "programme": _other_programme()}
    )
    assert await journey.refused(InmateJourneyWorkflow.enrol, third) == Refusal.CONFLICT


async def test_transfer_where_the_programme_is_offered_moves_the_case_and_keeps_progress(
    harness: Harness,
) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    await case.approve()
    await case.attend(attendance(1))
    outcome = await journey.report(transfer(OTHER_UPT))
    assert [a.effect for a in outcome.enrolments] == [EnrolmentEffect.CONTINUES]
    state = await case.until(lambda s: s.upt_code == OTHER_UPT, "the case to move")
    await case.settled()
    state = await case.state()
    assert state.stage is Stage.TRAINING
    assert len(state.attendance) == 1, "progress is kept, never restarted"
    assert [(t.from_upt, t.to_upt, t.continued) for t in state.transfers] == [
        (UPT, OTHER_UPT, True)
    ]
    # the new UPT's caseworker records attendance; the old UPT's no longer can
    assert await case.refused(EnrolmentWorkflow.record_attendance, attendance(2)) == (
        Refusal.FORBIDDEN
    )
    await case.attend(attendance(2, actor=CASEWORKER_OTHER_UPT))
    assert (await journey.state()).upt_code == OTHER_UPT
    assert case.events_of(EventKind.TRANSFERRED)[0].summary.upt_code == OTHER_UPT


async def test_a_pending_placement_review_passes_to_the_destination_tpp(harness: Harness) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    await journey.report(transfer(OTHER_UPT))
    await case.until(lambda s: s.upt_code == OTHER_UPT, "the case to move")
    await case.settled()
    open_tasks = harness.tasks.open_now()
    assert [(t.kind, t.scope.upt) for t in open_tasks] == [("placement_review", OTHER_UPT)]
    cancelled = [c for c in harness.tasks.closed if c.reason and "transferred" in c.reason]
    assert len(cancelled) == 1, "the old UPT's task is withdrawn from its inbox"
    assert await case.refused(EnrolmentWorkflow.decide_placement, placement(actor=TPP)) == (
        Refusal.FORBIDDEN
    )
    await case.place(placement(actor=TPP_OTHER_UPT))
    await case.at(Stage.TRAINING)


async def test_transfer_where_it_is_not_offered_suspends_until_the_destination_resumes(
    harness: Harness,
) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    before = await case.approve()
    await case.attend(attendance(1))
    outcome = await journey.report(transfer(NO_PROGRAMME_UPT))
    assert [a.effect for a in outcome.enrolments] == [EnrolmentEffect.SUSPENDED]
    await case.at(Stage.SUSPENDED)
    await case.settled()
    assert [(t.kind, t.scope.upt) for t in harness.tasks.open_now()] == [
        ("transfer_review", NO_PROGRAMME_UPT)
    ]
    # nothing of the held stage can be done meanwhile
    entry = attendance(
        2, actor=CASEWORKER.model_copy(update={"scope": Scope(upt=NO_PROGRAMME_UPT)})
    )
    assert await case.refused(EnrolmentWorkflow.record_attendance, entry) == Refusal.CONFLICT
    # the old UPT's TPP cannot decide; the destination's can
    review = HoldReviewInput(actor=TPP, decision=HoldChoice.RESUME, reason="distance module")
    assert await case.refused(EnrolmentWorkflow.review_hold, review) == Refusal.FORBIDDEN
    await harness.skip(timedelta(days=10))
    resumed = await case.handle.execute_update(
        EnrolmentWorkflow.review_hold,
        HoldReviewInput(
            actor=TPP_NO_PROGRAMME_UPT, decision=HoldChoice.RESUME, reason="BLK instructor visits"
        ),
    )
    assert resumed.stage is Stage.TRAINING
    assert len(resumed.attendance) == 1
    assert resumed.planned_end >= before.planned_end + timedelta(days=10), "the clock stopped"
    decided = [c for c in harness.tasks.closed if c.decision == HoldChoice.RESUME.value]
    assert decided and decided[0].actor == TPP_NO_PROGRAMME_UPT


async def test_the_destination_tpp_may_withdraw_a_suspended_enrolment(harness: Harness) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    await case.approve()
    await journey.report(transfer(NO_PROGRAMME_UPT))
    await case.at(Stage.SUSPENDED)
    await case.settled()
    closed = await case.handle.execute_update(
        EnrolmentWorkflow.review_hold,
        HoldReviewInput(
            actor=TPP_NO_PROGRAMME_UPT, decision=HoldChoice.WITHDRAW, reason="not offered here"
        ),
    )
    assert closed.outcome is Outcome.WITHDRAWN
    state = await journey.until(
        lambda s: all(not e.active for e in s.enrolments), "the journey to hear of it"
    )
    record = state.enrolments[0].record
    assert record is not None and record.outcome is Outcome.WITHDRAWN
    assert harness.tasks.open_now() == []
