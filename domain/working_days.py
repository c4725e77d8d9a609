"""Indonesian working days: Monday to Friday, less national holidays and collective leave.

Pure functions over a set of non-working dates; the calendar itself (which dates are
holidays) lives in `activities/working_calendar.py`, because it changes by decree and is
read from a package and from configuration. Workflows never call these functions directly:
they ask the `compute_due_date` activity, whose answer is recorded in history, so a later
calendar change cannot alter a replay.

Due-date convention: a task due in n working days after a start moment is due at the *end*
of the n-th working day after the start's Jakarta date, the start day itself not counted.
"End of a day" is expressed as the first instant of the next Jakarta calendar day
(midnight WIB), so `due_at` is a single exclusive instant: the task is overdue from then on.
With n = 0 the task is due at the end of the start day.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, timedelta

from domain.clock import local_date, start_of

SATURDAY = 5  # date.weekday(): Monday 0 ... Sunday 6
_ONE_DAY = timedelta(days=1)


def is_working_day(day: date, non_working: Container[date]) -> bool:
    """Monday to Friday and not a holiday or collective leave day."""
    return day.weekday() < SATURDAY and day not in non_working


def add_working_days(start: date, n: int, non_working: Container[date]) -> date:
    """The n-th working day after `start` (start not counted); `start` itself when n is 0."""
    if n < 0:
        raise ValueError(f"a number of working days cannot be negative, got {n}")
    day = start
    remaining = n
    while remaining > 0:
        day += _ONE_DAY
        if is_working_day(day, non_working):
            remaining -= 1
    return day


def due_at(start: datetime, n: int, non_working: Container[date]) -> datetime:
    """Midnight WIB after the n-th working day following `start`'s Jakarta date."""
    if start.tzinfo is None:
        # A naive time would be read in the server's zone: refuse rather than guess.
        raise ValueError("the start of a due-date computation needs a time zone")
    last_day = add_working_days(local_date(start), n, non_working)
    return start_of(last_day + _ONE_DAY)


def subtract_working_days(end: date, n: int, non_working: Container[date]) -> date:
    """The working day n working days before `end` (end not counted); `end` when n is 0."""
    if n < 0:
        raise ValueError(f"a number of working days cannot be negative, got {n}")
    day = end
    remaining = n
    while remaining > 0:
        day -= _ONE_DAY
        if is_working_day(day, non_working):
            remaining -= 1
    return day
