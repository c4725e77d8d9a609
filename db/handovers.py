"""The release handovers of inmate journeys: the rows the journey's projection writes
(`db/journeys.py`) and the reads behind `GET /handovers`, a handover and its
acknowledgement.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg
from pydantic import BaseModel

from db.connect import Connection
from domain.journey import HandoverPackage, HandoverReceiver, JourneyEvent

_HANDOVER_COLUMNS = """
    h.handover_id, h.journey_id, h.inmate_sdp_no, h.receiver, h.bapas_code, h.sent_at,
    h.due_at, h.escalated_at, h.acknowledged_by, h.acknowledged_role, h.acknowledged_at,
    h.ack_reason, h.task_id
"""


class HandoverState(StrEnum):
    OPEN = "open"  # waiting for the receiver, not yet due
    OVERDUE = "overdue"  # waiting past its due date, or escalated by the journey
    ACKNOWLEDGED = "acknowledged"


class HandoverRecord(BaseModel):
    """A handover's status, without the package (the case list of a receiver)."""

    handover_id: str
    journey_id: str
    inmate_sdp_no: str
    receiver: HandoverReceiver
    bapas_code: str | None
    state: HandoverState
    sent_at: datetime
    due_at: datetime
    escalated_at: datetime | None
    acknowledged_by: str | None
    acknowledged_role: str | None
    acknowledged_at: datetime | None
    ack_reason: str | None
    task_id: str | None


class HandoverDetail(HandoverRecord):
    """The handover with its package: certificates, training records, skills profile."""

    package: HandoverPackage | None


class HandoverSort(StrEnum):
    NEWEST = "newest"  # most recently sent first
    DUE = "due"  # soonest due first, acknowledged ones last: a receiver's work order


class HandoverFilter(BaseModel):
    receiver: HandoverReceiver | None = None
    bapas_code: str | None = None
    journey_id: str | None = None
    inmate_sdp_no: str | None = None
    state: HandoverState | None = None
    now: datetime  # "overdue" means due_at < now
    sort: HandoverSort = HandoverSort.DUE
    limit: int = 50
    offset: int = 0


async def record(conn: Connection, event: JourneyEvent) -> None:
    # Each handover event carries the handover as it stands: later facts (escalated,
    # acknowledged) fill in, and a fact once recorded is never overwritten.
    h = event.handover
    assert h is not None
    ack = h.acknowledged
    await conn.execute(
        """INSERT INTO handovers (handover_id, journey_id, inmate_sdp_no, receiver, bapas_code,
                                  package, sent_at, due_at, escalated_at, acknowledged_by,
                                  acknowledged_role, acknowledged_at, ack_reason, task_id)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14)
           ON CONFLICT (handover_id) DO UPDATE
              SET package = COALESCE(handovers.package, EXCLUDED.package),
                  escalated_at = COALESCE(handovers.escalated_at, EXCLUDED.escalated_at),
                  task_id = COALESCE(handovers.task_id, EXCLUDED.task_id),
                  acknowledged_by = CASE WHEN handovers.acknowledged_at IS NULL
                      THEN EXCLUDED.acknowledged_by ELSE handovers.acknowledged_by END,
                  acknowledged_role = CASE WHEN handovers.acknowledged_at IS NULL
                      THEN EXCLUDED.acknowledged_role ELSE handovers.acknowledged_role END,
                  ack_reason = CASE WHEN handovers.acknowledged_at IS NULL
                      THEN EXCLUDED.ack_reason ELSE handovers.ack_reason END,
                  acknowledged_at = COALESCE(handovers.acknowledged_at,
                                             EXCLUDED.acknowledged_at)""",
        h.handover_id, event.journey_id, event.inmate_sdp_no, h.receiver.value, h.bapas_code,
        event.package.model_dump_json() if event.package else None, h.sent_at, h.due_at,
        h.escalated_at, ack.actor.subject if ack else None,
        ack.actor.role.value if ack else None, ack.at if ack else None,
        ack.reason if ack else None, h.task_id,
    )  # fmt: skip


_OVERDUE = "(h.escalated_at IS NOT NULL OR h.due_at < $1)"
_HANDOVER_STATE = f"""
    CASE WHEN h.acknowledged_at IS NOT NULL THEN 'acknowledged'
         WHEN {_OVERDUE} THEN 'overdue' ELSE 'open' END AS state
"""


_HANDOVER_ORDER = {
    HandoverSort.DUE: "(h.acknowledged_at IS NOT NULL), h.due_at, h.handover_id",
    HandoverSort.NEWEST: "h.sent_at DESC, h.handover_id DESC",
}


async def list_handovers(
    conn: Connection | asyncpg.Pool, where: HandoverFilter
) -> list[HandoverRecord]:
    """In `where.sort` order: soonest due first (what a receiver must do next, acknowledged
    ones last), or newest first."""
    args: list[Any] = [where.now]
    clauses: list[str] = []
    for column, value in (
        ("h.receiver", where.receiver.value if where.receiver else None),
        ("h.bapas_code", where.bapas_code),
        ("h.journey_id", where.journey_id),
        ("h.inmate_sdp_no", where.inmate_sdp_no),
    ):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    if where.state is HandoverState.ACKNOWLEDGED:
        clauses.append("h.acknowledged_at IS NOT NULL")
    elif where.state is HandoverState.OPEN:
        clauses.append(f"h.acknowledged_at IS NULL AND NOT {_OVERDUE}")
    elif where.state is HandoverState.OVERDUE:
        clauses.append(f"h.acknowledged_at IS NULL AND {_OVERDUE}")
    args += [where.limit, where.offset]
    sql = f"""SELECT {_HANDOVER_COLUMNS}, {_HANDOVER_STATE} FROM handovers h
               {"WHERE " + " AND ".join(clauses) if clauses else ""}
               ORDER BY {_HANDOVER_ORDER[where.sort]}
               LIMIT ${len(args) - 1} OFFSET ${len(args)}"""  # noqa: S608 - placeholders only
    return [HandoverRecord(**dict(r)) for r in await conn.fetch(sql, *args)]


async def get_handover(
    conn: Connection | asyncpg.Pool, handover_id: str, now: datetime
) -> HandoverDetail | None:
    row = await conn.fetchrow(
        f"""SELECT {_HANDOVER_COLUMNS}, {_HANDOVER_STATE}, h.package FROM handovers h
             WHERE h.handover_id = $2""",  # noqa: S608 - fixed column list, values bound
        now,
        handover_id,
    )
    if row is None:
        return None
    package = json.loads(row["package"]) if row["package"] is not None else None
    return HandoverDetail(**{**dict(row), "package": package})


async def handover_of(
    conn: Connection | asyncpg.Pool, journey_id: str, receiver: HandoverReceiver, now: datetime
) -> HandoverDetail | None:
    """A journey's handover to one receiver (each receiver gets one per journey)."""
    handover_id = await conn.fetchval(
        "SELECT handover_id FROM handovers WHERE journey_id = $1 AND receiver = $2",
        journey_id,
        receiver.value,
    )
    return await get_handover(conn, handover_id, now) if handover_id is not None else None
