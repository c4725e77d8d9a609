"""The enrolment read model: the row of a started enrolment, the projection of workflow
events, and the reads behind the case list and a case's decision log.

Every projection write is keyed by the event's deterministic id: an event applied twice
(an activity retried after a lost reply) changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from db import case_events, tasks
from db.connect import Connection
from db.decision_log import DecisionRecord
from domain.audit_chain import AuditEntry, event_entry
from domain.enrolment import (
    WORKFLOW_KIND,
    EnrolmentEvent,
    EnrolmentRequest,
    EnrolmentSummary,
    Outcome,
    Stage,
)
from domain.reference import Offering

_ENROLMENT_COLUMNS = """
    e.enrolment_id, e.workflow_id, e.inmate_sdp_no, e.programme_code, e.upt_code, e.lsp_code,
    e.planned_end, e.release_flagged, e.exception_granted, e.stage, e.outcome, e.closed_reason,
    e.attendance_present, e.attendance_recorded, e.modules_completed, e.reassessments_used,
    e.awaiting_kind, e.awaiting_role, e.awaiting_due, e.requested_by, e.requested_at,
    e.updated_at, c.number AS certificate_number, c.issued_on AS certificate_issued_on,
    c.valid_until AS certificate_valid_until
"""


class EnrolmentRecord(BaseModel):
    """One row of the case list, as the read model holds it."""

    enrolment_id: str
    workflow_id: str
    inmate_sdp_no: str
    programme_code: str
    upt_code: str
    lsp_code: str
    planned_end: date
    release_flagged: bool
    exception_granted: bool
    stage: Stage
    outcome: Outcome | None
    closed_reason: str | None
    attendance_present: int
    attendance_recorded: int
    modules_completed: int
    reassessments_used: int
    awaiting_kind: str | None
    awaiting_role: str | None
    awaiting_due: datetime | None
    requested_by: str
    requested_at: datetime
    updated_at: datetime
    certificate_number: str | None
    certificate_issued_on: date | None
    certificate_valid_until: date | None


# ---------------------------------------------------------------- writes


async def record_started(conn: Connection, request: EnrolmentRequest, workflow_id: str) -> None:
    """The row of an enrolment its inmate's journey has just started, unless the workflow's
    projection wrote it first. No conflict target: when the projection's insert commits
    while this one is under way, the clash can show on the workflow id's unique index
    rather than the key's (a 500 under load in the benchmarks). The journey, not this row,
    is what serialises two requests for one inmate (its validator refuses a second active
    enrolment in a programme)."""
    await _insert_enrolment(
        conn, request, workflow_id, Stage.PLACEMENT_REVIEW, None, if_absent=True
    )


async def _insert_enrolment(
    conn: Connection,
    request: EnrolmentRequest,
    workflow_id: str,
    stage: Stage,
    requested_at: datetime | None,  # None: the database's clock
    *,
    if_absent: bool = False,
) -> None:
    await conn.execute(
        f"""INSERT INTO enrolments (
               enrolment_id, workflow_id, inmate_sdp_no, programme_code, upt_code, lsp_code,
               planned_end, release_flagged, stage, requested_by, requested_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
                   COALESCE($11, now()), COALESCE($11, now()))
           {"ON CONFLICT DO NOTHING" if if_absent else ""}""",  # noqa: S608 - fixed clause
        request.enrolment_id,
        workflow_id,
        request.inmate_sdp_no,
        request.programme.code,
        request.upt_code,
        request.lsp_code,
        request.planned_end,
        request.release_flagged,
        stage.value,
        request.requested_by.subject,
        requested_at,
    )


async def apply_event(conn: Connection, event: EnrolmentEvent, run_id: str | None = None) -> bool:
    """Project one workflow event, and append it to the case's audit trail (`run_id`: the
    workflow run that made it). Returns False when it had already been applied."""

    async def project() -> None:
        await _apply_details(conn, event)
        await _apply_summary(conn, event)

    async def take_back(stale: Sequence[case_events.Superseded]) -> None:
        await _take_back(conn, event.enrolment_id, stale)

    return await case_events.write_once(
        conn,
        "enrolment_events",
        case_events.event_row(
            event,
            "enrolment_id",
            event.enrolment_id,
            stage=event.summary.stage.value,
            decision=event.decision,
            summary=event.summary.model_dump_json(),
        ),
        before=(lambda: _ensure_enrolment_row(conn, event)) if event.request else None,
        project=project,
        audit=audit_entry(event, run_id),
        undo=("enrolment_id", take_back),
    )


async def _take_back(
    conn: Connection, enrolment_id: str, stale: Sequence[case_events.Superseded]
) -> None:
    """Take back what superseded events projected (db/case_events.py): their rows, the
    appeal they filed or decided (stamped with the event's time), the inbox tasks their
    workflow task opened, closed or escalated, and the case's summary, back to the one of
    the latest event still standing."""
    ids = [s.event_id for s in stale]
    ats = sorted({s.at for s in stale})
    for table in _EVENT_ROWS:
        await conn.execute(
            f"DELETE FROM {table} WHERE event_id = ANY($1::text[])",  # noqa: S608 - constants
            ids,
        )
    # An escalation with no task was announced (db/notices.py): unless already sent, no more.
    escalated = await conn.fetch(
        "DELETE FROM escalations WHERE event_id = ANY($1::text[]) RETURNING kind", ids
    )
    await conn.execute(
        "DELETE FROM outbox WHERE message_id = ANY($1::text[]) AND delivered_at IS NULL",
        [f"escalation:{enrolment_id}:{r['kind']}" for r in escalated],
    )
    await conn.execute(
        "DELETE FROM appeals WHERE enrolment_id = $1 AND filed_at = ANY($2::timestamptz[])",
        enrolment_id, ats,
    )  # fmt: skip
    await conn.execute(
        """UPDATE appeals SET outcome = NULL, panel = '{}', decided_at = NULL
            WHERE enrolment_id = $1 AND decided_at = ANY($2::timestamptz[])""",
        enrolment_id, ats,
    )  # fmt: skip
    await tasks.take_back(conn, WORKFLOW_KIND, enrolment_id, ats)
    latest = await case_events.latest_standing(
        conn, "enrolment_events", "enrolment_id", enrolment_id, stale, "at, reason, summary"
    )
    if latest is None or latest["summary"] is None:
        # Nothing stands, or only events written before their summary was kept: the next
        # event's summary is taken, whatever its seq.
        await conn.execute(
            "UPDATE enrolments SET last_event_seq = $2 WHERE enrolment_id = $1",
            enrolment_id, latest["seq"] if latest is not None else 0,
        )  # fmt: skip
        return
    summary = EnrolmentSummary.model_validate_json(latest["summary"])
    await _write_summary(
        conn, enrolment_id, summary, latest["seq"], latest["at"], latest["reason"], newer=False
    )


# The rows projected from one event, keyed by its id (and `escalations`).
_EVENT_ROWS = ("attendance", "module_completions", "assessment_results", "certificates")


def audit_entry(event: EnrolmentEvent, run_id: str | None) -> AuditEntry:
    """The event as the audit trail records it: who, role, what, when, why, and the ids of
    what it touched (the read model holds the content)."""
    detail: dict[str, Any] = {}
    if event.attendance is not None:
        detail |= {"session_no": event.attendance.session_no,
                   "present": event.attendance.present}  # fmt: skip
    if event.module_code is not None:
        detail["module_code"] = event.module_code
    if event.attempt is not None:
        t = event.attempt
        detail |= {"attempt": t.attempt, "counted": t.counted, "tuk_code": t.tuk_code,
                   "results": {unit: r.value for unit, r in sorted(t.results.items())}}  # fmt: skip
    if event.appeal is not None:
        detail |= {"appeal_against_attempt": event.appeal.against_attempt,
                   "appeal_panel": list(event.appeal.panel)}  # fmt: skip
    if event.certificate is not None:
        detail["certificate_number"] = event.certificate.number
    if event.escalation is not None:
        detail |= {"escalation": event.escalation.kind,
                   "routed_to": event.escalation.routed_to.value}  # fmt: skip
    if event.custody is not None:
        detail |= {"custody_event_id": event.custody.event_id,
                   "custody_kind": event.custody.kind.value}  # fmt: skip
    return event_entry(
        event,
        case_kind=WORKFLOW_KIND,
        case_id=event.enrolment_id,
        stage=event.summary.stage.value,
        run_id=run_id,
        decision=event.decision,
        detail=detail,
    )


async def _ensure_enrolment_row(conn: Connection, event: EnrolmentEvent) -> None:
    # Normally the API wrote the row when the journey started the enrolment; this covers a
    # start whose answer or commit was lost.
    assert event.request is not None
    await _insert_enrolment(
        conn, event.request, event.workflow_id, event.summary.stage, event.at, if_absent=True
    )


async def _apply_details(conn: Connection, event: EnrolmentEvent) -> None:
    eid = event.enrolment_id
    if event.attendance is not None:
        a = event.attendance
        await conn.execute(
            """INSERT INTO attendance (enrolment_id, session_no, session_date, present,
                                       recorded_by, event_id)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
            eid, a.session_no, a.session_date, a.present, a.recorded_by, event.event_id,
        )  # fmt: skip
    if event.module_code is not None and event.actor is not None:
        await conn.execute(
            """INSERT INTO module_completions (enrolment_id, module_code, completed_by,
                                               completed_at, event_id)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING""",
            eid, event.module_code, event.actor.subject, event.at, event.event_id,
        )  # fmt: skip
    if event.attempt is not None:
        t = event.attempt
        await conn.executemany(
            """INSERT INTO assessment_results (enrolment_id, attempt, unit_code, result, counted,
                                               assessor, tuk_code, decided_at, event_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING""",
            [
                (eid, t.attempt, unit, result.value, t.counted, t.assessor, t.tuk_code,
                 t.decided_at, event.event_id)
                for unit, result in sorted(t.results.items())
            ],
        )  # fmt: skip
    if event.appeal is not None:
        p = event.appeal
        await conn.execute(
            """INSERT INTO appeals (enrolment_id, against_attempt, filed_by, filed_at, reason,
                                    outcome, panel, decided_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (enrolment_id, against_attempt) DO UPDATE
                  SET outcome = EXCLUDED.outcome, panel = EXCLUDED.panel,
                      decided_at = EXCLUDED.decided_at""",
            eid, p.against_attempt, p.filed_by, p.filed_at, p.reason,
            p.outcome.value if p.outcome else None, list(p.panel), p.decided_at,
        )  # fmt: skip
    if event.certificate is not None:
        c = event.certificate
        await conn.execute(
            """INSERT INTO certificates (enrolment_id, number, issued_on, valid_until, event_id)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING""",
            eid, c.number, c.issued_on, c.valid_until, event.event_id,
        )  # fmt: skip
    if event.escalation is not None:
        x = event.escalation
        await conn.execute(
            """INSERT INTO escalations (event_id, enrolment_id, kind, routed_to_role, raised_at,
                                        detail)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
            event.event_id, eid, x.kind, x.routed_to.value, x.raised_at, x.detail,
        )  # fmt: skip


async def _apply_summary(conn: Connection, event: EnrolmentEvent) -> None:
    # Events of one case can land out of order (an update handler's and the main flow's
    # activities run side by side): only a newer event may overwrite the summary, the case's
    # UPT included (None: the event leaves it where it is).
    await _write_summary(
        conn, event.enrolment_id, event.summary, event.seq, event.at, event.reason, newer=True
    )


async def _write_summary(
    conn: Connection,
    enrolment_id: str,
    s: EnrolmentSummary,
    seq: int,
    at: datetime,
    reason: str | None,
    *,
    newer: bool,
) -> None:
    """The case's summary as of event `seq`: only over an older one (`newer`), or as it
    stands (after events gave way); a closing event's reason is the case's closed reason."""
    await conn.execute(
        """UPDATE enrolments
              SET stage = $2, outcome = $3, attendance_present = $4, attendance_recorded = $5,
                  modules_completed = $6, reassessments_used = $7, exception_granted = $8,
                  awaiting_kind = $9, awaiting_role = $10, awaiting_due = $11,
                  closed_reason = CASE WHEN $16 THEN COALESCE($12, closed_reason) ELSE $12 END,
                  updated_at = $13, last_event_seq = $14, upt_code = COALESCE($15, upt_code)
            WHERE enrolment_id = $1 AND (last_event_seq < $14 OR NOT $16)""",
        enrolment_id,
        s.stage.value,
        s.outcome.value if s.outcome else None,
        s.attendance_present,
        s.attendance_recorded,
        s.modules_completed,
        s.reassessments_used,
        s.exception_granted,
        s.awaiting_kind,
        s.awaiting_role.value if s.awaiting_role else None,
        s.awaiting_due,
        reason if s.outcome is not None else None,
        at,
        seq,
        # A transfer moves the case to the new UPT's case list and scope.
        s.upt_code,
        newer,
    )


# ---------------------------------------------------------------- reads


class EnrolmentFilter(BaseModel):
    upt_code: str | None = None
    lsp_code: str | None = None
    programme_code: str | None = None
    stage: Stage | None = None
    inmate_sdp_no: str | None = None
    open_only: bool = False
    limit: int = 50
    offset: int = 0


async def get_enrolment(
    conn: Connection | asyncpg.Pool, enrolment_id: str
) -> EnrolmentRecord | None:
    row = await conn.fetchrow(
        f"""SELECT {_ENROLMENT_COLUMNS}
              FROM enrolments e LEFT JOIN certificates c USING (enrolment_id)
             WHERE e.enrolment_id = $1""",  # noqa: S608 - fixed column list, values bound
        enrolment_id,
    )
    return EnrolmentRecord(**dict(row)) if row is not None else None


_OFFERING_COLUMNS = ("lsp_code", "planned_start", "planned_end")


async def get_enrolment_and_offering(
    conn: Connection | asyncpg.Pool, enrolment_id: str
) -> tuple[EnrolmentRecord, Offering | None] | None:
    """The case row and its programme's offering at the case's UPT (None when that UPT does
    not offer it), in one round trip: what a decision checks before it is sent (issue 18)."""
    offering_columns = ", ".join(f"o.{c} AS offering_{c}" for c in _OFFERING_COLUMNS)
    row = await conn.fetchrow(
        f"""SELECT {_ENROLMENT_COLUMNS}, {offering_columns}
              FROM enrolments e LEFT JOIN certificates c USING (enrolment_id)
              LEFT JOIN offerings o
                     ON o.upt_code = e.upt_code AND o.programme_code = e.programme_code
             WHERE e.enrolment_id = $1""",  # noqa: S608 - fixed column lists, values bound
        enrolment_id,
    )
    if row is None:
        return None
    fields = dict(row)
    offered = {c: fields.pop(f"offering_{c}") for c in _OFFERING_COLUMNS}
    record = EnrolmentRecord(**fields)
    if offered["planned_start"] is None:
        return record, None
    offering = Offering(upt_code=record.upt_code, programme_code=record.programme_code, **offered)
    return record, offering


async def list_enrolments(
    conn: Connection | asyncpg.Pool, where: EnrolmentFilter
) -> list[EnrolmentRecord]:
    clauses: list[str] = []
    args: list[Any] = []
    for column, value in (
        ("e.upt_code", where.upt_code),
        ("e.lsp_code", where.lsp_code),
        ("e.programme_code", where.programme_code),
        ("e.stage", where.stage.value if where.stage else None),
        ("e.inmate_sdp_no", where.inmate_sdp_no),
    ):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    if where.open_only:
        clauses.append("e.outcome IS NULL")
    args += [where.limit, where.offset]
    sql = f"""SELECT {_ENROLMENT_COLUMNS}
                FROM enrolments e LEFT JOIN certificates c USING (enrolment_id)
               {"WHERE " + " AND ".join(clauses) if clauses else ""}
               ORDER BY e.requested_at DESC, e.enrolment_id
               LIMIT ${len(args) - 1} OFFSET ${len(args)}"""  # noqa: S608 - placeholders only
    return [EnrolmentRecord(**dict(r)) for r in await conn.fetch(sql, *args)]


async def list_decisions(
    conn: Connection | asyncpg.Pool, enrolment_id: str
) -> list[DecisionRecord]:
    rows = await conn.fetch(
        """SELECT seq, kind, at, stage, actor_subject, actor_role, decision, reason
             FROM enrolment_events WHERE enrolment_id = $1 ORDER BY seq""",
        enrolment_id,
    )
    return [DecisionRecord(**dict(r)) for r in rows]


async def active_enrolments(
    conn: Connection | asyncpg.Pool, pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The active enrolment of each (inmate, programme) pair that has one, by its id: one
    round trip for a whole cohort batch."""
    if not pairs:
        return {}
    rows = await conn.fetch(
        """SELECT e.inmate_sdp_no, e.programme_code, e.enrolment_id
             FROM enrolments e
             JOIN unnest($1::text[], $2::text[]) AS p(inmate_sdp_no, programme_code)
               USING (inmate_sdp_no, programme_code)
            WHERE e.outcome IS NULL""",
        [inmate for inmate, _ in pairs],
        [programme for _, programme in pairs],
    )
    return {(r["inmate_sdp_no"], r["programme_code"]): r["enrolment_id"] for r in rows}
