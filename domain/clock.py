"""Calendar dates as the ministries read them.

Dates (a deferral, a planned end, a release, an arrival) are Jakarta dates (WIB, UTC+7, no
daylight saving), so a fixed offset is exact and needs no time-zone database inside
workflows. Every "today" a rule compares a date with is `jakarta_today()`: between 00:00 and
07:00 WIB the UTC date is still yesterday, so a client sending its UTC "today" then sends
the day before.

"Now" is `now_utc()`: inside a workflow the workflow's clock (`workflow.now()`, the same on
every replay), elsewhere the wall clock. Code that workflows import reads the clock only
through it (tests/workers/test_determinism_check.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from temporalio import workflow

WIB = timezone(timedelta(hours=7), "WIB")


def local_date(moment: datetime) -> date:
    return moment.astimezone(WIB).date()


def start_of(day: date) -> datetime:
    """The first instant of a Jakarta calendar day."""
    return datetime.combine(day, time(0), tzinfo=WIB)


def now_utc() -> datetime:
    """This moment: the workflow's clock inside a workflow, the wall clock elsewhere."""
    return workflow.now() if workflow.in_workflow() else datetime.now(UTC)


def jakarta_today(now: datetime | None = None) -> date:
    """The Jakarta calendar date at `now` (default: this moment, `now_utc()`)."""
    return local_date(now if now is not None else now_utc())
