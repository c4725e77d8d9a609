"""What operators watch, read from Postgres at scrape time (api/metrics.py): a few cheap
aggregate queries over the read model, the inbox, the outbox and the audit trail's records.
Counts only: no case id, no person."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
from pydantic import BaseModel

from db.connect import Connection


class OpenCases(BaseModel):
    kind: str
    stage: str
    count: int


class Gauges(BaseModel):
    open_cases: list[OpenCases]
    overdue_tasks: dict[str, int]  # by task kind
    outbox_pending: int
    outbox_oldest_pending_seconds: float
    audit_verification_age_seconds: float | None  # None: never verified
    audit_verification_intact: bool | None
    audit_anchor_age_seconds: float | None  # None: never anchored


async def gauges(conn: Connection | asyncpg.Pool) -> Gauges:
    # Open cases by kind and stage; the partial and stage indexes keep these to index scans.
    open_rows = await conn.fetch(
        """SELECT 'enrolment' AS kind, stage, count(*) AS n
             FROM enrolments WHERE outcome IS NULL GROUP BY stage
           UNION ALL
           SELECT 'journey', status, count(*) FROM journeys WHERE status <> 'ended'
            GROUP BY status
           UNION ALL
           SELECT 'tka_permit', stage, count(*) FROM permit_applications
            WHERE outcome IS NULL GROUP BY stage
           UNION ALL
           SELECT 'placement', status, count(*) FROM placements
            WHERE status <> 'closed' GROUP BY status"""
    )
    overdue = await conn.fetch(
        """SELECT kind, count(*) AS n FROM tasks
            WHERE closed_at IS NULL AND due_at IS NOT NULL AND due_at < now()
            GROUP BY kind"""
    )
    outbox = await conn.fetchrow(
        """SELECT count(*) AS n,
                  coalesce(extract(epoch FROM now() - min(created_at)), 0) AS oldest
             FROM outbox WHERE delivered_at IS NULL"""
    )
    audit = await conn.fetchrow(
        """SELECT (SELECT extract(epoch FROM now() - at) FROM audit_verifications
                    ORDER BY at DESC LIMIT 1) AS verified_ago,
                  (SELECT intact FROM audit_verifications ORDER BY at DESC LIMIT 1) AS intact,
                  (SELECT extract(epoch FROM now() - max(at)) FROM audit_anchors) AS anchored_ago"""
    )
    assert outbox is not None and audit is not None
    return Gauges(
        open_cases=[OpenCases(kind=r["kind"], stage=r["stage"], count=r["n"]) for r in open_rows],
        overdue_tasks={r["kind"]: r["n"] for r in overdue},
        outbox_pending=outbox["n"],
        outbox_oldest_pending_seconds=float(outbox["oldest"]),
        audit_verification_age_seconds=_seconds(audit["verified_ago"]),
        audit_verification_intact=audit["intact"],
        audit_anchor_age_seconds=_seconds(audit["anchored_ago"]),
    )


def _seconds(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


async def record_verification(
    conn: Connection | asyncpg.Pool,
    *,
    intact: bool,
    chains: int,
    rows_checked: int,
    first_break: str | None,
) -> None:
    """A verification of the audit trail (more than one chain): the metric of its age and
    the alert on its verdict read the latest."""
    await conn.execute(
        """INSERT INTO audit_verifications
               (verification_id, at, intact, chains, rows_checked, first_break)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        uuid.uuid4(), datetime.now(UTC), intact, chains, rows_checked, first_break,
    )  # fmt: skip
