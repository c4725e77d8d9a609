"""The TKA supervision reports on a real Postgres, from applications projected as the workflow
projects them (submission, then an active permit): each count follows from the rows written,
and an application from before province and sector existed counts as not recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from pydantic import ValidationError

from db import supervision_reports as supervision
from domain.permit import PermitApplication, Stage
from tests.db.supervision_data import permit, task
from tests.workflows.permit_support import application

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
TODAY = date(2026, 12, 2)  # in Jakarta at NOW


async def test_active_permits_are_counted_by_province_and_sector(pool: asyncpg.Pool) -> None:
    await permit(pool, "TKA-A1", "72", "B", valid_until=TODAY + timedelta(days=200))
    await permit(pool, "TKA-A2", "72", "B", valid_until=TODAY + timedelta(days=20))
    await permit(pool, "TKA-A3", "72", "C", valid_until=TODAY + timedelta(days=300))
    await permit(pool, "TKA-A4", "31", "J", valid_until=TODAY + timedelta(days=300))
    await permit(pool, "TKA-OLD", None, None, valid_until=TODAY + timedelta(days=300))
    await permit(pool, "TKA-NEW", "31", "J", stage=Stage.FEASIBILITY)  # not active yet
    await permit(pool, "TKA-END", "31", "J", stage=Stage.CLOSED)  # ended

    rows = await supervision.active_permits(pool)

    assert [(r.province_code, r.province, r.sector, r.active) for r in rows] == [
        ("-", "-", "-", 1),  # submitted before province and sector existed
        ("31", "DKI Jakarta", "J", 1),
        ("72", "Sulawesi Tengah", "B", 2),
        ("72", "Sulawesi Tengah", "C", 1),
    ]


async def test_permits_expiring_within_the_window_say_whether_an_extension_is_under_review(
    pool: asyncpg.Pool,
) -> None:
    await permit(pool, "TKA-E0", "72", "B", valid_until=TODAY)  # its last valid day
    await permit(pool, "TKA-E1", "72", "B", valid_until=TODAY + timedelta(days=45))
    await permit(pool, "TKA-E2", "36", "C", valid_until=TODAY + timedelta(days=90))
    await permit(pool, "TKA-E3", "36", "C", valid_until=TODAY + timedelta(days=91))
    await permit(pool, "TKA-E4", "36", "C", valid_until=TODAY - timedelta(days=1))
    await task(pool, "TKA-E1", "ext-1", "extension_verification", NOW + timedelta(days=5))
    await task(pool, "TKA-E2", "ext-1", "extension_approval", NOW, closed=True)  # decided

    rows = await supervision.expiring_permits(pool, TODAY, within_days=90)

    assert [(r.application_id, r.days_left, r.extension_under_review) for r in rows] == [
        ("TKA-E0", 0, False), ("TKA-E1", 45, True), ("TKA-E2", 90, False),
    ]  # fmt: skip
    assert rows[1].province == "Sulawesi Tengah" and rows[2].sector == "C"
    assert [r.application_id for r in await supervision.expiring_permits(pool, TODAY, 30)] == [
        "TKA-E0"
    ]


async def test_overdue_annual_reports_are_the_open_report_tasks_past_their_due_date(
    pool: asyncpg.Pool,
) -> None:
    await permit(pool, "TKA-R1", "64", "B", valid_until=TODAY + timedelta(days=700))
    await permit(pool, "TKA-R2", None, None, valid_until=TODAY + timedelta(days=700))
    await task(pool, "TKA-R1", "annual-report-1", "annual_report", NOW - timedelta(days=10),
                escalated=True)  # fmt: skip
    await task(pool, "TKA-R1", "annual-report-2", "annual_report", NOW + timedelta(days=3))
    await task(pool, "TKA-R2", "annual-report-1", "annual_report", NOW - timedelta(days=2))
    await task(pool, "TKA-R2", "annual-report-2", "annual_report", NOW - timedelta(days=40),
                closed=True)  # filed (or the permit ended): not overdue  # fmt: skip
    await task(pool, "TKA-R2", "task:9", "document_verification", NOW - timedelta(days=50))

    rows = await supervision.overdue_annual_reports(pool, NOW)

    assert [(r.application_id, r.year, r.days_overdue, r.escalated, r.province) for r in rows] == [
        ("TKA-R1", 1, 10, True, "Kalimantan Timur"), ("TKA-R2", 1, 2, False, "-"),
    ]  # fmt: skip


def test_an_application_names_a_known_province_and_kbli_section() -> None:
    fields = application().model_dump() | {"province": "36", "sector": "c"}
    assert PermitApplication.model_validate(fields).sector == "C"
    for wrong in ({"province": "99"}, {"province": "Banten"}, {"sector": "V"}):
        with pytest.raises(ValidationError):
            PermitApplication.model_validate(fields | wrong)
