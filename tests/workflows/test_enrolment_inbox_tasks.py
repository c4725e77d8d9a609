"""Every wait on a person is an inbox task: opened with its due date, escalated once when
overdue, closed when the wait ends (decided, with who and why, or cancelled)."""

from __future__ import annotations

from datetime import date, timedelta

from temporalio.testing import WorkflowEnvironment

from activities.working_calendar import WorkingCalendar
from domain.clock import local_date
from domain.enrolment import EventKind, Outcome, Stage
from domain.identity import Role
from domain.tasks import TaskState
from domain.working_days import due_at, is_working_day
from tests.workflows.support import TPP, UPT, Harness, placement, running_harness


async def test_a_wait_on_a_person_opens_one_task_and_the_decision_closes_it(
    harness: Harness,
) -> None:
    case = await harness.start()
    await case.settled()
    [task] = harness.tasks.open_now()
    state = await case.state()
    assert (task.kind, task.required_role, task.scope.upt) == (
        "placement_review",
        Role.TPP_MEMBER,
        UPT,
    )
    assert task.case_id == case.enrolment_id
    assert state.awaiting is not None and task.due_at == state.awaiting.due
    assert task.due_at is not None
    assert task.due_at - task.opened_at >= timedelta(days=12)  # 10 working days, 2 weekends

    await case.approve()
    await case.settled()
    [closed] = harness.tasks.closed
    assert closed.task_id == task.task_id
    assert closed.state is TaskState.DECIDED
    assert closed.decision == "approve"
    assert closed.actor == TPP
    assert closed.reason == placement().reason
    [training] = harness.tasks.open_now()
    assert (training.kind, training.required_role) == (
        "training_completion",
        Role.KEMNAKER_INSTRUCTOR,
    )


async def test_an_overdue_task_escalates_once_to_the_supervisor_and_can_still_be_decided(
    harness: Harness,
) -> None:
    case = await harness.start()
    await case.settled()
    [task] = harness.tasks.open_now()
    assert task.due_at is not None
    await harness.skip_to(task.due_at - timedelta(hours=1))
    await case.settled()
    assert harness.tasks.escalated == []

    await harness.skip(timedelta(hours=2))
    await case.until(lambda _: len(harness.tasks.escalated) == 1, "the escalation")
    await harness.skip(timedelta(days=10))
    await case.settled()
    [escalation] = harness.tasks.escalated
    assert (escalation.task_id, escalation.routed_to) == (task.task_id, Role.SUPERVISOR)
    assert "overdue" in escalation.message

    await case.approve()
    await case.settled()
    assert harness.tasks.closed[0].state is TaskState.DECIDED


async def test_a_collective_leave_day_pushes_the_due_date_and_the_escalation(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    start_day = local_date(await time_skipping_env.get_current_time())
    national = WorkingCalendar()
    leave = start_day + timedelta(days=1)
    while not is_working_day(leave, national):
        leave += timedelta(days=1)
    async with running_harness(time_skipping_env, WorkingCalendar([leave])) as harness:
        case = await harness.start()
        await case.settled()
        [task] = harness.tasks.open_now()
        assert task.due_at is not None
        due_without_leave = due_at(task.opened_at, 10, national)
        assert task.due_at > due_without_leave  # one more working day

        await harness.skip_to(due_without_leave + timedelta(hours=1))
        await case.settled()
        assert harness.tasks.escalated == [], "escalated although the leave day was a day off"

        await harness.skip_to(task.due_at + timedelta(hours=1))
        await case.until(lambda _: len(harness.tasks.escalated) == 1, "the escalation")
        assert isinstance(leave, date)


async def test_withdrawal_cancels_the_open_task(harness: Harness) -> None:
    case = await harness.start()
    await case.settled()
    [task] = harness.tasks.open_now()
    await case.withdraw()
    await case.settled()
    [closed] = harness.tasks.closed
    assert (closed.task_id, closed.state) == (task.task_id, TaskState.CANCELLED)
    assert closed.reason is not None and closed.reason.startswith("withdrawn: ")
    assert harness.tasks.open_now() == []


async def test_overdue_training_escalates_its_task_to_the_kemnaker_officer(
    harness: Harness,
) -> None:
    case = await harness.start()
    await case.approve()
    await case.settled()
    [task] = harness.tasks.open_now()
    assert task.due_at is not None
    await harness.skip_to(task.due_at + timedelta(hours=1))
    await case.until(lambda _: len(harness.tasks.escalated) == 1, "the task escalation")
    await case.settled()
    assert harness.tasks.escalated[0].routed_to is Role.KEMNAKER_OFFICER
    assert len(case.events_of(EventKind.ESCALATED)) == 1  # the case's own record of it


async def test_a_certified_case_leaves_no_open_task(harness: Harness) -> None:
    case = await harness.start()
    await case.to_assessment()
    await case.assess_due()
    result = await case.result()
    assert result.outcome is Outcome.CERTIFIED
    assert harness.tasks.open_now() == []
    kinds = [o.kind for o in harness.tasks.opened]
    assert kinds == ["placement_review", "training_completion", "assessment"]
    assert [(c.state, c.decision) for c in harness.tasks.closed] == [
        (TaskState.DECIDED, "approve"),
        (TaskState.DECIDED, "complete_training"),
        (TaskState.DECIDED, "competent"),
    ]
    assert (await case.state()).stage is Stage.CLOSED
