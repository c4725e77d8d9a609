"""The active permit, over years by time skipping: annual-report reminders, the extension
reminder 30 working days before expiry, the natural end, early termination, and the
workflow continuing as new with its state; and the hand-off surviving a stopped Imigrasi."""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from activities.working_calendar import WorkingCalendar
from domain.clock import start_of
from domain.errors import Refusal
from domain.permit import EventKind, Outcome, ReminderKind, Stage
from domain.permit_policy import PermitPolicy
from domain.working_days import is_working_day, subtract_working_days
from tests.temporal_support import SETTLE_SECONDS, until
from tests.workflows.permit_support import (
    OTHER_EMPLOYER,
    PermitCase,
    PermitHarness,
    rptka,
    running_permit_harness,
    termination,
)
from workflows.permit import PermitWorkflow


async def test_reminders_come_once_each_and_the_permit_ends_at_expiry(
    permit_harness: PermitHarness,
) -> None:
    case = await permit_harness.start(duration_months=24)
    active = await case.to_active()
    valid_until = active.permit.valid_until
    assert valid_until is not None
    extension_on = subtract_working_days(valid_until, 30, WorkingCalendar())
    assert active.extension_reminder_on == extension_on
    assert is_working_day(extension_on, WorkingCalendar())

    await permit_harness.skip_to(start_of(extension_on) - timedelta(hours=1))
    await case.settled()
    kinds = [r.kind for r in permit_harness.recorder.reminders]
    assert kinds == [ReminderKind.ANNUAL_REPORT], "one annual report in a 2-year permit"

    await permit_harness.skip(timedelta(hours=2))
    await case.until(lambda s: len(s.reminders_sent) == 2, "the extension reminder")
    extension = permit_harness.recorder.reminders[-1]
    assert extension.kind is ReminderKind.EXTENSION
    assert extension.due_on == extension_on
    assert extension.employer_nib == case.application.employer_nib
    assert extension.message_id == f"permit-reminder:{case.application_id}:extension"

    await permit_harness.skip_to(start_of(valid_until + timedelta(days=1)) + timedelta(minutes=1))
    final = await case.result()
    assert final.outcome is Outcome.ENDED
    assert len(permit_harness.recorder.reminders) == 2
    assert [e.decision for e in case.events(EventKind.REMINDED)] == [
        "annual_report",
        "extension",
    ]


async def test_the_employer_terminates_early_and_gets_an_epo(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start()
    await case.to_active()
    await permit_harness.skip(timedelta(days=100))
    assert (
        await case.refused(PermitWorkflow.terminate, termination(OTHER_EMPLOYER))
        == Refusal.FORBIDDEN.value
    )
    ended = await case.handle.execute_update(PermitWorkflow.terminate, termination())
    assert ended.outcome is Outcome.TERMINATED
    assert ended.permit.epo_number is not None
    assert "employer" in (ended.closed_reason or "")


async def test_a_five_year_kek_permit_continues_as_new_and_keeps_its_state(
    permit_harness: PermitHarness,
) -> None:
    policy = PermitPolicy(continue_as_new_after_events=50)
    case = await permit_harness.start(duration_months=60, policy=policy)
    active = await case.to_active()
    assert active.continued == 0
    until = active.permit.valid_until
    assert until is not None
    await permit_harness.skip_to(start_of(until) - timedelta(days=1))
    state = await case.until(lambda s: len(s.reminders_sent) == 5, "4 annual + extension")
    assert state.continued >= 1, "the history passed 50 events: it should have continued"
    assert state.permit == active.permit
    assert [e.seq for e in case.events()] == list(range(1, state.event_count + 1))
    await permit_harness.skip(timedelta(days=2))
    final = await case.result()
    assert final.outcome is Outcome.ENDED
    keys = [r.message_id.rsplit(":", 1)[-1] for r in permit_harness.recorder.reminders]
    assert sorted(keys) == ["1", "2", "3", "4", "extension"], "each reminder exactly once"


async def test_a_five_year_permit_stays_far_below_the_history_limits(
    permit_harness: PermitHarness,
) -> None:
    case = await permit_harness.start(duration_months=60)
    active = await case.to_active()
    assert active.permit.valid_until is not None
    await permit_harness.skip_to(start_of(active.permit.valid_until) + timedelta(days=2))
    final = await case.result()
    assert final.outcome is Outcome.ENDED and final.continued == 0
    events = len((await case.handle.fetch_history()).events)
    assert events < 1000, f"{events} history events for one 5-year permit"


async def _parked_at_simkim_notify(case: PermitCase) -> None:
    """Parked at the hand-off: the SIMKIM notification is scheduled, nothing else pending."""

    async def pending() -> list[str]:
        activities = (await case.handle.describe()).raw_description.pending_activities
        return [a.activity_type.name for a in activities]

    await until(
        pending,
        lambda names: names == ["simkim_notify"],
        "the SIMKIM notification left waiting for Imigrasi",
        SETTLE_SECONDS,
    )


async def test_the_application_waits_at_the_hand_off_while_imigrasi_is_down(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    async with running_permit_harness(time_skipping_env, imigrasi=False) as permit_harness:
        case = await permit_harness.start()
        await case.to_payment()
        await case.pay()
        await case.handle.execute_update(PermitWorkflow.decide_rptka, rptka())
        await case.at(Stage.IMMIGRATION_CHECKS)
        await _parked_at_simkim_notify(case)
        waiting = await case.state()
        assert waiting.stage is Stage.IMMIGRATION_CHECKS
        assert not permit_harness.simkim.notifications
        async with permit_harness.imigrasi_worker():
            state = await case.at(Stage.VISA_DECISION)
            assert state.checks is not None
            await case.settled()
        assert len(permit_harness.simkim.notifications) == 1, "nothing lost, nothing sent twice"
