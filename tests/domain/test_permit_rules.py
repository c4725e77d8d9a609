"""Process B's pure rules and configuration: the permit calendar, working days counted back
from expiry, and the SIMPONI secret refused outside development."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from activities.working_calendar import WorkingCalendar
from config.settings import DEV_SIMPONI_SECRET, Environment, Settings
from domain.permit import PermitApplicationFields, PositionKind
from domain.permit_policy import PermitPolicy
from domain.permit_rules import (
    add_months,
    annual_report_due_dates,
    permit_valid_until,
    submission_problems,
)
from domain.working_days import subtract_working_days
from tests.live_settings import live_values


def test_a_permit_runs_to_the_day_before_the_same_date_months_later() -> None:
    assert permit_valid_until(date(2026, 3, 10), 12) == date(2027, 3, 9)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 12, 15), 2) == date(2028, 2, 15)


def test_annual_reports_fall_on_each_anniversary_before_expiry() -> None:
    start = date(2026, 3, 10)
    assert annual_report_due_dates(start, permit_valid_until(start, 24), 12) == [date(2027, 3, 10)]
    assert len(annual_report_due_dates(start, permit_valid_until(start, 60), 12)) == 4
    assert annual_report_due_dates(start, permit_valid_until(start, 12), 12) == []


def test_the_extension_reminder_counts_back_working_days_past_holidays() -> None:
    calendar = WorkingCalendar()
    # 2027-01-01 is New Year's Day: counting back from 4 January skips it and the weekend.
    assert subtract_working_days(date(2027, 1, 4), 1, calendar) == date(2026, 12, 31)
    assert subtract_working_days(date(2027, 1, 4), 0, calendar) == date(2027, 1, 4)


def test_every_broken_submission_rule_is_named_at_once() -> None:
    fields = PermitApplicationFields(
        position_title="  Human-Resources   Manager ",
        position_kind=PositionKind.MANAGER,
        tka_name="Jane Doe",
        passport_no="12",
        nationality="AU",
        duration_months=30,
        work_location="Jakarta",
    )
    problems = submission_problems(fields, PermitPolicy())
    assert len(problems) == 4, problems


def test_the_closed_positions_are_configuration() -> None:
    fields = PermitApplicationFields(
        position_title="Chief cook",
        position_kind=PositionKind.DIRECTOR,
        tka_name="Jane Doe",
        passport_no="E1234567",
        nationality="AU",
        duration_months=12,
        work_location="Bali",
    )
    assert submission_problems(fields, PermitPolicy()) == []
    policy = PermitPolicy(closed_positions=("chief cook",))
    assert "closed to foreign workers" in submission_problems(fields, policy)[0]


def test_the_development_simponi_secret_is_never_used_in_production() -> None:
    live = live_values(Environment.PRODUCTION)
    with pytest.raises(ValidationError, match="SINERGI_SIMPONI_CALLBACK_SECRET"):
        Settings(**live, simponi_callback_secret=DEV_SIMPONI_SECRET)
    assert Settings(**live).simponi_secret is None
    shared = Settings(**live, simponi_callback_secret="shared-with-simponi")
    assert shared.simponi_secret == "shared-with-simponi"
    assert Settings(environment=Environment.TEST).simponi_secret == DEV_SIMPONI_SECRET
