"""Outbox rows for the notices the existing writes did not yet announce: a task given to a
person, an escalation without a task (BNSP silence), an employer's revision request and
payment due, a permit about to end, and a person's daily digest.

Each row's message_id is deterministic, so a retried activity (or a second delivery worker
running the same daily pass) writes it once. Payloads hold ids, kinds and dates only.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import asyncpg

from db.connect import Connection
from db.tasks import TaskRecord
from domain.enrolment import EnrolmentEvent
from domain.identity import Ministry, Role, Scope
from domain.permit import EventKind, PermitEvent, Stage
from notices.kinds import (
    CASE_ESCALATED,
    DAILY_DIGEST,
    PERMIT_REMINDER,
    TASK_ASSIGNED,
)

# Escalations a workflow raises without a task of their own (a task's escalation already
# writes its notice in db/tasks.escalate_task).
TASKLESS_ESCALATIONS = frozenset({"bnsp_sla"})


async def write(
    conn: Connection | asyncpg.Pool,
    message_id: str,
    topic: str,
    role: Role | None,
    scope: Scope,
    payload: dict[str, Any],
    *,
    recipient_subject: str | None = None,
    at: datetime | None = None,
) -> bool:
    """One outbox row; False when it was written before."""
    written = await conn.fetchval(
        """INSERT INTO outbox (message_id, topic, recipient_role, scope_upt, scope_lsp,
                               scope_bapas, scope_ministry, scope_employer_nib, payload,
                               recipient_subject, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, COALESCE($11, now()))
           ON CONFLICT (message_id) DO NOTHING RETURNING true""",
        message_id, topic, role.value if role else None, scope.upt, scope.lsp, scope.bapas,
        scope.ministry.value if scope.ministry else None, scope.employer_nib,
        json.dumps(payload), recipient_subject, at,
    )  # fmt: skip
    return bool(written)


async def task_assigned(conn: Connection, task: TaskRecord, to_subject: str, seq: int) -> bool:
    """The new holder of a reassigned task is told (inside the reassignment's transaction)."""
    payload = {
        "task_id": task.task_id,
        "case_kind": task.case_kind,
        "case_id": task.case_id,
        "kind": task.kind,
        "due_at": task.due_at.isoformat() if task.due_at else None,
    }
    return await write(
        conn, f"assigned:{task.task_id}:{seq}", TASK_ASSIGNED, task.required_role, task.scope,
        payload, recipient_subject=to_subject,
    )  # fmt: skip


async def enrolment_event(conn: Connection | asyncpg.Pool, event: EnrolmentEvent) -> bool:
    """An escalation with no task (BNSP silence) goes to the role it was routed to."""
    x = event.escalation
    if x is None or x.kind not in TASKLESS_ESCALATIONS:
        return False
    payload = {"case_kind": "enrolment", "case_id": event.enrolment_id, "kind": x.kind,
               "raised_at": x.raised_at.isoformat()}  # fmt: skip
    return await write(
        conn, f"escalation:{event.enrolment_id}:{x.kind}", CASE_ESCALATED, x.routed_to,
        Scope(ministry=Ministry.KEMNAKER), payload, at=x.raised_at,
    )  # fmt: skip


def _reminder(application_id: str, kind: str, due_at: datetime | None) -> dict[str, Any]:
    return {"application_id": application_id, "kind": kind,
            "due_at": due_at.isoformat() if due_at else None}  # fmt: skip


async def permit_event(conn: Connection | asyncpg.Pool, event: PermitEvent) -> bool:
    """The employer is told a revision is requested (documents, or a visa on hold) and that
    the DKPTKA bill is due."""
    s = event.summary
    if event.kind is EventKind.STAGE_CHANGED and s.stage in (Stage.REVISION, Stage.VISA_HOLD):
        kind, due = "revision_requested", s.awaiting_due
    elif event.kind is EventKind.BILLED and not s.exempt:
        kind, due = "payment_due", s.payment_due
    else:
        return False
    nib = await conn.fetchval(
        "SELECT employer_nib FROM permit_applications WHERE application_id = $1",
        event.application_id,
    )
    if nib is None:
        return False
    return await write(
        conn, f"permit-notice:{event.event_id}", PERMIT_REMINDER, Role.EMPLOYER,
        Scope(employer_nib=nib), _reminder(event.application_id, kind, due), at=event.at,
    )  # fmt: skip


async def permits_expiring(conn: Connection, today: date, within_days: int) -> int:
    """Active permits ending within `within_days`: each told once per end date."""
    rows = await conn.fetch(
        """SELECT application_id, employer_nib, valid_until FROM permit_applications
            WHERE stage = 'active' AND outcome IS NULL AND valid_until IS NOT NULL
              AND valid_until >= $1 AND valid_until <= $1 + $2::integer""",
        today,
        within_days,
    )
    written = 0
    for row in rows:
        payload = {"application_id": row["application_id"], "kind": "permit_expiring",
                   "due_on": row["valid_until"].isoformat()}  # fmt: skip
        written += await write(
            conn, f"permit-expiring:{row['application_id']}:{row['valid_until']}",
            PERMIT_REMINDER, Role.EMPLOYER, Scope(employer_nib=row["employer_nib"]), payload,
        )  # fmt: skip
    return written


async def daily_digest(
    conn: Connection, subject: str, day: date, lines: list[dict[str, Any]], overdue: int,
    open_count: int,
) -> bool:  # fmt: skip
    """A person's digest of the day, once (the key is the person and the day)."""
    payload = {"open_count": open_count, "overdue_count": overdue, "lines": lines,
               "day": day.isoformat()}  # fmt: skip
    return await write(
        conn, f"digest:{subject}:{day.isoformat()}", DAILY_DIGEST, None, Scope(),
        payload, recipient_subject=subject,
    )  # fmt: skip
