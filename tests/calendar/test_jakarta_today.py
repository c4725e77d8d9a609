"""Every "today" a rule compares a date with is Jakarta's (`domain.clock.jakarta_today`):
from 00:00 to 07:00 WIB the UTC date is still the day before."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.clock import jakarta_today
from domain.enrolment import AwaitedWork
from domain.errors import DomainError
from domain.identity import Actor, Ministry, Role, Scope
from domain.permit import ArrivalRecord, PermitState, Stage
from domain.permit_rules import check_arrival

OFFICER = Actor(
    subject="imi-1", role=Role.IMIGRASI_OFFICER, scope=Scope(ministry=Ministry.IMIGRASI)
)


def test_the_jakarta_date_turns_at_17_00_utc() -> None:
    assert jakarta_today(datetime(2026, 12, 2, 16, 59, tzinfo=UTC)) == date(2026, 12, 2)
    assert jakarta_today(datetime(2026, 12, 2, 17, 0, tzinfo=UTC)) == date(2026, 12, 3)
    now = datetime.now(UTC)
    assert jakarta_today() in (jakarta_today(now), jakarta_today(datetime.now(UTC)))


def _awaiting_arrival(visa_at: datetime) -> PermitState:
    work = AwaitedWork(kind="arrival", role=Role.IMIGRASI_OFFICER,
                       scope=Scope(ministry=Ministry.IMIGRASI), since=visa_at)  # fmt: skip
    return PermitState(
        application_id="TKA-1", employer_nib="9120001234567", stage=Stage.AWAITING_ARRIVAL,
        awaiting=work,
    )  # fmt: skip


def test_an_arrival_on_the_jakarta_date_the_visa_was_issued_is_accepted() -> None:
    """The visa is issued at 00:30 WIB on 3 December (17:30 UTC on the 2nd); the TKA lands
    an hour later. The Jakarta date is accepted; the UTC date is refused, saying why."""
    visa_at = datetime(2026, 12, 2, 17, 30, tzinfo=UTC)
    state = _awaiting_arrival(visa_at)
    now = datetime(2026, 12, 2, 18, 30, tzinfo=UTC)
    check_arrival(state, _arrival(jakarta_today(now)), jakarta_today(now))
    with pytest.raises(DomainError) as refused:
        check_arrival(state, _arrival(now.date()), jakarta_today(now))
    assert "Jakarta date" in refused.value.message and "not the UTC one" in refused.value.message
    with pytest.raises(DomainError) as future:
        check_arrival(state, _arrival(date(2026, 12, 4)), jakarta_today(now))
    assert "today in Jakarta is 2026-12-03" in future.value.message


def _arrival(day: date) -> ArrivalRecord:
    return ArrivalRecord(actor=OFFICER, arrived_on=day, port_of_entry="CGK")
