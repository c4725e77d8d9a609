"""TKA permits projected as the workflow projects them (submission, then a stage), with
province and sector, and inbox tasks of theirs: the supervision reports' data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg

from db import permits as permit_db
from domain.permit import EventKind, PermitEvent, PermitSummary, Stage
from tests.workflows.permit_support import EMPLOYER, application

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def summary(stage: Stage, valid_until: date | None) -> PermitSummary:
    fields: dict[str, object] = dict.fromkeys(PermitSummary.model_fields)
    fields.update(stage=stage, revision_rounds=0, exempt=False, valid_until=valid_until)
    return PermitSummary.model_validate(fields)


async def permit(
    pool: asyncpg.Pool, app_id: str, province: str | None, sector: str | None,
    stage: Stage = Stage.ACTIVE, valid_until: date | None = None, now: datetime = NOW,
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
                seq=seq, kind=kind, at=now - timedelta(days=400 - seq),
                summary=summary(at_stage, until), application=submitted,
                actor=EMPLOYER if submitted else None,
            ))  # fmt: skip


async def task(
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
