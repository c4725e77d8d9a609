"""The TKA permit read model: the API's reservation row, the projection of workflow events,
reminders to the outbox, payment confirmations, and the reads behind the API.

Every projection write is keyed by the event's deterministic id, every reminder by its
message id, every payment confirmation by SIMPONI's payment id: a write repeated (an activity
retried, a confirmation delivered twice) changes nothing the second time.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import asyncpg
from pydantic import BaseModel

from db import case_events
from db.connect import Connection
from db.decision_log import DecisionRecord
from domain.audit_chain import AuditEntry, event_entry
from domain.clock import start_of
from domain.identity import Role
from domain.permit import (
    WORKFLOW_KIND,
    PaymentConfirmation,
    PermitApplication,
    PermitEvent,
    PermitReminder,
    PermitSummary,
    PositionKind,
    Stage,
)
from domain.permit_search import PermitSearch

_COLUMNS = """
    application_id, workflow_id, employer_nib, position_title, position_kind, tka_name,
    passport_no, nationality, duration_months, work_location, in_kek, pendamping_name,
    pendamping_position, employer_category, stage, outcome, closed_reason, revision_rounds,
    exempt, billing_code, amount_usd, payment_due, payment_id, rptka_number, travel_ban,
    background_clear, visa_number, itas_number, valid_from, valid_until, epo_number,
    awaiting_kind, awaiting_role, awaiting_due, submitted_by, submitted_at, updated_at
"""

REMINDER_TOPIC = "permit.reminder"


class PermitRecord(PermitSummary):
    """One application as the read model holds it (the passport is the case's data): its
    submission, and the summary its workflow projects after each event."""

    application_id: str
    workflow_id: str
    employer_nib: str
    position_title: str
    position_kind: PositionKind
    tka_name: str
    passport_no: str
    nationality: str
    duration_months: int
    work_location: str
    in_kek: bool
    pendamping_name: str | None
    pendamping_position: str | None
    employer_category: str
    submitted_by: str
    submitted_at: datetime
    updated_at: datetime


class ConfirmationResult(StrEnum):
    ACCEPTED = "accepted"
    REFUSED_EXPIRED = "refused_expired"
    REFUSED_UNKNOWN = "refused_unknown"
    REFUSED_INVALID = "refused_invalid"


class ConfirmationRecord(BaseModel):
    payment_id: str
    billing_code: str
    application_id: str | None
    amount_usd: int
    paid_at: datetime
    result: ConfirmationResult
    detail: str | None
    deliveries: int

    def confirms(self, payment: PaymentConfirmation) -> bool:
        """Is `payment` the confirmation recorded under its id (not a different body)?"""
        return (self.billing_code, self.amount_usd, self.paid_at) == (
            payment.billing_code,
            payment.amount_usd,
            payment.paid_at,
        )


_CONFIRMATION_COLUMNS = (
    "payment_id, billing_code, application_id, amount_usd, paid_at, result, detail, deliveries"
)


# ---------------------------------------------------------------- writes


async def reserve(
    conn: Connection,
    application: PermitApplication,
    workflow_id: str,
    at: datetime | None = None,  # None: the database's clock
) -> None:
    """The row the API writes before starting the workflow, inside the same transaction
    (and the projection's fallback when that commit was lost)."""
    a, p = application, application.pendamping
    await conn.execute(
        """INSERT INTO permit_applications (
               application_id, workflow_id, employer_nib, position_title, position_kind,
               tka_name, passport_no, nationality, duration_months, work_location, in_kek,
               pendamping_name, pendamping_position, employer_category, stage, submitted_by,
               submitted_at, updated_at, province_code, sector)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                   COALESCE($17, now()), COALESCE($17, now()), $18, $19)
           ON CONFLICT (application_id) DO NOTHING""",
        a.application_id, workflow_id, a.employer_nib, a.position_title, a.position_kind.value,
        a.tka_name, a.passport_no, a.nationality, a.duration_months, a.work_location, a.in_kek,
        p.name if p else None, p.position if p else None, a.employer_category.value,
        Stage.DOCUMENT_VERIFICATION.value, a.submitted_by.subject, at, a.province, a.sector,
    )  # fmt: skip


async def apply_event(conn: Connection, event: PermitEvent, run_id: str | None = None) -> bool:
    """Project one workflow event, and append it to the application's audit trail
    (`run_id`: the workflow run that made it). Returns False when it had already been
    applied."""
    application = event.application
    return await case_events.write_once(
        conn,
        "permit_events",
        case_events.event_row(
            event,
            "application_id",
            event.application_id,
            stage=event.summary.stage.value,
            decision=event.decision,
        ),
        before=(
            (lambda: reserve(conn, application, event.workflow_id, event.at))
            if application is not None
            else None
        ),
        project=lambda: _apply_summary(conn, event),
        audit=audit_entry(event, run_id),
    )


async def _apply_summary(conn: Connection, event: PermitEvent) -> None:
    # Events can land out of order (an update handler's and the flow's activities run
    # side by side): only a newer event may overwrite the summary.
    s = event.summary
    await conn.execute(
        """UPDATE permit_applications
              SET stage = $2, outcome = $3, closed_reason = $4, revision_rounds = $5,
                  exempt = $6, billing_code = $7, amount_usd = $8, payment_due = $9,
                  payment_id = $10, rptka_number = $11, travel_ban = $12,
                  background_clear = $13, visa_number = $14, itas_number = $15,
                  valid_from = $16, valid_until = $17, epo_number = $18,
                  awaiting_kind = $19, awaiting_role = $20, awaiting_due = $21,
                  updated_at = $22, last_event_seq = $23
            WHERE application_id = $1 AND last_event_seq < $23""",
        event.application_id, s.stage.value, s.outcome.value if s.outcome else None,
        s.closed_reason, s.revision_rounds, s.exempt, s.billing_code, s.amount_usd,
        s.payment_due, s.payment_id, s.rptka_number, s.travel_ban, s.background_clear,
        s.visa_number, s.itas_number, s.valid_from, s.valid_until, s.epo_number,
        s.awaiting_kind, s.awaiting_role.value if s.awaiting_role else None, s.awaiting_due,
        event.at, event.seq,
    )  # fmt: skip


def audit_entry(event: PermitEvent, run_id: str | None) -> AuditEntry:
    """The event as the audit trail records it: ids and codes, never the passport or names."""
    detail: dict[str, Any] = {}
    if event.escalation is not None:
        detail |= {"escalation": event.escalation.kind,
                   "routed_to": event.escalation.routed_to.value}  # fmt: skip
    documents = event.documents or (event.application.documents if event.application else [])
    if documents:  # each document's SHA-256 on the case's chain
        detail["documents"] = [d.model_dump() for d in documents]
    return event_entry(
        event,
        case_kind=WORKFLOW_KIND,
        case_id=event.application_id,
        stage=event.summary.stage.value,
        run_id=run_id,
        decision=event.decision,
        detail=detail,
    )


async def write_reminder(conn: Connection, reminder: PermitReminder) -> bool:
    """One outbox message to the employer; False when it was written before."""
    payload = {
        "application_id": reminder.application_id,
        "kind": reminder.kind.value,
        "due_on": reminder.due_on.isoformat(),
    }
    written = await conn.fetchval(
        """INSERT INTO outbox (message_id, topic, recipient_role, scope_employer_nib, payload,
                               created_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6)
           ON CONFLICT (message_id) DO NOTHING
           RETURNING true""",
        reminder.message_id, REMINDER_TOPIC, Role.EMPLOYER.value, reminder.employer_nib,
        json.dumps(payload), reminder.at,
    )  # fmt: skip
    return bool(written)


async def record_confirmation(
    conn: Connection,
    payment: PaymentConfirmation,
    application_id: str | None,
    result: ConfirmationResult,
    detail: str | None,
) -> ConfirmationRecord:
    """Record a confirmation's first delivery with what was done with it; a later delivery
    of the same payment id only counts, and answers the first result."""
    row = await conn.fetchrow(
        f"""INSERT INTO payment_confirmations (payment_id, billing_code, application_id,
                                              amount_usd, paid_at, result, detail)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (payment_id) DO UPDATE
              SET deliveries = payment_confirmations.deliveries + 1, last_received_at = now()
           RETURNING {_CONFIRMATION_COLUMNS}""",  # noqa: S608 - fixed columns
        payment.payment_id, payment.billing_code, application_id, payment.amount_usd,
        payment.paid_at, result.value, detail,
    )  # fmt: skip
    assert row is not None
    return ConfirmationRecord(**dict(row))


async def count_delivery(
    conn: Connection | asyncpg.Pool, payment: PaymentConfirmation
) -> ConfirmationRecord | None:
    """What was recorded under this payment id, if anything. A delivery of the same
    confirmation again is counted; a different body under the same id is not (the caller
    refuses it: `ConfirmationRecord.confirms`)."""
    row = await conn.fetchrow(
        f"""UPDATE payment_confirmations
              SET deliveries = deliveries + 1, last_received_at = now()
            WHERE payment_id = $1 AND billing_code = $2 AND amount_usd = $3 AND paid_at = $4
        RETURNING {_CONFIRMATION_COLUMNS}""",  # noqa: S608 - fixed columns
        payment.payment_id, payment.billing_code, payment.amount_usd, payment.paid_at,
    )  # fmt: skip
    if row is None:
        row = await conn.fetchrow(
            f"SELECT {_CONFIRMATION_COLUMNS} FROM payment_confirmations WHERE payment_id = $1",  # noqa: S608 - fixed columns
            payment.payment_id,
        )
    return ConfirmationRecord(**dict(row)) if row is not None else None


# ---------------------------------------------------------------- reads


class PermitFilter(BaseModel):
    employer_nib: str | None = None
    stage: Stage | None = None
    open_only: bool = False
    limit: int = 50
    offset: int = 0


async def get_application(
    conn: Connection | asyncpg.Pool, application_id: str
) -> PermitRecord | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM permit_applications WHERE application_id = $1",  # noqa: S608 - fixed columns
        application_id,
    )
    return PermitRecord(**dict(row)) if row is not None else None


async def by_billing_code(
    conn: Connection | asyncpg.Pool, billing_code: str
) -> PermitRecord | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM permit_applications WHERE billing_code = $1",  # noqa: S608 - fixed columns
        billing_code,
    )
    return PermitRecord(**dict(row)) if row is not None else None


async def list_applications(
    conn: Connection | asyncpg.Pool, where: PermitFilter
) -> list[PermitRecord]:
    clauses: list[str] = []
    args: list[Any] = []
    for column, value in (
        ("employer_nib", where.employer_nib),
        ("stage", where.stage.value if where.stage else None),
    ):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    if where.open_only:
        clauses.append("outcome IS NULL")
    args += [where.limit, where.offset]
    sql = f"""SELECT {_COLUMNS} FROM permit_applications
               {"WHERE " + " AND ".join(clauses) if clauses else ""}
               ORDER BY submitted_at DESC, application_id
               LIMIT ${len(args) - 1} OFFSET ${len(args)}"""  # noqa: S608 - placeholders only
    return [PermitRecord(**dict(r)) for r in await conn.fetch(sql, *args)]


async def list_decisions(
    conn: Connection | asyncpg.Pool, application_id: str
) -> list[DecisionRecord]:
    rows = await conn.fetch(
        """SELECT seq, kind, at, stage, actor_subject, actor_role, decision, reason
             FROM permit_events WHERE application_id = $1 ORDER BY seq""",
        application_id,
    )
    return [DecisionRecord(**dict(r)) for r in rows]


async def search_applications(
    conn: Connection | asyncpg.Pool, search: PermitSearch, stages: list[Stage]
) -> list[PermitRecord]:
    """Staff search within `stages` (the caller's ministry's steps); every value bound."""
    args: list[Any] = [[s.value for s in stages]]
    clauses = ["stage = ANY($1::text[])"]

    def bind(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if search.employer_nib:
        clauses.append(f"employer_nib = {bind(search.employer_nib)}")
    if search.stage:
        clauses.append(f"stage = {bind(search.stage.value)}")
    if search.nationality:
        clauses.append(f"nationality = {bind(search.nationality)}")
    if search.passport_no:
        clauses.append(f"passport_no = {bind(search.passport_no)}")
    if search.position:
        pattern = (
            "%"
            + search.position.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        clauses.append(f"position_title ILIKE {bind(pattern)}")
    if search.submitted_from:
        clauses.append(f"submitted_at >= {bind(start_of(search.submitted_from))}")
    if search.submitted_until:
        until = start_of(search.submitted_until + timedelta(days=1))
        clauses.append(f"submitted_at < {bind(until)}")
    sql = f"""SELECT {_COLUMNS} FROM permit_applications WHERE {" AND ".join(clauses)}
               ORDER BY submitted_at DESC, application_id
               LIMIT {bind(search.limit)} OFFSET {bind(search.offset)}"""  # noqa: S608
    return [PermitRecord(**dict(r)) for r in await conn.fetch(sql, *args)]
