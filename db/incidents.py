"""Incidents: activities that fail for a reason no retry cures, kept for operators."""

from __future__ import annotations

import re
from datetime import datetime

import asyncpg
from pydantic import BaseModel

# Quoted values in a Postgres message are case content (a name, a reason): never stored.
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_COLUMNS = (
    "incident_id, case_kind, case_id, workflow_id, run_id, activity_id, activity_type, "
    "error_type, message, attempts, first_seen, last_seen, repair_requested_by, "
    "repair_requested_at, resolved_at, resolution"
)


class Incident(BaseModel):
    incident_id: int
    case_kind: str
    case_id: str
    workflow_id: str
    run_id: str
    activity_id: str
    activity_type: str
    error_type: str
    message: str
    attempts: int
    first_seen: datetime
    last_seen: datetime
    repair_requested_by: str | None
    repair_requested_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None


class ActivityRef(BaseModel):
    """One activity of one workflow run: where an incident happens."""

    workflow_id: str
    run_id: str
    activity_id: str
    activity_type: str


def redact(message: str) -> str:
    """The error's words without the values it quotes, on one line, bounded."""
    return " ".join(_QUOTED.sub('"…"', message).split())[:500]


def case_of(workflow_id: str) -> tuple[str, str]:
    """(kind, id) of a case from its workflow id (`enrolment-ENR-1` -> enrolment, ENR-1)."""
    kind, _, case_id = workflow_id.partition("-")
    return (kind, case_id) if case_id else ("workflow", workflow_id)


async def record(pool: asyncpg.Pool, ref: ActivityRef, error_type: str, message: str) -> int:
    kind, case_id = case_of(ref.workflow_id)
    incident_id: int = await pool.fetchval(
        """
        INSERT INTO incidents (case_kind, case_id, workflow_id, run_id, activity_id,
                               activity_type, error_type, message)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (workflow_id, run_id, activity_id) DO UPDATE
           SET attempts = incidents.attempts + 1, last_seen = now(),
               error_type = EXCLUDED.error_type, message = EXCLUDED.message,
               resolved_at = NULL, resolution = NULL
        RETURNING incident_id
        """,
        kind,
        case_id,
        ref.workflow_id,
        ref.run_id,
        ref.activity_id,
        ref.activity_type,
        error_type,
        redact(message),
    )
    return incident_id


async def repair_requested(pool: asyncpg.Pool, ref: ActivityRef) -> bool:
    """An operator asked to repair this case (this workflow run): every poisoned activity of it
    runs on repaired input from then on (the text stays in the workflow's state, so later
    activities of the case may carry it too)."""
    found = await pool.fetchval(
        """
        SELECT true FROM incidents
         WHERE workflow_id = $1 AND run_id = $2 AND repair_requested_at IS NOT NULL
         LIMIT 1
        """,
        ref.workflow_id,
        ref.run_id,
    )
    return bool(found)


async def resolve(pool: asyncpg.Pool, ref: ActivityRef, resolution: str) -> None:
    await pool.execute(
        """
        UPDATE incidents SET resolved_at = now(), resolution = $4
         WHERE workflow_id = $1 AND run_id = $2 AND activity_id = $3 AND resolved_at IS NULL
        """,
        ref.workflow_id,
        ref.run_id,
        ref.activity_id,
        resolution,
    )


async def request_repair(pool: asyncpg.Pool, incident_id: int, by: str) -> Incident | None:
    """Marks the incident, and every other open one of the same case, for repair (None: no
    such incident). Idempotent: the first operator and time are kept."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            """
            UPDATE incidents
               SET repair_requested_by = coalesce(repair_requested_by, $2),
                   repair_requested_at = coalesce(repair_requested_at, now())
             WHERE incident_id = $1
            RETURNING workflow_id, run_id
            """,
            incident_id,
            by,
        )
        if row is None:
            return None
        await conn.execute(
            """
            UPDATE incidents
               SET repair_requested_by = $3, repair_requested_at = now()
             WHERE workflow_id = $1 AND run_id = $2 AND resolved_at IS NULL
               AND repair_requested_at IS NULL
            """,
            row["workflow_id"],
            row["run_id"],
            by,
        )
    return await get(pool, incident_id)


async def get(pool: asyncpg.Pool, incident_id: int) -> Incident | None:
    row = await pool.fetchrow(
        f"SELECT {_COLUMNS} FROM incidents WHERE incident_id = $1",  # noqa: S608 - fixed columns
        incident_id,
    )
    return Incident.model_validate(dict(row)) if row else None


async def list_incidents(
    pool: asyncpg.Pool, *, open_only: bool, limit: int, offset: int
) -> tuple[list[Incident], int]:
    rows = await pool.fetch(
        f"""
        SELECT {_COLUMNS} FROM incidents WHERE NOT $1 OR resolved_at IS NULL
         ORDER BY last_seen DESC, incident_id DESC LIMIT $2 OFFSET $3
        """,  # noqa: S608 - a fixed column list
        open_only,
        limit,
        offset,
    )
    total: int = await pool.fetchval(
        "SELECT count(*) FROM incidents WHERE NOT $1 OR resolved_at IS NULL", open_only
    )
    return [Incident.model_validate(dict(r)) for r in rows], total


async def count_open(pool: asyncpg.Pool) -> dict[str, int]:
    """Open incidents per case kind: the gauge a metrics endpoint exports
    (`sinergi_open_incidents{case_kind="enrolment"}`)."""
    rows = await pool.fetch(
        "SELECT case_kind, count(*) AS n FROM incidents WHERE resolved_at IS NULL "
        "GROUP BY case_kind ORDER BY case_kind"
    )
    return {row["case_kind"]: row["n"] for row in rows}
