"""After release: job placement's follow-up over 6 months, with the time-skipping server.

Check-ins at 1, 3 and 6 months are inbox tasks with working-day due dates that escalate when
overdue; the case closes at the last check-in or on a job confirmed held 3 months; without
consent it keeps the certificates and closes at once; each outcome is recorded by a Kemnaker
officer, and a wrong decision is refused before it enters history."""

from __future__ import annotations

from datetime import timedelta

from domain.errors import Refusal
from domain.identity import Ministry, Role
from domain.journey import HandoverReceiver, JourneyEventKind, JourneyStatus
from domain.placement import (
    CHECK_IN_TASK,
    CloseReason,
    OutcomeKind,
    PlacementEventKind,
    PlacementStatus,
    ReferralKind,
    placement_id_for,
    placement_workflow_id,
)
from tests.temporal_support import until
from tests.workflows.journey_support import JourneyCase, acknowledgement, release
from tests.workflows.placement_support import (
    CERTIFICATE,
    NOT_KEMNAKER,
    PlacementCase,
    check_in,
    contact,
    outcome,
    referral,
    today,
)
from tests.workflows.support import Harness
from workflows.journey import InmateJourneyWorkflow
from workflows.placement import PlacementWorkflow


async def test_a_job_confirmed_held_three_months_closes_the_follow_up_early(
    harness: Harness,
) -> None:
    case = await PlacementCase.start(harness)
    await case.update(PlacementWorkflow.record_contact, contact())
    await case.update(PlacementWorkflow.record_referral, referral())
    started = (await case.state()).started_at
    # Hired the day job placement took the handover over.
    hired = today(started)
    state = await case.update(
        PlacementWorkflow.record_outcome, outcome(OutcomeKind.EMPLOYED, start_date=hired)
    )
    assert state.outcome is not None and state.outcome.employer == "PT Kopi Nusantara"

    first = await case.to_check_in(1)
    [task] = [t for t in harness.tasks.open_now() if t.task_id == first.task_id]
    assert task.kind == CHECK_IN_TASK and task.case_kind == "placement"
    assert task.required_role is Role.KEMNAKER_OFFICER
    assert task.scope.ministry is Ministry.KEMNAKER
    # due in 10 Indonesian working days: two weekends at least lie in between
    assert task.due_at is not None
    assert first.opened_at + timedelta(days=12) <= task.due_at <= first.opened_at + timedelta(30)
    after_one = await case.record_check_in(check_in(1, job_confirmed=True))
    assert after_one.status is PlacementStatus.FOLLOWING_UP, "held one month only"

    await case.to_check_in(3)
    closed = await case.record_check_in(check_in(3, job_confirmed=True))
    assert closed.status is PlacementStatus.CLOSED
    assert closed.close_reason is CloseReason.JOB_HELD
    final = await case.closed()
    assert final.closed_at is not None and final.closed_at < started + timedelta(days=100)
    assert [c.month for c in final.check_ins] == [1, 3], "no 6-month check-in after closing"
    assert harness.tasks.open_now() == []
    assert harness.tasks.escalated == []
    kinds = [e.kind for e in case.events()]
    assert kinds[0] is PlacementEventKind.STARTED and kinds[-1] is PlacementEventKind.CLOSED
    assert [e.seq for e in case.events()] == list(range(1, len(kinds) + 1))
    decided = [c for c in harness.tasks.closed if c.task_id == first.task_id]
    assert decided[0].actor is not None and decided[0].reason == "called the person"


async def test_self_employed_runs_the_whole_six_months(harness: Harness) -> None:
    case = await PlacementCase.start(harness)
    for month in (1, 3):
        await case.to_check_in(month)
        await case.record_check_in(check_in(month))
    await case.update(PlacementWorkflow.record_outcome, outcome(OutcomeKind.SELF_EMPLOYED))
    await case.to_check_in(6)
    closed = await case.record_check_in(check_in(6))
    assert closed.status is PlacementStatus.CLOSED
    assert closed.close_reason is CloseReason.FOLLOW_UP_ENDED
    assert closed.outcome is not None and closed.outcome.outcome is OutcomeKind.SELF_EMPLOYED
    assert [c.month for c in closed.check_ins] == [1, 3, 6]
    assert all(c.recorded is not None for c in closed.check_ins)
    assert harness.tasks.open_now() == []


async def test_further_training_and_a_missed_check_in(harness: Harness) -> None:
    case = await PlacementCase.start(harness)
    await case.update(PlacementWorkflow.record_referral, referral(ReferralKind.BLK_COURSE))
    missed = await case.to_check_in(1)
    # nobody records the first check-in: it escalates, then the 3-month one replaces it
    await case.to_check_in(3)
    state = await case.state()
    first = next(c for c in state.check_ins if c.month == 1)
    assert first.escalated_at is not None and first.missed_at is not None
    cancelled = [c for c in harness.tasks.closed if c.task_id == missed.task_id]
    assert cancelled and cancelled[0].state.value == "cancelled"
    # a late record of the missed month is a conflict: month 3 is the open one
    assert await case.refused(PlacementWorkflow.record_check_in, check_in(1)) == Refusal.CONFLICT
    await case.record_check_in(check_in(3))
    await case.update(PlacementWorkflow.record_outcome, outcome(OutcomeKind.FURTHER_TRAINING))
    await case.to_check_in(6)
    closed = await case.record_check_in(check_in(6))
    assert closed.close_reason is CloseReason.FOLLOW_UP_ENDED
    assert closed.outcome is not None and closed.outcome.training is not None
    assert [k for k in (e.kind for e in case.events())].count(
        PlacementEventKind.CHECK_IN_MISSED
    ) == 1


async def test_not_reached_and_an_overdue_last_check_in_escalates_then_closes(
    harness: Harness,
) -> None:
    case = await PlacementCase.start(harness)
    for month in (1, 3):
        await case.to_check_in(month)
        await case.record_check_in(check_in(month, reached=False))
    await case.update(PlacementWorkflow.record_contact, contact(reached=False))
    await case.update(PlacementWorkflow.record_outcome, outcome(OutcomeKind.NOT_REACHED))
    last = await case.to_check_in(6)
    assert last.due_at is not None
    await harness.skip_to(last.due_at + timedelta(hours=1))
    await case.until(lambda s: s.check_ins[-1].escalated_at is not None, "the escalation")
    await case.until(lambda _: len(harness.tasks.escalated) == 1, "the escalation's task")
    [escalation] = harness.tasks.escalated
    assert escalation.task_id == last.task_id and escalation.routed_to is Role.SUPERVISOR
    assert "6-month check-in" in escalation.message
    # a late check-in still counts, and closes the follow-up
    closed = await case.record_check_in(check_in(6, reached=False))
    assert closed.close_reason is CloseReason.FOLLOW_UP_ENDED
    assert closed.outcome is not None and closed.outcome.outcome is OutcomeKind.NOT_REACHED
    assert len(harness.tasks.escalated) == 1, "escalated once"


async def test_the_last_check_in_never_recorded_closes_after_its_grace(harness: Harness) -> None:
    case = await PlacementCase.start(harness)
    last = await case.to_check_in(6)  # the earlier ones are missed
    assert last.due_at is not None
    await harness.skip_to(last.due_at + timedelta(days=31))
    closed = await case.closed()
    assert closed.close_reason is CloseReason.FOLLOW_UP_ENDED and closed.outcome is None
    assert all(c.missed_at is not None for c in closed.check_ins)
    assert harness.tasks.open_now() == []


async def test_without_consent_the_case_keeps_the_certificates_and_closes_at_once(
    harness: Harness,
) -> None:
    case = await PlacementCase.start(harness, consent=False)
    closed = await case.closed()
    assert closed.status is PlacementStatus.CLOSED
    assert closed.close_reason is CloseReason.NO_CONSENT
    assert closed.certificates == [CERTIFICATE]
    assert closed.check_ins == [] and harness.tasks.opened == []
    assert [e.kind for e in case.events()] == [
        PlacementEventKind.STARTED,
        PlacementEventKind.CLOSED,
    ]


async def test_wrong_decisions_are_refused_before_history(harness: Harness) -> None:
    case = await PlacementCase.start(harness)
    record_outcome = PlacementWorkflow.record_outcome
    wrong_ministry = contact().model_copy(update={"actor": NOT_KEMNAKER})
    assert await case.refused(PlacementWorkflow.record_contact, wrong_ministry) == Refusal.FORBIDDEN
    no_employer = outcome(OutcomeKind.EMPLOYED, start_date=today(await harness.now()))
    no_employer = no_employer.model_copy(update={"employer": None})
    assert await case.refused(record_outcome, no_employer) == Refusal.INVALID
    future = outcome(OutcomeKind.EMPLOYED, start_date=today(await harness.now()) + timedelta(9))
    assert await case.refused(record_outcome, future) == Refusal.INVALID
    stray = outcome(OutcomeKind.SELF_EMPLOYED, employer="PT Lain")
    assert await case.refused(record_outcome, stray) == Refusal.INVALID
    # no check-in is open before the first month
    assert await case.refused(PlacementWorkflow.record_check_in, check_in(1)) == Refusal.CONFLICT
    await case.to_check_in(1)
    confirmed = check_in(1, job_confirmed=True)
    assert await case.refused(PlacementWorkflow.record_check_in, confirmed) == Refusal.INVALID


async def test_job_placement_acknowledgement_starts_the_placement_case(harness: Harness) -> None:
    journey = await JourneyCase.start(harness)
    await journey.enrol()
    await journey.report(release())
    await journey.until(lambda s: s.status is JourneyStatus.HANDOVER, "the handover")
    await journey.quiet()
    # consent is job placement's to record, never the Bapas's
    bapas_consent = acknowledgement(HandoverReceiver.BAPAS).model_copy(
        update={"contact_consent": True}
    )
    refusal = await journey.refused(InmateJourneyWorkflow.acknowledge_handover, bapas_consent)
    assert refusal == Refusal.INVALID
    await journey.acknowledge(acknowledgement(HandoverReceiver.BAPAS))
    ended = await journey.acknowledge(acknowledgement(HandoverReceiver.JOB_PLACEMENT, consent=True))
    assert ended.status is JourneyStatus.ENDED
    placement_id = placement_id_for(journey.journey_id)
    handle = harness.env.client.get_workflow_handle(placement_workflow_id(placement_id))
    state = await handle.query(PlacementWorkflow.state)
    assert state.contact_consent and state.journey_id == journey.journey_id
    assert state.status is PlacementStatus.FOLLOWING_UP
    assert [e.kind for e in journey.events()][-2:] == [
        JourneyEventKind.PLACEMENT_STARTED,
        JourneyEventKind.ENDED,
    ]
    await journey.handle.result()
    # the journey's end leaves the placement running (ABANDON): its first check-in opens
    await harness.skip(timedelta(days=32))

    async def check_ins() -> int:
        return len((await handle.query(PlacementWorkflow.state)).check_ins)

    await until(check_ins, lambda n: n == 1, "the first check-in after the journey ended")
