"""The inmate journey read model: journeys, their log, the custody events applied to them,
the enrolments they started and the release handovers; the reads behind `api/journeys.py`.

Every projection write is keyed by the journey event's deterministic id ("{journey_id}:{seq}"):
an event applied twice (an activity retried after a lost reply) changes nothing the second
time. Events of one journey may land out of order (an update handler's activity and the main
flow's run side by side), so the journey's summary is only overwritten by a newer event, and
the detail rows are upserts that never lose what an earlier event wrote.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg
from pydantic import BaseModel

from db import audit_trail
from db.connect import Connection
from domain.audit_chain import AuditEntry, event_entry
from domain.custody import CustodyEventFields, CustodyEventKind, ReleaseKind
from domain.journey import (
    JOURNEY_KIND,
    HandoverPackage,
    HandoverReceiver,
    JourneyEvent,
    JourneyEventKind,
    JourneyStatus,
    TrainingRecord,
)

_JOURNEY_COLUMNS = """
    j.journey_id, j.workflow_id, j.inmate_sdp_no, j.upt_code, j.status, j.started_at,
    j.released_at, j.release_kind, j.bapas_code, j.ended_at, j.updated_at
"""
_HANDOVER_COLUMNS = """
    h.handover_id, h.journey_id, h.inmate_sdp_no, h.receiver, h.bapas_code, h.sent_at,
    h.due_at, h.escalated_at, h.acknowledged_by, h.acknowledged_role, h.acknowledged_at,
    h.ack_reason, h.task_id
"""
_CUSTODY_COLUMNS = """
    c.event_id, c.journey_id, c.inmate_sdp_no, c.kind, c.occurred_at, c.recorded_at,
    c.reported_by, c.reported_role, c.payload
"""


class JourneyRecord(BaseModel):
    """One journey as the read model holds it."""

    journey_id: str
    workflow_id: str
    inmate_sdp_no: str
    upt_code: str
    status: JourneyStatus
    started_at: datetime
    released_at: datetime | None
    release_kind: ReleaseKind | None
    bapas_code: str | None
    ended_at: datetime | None
    updated_at: datetime


class JourneyEventRecord(BaseModel):
    """One line of a journey's log: what happened, who did it, in which role, and why."""

    seq: int
    kind: JourneyEventKind
    at: datetime
    actor_subject: str | None
    actor_role: str | None
    reason: str | None
    detail: dict[str, Any]


class JourneyEnrolmentRecord(BaseModel):
    enrolment_id: str
    journey_id: str
    workflow_id: str
    programme_code: str
    started_at: datetime
    closed_at: datetime | None
    outcome: str | None
    training_record: TrainingRecord | None


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


# ---------------------------------------------------------------- writes


async def apply_event(conn: Connection, event: JourneyEvent, run_id: str | None = None) -> bool:
    """Project one journey event, and append it to the journey's audit trail (`run_id`: the
    workflow run that made it). Returns False when it had already been applied."""
    async with conn.transaction():
        await _ensure_journey_row(conn, event)
        inserted = await conn.fetchval(
            """INSERT INTO journey_events (event_id, journey_id, seq, kind, at, actor_subject,
                                           actor_role, reason, detail)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
               ON CONFLICT (event_id) DO NOTHING
               RETURNING true""",
            event.event_id,
            event.journey_id,
            event.seq,
            event.kind.value,
            event.at,
            event.actor.subject if event.actor else None,
            event.actor.role.value if event.actor else None,
            event.reason,
            json.dumps(_detail(event)),
        )
        if not inserted:
            return False
        await _apply_details(conn, event)
        await _apply_summary(conn, event)
        # Last: the chain's head lock is the last lock this transaction takes.
        await audit_trail.append(conn, audit_entry(event, run_id))
        return True


def audit_entry(event: JourneyEvent, run_id: str | None) -> AuditEntry:
    """The event as the audit trail records it; a journey's stage is its status."""
    return event_entry(
        event,
        case_kind=JOURNEY_KIND,
        case_id=event.journey_id,
        stage=event.status.value,
        run_id=run_id,
        detail=_detail(event),
    )


def _detail(event: JourneyEvent) -> dict[str, Any]:
    """What the log line is about, by id and code only: the rows hold the content."""
    detail: dict[str, Any] = {"upt_code": event.upt_code, "status": event.status.value}
    if event.custody is not None:
        detail |= {"custody_event_id": event.custody.event_id, "custody_kind": event.custody.kind}
    if event.enrolment is not None:
        detail |= {
            "enrolment_id": event.enrolment.enrolment_id,
            "programme_code": event.enrolment.programme_code,
        }
    if event.handover is not None:
        detail |= {
            "handover_id": event.handover.handover_id,
            "receiver": event.handover.receiver.value,
        }
    return detail


async def _ensure_journey_row(conn: Connection, event: JourneyEvent) -> None:
    # Every event carries the journey's summary, so whichever lands first creates the row.
    # A second journey of the same inmate while another has not ended violates the partial
    # unique index: the activity fails and retries until the earlier journey's end lands.
    await conn.execute(
        """INSERT INTO journeys (journey_id, workflow_id, inmate_sdp_no, upt_code, status,
                                 started_at, last_event_seq, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, 0, $6)
           ON CONFLICT (journey_id) DO NOTHING""",
        event.journey_id,
        event.workflow_id,
        event.inmate_sdp_no,
        event.upt_code,
        event.status.value,
        event.at,
    )


async def _apply_summary(conn: Connection, event: JourneyEvent) -> None:
    await conn.execute(
        """UPDATE journeys
              SET upt_code = $2, status = $3, updated_at = $4, last_event_seq = $5
            WHERE journey_id = $1 AND last_event_seq < $5""",
        event.journey_id,
        event.upt_code,
        event.status.value,
        event.at,
        event.seq,
    )
    # Facts set once, whatever order the events land in.
    if event.kind is JourneyEventKind.STARTED:
        await conn.execute(
            "UPDATE journeys SET started_at = LEAST(started_at, $2) WHERE journey_id = $1",
            event.journey_id,
            event.at,
        )
    if event.kind is JourneyEventKind.ENDED:
        await conn.execute(
            "UPDATE journeys SET ended_at = COALESCE(ended_at, $2) WHERE journey_id = $1",
            event.journey_id,
            event.at,
        )
    custody = event.custody
    if custody is not None and custody.kind is CustodyEventKind.RELEASE:
        await conn.execute(
            """UPDATE journeys
                  SET released_at = COALESCE(released_at, $2),
                      release_kind = COALESCE(release_kind, $3),
                      bapas_code = COALESCE(bapas_code, $4)
                WHERE journey_id = $1""",
            event.journey_id,
            custody.occurred_at,
            custody.release_kind.value if custody.release_kind else None,
            custody.bapas_code,
        )


async def _apply_details(conn: Connection, event: JourneyEvent) -> None:
    if event.custody is not None:
        c = event.custody
        await conn.execute(
            """INSERT INTO custody_events (event_id, journey_id, inmate_sdp_no, kind,
                                           occurred_at, recorded_at, reported_by,
                                           reported_role, payload)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
               ON CONFLICT (event_id) DO NOTHING""",
            c.event_id, event.journey_id, c.inmate_sdp_no, c.kind.value, c.occurred_at,
            event.at, c.actor.subject, c.actor.role.value, c.model_dump_json(exclude={"actor"}),
        )  # fmt: skip
    if event.enrolment is not None:
        link, record = event.enrolment, event.enrolment.record
        await conn.execute(
            """INSERT INTO journey_enrolments (enrolment_id, journey_id, workflow_id,
                                               programme_code, started_at, closed_at, outcome,
                                               training_record)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
               ON CONFLICT (enrolment_id) DO UPDATE
                  SET closed_at = COALESCE(journey_enrolments.closed_at, EXCLUDED.closed_at),
                      outcome = COALESCE(journey_enrolments.outcome, EXCLUDED.outcome),
                      training_record = COALESCE(journey_enrolments.training_record,
                                                 EXCLUDED.training_record)""",
            link.enrolment_id, event.journey_id, link.workflow_id, link.programme_code,
            link.started_at, record.closed_at if record else None,
            record.outcome.value if record else None,
            record.model_dump_json() if record else None,
        )  # fmt: skip
    if event.handover is not None:
        await _upsert_handover(conn, event)


async def _upsert_handover(conn: Connection, event: JourneyEvent) -> None:
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


# ---------------------------------------------------------------- reads


class JourneyFilter(BaseModel):
    upt_code: str | None = None
    status: JourneyStatus | None = None
    inmate_sdp_no: str | None = None
    limit: int = 50
    offset: int = 0


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


def _journey(row: asyncpg.Record) -> JourneyRecord:
    return JourneyRecord(**dict(row))


async def current_journey(
    conn: Connection | asyncpg.Pool, inmate_sdp_no: str
) -> JourneyRecord | None:
    """The inmate's journey that has not ended, else the latest one."""
    row = await conn.fetchrow(
        f"""SELECT {_JOURNEY_COLUMNS} FROM journeys j
             WHERE j.inmate_sdp_no = $1
             ORDER BY (j.status <> 'ended') DESC, j.started_at DESC
             LIMIT 1""",  # noqa: S608 - fixed column list, values bound
        inmate_sdp_no,
    )
    return _journey(row) if row is not None else None


async def get_journey(conn: Connection | asyncpg.Pool, journey_id: str) -> JourneyRecord | None:
    row = await conn.fetchrow(
        f"SELECT {_JOURNEY_COLUMNS} FROM journeys j WHERE j.journey_id = $1",  # noqa: S608
        journey_id,
    )
    return _journey(row) if row is not None else None


async def list_journeys(
    conn: Connection | asyncpg.Pool, where: JourneyFilter
) -> list[JourneyRecord]:
    clauses: list[str] = []
    args: list[Any] = []
    for column, value in (
        ("j.upt_code", where.upt_code),
        ("j.status", where.status.value if where.status else None),
        ("j.inmate_sdp_no", where.inmate_sdp_no),
    ):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    args += [where.limit, where.offset]
    sql = f"""SELECT {_JOURNEY_COLUMNS} FROM journeys j
               {"WHERE " + " AND ".join(clauses) if clauses else ""}
               ORDER BY j.started_at DESC, j.journey_id
               LIMIT ${len(args) - 1} OFFSET ${len(args)}"""  # noqa: S608 - placeholders only
    return [_journey(r) for r in await conn.fetch(sql, *args)]


async def list_journey_events(
    conn: Connection | asyncpg.Pool, journey_id: str
) -> list[JourneyEventRecord]:
    rows = await conn.fetch(
        """SELECT seq, kind, at, actor_subject, actor_role, reason, detail
             FROM journey_events WHERE journey_id = $1 ORDER BY seq""",
        journey_id,
    )
    return [JourneyEventRecord(**{**dict(r), "detail": json.loads(r["detail"])}) for r in rows]


async def list_journey_enrolments(
    conn: Connection | asyncpg.Pool, journey_id: str
) -> list[JourneyEnrolmentRecord]:
    rows = await conn.fetch(
        """SELECT enrolment_id, journey_id, workflow_id, programme_code, started_at, closed_at,
                  outcome, training_record
             FROM journey_enrolments WHERE journey_id = $1 ORDER BY started_at, enrolment_id""",
        journey_id,
    )
    return [
        JourneyEnrolmentRecord(
            **{
                **dict(r),
                "training_record": json.loads(r["training_record"])
                if r["training_record"] is not None
                else None,
            }
        )
        for r in rows
    ]


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
