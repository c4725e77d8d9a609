"""The TKA supervision reports the seeds ask for, from the permit read model
(`permit_applications`) and the inbox (`tasks`): active permits by province and sector,
permits expiring soon, and annual reports overdue.

"Active" is the read model's stage: the ITAS issued and the permit not ended (the workflow
closes it on the day after expiry). An application without a province or a sector (sent
before the fields existed) counts under "-" (`NOT_RECORDED`). No row carries the TKA's name
or passport: application ids, employer NIBs and codes only.
"""

from __future__ import annotations

from datetime import date, datetime

import asyncpg
from pydantic import BaseModel

from db.connect import Connection
from domain.permit import Stage
from domain.permit_life import (
    ANNUAL_REPORT_TASK,
    EXTENSION_APPROVAL_TASK,
    EXTENSION_VERIFICATION_TASK,
)
from domain.permit_supervision import NOT_RECORDED, province_name

_ACTIVE = f"a.stage = '{Stage.ACTIVE.value}' AND a.outcome IS NULL"


class ActivePermitsRow(BaseModel):
    """Active permits of one province and sector."""

    province_code: str
    province: str
    sector: str  # KBLI 2020 section letter
    active: int


async def active_permits(conn: Connection | asyncpg.Pool) -> list[ActivePermitsRow]:
    rows = await conn.fetch(
        f"""SELECT coalesce(a.province_code, $1) AS province_code,
                   coalesce(a.sector, $1) AS sector, count(*) AS active
              FROM permit_applications a
             WHERE {_ACTIVE}
             GROUP BY 1, 2
             ORDER BY 1, 2""",  # noqa: S608 - fixed names, values bound
        NOT_RECORDED,
    )
    return [ActivePermitsRow(**dict(r), province=province_name(r["province_code"])) for r in rows]


class ExpiringPermitRow(BaseModel):
    """One active permit whose validity ends within the window."""

    application_id: str
    employer_nib: str
    province_code: str
    province: str
    sector: str
    valid_until: date
    days_left: int  # calendar days from today (Jakarta) to the last valid day
    extension_under_review: bool  # an extension's verification or approval task is open


async def expiring_permits(
    conn: Connection | asyncpg.Pool, today: date, within_days: int
) -> list[ExpiringPermitRow]:
    rows = await conn.fetch(
        f"""SELECT a.application_id, a.employer_nib,
                   coalesce(a.province_code, $3) AS province_code,
                   coalesce(a.sector, $3) AS sector, a.valid_until,
                   a.valid_until - $1::date AS days_left,
                   EXISTS (SELECT 1 FROM tasks t
                            WHERE t.case_kind = 'tka_permit' AND t.case_id = a.application_id
                              AND t.kind = ANY($4::text[]) AND t.closed_at IS NULL)
                       AS extension_under_review
              FROM permit_applications a
             WHERE {_ACTIVE} AND a.valid_until >= $1::date
               AND a.valid_until <= $1::date + $2::integer
             ORDER BY a.valid_until, a.application_id""",  # noqa: S608 - fixed names
        today, within_days, NOT_RECORDED,
        [EXTENSION_VERIFICATION_TASK, EXTENSION_APPROVAL_TASK],
    )  # fmt: skip
    return [ExpiringPermitRow(**dict(r), province=province_name(r["province_code"])) for r in rows]


class OverdueAnnualReportRow(BaseModel):
    """One annual report the employer has not filed by its due date (its inbox task is
    still open). Permits that reached the active stage before the annual-report steps
    existed get reminders only, no task, and so never appear here."""

    application_id: str
    employer_nib: str
    province_code: str
    province: str
    sector: str
    year: int  # which year of the permit the report covers
    due_at: datetime
    days_overdue: int
    escalated: bool  # routed to Kemnaker's officers


async def overdue_annual_reports(
    conn: Connection | asyncpg.Pool, now: datetime
) -> list[OverdueAnnualReportRow]:
    rows = await conn.fetch(
        """SELECT a.application_id, a.employer_nib,
                  coalesce(a.province_code, $2) AS province_code,
                  coalesce(a.sector, $2) AS sector,
                  split_part(t.task_id, ':annual-report-', 2)::integer AS year,
                  t.due_at, extract(day FROM $1::timestamptz - t.due_at)::integer AS days_overdue,
                  t.escalated_at IS NOT NULL AS escalated
             FROM tasks t JOIN permit_applications a ON a.application_id = t.case_id
            WHERE t.kind = $3 AND t.closed_at IS NULL AND t.due_at < $1
              AND t.case_kind = 'tka_permit'
            ORDER BY t.due_at, a.application_id""",
        now, NOT_RECORDED, ANNUAL_REPORT_TASK,
    )  # fmt: skip
    return [
        OverdueAnnualReportRow(**dict(r), province=province_name(r["province_code"])) for r in rows
    ]
