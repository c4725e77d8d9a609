"""The TKA supervision reports on a real Postgres, from applications projected as the workflow
projects them (submission, then an active permit): each count follows from the rows written,
and an application from before province and sector existed counts as not recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from pydantic import ValidationError

from db import permits as permit_db
from db import supervision_reports as supervision
from domain.permit import EventKind, PermitApplication, PermitEvent, PermitSummary, Stage
from tests.workflows.permit_support import EMPLOYER, application

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
TODAY = date(2026, 12, 2)  # in Jakarta at NOW


def _summary(stage: Stage, valid_until: date | None) -> PermitSummary:
    fields: dict[str, object] = dict.fromkeys(PermitSummary.model_fields)
    fields.update(stage=stage, revision_rounds=0, exempt=False, valid_until=valid_until)
    return PermitSummary.model_validate(fields)


async def _permit(
    pool: asyncpg.Pool, app_id: str, province: str | None, sector: str | None,
    stage: Stage = Stage.ACTIVE, valid_until: date | None = None,
) -> None:  # fmt: skip
    where = {"province": province, "sector": sector}
    app = application(application_id=app_id).model_copy(update=where)
    events = [
        (1, EventKind.SUBMITTED, Stage.DOCUMENT_VERIFICATION, None, app),
        (2, EventKind.STAGE_CHANGED, stage, valid_until, None),
    ]
    async with pool.acquire() as conn:
        for seq, kind, at_stage, until, submitted in events:
            await permit_db.apply_event(conn, PermitEvent(
                event_id=f"{app_id}:{seq}", application_id=app_id, workflow_id=f"permit-{app_id}",
                seq=seq, kind=kind, at=NOW - timedelta(days=400 - seq),
                summary=_summary(at_stage, until), application=submitted,
                actor=EMPLOYER if submitted else None,
            ))  # fmt: skip


async def _task(
    pool: asyncpg.Pool, app_id: str, key: str, kind: str, due: datetime,
    closed: bool = False, escalated: bool = False,
) -> None:  # fmt: skip
    state = "cancelled" if closed else "escalated" if escalated else "open"
    await pool.execute(
        """INSERT INTO tasks (task_id, case_kind, case_id, workflow_id, kind, stage,
               required_role, scope_employer_nib, state, opened_at, due_at, escalated_at,
               routed_to_role, closed_at)
           VALUES ($1 || ':' || $2, 'tka_permit', $1, 'permit-' || $1, $3, 'active', 'employer',
                   '9120001234567', $4, $5::timestamptz - interval '30 days', $5,
                   CASE WHEN $6 THEN $5 END, CASE WHEN $6 THEN 'kemnaker_officer' END,
                   CASE WHEN $4 = 'cancelled' THEN $5 END)""",
        app_id, key, kind, state, due, escalated,
    )  # fmt: skip


async def test_active_permits_are_counted_by_province_and_sector(pool: asyncpg.Pool) -> None:
    await _permit(pool, "TKA-A1", "72", "B", valid_until=TODAY + timedelta(days=200))
    await _permit(pool, "TKA-A2", "72", "B", valid_until=TODAY + timedelta(days=20))
    await _permit(pool, "TKA-A3", "72", "C", valid_until=TODAY + timedelta(days=300))
    await _permit(pool, "TKA-A4", "31", "J", valid_until=TODAY + timedelta(days=300))
    await _permit(pool, "TKA-OLD", None, None, valid_until=TODAY + timedelta(days=300))
    await _permit(pool, "TKA-NEW", "31", "J", stage=Stage.FEASIBILITY)  # not active yet
    await _permit(pool, "TKA-END", "31", "J", stage=Stage.CLOSED)  # ended

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
    await _permit(pool, "TKA-E0", "72", "B", valid_until=TODAY)  # its last valid day
    await _permit(pool, "TKA-E1", "72", "B", valid_until=TODAY + timedelta(days=45))
    await _permit(pool, "TKA-E2", "36", "C", valid_until=TODAY + timedelta(days=90))
    await _permit(pool, "TKA-E3", "36", "C", valid_until=TODAY + timedelta(days=91))
    await _permit(pool, "TKA-E4", "36", "C", valid_until=TODAY - timedelta(days=1))
    await _task(pool, "TKA-E1", "ext-1", "extension_verification", NOW + timedelta(days=5))
    await _task(pool, "TKA-E2", "ext-1", "extension_approval", NOW, closed=True)  # decided

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
    await _permit(pool, "TKA-R1", "64", "B", valid_until=TODAY + timedelta(days=700))
    await _permit(pool, "TKA-R2", None, None, valid_until=TODAY + timedelta(days=700))
    await _task(pool, "TKA-R1", "annual-report-1", "annual_report", NOW - timedelta(days=10),
                escalated=True)  # fmt: skip
    await _task(pool, "TKA-R1", "annual-report-2", "annual_report", NOW + timedelta(days=3))
    await _task(pool, "TKA-R2", "annual-report-1", "annual_report", NOW - timedelta(days=2))
    await _task(pool, "TKA-R2", "annual-report-2", "annual_report", NOW - timedelta(days=40),
                closed=True)  # filed (or the permit ended): not overdue  # fmt: skip
    await _task(pool, "TKA-R2", "task:9", "document_verification", NOW - timedelta(days=50))

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
