"""Calendar dates as the ministries read them.

Dates (a deferral, a planned end, a release) are Jakarta dates (WIB, UTC+7, no daylight
saving), so a fixed offset is exact and needs no time-zone database inside workflows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")


def local_date(moment: datetime) -> date:
    return moment.astimezone(WIB).date()


def start_of(day: date) -> datetime:
    """The first instant of a Jakarta calendar day."""
    return datetime.combine(day, time(0), tzinfo=WIB)
