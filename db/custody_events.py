"""The custody events applied to inmate journeys: the rows the journey's projection writes
(`db/journeys.py`, keyed by the source's event id) and the reads behind `POST /custody-events`
(a repeated event id) and a journey's page.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from db.connect import Connection
from domain.custody import CustodyEvent, CustodyEventFields, CustodyEventKind

_CUSTODY_COLUMNS = """
    c.event_id, c.journey_id, c.inmate_sdp_no, c.kind, c.occurred_at, c.recorded_at,
    c.reported_by, c.reported_role, c.payload
"""


class CustodyEventRecord(BaseModel):
    """A custody event as applied: the source's id, who reported it, and what it said."""

    event_id: str
    journey_id: str
    inmate_sdp_no: str
    kind: CustodyEventKind
    occurred_at: datetime
    recorded_at: datetime
    reported_by: str
    reported_role: str
    payload: dict[str, Any]

    def fields(self) -> CustodyEventFields:
        return CustodyEventFields.model_validate(self.payload)


async def record(conn: Connection, journey_id: str, c: CustodyEvent, at: datetime) -> None:
    """The event as the journey applied it at `at`; once per event id."""
    await conn.execute(
        """INSERT INTO custody_events (event_id, journey_id, inmate_sdp_no, kind,
                                       occurred_at, recorded_at, reported_by,
                                       reported_role, payload)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
           ON CONFLICT (event_id) DO NOTHING""",
        c.event_id, journey_id, c.inmate_sdp_no, c.kind.value, c.occurred_at,
        at, c.actor.subject, c.actor.role.value, c.model_dump_json(exclude={"actor"}),
    )  # fmt: skip


def _custody(row: asyncpg.Record) -> CustodyEventRecord:
    return CustodyEventRecord(**{**dict(row), "payload": json.loads(row["payload"])})


async def get_custody_event(
    conn: Connection | asyncpg.Pool, event_id: str
) -> CustodyEventRecord | None:
    row = await conn.fetchrow(
        f"SELECT {_CUSTODY_COLUMNS} FROM custody_events c WHERE c.event_id = $1",  # noqa: S608
        event_id,
    )
    return _custody(row) if row is not None else None


async def list_custody_events(
    conn: Connection | asyncpg.Pool, journey_id: str
) -> list[CustodyEventRecord]:
    rows = await conn.fetch(
        f"""SELECT {_CUSTODY_COLUMNS} FROM custody_events c
             WHERE c.journey_id = $1 ORDER BY c.occurred_at, c.recorded_at""",  # noqa: S608
        journey_id,
    )
    return [_custody(r) for r in rows]


# The state of a handover at the caller's `now` (bound as $1 in every handover read):
# overdue once past its due date, or once the journey escalated it (the workflow's clock).
