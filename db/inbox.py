"""The reviewer's side of tasks: who may see and work on one, the inbox query, and claim,
unclaim and reassign.

Visibility is one rule, in SQL for the inbox and in Python (`may_work_on`) for a single task:
a task is for the people holding its required role within its scope, on the scope field that
role is bounded by (a caseworker's UPT, an assessor's LSP, an instructor's ministry). Once
escalated it is also for the role it was routed to (the supervisor) of any matching scope.

People's actions lock the task row (SELECT ... FOR UPDATE) before checking it, so two
reviewers acting at the same moment are served one after the other: exactly one claim wins
and the other is told who holds the task.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, model_validator

from db import notices, people
from db.connect import Connection
from db.tasks import (
    SCOPE_FIELDS,
    TASK_COLUMNS,
    HistoryAction,
    TaskRecord,
    governing_kinds,
    row_to_task,
    scope_values,
    write_history,
)
from domain.errors import conflict, forbidden, invalid, not_found
from domain.identity import Actor, Ministry, Principal, Role, Scope
from domain.tasks import OPEN_STATES, TaskState


class Grant(BaseModel):
    """One (role, scope) pair the caller holds."""

    model_config = ConfigDict(frozen=True)

    role: Role
    scope: Scope


def grants_of(principal: Principal) -> tuple[Grant, ...]:
    return tuple(Grant(role=role, scope=principal.scope) for role in sorted(principal.roles))


class InboxQuery(BaseModel):
    """The caller's visibility (`grants`) and the filters of one inbox page."""

    model_config = ConfigDict(frozen=True)

    subject: str
    grants: tuple[Grant, ...]
    kind: str | None = None
    stage: str | None = None
    states: frozenset[TaskState] = Field(default=OPEN_STATES, min_length=1)
    upt: str | None = None
    lsp: str | None = None
    bapas: str | None = None
    ministry: Ministry | None = None
    overdue: bool = False
    now: datetime | None = None  # the caller's clock: "overdue" means due_at < now
    assigned_to_me: bool = False
    unclaimed: bool = False  # nobody holds it
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _overdue_needs_now(self) -> Self:
        if self.overdue and self.now is None:
            raise ValueError("the overdue filter needs `now`")
        return self


def may_work_on(task: TaskRecord, role: Role, scope: Scope) -> bool:
    """Whether someone acting as `role` within `scope` may claim and decide `task`."""
    if role is not task.required_role:
        return False
    theirs, the_task = scope_values(scope), scope_values(task.scope)
    return any(
        k in the_task and the_task[k] == theirs.get(k) for k in governing_kinds(task.required_role)
    )


def supervises(task: TaskRecord, actor: Actor) -> bool:
    """Whether `actor` is a supervisor of the task's scope (any scope field in common)."""
    if actor.role is not Role.SUPERVISOR:
        return False
    theirs, the_task = scope_values(actor.scope), scope_values(task.scope)
    return any(the_task.get(k) == value for k, value in theirs.items())


async def list_inbox(conn: Connection | asyncpg.Pool, query: InboxQuery) -> list[TaskRecord]:
    """The caller's tasks, soonest due first (no due date last), then oldest first."""
    args: list[Any] = []

    def bind(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    visible: list[str] = []
    for grant in query.grants:
        theirs = scope_values(grant.scope)
        if not theirs:
            continue  # a role without a scope sees nothing (and binds nothing unused)
        role = bind(grant.role.value)
        for kind in governing_kinds(grant.role):
            if kind in theirs:
                column = SCOPE_FIELDS[kind][1]
                visible.append(f"(t.required_role = {role} AND t.{column} = {bind(theirs[kind])})")
        routed = [f"t.{SCOPE_FIELDS[k][1]} = {bind(v)}" for k, v in theirs.items()]
        visible.append(f"(t.routed_to_role = {role} AND ({' OR '.join(routed)}))")
    if not visible:
        return []  # no role with a scope: nothing is for this caller

    clauses = [f"({' OR '.join(visible)})"]
    clauses.append(f"t.state = ANY({bind(sorted(s.value for s in query.states))}::text[])")
    for column, value in (
        ("kind", query.kind),
        ("stage", query.stage),
        ("scope_upt", query.upt),
        ("scope_lsp", query.lsp),
        ("scope_bapas", query.bapas),
        ("scope_ministry", query.ministry.value if query.ministry else None),
    ):
        if value is not None:
            clauses.append(f"t.{column} = {bind(value)}")
    if query.overdue:
        clauses.append(f"t.due_at < {bind(query.now)}")
    if query.assigned_to_me:
        clauses.append(f"t.assignee = {bind(query.subject)}")
    if query.unclaimed:
        clauses.append("t.assignee IS NULL")
    sql = f"""SELECT {TASK_COLUMNS} FROM tasks t
               WHERE {" AND ".join(clauses)}
               ORDER BY t.due_at ASC NULLS LAST, t.opened_at, t.task_id
               LIMIT {bind(query.limit)} OFFSET {bind(query.offset)}"""  # noqa: S608 - placeholders only
    return [row_to_task(r) for r in await conn.fetch(sql, *args)]


async def list_escalations(
    conn: Connection | asyncpg.Pool,
    supervisor: Actor,
    now: datetime,
    *,
    limit: int = 50,
    offset: int = 0,
) -> list[TaskRecord]:
    """The open tasks `supervisor` oversees that need it: escalated, or past their due date
    and not yet escalated (the escalation comes at the workflow's next timer). Scope is the
    rule of `supervises`: any scope field in common. Escalated first, then soonest due."""
    theirs = scope_values(supervisor.scope)
    if supervisor.role is not Role.SUPERVISOR or not theirs:
        return []
    args: list[Any] = [sorted(s.value for s in OPEN_STATES), now]
    same_scope = []
    for kind, value in theirs.items():
        args.append(value)
        same_scope.append(f"t.{SCOPE_FIELDS[kind][1]} = ${len(args)}")
    args += [limit, offset]
    sql = f"""SELECT {TASK_COLUMNS} FROM tasks t
               WHERE t.state = ANY($1::text[])
                 AND (t.escalated_at IS NOT NULL OR t.due_at < $2)
                 AND ({" OR ".join(same_scope)})
               ORDER BY t.escalated_at IS NULL, t.due_at ASC NULLS LAST, t.task_id
               LIMIT ${len(args) - 1} OFFSET ${len(args)}"""  # noqa: S608 - placeholders only
    return [row_to_task(r) for r in await conn.fetch(sql, *args)]


# ---------------------------------------------------------------- people's actions


def closed_refusal(task: TaskRecord) -> str:
    """Why nothing more can be done on a closed task."""
    if task.state is TaskState.DECIDED:
        when = task.closed_at.isoformat() if task.closed_at else "an unknown time"
        return (
            f"task {task.task_id} was already decided by {task.decided_by} "
            f"({task.decided_role}) at {when}"
        )
    moved_on = "the case moved on" + (f" ({task.reason})" if task.reason else "")
    return f"task {task.task_id} was cancelled: {moved_on}"


def held_refusal(task: TaskRecord) -> str:
    since = task.claimed_at.isoformat() if task.claimed_at else "an unknown time"
    return f"task {task.task_id} is claimed by {task.assignee} since {since}"


async def _lock(conn: Connection, task_id: str) -> TaskRecord:
    row = await conn.fetchrow(
        f"SELECT {TASK_COLUMNS} FROM tasks t WHERE t.task_id = $1 FOR UPDATE",  # noqa: S608
        task_id,
    )
    if row is None:
        raise not_found(f"task {task_id} does not exist")
    return row_to_task(row)


async def _assign(
    conn: Connection, task: TaskRecord, assignee: str | None, at: datetime
) -> TaskRecord:
    # An escalated task keeps its flag whoever holds it; otherwise holding it is "claimed".
    if task.escalated_at is not None:
        state = TaskState.ESCALATED
    else:
        state = TaskState.CLAIMED if assignee is not None else TaskState.OPEN
    row = await conn.fetchrow(
        f"""UPDATE tasks t SET assignee = $2, claimed_at = $3, state = $4
             WHERE t.task_id = $1 RETURNING {TASK_COLUMNS}""",  # noqa: S608 - values bound
        task.task_id,
        assignee,
        at if assignee is not None else None,
        state.value,
    )
    assert row is not None  # the row is locked by this transaction
    return row_to_task(row)


async def claim(
    conn: Connection, task_id: str, actor: Actor, *, at: datetime | None = None
) -> TaskRecord:
    """Take the task. Claiming a task one already holds succeeds and changes nothing."""
    at = at or datetime.now(UTC)
    async with conn.transaction():
        task = await _lock(conn, task_id)
        if not may_work_on(task, actor.role, actor.scope):
            raise forbidden(
                f"task {task_id} is for a {task.required_role} of its scope; "
                f"you act as {actor.role}"
            )
        if task.state not in OPEN_STATES:
            raise conflict(closed_refusal(task))
        if task.assignee == actor.subject:
            return task
        if task.assignee is not None:
            raise conflict(held_refusal(task))
        claimed = await _assign(conn, task, actor.subject, at)
        await write_history(
            conn, task_id, HistoryAction.CLAIMED, at,
            actor_subject=actor.subject, actor_role=actor.role,
        )  # fmt: skip
        return claimed


async def unclaim(
    conn: Connection,
    task_id: str,
    actor: Actor,
    *,
    as_supervisor: bool = False,
    at: datetime | None = None,
) -> TaskRecord:
    """Give the task back to the pool (escalated stays escalated). Only its holder may, or a
    supervisor of its scope (`as_supervisor`: the caller has checked that)."""
    at = at or datetime.now(UTC)
    async with conn.transaction():
        task = await _lock(conn, task_id)
        if task.state not in OPEN_STATES:
            raise conflict(closed_refusal(task))
        holder = task.assignee
        if holder is None:
            raise conflict(f"task {task_id} is not claimed by anyone")
        if holder != actor.subject and not as_supervisor:
            raise forbidden(
                f"task {task_id} is claimed by {holder}: only they or a supervisor may release it"
            )
        released = await _assign(conn, task, None, at)
        await write_history(
            conn, task_id, HistoryAction.UNCLAIMED, at,
            actor_subject=actor.subject, actor_role=actor.role, detail=f"released from {holder}",
        )  # fmt: skip
        return released


async def reassign(
    conn: Connection, task_id: str, to_subject: str, actor: Actor, *, at: datetime | None = None
) -> TaskRecord:
    """Give the task to `to_subject` (the caller has checked the supervisor role and scope).
    Reassigning to the current holder changes nothing."""
    at = at or datetime.now(UTC)
    async with conn.transaction():
        task = await _lock(conn, task_id)
        if task.state not in OPEN_STATES:
            raise conflict(closed_refusal(task))
        if task.assignee == to_subject:
            return task
        # The gap noted when the inbox was built: the new holder must be able to do the work.
        problem = await people.holding_problem(conn, to_subject, task.required_role, task.scope)
        if problem is not None:
            raise invalid(f"task {task_id} cannot go to {to_subject}: {problem}")
        moved = await _assign(conn, task, to_subject, at)
        await write_history(
            conn, task_id, HistoryAction.REASSIGNED, at,
            actor_subject=actor.subject, actor_role=actor.role,
            detail=f"from {task.assignee or 'nobody'} to {to_subject}",
        )  # fmt: skip
        times = await conn.fetchval(
            "SELECT count(*) FROM task_history WHERE task_id = $1 AND action = 'reassigned'",
            task_id,
        )
        await notices.task_assigned(conn, moved, to_subject, times)  # the new holder is told
        return moved


async def open_tasks_of_case(conn: Connection | asyncpg.Pool, case_id: str) -> list[TaskRecord]:
    """The tasks of one case that can still be worked on."""
    rows = await conn.fetch(
        f"""SELECT {TASK_COLUMNS} FROM tasks t
             WHERE t.case_id = $1 AND t.state = ANY($2::text[])
             ORDER BY t.opened_at""",  # noqa: S608 - fixed column list, values bound
        case_id,
        [s.value for s in OPEN_STATES],
    )
    return [row_to_task(r) for r in rows]
