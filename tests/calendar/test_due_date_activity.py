"""The compute_due_date activity: the calendar is read at run time, so workflows never are."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.working_calendar import CalendarActivities, WorkingCalendar
from config.settings import Settings
from domain.clock import WIB
from domain.tasks import DueDate, DueDateRequest

# Tuesday 17 March 2026, 10:00 in Jakarta, just before Nyepi and Eid al-Fitr.
BEFORE_EID = DueDateRequest(start=datetime(2026, 3, 17, 3, 0, tzinfo=UTC), working_days=2)


async def compute(settings: Settings, request: DueDateRequest) -> DueDate:
    activities = CalendarActivities(WorkingCalendar.from_settings(settings))
    return await ActivityEnvironment().run(activities.compute_due_date, request)


async def test_the_activity_returns_the_end_of_the_nth_working_day_in_jakarta() -> None:
    # 18:30 UTC Thursday 13 August is Friday 14 in Jakarta; +1 skips Independence Day (17).
    request = DueDateRequest(start=datetime(2026, 8, 13, 18, 30, tzinfo=UTC), working_days=1)
    result = await compute(Settings(), request)
    assert result.due_at == datetime(2026, 8, 19, 0, 0, tzinfo=WIB)


async def test_the_due_date_follows_the_collective_leave_configured_when_it_runs() -> None:
    # The same request gives a later due date once the Eid collective leave is decreed:
    # which is why a workflow asks an activity (recorded in history) and never computes it.
    without_leave = await compute(Settings(), BEFORE_EID)
    with_leave = await compute(
        Settings(
            collective_leave_days=[
                date(2026, 3, 18),
                date(2026, 3, 20),
                date(2026, 3, 23),
                date(2026, 3, 24),
            ]
        ),
        BEFORE_EID,
    )
    # Without leave: 18 and 20 March work (19 is Nyepi) -> end of Friday 20.
    assert without_leave.due_at == datetime(2026, 3, 21, 0, 0, tzinfo=WIB)
    # With leave: 25 and 26 March are the first two working days -> end of Thursday 26.
    assert with_leave.due_at == datetime(2026, 3, 27, 0, 0, tzinfo=WIB)


async def test_a_naive_start_fails_without_retrying() -> None:
    request = DueDateRequest(start=datetime(2026, 8, 13, 18, 30), working_days=1)
    with pytest.raises(ApplicationError) as failure:
        await compute(Settings(), request)
    assert failure.value.non_retryable


def test_sla_defaults_are_ten_working_days_per_reviewer_task_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().enrolment_policy.sla_working_days == {
        "placement_review": 10,
        "assessment": 10,
        "appeal_review": 10,
    }
    monkeypatch.setenv("SINERGI_ENROLMENT_POLICY__SLA_WORKING_DAYS", '{"placement_review": 5}')
    assert Settings().enrolment_policy.sla_working_days == {"placement_review": 5}
