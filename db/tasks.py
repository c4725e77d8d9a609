"""Reviewer tasks as the workflow writes them: opened when it starts waiting on a person,
escalated when overdue, closed when it stops waiting; and the reads of a task, its
who-did-what log and the notification outbox.

Every write here comes from a workflow activity and is idempotent: the transition is a
conditional UPDATE (or INSERT ... ON CONFLICT DO NOTHING) and the history row carries a
deterministic key, so a retried activity changes nothing the second time. A closed task is
never reopened. What people do to a task (claim, unclaim, reassign) is in `db/inbox.py`.

One exception, for the cases whose workflows write through local activities (`LOCAL_WRITES`):
a write stored by a workflow task that never completed (a local activity writes before its
marker is in history; db/case_events.py, "superseded"). A workflow opens each task once, at
its workflow task's start time, so an opening of a stored task with a *later* time comes from
a later attempt of that workflow task: it replaces the stored one. A closing or escalation
the same as the stored one, later, is re-stamped with the later time (a different one keeps
the first, as always). A line re-stamped or replaced is logged again under a key with the new
time (the audit trail keeps both). What such an attempt wrote and its retry did not write
again is taken back with the events it went with (`take_back`), by the times it carries.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg
from pydantic import BaseModel

from db import audit_trail
from db.connect import Connection
from domain.audit_chain import FOLLOWS_EVENT, AuditEntry, timestamp
from domain.enrolment import WORKFLOW_KIND as ENROLMENT_KIND
from domain.errors import invalid
from domain.identity import ROLE_SCOPE, Role, Scope, ScopeKind
from domain.journey import JOURNEY_KIND
from domain.tasks import TaskClosing, TaskEscalation, TaskOpening, TaskState

# The Scope field and tasks/outbox column of each scope kind.
SCOPE_FIELDS: dict[ScopeKind, tuple[str, str]] = {
    ScopeKind.UPT: ("upt", "scope_upt"),
    ScopeKind.LSP: ("lsp", "scope_lsp"),
    ScopeKind.BAPAS: ("bapas", "scope_bapas"),
    ScopeKind.MINISTRY: ("ministry", "scope_ministry"),
    ScopeKind.EMPLOYER: ("employer_nib", "scope_employer_nib"),
}

TASK_COLUMNS = """
    t.task_id, t.case_kind, t.case_id, t.workflow_id, t.kind, t.stage, t.required_role,
    t.scope_upt, t.scope_lsp, t.scope_bapas, t.scope_ministry, t.scope_employer_nib, t.state,
    t.assignee, t.claimed_at, t.opened_at, t.due_at, t.escalated_at, t.routed_to_role,
    t.closed_at, t.decision, t.decided_by, t.decided_role, t.reason
"""

ESCALATION_TOPIC = "task.escalated"
# The case kinds whose workflows write their tasks through local activities (module notes).
LOCAL_WRITES = (ENROLMENT_KIND, JOURNEY_KIND)


class HistoryAction(StrEnum):
    OPENED = "opened"
    CLAIMED = "claimed"
    UNCLAIMED = "unclaimed"
    REASSIGNED = "reassigned"
    ESCALATED = "escalated"
    DECIDED = "decided"
    CANCELLED = "cancelled"


class TaskRecord(BaseModel):
    """One task as the inbox shows it."""

    task_id: str
    case_kind: str
    case_id: str
    workflow_id: str
    kind: str
    stage: str
    required_role: Role
    scope: Scope
    state: TaskState
    assignee: str | None
    claimed_at: datetime | None
    opened_at: datetime
    due_at: datetime | None
    escalated_at: datetime | None
    routed_to_role: Role | None
    closed_at: datetime | None
    decision: str | None
    decided_by: str | None
    decided_role: Role | None
    reason: str | None

    def is_overdue(self, now: datetime) -> bool:
        return self.closed_at is None and self.due_at is not None and self.due_at < now


class TaskHistoryEntry(BaseModel):
    """One line of a task's log: what happened, who did it, in which role, when."""

    at: datetime
    action: HistoryAction
    actor_subject: str | None
    actor_role: Role | None
    detail: str | None


class OutboxMessage(BaseModel):
    message_id: str
    topic: str
    recipient_role: Role
    scope: Scope
    payload: dict[str, Any]
    created_at: datetime
    delivered_at: datetime | None


def scope_values(scope: Scope) -> dict[ScopeKind, str]:
    """The scope's set fields, by kind, as the text stored in the scope columns."""
    found: dict[ScopeKind, str] = {}
    for kind, (field, _) in SCOPE_FIELDS.items():
        value = getattr(scope, field)
        if value is not None:
            found[kind] = str(value)
    return found


def governing_kinds(role: Role) -> tuple[ScopeKind, ...]:
    """The scope kinds that decide who may work on a task for `role`: the role's own scope
    kind (a caseworker's UPT, an assessor's LSP); any kind for a supervisor."""
    kind = ROLE_SCOPE[role]
    return tuple(SCOPE_FIELDS) if kind is ScopeKind.ALL else (kind,)


def row_to_task(row: asyncpg.Record) -> TaskRecord:
    data = dict(row)
    scope = Scope(**{field: data.pop(column) for field, column in SCOPE_FIELDS.values()})
    return TaskRecord(scope=scope, **data)


async def write_history(
    conn: Connection,
    task_id: str,
    action: HistoryAction,
    at: datetime,
    *,
    actor_subject: str | None = None,
    actor_role: Role | None = None,
    detail: str | None = None,
    idempotency_key: str | None = None,
    run_id: str | None = None,
    follows_event: int | None = None,
) -> None:
    """One line of the task's log, and the same line in its case's audit trail, inside the
    caller's transaction. A workflow's line is keyed by `idempotency_key` (written once);
    a person's by the log row it writes (`run_id`: the workflow run, for a workflow's)."""
    row = await conn.fetchrow(
        """WITH logged AS (
               INSERT INTO task_history (task_id, at, action, actor_subject, actor_role, detail,
                                         idempotency_key)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (idempotency_key) DO NOTHING
               RETURNING id)
           SELECT l.id, t.case_kind, t.case_id, t.workflow_id, t.kind, t.stage
             FROM logged l JOIN tasks t ON t.task_id = $1""",
        task_id, at, action.value, actor_subject,
        actor_role.value if actor_role else None, detail, idempotency_key,
    )  # fmt: skip
    if row is None:
        return
    note: dict[str, Any] = {"note": detail} if detail is not None else {}
    if follows_event is not None:
        note[FOLLOWS_EVENT] = follows_event
    await audit_trail.append(
        conn,
        AuditEntry(
            entry_key=f"task:{idempotency_key}" if idempotency_key else f"task-log:{row['id']}",
            case_kind=row["case_kind"],
            case_id=row["case_id"],
            workflow_id=row["workflow_id"],
            run_id=run_id,
            kind=f"task_{action.value}",
            at=at,
            stage=row["stage"],
            actor_subject=actor_subject,
            actor_role=actor_role.value if actor_role else None,
            detail={"task_id": task_id, "task_kind": row["kind"]} | note,
        ),
    )


# ---------------------------------------------------------------- workflow writes


async def open_task(conn: Connection, opening: TaskOpening, run_id: str | None = None) -> bool:
    """Open the task once. Returns False when it already existed (even if closed since)."""
    if not any(k in scope_values(opening.scope) for k in governing_kinds(opening.required_role)):
        # Nobody could ever see or claim it: refuse rather than strand the case.
        kinds = "/".join(k.value for k in governing_kinds(opening.required_role))
        raise invalid(f"task {opening.task_id} for {opening.required_role} needs a {kinds} scope")
    s = opening.scope
    async with conn.transaction():
        inserted = await conn.fetchval(
            """INSERT INTO tasks (
                   task_id, case_kind, case_id, workflow_id, kind, stage, required_role,
                   scope_upt, scope_lsp, scope_bapas, scope_ministry, scope_employer_nib,
                   state, opened_at, due_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', $13, $14)
               ON CONFLICT (task_id) DO NOTHING
               RETURNING true""",
            opening.task_id, opening.case_kind, opening.case_id, opening.workflow_id,
            opening.kind, opening.stage, opening.required_role.value,
            s.upt, s.lsp, s.bapas, s.ministry.value if s.ministry else None, s.employer_nib,
            opening.opened_at, opening.due_at,
        )  # fmt: skip
        key = f"{opening.task_id}:opened"
        if not inserted:
            if not await _reopened_by_a_later_attempt(conn, opening):
                return False
            key = await _log_again(conn, key, opening.opened_at)
        await write_history(
            conn, opening.task_id, HistoryAction.OPENED, opening.opened_at,
            detail=f"awaits {opening.required_role}", idempotency_key=key,
            run_id=run_id, follows_event=opening.follows_event,
        )  # fmt: skip
        return True


async def _reopened_by_a_later_attempt(conn: Connection, opening: TaskOpening) -> bool:
    """The task stored under this id was opened by an earlier attempt of the workflow task
    (module notes): it becomes this opening, open and unclaimed (its claim, escalation or
    closing were that attempt's, or come again from this one)."""
    s = opening.scope
    reopened = await conn.fetchval(
        """UPDATE tasks
              SET kind = $2, stage = $3, required_role = $4, scope_upt = $5, scope_lsp = $6,
                  scope_bapas = $7, scope_ministry = $8, scope_employer_nib = $9,
                  opened_at = $10, due_at = $11, state = 'open', assignee = NULL,
                  claimed_at = NULL, escalated_at = NULL, routed_to_role = NULL,
                  closed_at = NULL, decision = NULL, decided_by = NULL, decided_role = NULL,
                  reason = NULL
            WHERE task_id = $1 AND opened_at < $10 AND case_kind = ANY($12::text[])
        RETURNING true""",
        opening.task_id, opening.kind, opening.stage, opening.required_role.value,
        s.upt, s.lsp, s.bapas, s.ministry.value if s.ministry else None, s.employer_nib,
        opening.opened_at, opening.due_at, list(LOCAL_WRITES),
    )  # fmt: skip
    return bool(reopened)


async def _log_again(conn: Connection, key: str, at: datetime) -> str:
    """A log line an earlier attempt wrote under `key` goes (the audit trail keeps its entry);
    the key of the line written in its place, with this attempt's time."""
    await conn.execute("DELETE FROM task_history WHERE idempotency_key = $1", key)
    return f"{key}@{timestamp(at)}"


async def close_task(conn: Connection, closing: TaskClosing, run_id: str | None = None) -> bool:
    """Decide or cancel a task still open. Returns False when it was already closed (or
    never opened): a closed task keeps its first outcome and is never reopened."""
    if closing.state not in (TaskState.DECIDED, TaskState.CANCELLED):
        raise invalid(f"a task closes as decided or cancelled, not {closing.state}")
    actor = closing.actor
    if closing.state is TaskState.DECIDED and actor is None:
        raise invalid(f"task {closing.task_id}: a decision must say who made it")
    async with conn.transaction():
        closed = await conn.fetchval(
            """UPDATE tasks
                  SET state = $2, closed_at = $3, decision = $4, decided_by = $5,
                      decided_role = $6, reason = $7
                WHERE task_id = $1 AND state IN ('open', 'claimed', 'escalated')
            RETURNING true""",
            closing.task_id, closing.state.value, closing.closed_at, closing.decision,
            actor.subject if actor else None, actor.role.value if actor else None,
            closing.reason,
        )  # fmt: skip
        key = f"{closing.task_id}:closed"
        if not closed:
            # The same closing by an earlier attempt of the workflow task (module notes).
            closed = await conn.fetchval(
                """UPDATE tasks SET closed_at = $3
                    WHERE task_id = $1 AND state = $2 AND closed_at < $3
                      AND decision IS NOT DISTINCT FROM $4 AND decided_by IS NOT DISTINCT FROM $5
                      AND decided_role IS NOT DISTINCT FROM $6
                      AND reason IS NOT DISTINCT FROM $7 AND case_kind = ANY($8::text[])
                RETURNING true""",
                closing.task_id, closing.state.value, closing.closed_at, closing.decision,
                actor.subject if actor else None, actor.role.value if actor else None,
                closing.reason, list(LOCAL_WRITES),
            )  # fmt: skip
            if not closed:
                return False
            key = await _log_again(conn, key, closing.closed_at)
        decided = closing.state is TaskState.DECIDED
        detail = " - ".join(p for p in (closing.decision, closing.reason) if p) or None
        await write_history(
            conn, closing.task_id,
            HistoryAction.DECIDED if decided else HistoryAction.CANCELLED, closing.closed_at,
            actor_subject=actor.subject if actor else None,
            actor_role=actor.role if actor else None,
            detail=detail, idempotency_key=key, run_id=run_id,
            follows_event=closing.follows_event,
        )  # fmt: skip
        return True


async def escalate_task(
    conn: Connection, escalation: TaskEscalation, run_id: str | None = None
) -> bool:
    """Flag an overdue task still open, route it to `routed_to` of the same scope and write
    one notification, all or nothing. The assignee, if any, keeps it: an escalated task can
    still be claimed and decided. Returns False when already escalated or closed."""
    async with conn.transaction():
        row = await conn.fetchrow(
            f"""UPDATE tasks t
                   SET state = 'escalated', escalated_at = $2, routed_to_role = $3
                 WHERE t.task_id = $1 AND t.state IN ('open', 'claimed')
             RETURNING {TASK_COLUMNS}""",  # noqa: S608 - fixed column list, values bound
            escalation.task_id,
            escalation.escalated_at,
            escalation.routed_to.value,
        )
        key = f"{escalation.task_id}:escalated"
        if row is None:
            # The same escalation by an earlier attempt of the workflow task (module notes).
            row = await conn.fetchrow(
                f"""UPDATE tasks t SET escalated_at = $2
                     WHERE t.task_id = $1 AND t.state = 'escalated' AND t.escalated_at < $2
                       AND t.routed_to_role = $3 AND t.case_kind = ANY($4::text[])
                 RETURNING {TASK_COLUMNS}""",  # noqa: S608 - fixed column list, values bound
                escalation.task_id,
                escalation.escalated_at,
                escalation.routed_to.value,
                list(LOCAL_WRITES),
            )
            if row is None:
                return False
            key = await _log_again(conn, key, escalation.escalated_at)
        task = row_to_task(row)
        payload = {
            "task_id": task.task_id,
            "case_kind": task.case_kind,
            "case_id": task.case_id,
            "workflow_id": task.workflow_id,
            "kind": task.kind,
            "stage": task.stage,
            "required_role": task.required_role.value,
            "assignee": task.assignee,
            "due_at": task.due_at.isoformat() if task.due_at else None,
            "escalated_at": escalation.escalated_at.isoformat(),
            "message": escalation.message,
        }
        s = task.scope
        await conn.execute(
            """INSERT INTO outbox (message_id, topic, recipient_role, scope_upt, scope_lsp,
                                   scope_bapas, scope_ministry, scope_employer_nib, payload)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
               ON CONFLICT (message_id) DO NOTHING""",
            f"escalation:{task.task_id}", ESCALATION_TOPIC, escalation.routed_to.value,
            s.upt, s.lsp, s.bapas, s.ministry.value if s.ministry else None, s.employer_nib,
            json.dumps(payload),
        )  # fmt: skip
        await write_history(
            conn, task.task_id, HistoryAction.ESCALATED, escalation.escalated_at,
            detail=f"overdue; routed to {escalation.routed_to}",
            idempotency_key=key, run_id=run_id,
            follows_event=escalation.follows_event,
        )  # fmt: skip
        return True


# What a task cancelled by `take_back` says (a later attempt that opens it again revives it).
TAKEN_BACK = "taken back: opened by a workflow task that never completed"


async def take_back(
    conn: Connection, case_kind: str, case_id: str, ats: Sequence[datetime]
) -> None:
    """Take back what workflow tasks that never completed, started at `ats`, did to the
    case's tasks (their events gave way: db/case_events.py): an escalation is lifted (its
    notification dropped unless sent), a closing reopens the task, an opening cancels it;
    their log lines go (the audit trail keeps them). Run before the attempt that replaces
    them writes again."""
    args = (case_kind, case_id, list(ats))
    await conn.execute(
        """DELETE FROM task_history h USING tasks t
            WHERE h.task_id = t.task_id AND t.case_kind = $1 AND t.case_id = $2
              AND h.idempotency_key IS NOT NULL AND h.at = ANY($3::timestamptz[])""",
        *args,
    )
    lifted = await conn.fetch(
        """UPDATE tasks
              SET escalated_at = NULL, routed_to_role = NULL,
                  state = CASE WHEN state <> 'escalated' THEN state
                               WHEN assignee IS NULL THEN 'open' ELSE 'claimed' END
            WHERE case_kind = $1 AND case_id = $2 AND escalated_at = ANY($3::timestamptz[])
        RETURNING task_id""",
        *args,
    )
    # Its notification, unless already sent (`escalate_task` wrote it).
    await conn.execute(
        "DELETE FROM outbox WHERE message_id = ANY($1::text[]) AND delivered_at IS NULL",
        [f"escalation:{r['task_id']}" for r in lifted],
    )
    await conn.execute(
        """UPDATE tasks
              SET state = CASE WHEN escalated_at IS NOT NULL THEN 'escalated'
                               WHEN assignee IS NULL THEN 'open' ELSE 'claimed' END,
                  closed_at = NULL, decision = NULL, decided_by = NULL, decided_role = NULL,
                  reason = NULL
            WHERE case_kind = $1 AND case_id = $2 AND closed_at = ANY($3::timestamptz[])
              AND state IN ('decided', 'cancelled')""",
        *args,
    )
    await conn.execute(
        """UPDATE tasks
              SET state = 'cancelled', closed_at = opened_at, reason = $4, assignee = NULL,
                  claimed_at = NULL, escalated_at = NULL, routed_to_role = NULL,
                  decision = NULL, decided_by = NULL, decided_role = NULL
            WHERE case_kind = $1 AND case_id = $2 AND opened_at = ANY($3::timestamptz[])""",
        *args, TAKEN_BACK,
    )  # fmt: skip


# ---------------------------------------------------------------- reads


async def get_task(conn: Connection | asyncpg.Pool, task_id: str) -> TaskRecord | None:
    row = await conn.fetchrow(
        f"SELECT {TASK_COLUMNS} FROM tasks t WHERE t.task_id = $1",  # noqa: S608 - fixed columns
        task_id,
    )
    return row_to_task(row) if row is not None else None


async def task_history(conn: Connection | asyncpg.Pool, task_id: str) -> list[TaskHistoryEntry]:
    """The log in the order the database applied it. Every write holds the task row's lock,
    so this is the causal order, whatever the clocks of workers and API say in `at`."""
    rows = await conn.fetch(
        """SELECT at, action, actor_subject, actor_role, detail
             FROM task_history WHERE task_id = $1 ORDER BY id""",
        task_id,
    )
    return [TaskHistoryEntry(**dict(r)) for r in rows]


async def pending_outbox(conn: Connection | asyncpg.Pool, limit: int = 100) -> list[OutboxMessage]:
    """Undelivered notifications, oldest first."""
    rows = await conn.fetch(
        """SELECT message_id, topic, recipient_role, scope_upt, scope_lsp, scope_bapas,
                  scope_ministry, scope_employer_nib, payload, created_at, delivered_at
             FROM outbox WHERE delivered_at IS NULL
            ORDER BY created_at, message_id LIMIT $1""",
        limit,
    )
    messages: list[OutboxMessage] = []
    for row in rows:
        data = dict(row)
        scope = Scope(**{field: data.pop(column) for field, column in SCOPE_FIELDS.values()})
        data["payload"] = json.loads(data["payload"])
        messages.append(OutboxMessage(scope=scope, **data))
    return messages


async def mark_delivered(
    conn: Connection | asyncpg.Pool, message_id: str, at: datetime | None = None
) -> bool:
    """Record a delivery once. Returns False when unknown or already delivered."""
    done = await conn.fetchval(
        """UPDATE outbox SET delivered_at = COALESCE($2, now())
            WHERE message_id = $1 AND delivered_at IS NULL RETURNING true""",
        message_id,
        at,
    )
    return bool(done)
