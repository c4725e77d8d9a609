"""The placement follow-up read model: placement cases and their log; the reads behind
`api/placements.py`.

Every projection write is keyed by the placement event's deterministic id
("{placement_id}:{seq}") and appends the audit row in the same transaction, so an event
applied twice (an activity retried after a lost reply) changes nothing the second time.
Events may land out of order (an Update's activity beside the flow's), so the summary is
only overwritten by a newer event and facts once set are kept.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from db import audit_trail
from db.connect import Connection
from domain.audit_chain import AuditEntry, event_entry
from domain.clock import local_date
from domain.custody import ReleaseKind
from domain.journey import CertificateEntry
from domain.placement import (
    PLACED,
    PLACEMENT_KIND,
    CloseReason,
    OutcomeKind,
    PlacementEvent,
    PlacementEventKind,
    PlacementStatus,
)

_COLUMNS = """
    placement_id, workflow_id, journey_id, inmate_sdp_no, last_upt, release_kind, released_at,
    programme_codes, certificates, contact_consent, status, started_at, outcome, outcome_detail,
    outcome_recorded_at, placed_on, closed_at, close_reason, updated_at
"""


class PlacementRecord(BaseModel):
    placement_id: str
    workflow_id: str
    journey_id: str
    inmate_sdp_no: str
    last_upt: str
    release_kind: ReleaseKind
    released_at: datetime
    programme_codes: list[str]
    certificates: list[CertificateEntry]
    contact_consent: bool
    status: PlacementStatus
    started_at: datetime
    outcome: OutcomeKind | None
    outcome_detail: dict[str, Any] | None
    outcome_recorded_at: datetime | None
    placed_on: date | None
    closed_at: datetime | None
    close_reason: CloseReason | None
    updated_at: datetime


class PlacementEventRecord(BaseModel):
    seq: int
    kind: PlacementEventKind
    at: datetime
    actor_subject: str | None
    actor_role: str | None
    reason: str | None
    record: dict[str, Any] | None


class PlacementFilter(BaseModel):
    status: PlacementStatus | None = None
    upt: str | None = None
    limit: int = 50
    offset: int = 0


# ---------------------------------------------------------------- writes


async def apply_event(conn: Connection, event: PlacementEvent, run_id: str | None = None) -> bool:
    """Project one placement event and append it to the case's audit trail. Returns False
    when it had already been applied."""
    async with conn.transaction():
        await _ensure_row(conn, event)
        inserted = await conn.fetchval(
            """INSERT INTO placement_events (event_id, placement_id, seq, kind, at,
                                             actor_subject, actor_role, reason, detail, record)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb)
               ON CONFLICT (event_id) DO NOTHING
               RETURNING true""",
            event.event_id, event.placement_id, event.seq, event.kind.value, event.at,
            event.actor.subject if event.actor else None,
            event.actor.role.value if event.actor else None, event.reason,
            json.dumps(_detail(event)), _record(event),
        )  # fmt: skip
        if not inserted:
            return False
        await _apply_summary(conn, event)
        await audit_trail.append(conn, audit_entry(event, run_id))  # last: the chain's lock
        return True


def audit_entry(event: PlacementEvent, run_id: str | None) -> AuditEntry:
    decision = event.outcome.outcome.value if event.outcome is not None else None
    return event_entry(
        event,
        case_kind=PLACEMENT_KIND,
        case_id=event.placement_id,
        stage=event.status.value,
        run_id=run_id,
        decision=decision,
        detail=_detail(event),
    )


def _detail(event: PlacementEvent) -> dict[str, Any]:
    """Ids and codes only, as the audit trail keeps them: the rows hold the content."""
    detail: dict[str, Any] = {"journey_id": event.journey_id, "status": event.status.value}
    if event.check_in is not None:
        detail |= {"check_in_month": event.check_in.month, "task_id": event.check_in.task_id}
    if event.referral is not None:
        detail["referral_kind"] = event.referral.kind.value
    if event.close_reason is not None:
        detail["close_reason"] = event.close_reason.value
    return detail


def _record(event: PlacementEvent) -> str | None:
    for part in (event.contact, event.referral, event.outcome, event.check_in):
        if part is not None:
            return part.model_dump_json(exclude={"actor"})
    return None


async def _ensure_row(conn: Connection, event: PlacementEvent) -> None:
    # The STARTED event carries the case's facts; another event landing first waits (the
    # activity retries) until it has, since only it knows them.
    start = event.start
    exists = await conn.fetchval(
        "SELECT true FROM placements WHERE placement_id = $1", event.placement_id
    )
    if exists:
        return
    if start is None:
        raise RuntimeError(f"placement {event.placement_id}: its start has not been projected")
    await conn.execute(
        """INSERT INTO placements (placement_id, workflow_id, journey_id, inmate_sdp_no,
                                   last_upt, release_kind, released_at, programme_codes,
                                   certificates, contact_consent, status, started_at,
                                   last_event_seq, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, 0, $12)
           ON CONFLICT (placement_id) DO NOTHING""",
        event.placement_id, event.workflow_id, event.journey_id, event.inmate_sdp_no,
        start.last_upt, start.release_kind.value, start.released_at, start.programme_codes,
        json.dumps([c.model_dump(mode="json") for c in start.certificates]),
        start.contact_consent, event.status.value, event.at,
    )  # fmt: skip


async def _apply_summary(conn: Connection, event: PlacementEvent) -> None:
    await conn.execute(
        """UPDATE placements SET status = $2, updated_at = $3, last_event_seq = $4
            WHERE placement_id = $1 AND last_event_seq < $4""",
        event.placement_id,
        event.status.value,
        event.at,
        event.seq,
    )
    outcome = event.outcome
    if outcome is not None:
        placed_on = None
        if outcome.outcome in PLACED:
            placed_on = outcome.start_date or local_date(outcome.at)
        await conn.execute(
            """UPDATE placements
                  SET outcome = $2, outcome_detail = $3::jsonb, outcome_recorded_at = $4
                WHERE placement_id = $1
                  AND (outcome_recorded_at IS NULL OR outcome_recorded_at <= $4)""",
            event.placement_id,
            outcome.outcome.value,
            outcome.model_dump_json(include={"employer", "sector", "start_date", "training"}),
            outcome.at,
        )
        if placed_on is not None:  # the first placement stands, whatever came after it
            await conn.execute(
                """UPDATE placements SET placed_on = LEAST(placed_on, $2)
                    WHERE placement_id = $1""",
                event.placement_id,
                placed_on,
            )
    if event.kind is PlacementEventKind.CLOSED:
        await conn.execute(
            """UPDATE placements SET closed_at = COALESCE(closed_at, $2),
                                     close_reason = COALESCE(close_reason, $3)
                WHERE placement_id = $1""",
            event.placement_id,
            event.at,
            event.close_reason.value if event.close_reason else None,
        )


# ---------------------------------------------------------------- reads


def _placement(row: asyncpg.Record) -> PlacementRecord:
    data = dict(row)
    data["certificates"] = json.loads(data["certificates"])
    if data["outcome_detail"] is not None:
        data["outcome_detail"] = json.loads(data["outcome_detail"])
    return PlacementRecord(**data)


async def get_placement(
    conn: Connection | asyncpg.Pool, placement_id: str
) -> PlacementRecord | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM placements WHERE placement_id = $1",  # noqa: S608 - fixed names
        placement_id,
    )
    return _placement(row) if row else None


async def list_placements(
    conn: Connection | asyncpg.Pool, where: PlacementFilter
) -> list[PlacementRecord]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM placements
             WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR last_upt = $2)
             ORDER BY started_at DESC, placement_id
             LIMIT $3 OFFSET $4""",  # noqa: S608 - fixed column list
        where.status.value if where.status else None,
        where.upt,
        where.limit,
        where.offset,
    )
    return [_placement(r) for r in rows]


async def list_placement_events(
    conn: Connection | asyncpg.Pool, placement_id: str
) -> list[PlacementEventRecord]:
    rows = await conn.fetch(
        """SELECT seq, kind, at, actor_subject, actor_role, reason, record
             FROM placement_events WHERE placement_id = $1 ORDER BY seq""",
        placement_id,
    )
    return [
        PlacementEventRecord(
            **(dict(r) | {"record": json.loads(r["record"]) if r["record"] else None})
        )
        for r in rows
    ]
