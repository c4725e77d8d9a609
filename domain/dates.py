"""Dates a person or a system sends, bounded to a plausible window around now.

A date far in the past or future is a typo or an attack, never a fact Sinergi can act on
(a payment dated 9999-12-31 once moved a permit on). Every date field of a request is one of
these types: at most `PAST_YEARS` back and `FUTURE_YEARS` ahead of today (UTC); what happened
already (a payment) is at most `CLOCK_SKEW` ahead of now. "Now" is `domain.clock.now_utc()`:
a model built inside a workflow is checked against the workflow's clock, so its replay
decides as its run did. The rules of each process narrow
further (a deferral after today, an arrival not in the future).

What a Temporal history already holds is read as it was written (domain/text.py, RECORDED).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, ValidationInfo

from domain.clock import now_utc
from domain.text import RECORDED

PAST_YEARS = 30
FUTURE_YEARS = 10
CLOCK_SKEW = timedelta(hours=24)  # time zones and clocks: "now" somewhere in Indonesia


def window(today: date) -> tuple[date, date]:
    return (
        today.replace(year=today.year - PAST_YEARS, day=min(today.day, 28)),
        today.replace(year=today.year + FUTURE_YEARS, day=min(today.day, 28)),
    )


def _recorded(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get(RECORDED))


def _check_date(value: date, info: ValidationInfo) -> date:
    if _recorded(info):
        return value
    earliest, latest = window(now_utc().date())
    if not earliest <= value <= latest:
        raise ValueError(f"must be between {earliest} and {latest}")
    return value


def _check_datetime(value: datetime, info: ValidationInfo) -> datetime:
    _check_date(value.astimezone(UTC).date(), info)
    return value


def _check_happened(value: datetime, info: ValidationInfo) -> datetime:
    if _recorded(info):
        return value
    _check_datetime(value, info)
    latest = now_utc() + CLOCK_SKEW
    if value > latest:
        raise ValueError(f"is in the future: it must be before {latest:%Y-%m-%dT%H:%M}Z")
    return value


PlausibleDate = Annotated[date, AfterValidator(_check_date)]
PlausibleDatetime = Annotated[AwareDatetime, AfterValidator(_check_datetime)]
HappenedAt = Annotated[AwareDatetime, AfterValidator(_check_happened)]  # already happened
