"""The inmate journey read model: journeys, their log and the enrolments they started; the
projection of journey events, which also writes the custody events applied
(`db/custody_events.py`) and the release handovers (`db/handovers.py`).

Every projection write is keyed by the journey event's deterministic id ("{journey_id}:{seq}"):
an event applied twice (an activity retried after a lost reply) changes nothing the second
time. Events of one journey may land out of order (an update handler's activity and the main
flow's run side by side), so the journey's summary is only overwritten by a newer event, and
the detail rows are upserts that never lose what an earlier event wrote.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from db import case_events, cohort_rows, custody_events, handovers, tasks
from db.connect import Connection
from domain.audit_chain import AuditEntry, event_entry
from domain.custody import CustodyEventKind, ReleaseKind
from domain.journey import (
    JOURNEY_KIND,
    JourneyEvent,
    JourneyEventKind,
    JourneyStatus,
    TrainingRecord,
)

_JOURNEY_COLUMNS = """
    j.journey_id, j.workflow_id, j.inmate_sdp_no, j.upt_code, j.status, j.started_at,
    j.released_at, j.release_kind, j.bapas_code, j.ended_at, j.updated_at
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


# ---------------------------------------------------------------- writes


async def apply_event(conn: Connection, event: JourneyEvent, run_id: str | None = None) -> bool:
    """Project one journey event, and append it to the journey's audit trail (`run_id`: the
    workflow run that made it). Returns False when it had already been applied."""

    async def project() -> None:
        await _apply_details(conn, event)
        await _apply_summary(conn, event)

    async def take_back(stale: Sequence[case_events.Superseded]) -> None:
        await _take_back(conn, event.journey_id, stale)

    return await case_events.write_once(
        conn,
        "journey_events",
        case_events.event_row(
            event, "journey_id", event.journey_id, detail=json.dumps(_detail(event))
        ),
        before=lambda: _ensure_journey_row(conn, event),
        project=project,
        audit=audit_entry(event, run_id),
        undo=("journey_id", take_back),
    )


async def _take_back(
    conn: Connection, journey_id: str, stale: Sequence[case_events.Superseded]
) -> None:
    """Take back what superseded events projected (db/case_events.py), by the time they
    carry: the custody events they applied, the enrolments they linked, the handovers they
    sent, escalated or saw acknowledged, the inbox tasks their workflow task touched, and
    the journey's UPT and status, back to those of the latest event still standing. A
    cohort row's outcome is not: the retry applies the row again (its signal is in history)
    and writes the outcome it finds. Facts a journey sets once (released, ended) stay."""
    ats = sorted({s.at for s in stale})
    for statement in _TAKE_BACK:
        await conn.execute(statement, journey_id, ats)
    await tasks.take_back(conn, JOURNEY_KIND, journey_id, ats)
    latest = await case_events.latest_standing(
        conn, "journey_events", "journey_id", journey_id, stale, "at, detail"
    )
    detail = json.loads(latest["detail"]) if latest is not None else {}
    if latest is None or not {"upt_code", "status"} <= detail.keys():
        # Nothing stands, or an event that does not say: the next event's summary is taken.
        await conn.execute(
            "UPDATE journeys SET last_event_seq = $2 WHERE journey_id = $1",
            journey_id, latest["seq"] if latest is not None else 0,
        )  # fmt: skip
        return
    await conn.execute(
        """UPDATE journeys SET upt_code = $2, status = $3, updated_at = $4, last_event_seq = $5
            WHERE journey_id = $1""",
        journey_id, detail["upt_code"], detail["status"], latest["at"], latest["seq"],
    )  # fmt: skip


_TAKE_BACK = (
    "DELETE FROM custody_events WHERE journey_id = $1 AND recorded_at = ANY($2::timestamptz[])",
    """DELETE FROM journey_enrolments
        WHERE journey_id = $1 AND started_at = ANY($2::timestamptz[])""",
    "DELETE FROM handovers WHERE journey_id = $1 AND sent_at = ANY($2::timestamptz[])",
    """UPDATE handovers SET escalated_at = NULL
        WHERE journey_id = $1 AND escalated_at = ANY($2::timestamptz[])""",
    """UPDATE handovers
          SET acknowledged_by = NULL, acknowledged_role = NULL, acknowledged_at = NULL,
              ack_reason = NULL
        WHERE journey_id = $1 AND acknowledged_at = ANY($2::timestamptz[])""",
)


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
    if event.cohort_row is not None:
        detail |= {
            "cohort_id": event.cohort_row.cohort_id,
            "enrolment_id": event.cohort_row.enrolment_id,
            "programme_code": event.cohort_row.programme_code,
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
        await custody_events.record(conn, event.journey_id, event.custody, event.at)
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
        await handovers.record(conn, event)
    if event.cohort_row is not None:
        await cohort_rows.record_outcome(conn, event.cohort_row, event.inmate_sdp_no, event.at)


# ---------------------------------------------------------------- reads


class JourneyFilter(BaseModel):
    upt_code: str | None = None
    status: JourneyStatus | None = None
    inmate_sdp_no: str | None = None
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
