"""Stage 3, training: attendance, modules, the 80% / every-module gate and the overrun."""

from __future__ import annotations

from datetime import timedelta

from domain.enrolment import EventKind, Stage
from domain.identity import Role
from tests.workflows.support import (
    CASEWORKER,
    CASEWORKER_OTHER_UPT,
    INSTRUCTOR,
    INSTRUCTOR_NOT_KEMNAKER,
    MODULES,
    PROGRAMME,
    TPP,
    Harness,
    attendance,
    module,
    training_completion,
)
from workflows.enrolment import EnrolmentWorkflow


async def test_caseworker_of_the_upt_and_kemnaker_instructor_record_attendance(
    harness: Harness,
) -> None:
    case = await harness.start()
    await case.approve()

    await case.attend(attendance(1, actor=CASEWORKER))
    state = await case.attend(attendance(2, actor=INSTRUCTOR, present=False))

    assert [(a.session_no, a.present, a.recorded_by) for a in state.attendance] == [
        (1, True, CASEWORKER.subject),
        (2, False, INSTRUCTOR.subject),
    ]
    assert state.attendance_present == 1
    await case.settled()
    recorded = case.events_of(EventKind.ATTENDANCE_RECORDED)
    assert [e.actor for e in recorded] == [CASEWORKER, INSTRUCTOR]
    assert recorded[-1].summary.attendance_recorded == 2


async def test_attendance_is_recorded_only_by_staff_in_scope(harness: Harness) -> None:
    case = await harness.start()
    await case.approve()
    update = EnrolmentWorkflow.record_attendance
    assert await case.refused(update, attendance(1, actor=CASEWORKER_OTHER_UPT)) == "Forbidden"
    assert await case.refused(update, attendance(1, actor=INSTRUCTOR_NOT_KEMNAKER)) == "Forbidden"
    assert await case.refused(update, attendance(1, actor=TPP)) == "Forbidden"


async def test_attendance_waits_for_training_to_start(harness: Harness) -> None:
    case = await harness.start()
    assert await case.refused(EnrolmentWorkflow.record_attendance, attendance(1)) == "Conflict"


async def test_attendance_for_a_session_is_recorded_once(harness: Harness) -> None:
    case = await harness.start()
    await case.approve()
    await case.attend(attendance(3))
    refusal = await case.refused(EnrolmentWorkflow.record_attendance, attendance(3, present=False))
    assert refusal == "Conflict"


async def test_session_beyond_the_programme_count_is_invalid(harness: Harness) -> None:
    case = await harness.start()
    await case.approve()
    beyond = attendance(PROGRAMME.session_count + 1)
    assert await case.refused(EnrolmentWorkflow.record_attendance, beyond) == "Invalid"
    await case.attend(attendance(PROGRAMME.session_count))


async def test_modules_are_completed_by_the_kemnaker_instructor_only(harness: Harness) -> None:
    case = await harness.start()
    await case.approve()
    update = EnrolmentWorkflow.complete_module
    assert await case.refused(update, module(MODULES[0], actor=CASEWORKER)) == "Forbidden"
    refusal = await case.refused(update, module(MODULES[0], actor=INSTRUCTOR_NOT_KEMNAKER))
    assert refusal == "Forbidden"
    assert await case.refused(update, module("NOT-A-MODULE")) == "Invalid"

    state = await case.complete_module(module(MODULES[0]))
    assert state.modules_completed == [MODULES[0]]
    assert await case.refused(update, module(MODULES[0])) == "Conflict"
    await case.settled()
    [completed] = case.events_of(EventKind.MODULE_COMPLETED)
    assert (completed.module_code, completed.actor) == (MODULES[0], INSTRUCTOR)


async def test_training_cannot_complete_below_80_percent_attendance(harness: Harness) -> None:
    case = await harness.start()
    await case.approve()
    await case.train(present=7)

    refusal = await case.refused(EnrolmentWorkflow.complete_training, training_completion())
    assert refusal == "Conflict"
    assert (await case.state()).stage is Stage.TRAINING


async def test_training_cannot_complete_with_a_module_missing(harness: Harness) -> None:
    case = await harness.start()
    await case.approve()
    for session in range(1, PROGRAMME.session_count + 1):
        await case.attend(attendance(session))
    await case.complete_module(module(MODULES[0]))

    refusal = await case.refused(EnrolmentWorkflow.complete_training, training_completion())
    assert refusal == "Conflict"

    await case.complete_module(module(MODULES[1]))
    await case.complete_training()
    await case.at(Stage.ASSESSMENT)


async def test_training_completes_at_exactly_80_percent_with_every_module(
    harness: Harness,
) -> None:
    case = await harness.start()
    await case.approve()
    await case.train(present=8)
    # Only the Kemnaker instructor closes training.
    refusal = await case.refused(
        EnrolmentWorkflow.complete_training, training_completion(actor=CASEWORKER)
    )
    assert refusal == "Forbidden"

    await case.complete_training()

    state = await case.at(Stage.ASSESSMENT)
    assert state.attendance_present == 8
    assert state.training_completed_at is not None
    assert state.awaiting is not None and state.awaiting.role is Role.LSP_ASSESSOR
    await case.settled()
    [completed] = case.events_of(EventKind.TRAINING_COMPLETED)
    assert completed.actor == INSTRUCTOR
    assert completed.decision == "complete_training"


async def test_training_overrun_escalates_once_to_the_kemnaker_officer(harness: Harness) -> None:
    case = await harness.start(await harness.request(training_days=5))
    state = await case.approve()
    assert state.awaiting is not None and state.awaiting.due is not None
    grace_ends = state.awaiting.due  # the first instant after planned end + 14 days
    assert grace_ends.date() >= state.planned_end + timedelta(days=14)

    await harness.skip_to(grace_ends - timedelta(hours=1))
    await case.settled()
    assert case.events_of(EventKind.ESCALATED) == []

    await harness.skip(timedelta(hours=2))
    state = await case.until(lambda s: len(s.escalations) == 1, "the overrun escalation")
    await harness.skip(timedelta(days=30))  # still open a month later: no second escalation
    await case.settled()
    [escalated] = case.events_of(EventKind.ESCALATED)
    assert escalated.escalation is not None
    assert escalated.escalation.kind == "training_overrun"
    assert escalated.escalation.routed_to is Role.KEMNAKER_OFFICER
    assert (await case.state()).escalations == state.escalations

    # A late completion is still a completion.
    await case.train()
    await case.complete_training()
    await case.at(Stage.ASSESSMENT)
