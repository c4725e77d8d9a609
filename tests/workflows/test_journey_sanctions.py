"""Sanctions (register F): training pauses for the sanction's duration and resumes after,
with its clocks moved on; past the threshold (30 days by default) the TPP decides continue
or withdraw."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import local_date
from domain.custody import HoldChoice, HoldReviewInput
from domain.enrolment import AppealOutcome, EventKind, Outcome, Stage
from domain.errors import Refusal
from tests.workflows.journey_support import JourneyCase, lifted, sanction
from tests.workflows.support import TPP, UNITS, Harness, appeal_decision, attendance
from workflows.enrolment import EnrolmentWorkflow
from workflows.journey import InmateJourneyWorkflow


async def test_a_dated_sanction_pauses_training_and_moves_its_planned_end(
    harness: Harness,
) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    before = await case.approve()
    until = local_date(await harness.now()) + timedelta(days=10)
    await journey.report(sanction("F-001", until=until))
    await case.at(Stage.PAUSED)
    await case.settled()
    assert harness.tasks.open_now() == [], "a short sanction asks nobody to decide"
    assert await case.refused(EnrolmentWorkflow.record_attendance, attendance(1)) == (
        Refusal.CONFLICT
    )
    await harness.skip(timedelta(days=11))
    resumed = await case.at(Stage.TRAINING)
    assert resumed.planned_end >= before.planned_end + timedelta(days=10)
    await case.settled()
    assert [t.kind for t in harness.tasks.open_now()] == ["training_completion"]
    kinds = [e.kind for e in case.events()]
    assert EventKind.HELD in kinds and EventKind.HOLD_LIFTED in kinds
    await case.attend(attendance(1))


async def test_an_open_ended_sanction_goes_to_the_tpp_past_the_threshold(
    harness: Harness,
) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    await case.approve()
    await journey.report(sanction("F-002"))
    await case.at(Stage.PAUSED)
    await harness.skip(timedelta(days=29))
    await case.settled()
    assert harness.tasks.open_now() == []
    await harness.skip(timedelta(days=2))
    state = await case.until(lambda s: s.awaiting is not None, "the sanction review")
    assert state.awaiting is not None and state.awaiting.kind == "sanction_review"
    assert state.awaiting.scope.upt == state.upt_code
    await case.settled()
    # continue: the pause lasts until the sanction ends
    kept = await case.handle.execute_update(
        EnrolmentWorkflow.review_hold,
        HoldReviewInput(actor=TPP, decision=HoldChoice.RESUME, reason="good conduct since"),
    )
    assert kept.stage is Stage.PAUSED and kept.awaiting is None
    assert kept.holds[0].reviewed_by == TPP
    await journey.report(lifted("F-002"))
    await case.at(Stage.TRAINING)


async def test_a_sanction_declared_past_the_threshold_is_decided_at_once(
    harness: Harness,
) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    await case.approve()
    until = local_date(await harness.now()) + timedelta(days=60)
    await journey.report(sanction("F-003", until=until))
    state = await case.until(
        lambda s: s.awaiting is not None and s.awaiting.kind == "sanction_review",
        "the sanction review",
    )
    assert state.stage is Stage.PAUSED
    await case.settled()
    closed = await case.handle.execute_update(
        EnrolmentWorkflow.review_hold,
        HoldReviewInput(actor=TPP, decision=HoldChoice.WITHDRAW, reason="60 days in isolation"),
    )
    assert closed.outcome is Outcome.WITHDRAWN
    assert harness.tasks.open_now() == []


async def test_a_sanction_during_remedial_moves_the_reassessment_on(harness: Harness) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    await case.to_assessment()
    remedial = await case.assess_due(bk=(UNITS[0],))
    assert remedial.stage is Stage.REMEDIAL
    reassess_at = remedial.attempts[-1].decided_at + timedelta(days=14)
    await harness.skip(timedelta(days=5))
    until = local_date(await harness.now()) + timedelta(days=7)
    await journey.report(sanction("F-004", until=until))
    await case.at(Stage.PAUSED)
    await harness.skip_to(reassess_at + timedelta(hours=1))
    state = await case.at(Stage.REMEDIAL)  # not yet: the remedial clock stood still a week
    assert state.stage is Stage.REMEDIAL
    await harness.skip(timedelta(days=7))
    await case.at(Stage.ASSESSMENT)


async def test_impossible_sanction_events_are_refused(harness: Harness) -> None:
    journey = await JourneyCase.start(harness)
    await journey.enrol()
    update = InmateJourneyWorkflow.record_custody_event
    assert await journey.refused(update, lifted("F-NOPE")) == Refusal.CONFLICT
    await journey.report(sanction("F-005"))
    assert await journey.refused(update, sanction("F-005")) == Refusal.CONFLICT


async def test_a_hold_before_an_upheld_appeal_still_moves_the_remedial_period_on(
    harness: Harness,
) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    await case.to_assessment()
    remedial = await case.assess_due(bk=(UNITS[0],))
    decided = remedial.attempts[-1].decided_at
    await harness.skip(timedelta(days=2))
    until = local_date(await harness.now()) + timedelta(days=5)
    await journey.report(sanction("F-006", until=until))
    await case.at(Stage.PAUSED)
    await harness.skip(timedelta(days=6))
    await case.at(Stage.REMEDIAL)
    await case.settled()
    await case.file_appeal()
    await case.settled()
    await case.decide_appeal(appeal_decision(AppealOutcome.UPHOLD))
    await case.at(Stage.REMEDIAL)
    # The remedial period (14 days) stood still during the sanction (about 5 days).
    await harness.skip_to(decided + timedelta(days=14, hours=1))
    await case.settled()
    assert (await case.state()).stage is Stage.REMEDIAL
    await harness.skip_to(decided + timedelta(days=14 + 7))
    await case.at(Stage.ASSESSMENT)
