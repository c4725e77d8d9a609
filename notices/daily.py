"""The daily notices: each active person's digest of open and overdue tasks, and the
employers' notices of permits about to end. A Temporal Schedule starts the workflow once a
day (workers/schedules.py); the workflow asks one activity to write the day's outbox rows.

Every row is keyed by what it is about and the Jakarta day (`digest:{subject}:{day}`,
`permit-expiring:{application}:{end date}`), so a second run of the same day (a retry, a
manual trigger, a catch-up) writes nothing new and nothing is sent twice.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

WRITE_DAILY_NOTICES = "write_daily_notices"  # the activity
DAILY_NOTICES_SCHEDULE_ID = "sinergi-daily-notices"


class DailyNoticesRequest(BaseModel):
    """What the schedule starts the workflow with (settings at the time the worker started)."""

    expiring_within_days: int = Field(default=14, ge=1)  # permits ending within: announced


class DailyNoticesDay(BaseModel):
    """The activity's input: the day (Jakarta) and the moment tasks are judged overdue at."""

    day: date
    now: datetime
    expiring_within_days: int


class DailyNoticesOutcome(BaseModel):
    day: date
    digests: int  # rows newly written: 0 on a second run of the day
    permits_expiring: int
