"""The Indonesian working-day calendar, and the activity that computes SLA due dates.

Non-working days are the national public holidays known to the `holidays` package plus the
collective leave days ("cuti bersama") operators configure. Both change by decree, so the
calendar is read here, in an activity, and never inside a workflow: the due date a workflow
received is recorded in its history, and a calendar update (a new package release, a new
SINERGI_COLLECTIVE_LEAVE_DAYS) only affects due dates computed afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from config.settings import Settings
from domain.tasks import COMPUTE_DUE_DATE, DueDate, DueDateRequest
from domain.working_days import due_at

log = structlog.get_logger(__name__)

COUNTRY = "ID"


class WorkingCalendar:
    """Which dates are not working days in Indonesia (weekends are the caller's rule).

    National holidays are computed per year on first use and cached: the `holidays` package
    computes movable feasts (Eid, Vesak, Nyepi) per year, and a worker lives for years.
    Only the package's default "public" category is used; collective leave comes from
    configuration alone, so operators decide it and can correct it.
    """

    def __init__(self, collective_leave: Iterable[date] = ()) -> None:
        self._collective_leave = frozenset(collective_leave)
        self._holidays_by_year: dict[int, frozenset[date]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkingCalendar:
        return cls(settings.collective_leave_days)

    def national_holidays(self, year: int) -> frozenset[date]:
        cached = self._holidays_by_year.get(year)
        if cached is None:
            cached = frozenset(holidays.country_holidays(COUNTRY, years=year).keys())
            self._holidays_by_year[year] = cached
        return cached

    def is_collective_leave(self, day: date) -> bool:
        return day in self._collective_leave

    def __contains__(self, day: object) -> bool:
        """True for a national holiday or a collective leave day (a Container[date])."""
        if not isinstance(day, date):
            return False
        return day in self._collective_leave or day in self.national_holidays(day.year)


class CalendarActivities:
    def __init__(self, calendar: WorkingCalendar) -> None:
        self._calendar = calendar

    @activity.defn(name=COMPUTE_DUE_DATE)
    async def compute_due_date(self, request: DueDateRequest) -> DueDate:
        # due_at reads request.start as a Jakarta date before counting: 18:30Z on a Thursday
        # is already Friday in Jakarta.
        try:
            moment = due_at(request.start, request.working_days, self._calendar)
        except ValueError as error:
            # A malformed request (a naive start) cannot succeed on retry.
            raise ApplicationError(
                str(error), type="InvalidDueDateRequest", non_retryable=True
            ) from None
        result = DueDate(due_at=moment)
        log.debug(
            "due_date_computed",
            working_days=request.working_days,
            start=request.start.isoformat(),
            due_at=result.due_at.isoformat(),
        )
        return result
