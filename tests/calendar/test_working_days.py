"""Working days: Monday to Friday, less national holidays and collective leave (cuti bersama).

Holiday facts below were checked against holidays 0.109 (`country_holidays("ID", 2026)`):
2026-08-17 Independence Day (Monday); 2026-03-19 Day of Silence (Thursday);
2026-03-21/22 Eid al-Fitr (Saturday/Sunday). The 2026 Eid collective leave days
(2026-03-18, 20, 23, 24) are the package's "government" category, which we do not read:
operators configure collective leave, so the tests pass them in as settings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from activities.working_calendar import WorkingCalendar
from config.settings import Settings
from domain.clock import WIB
from domain.working_days import add_working_days, due_at, is_working_day

NO_HOLIDAYS: frozenset[date] = frozenset()
EID_2026_COLLECTIVE_LEAVE = [
    date(2026, 3, 18),
    date(2026, 3, 20),
    date(2026, 3, 23),
    date(2026, 3, 24),
]


def test_weekends_are_not_working_days() -> None:
    friday = date(2026, 8, 7)
    assert is_working_day(friday, NO_HOLIDAYS)
    assert not is_working_day(date(2026, 8, 8), NO_HOLIDAYS)  # Saturday
    assert not is_working_day(date(2026, 8, 9), NO_HOLIDAYS)  # Sunday
    assert add_working_days(friday, 1, NO_HOLIDAYS) == date(2026, 8, 10)  # Monday
    assert add_working_days(friday, 6, NO_HOLIDAYS) == date(2026, 8, 17)


def test_the_start_day_is_not_counted_and_zero_days_is_the_start_day() -> None:
    wednesday = date(2026, 8, 5)
    assert add_working_days(wednesday, 1, NO_HOLIDAYS) == date(2026, 8, 6)
    assert add_working_days(wednesday, 0, NO_HOLIDAYS) == wednesday
    saturday = date(2026, 8, 8)
    assert add_working_days(saturday, 0, NO_HOLIDAYS) == saturday


def test_a_negative_number_of_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2026, 8, 5), -1, NO_HOLIDAYS)


def test_independence_day_is_skipped() -> None:
    calendar = WorkingCalendar()
    assert date(2026, 8, 17) in calendar
    # Friday 14 August + 1 working day: Monday 17 is Independence Day, so Tuesday 18.
    assert add_working_days(date(2026, 8, 14), 1, calendar) == date(2026, 8, 18)


def test_a_collective_leave_day_from_settings_is_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SINERGI_COLLECTIVE_LEAVE_DAYS", '["2026-08-18"]')
    calendar = WorkingCalendar.from_settings(Settings())
    assert calendar.is_collective_leave(date(2026, 8, 18))
    # Friday 14: Monday 17 Independence Day, Tuesday 18 collective leave -> Wednesday 19.
    assert add_working_days(date(2026, 8, 14), 1, calendar) == date(2026, 8, 19)


def test_eid_al_fitr_2026_public_holidays_alone() -> None:
    calendar = WorkingCalendar()
    # From Wednesday 18 March: Thursday 19 is Nyepi, Friday 20 works, 21-22 weekend and Eid.
    assert add_working_days(date(2026, 3, 18), 1, calendar) == date(2026, 3, 20)
    assert add_working_days(date(2026, 3, 18), 2, calendar) == date(2026, 3, 23)


def test_eid_al_fitr_2026_with_its_collective_leave() -> None:
    calendar = WorkingCalendar(EID_2026_COLLECTIVE_LEAVE)
    # From Tuesday 17 March nothing works until Wednesday 25: 18 leave, 19 Nyepi, 20 leave,
    # 21-22 Eid on a weekend, 23-24 leave.
    assert add_working_days(date(2026, 3, 17), 1, calendar) == date(2026, 3, 25)
    assert add_working_days(date(2026, 3, 17), 3, calendar) == date(2026, 3, 27)


def test_due_at_is_midnight_wib_after_the_last_working_day() -> None:
    start = datetime(2026, 8, 12, 9, 0, tzinfo=WIB)  # Wednesday
    assert due_at(start, 2, WorkingCalendar()) == datetime(2026, 8, 15, 0, 0, tzinfo=WIB)
    # n = 0: due at the end of the start day itself.
    assert due_at(start, 0, WorkingCalendar()) == datetime(2026, 8, 13, 0, 0, tzinfo=WIB)


def test_the_start_is_read_as_a_jakarta_date() -> None:
    # 18:30 UTC on Thursday 13 August is 01:30 on Friday 14 August in Jakarta.
    start = datetime(2026, 8, 13, 18, 30, tzinfo=UTC)
    due = due_at(start, 1, WorkingCalendar())
    # Friday 14 + 1 working day skips Independence Day: due at the end of Tuesday 18.
    assert due == datetime(2026, 8, 19, 0, 0, tzinfo=WIB)
    assert due_at(datetime(2026, 8, 13, 16, 59, tzinfo=UTC), 1, WorkingCalendar()) == (
        datetime(2026, 8, 15, 0, 0, tzinfo=WIB)  # 23:59 Thursday in Jakarta -> Friday
    )


def test_a_start_without_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        due_at(datetime(2026, 8, 13, 18, 30), 1, WorkingCalendar())


def test_holidays_of_any_year_are_known_on_first_use() -> None:
    calendar = WorkingCalendar()
    assert date(2031, 8, 17) in calendar and date(2031, 1, 1) in calendar
    assert date(2031, 8, 18) not in calendar  # a Monday with no holiday
