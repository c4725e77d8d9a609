"""An active permit's read-model row, for the notices about permits (the row carries the
foreign worker's name and passport, which no notice may repeat)."""

from __future__ import annotations

from datetime import date

import asyncpg

NIB = "9120001234567"
IDENTIFYING = ("John", "Smith", "X1234567")


async def active_permit(
    pool: asyncpg.Pool, application_id: str, valid_until: date, nib: str = NIB
) -> None:
    await pool.execute(
        """INSERT INTO permit_applications (application_id, workflow_id, employer_nib,
               position_title, position_kind, tka_name, passport_no, nationality,
               duration_months, work_location, in_kek, employer_category, stage, valid_until,
               submitted_by, submitted_at, updated_at)
           VALUES ($1, 'permit-' || $1, $2, 'Engineer', 'technical', 'John Smith',
                   'X1234567', 'JP', 12, 'Jakarta', false, 'commercial', 'active', $3,
                   'hrd', now(), now())""",
        application_id, nib, valid_until,
    )  # fmt: skip
