"""Builders for the task tests: openings, actors and a few fixed instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from db import people as people_db
from db import tasks as task_db
from domain.identity import Actor, Ministry, Principal, Role, Scope
from domain.tasks import TaskClosing, TaskEscalation, TaskOpening, TaskState

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
UPT_A = "LP-CIPINANG"
UPT_B = "LP-SALEMBA"
LSP = "LSP-PARIWISATA"

ANI = Actor(subject="ani", role=Role.TPP_MEMBER, scope=Scope(upt=UPT_A))
BUDI = Actor(subject="budi", role=Role.TPP_MEMBER, scope=Scope(upt=UPT_A))
SUPERVISOR_A = Actor(subject="sri", role=Role.SUPERVISOR, scope=Scope(upt=UPT_A))


async def register(pool: asyncpg.Pool, actor: Actor) -> None:
    """Put `actor` in the directory of people with their role and scope, as a login would."""
    async with pool.acquire() as conn:
        await people_db.upsert_from_claims(
            conn,
            Principal(subject=actor.subject, roles=frozenset({actor.role}), scope=actor.scope),
            {},
        )


def opening(
    task_id: str = "ENR-1:1",
    *,
    kind: str = "placement_review",
    stage: str = "placement_review",
    role: Role = Role.TPP_MEMBER,
    scope: Scope | None = None,
    opened_at: datetime = T0,
    due_in: timedelta | None = timedelta(days=3),
) -> TaskOpening:
    case_id = task_id.split(":")[0]
    return TaskOpening(
        task_id=task_id,
        case_kind="enrolment",
        case_id=case_id,
        workflow_id=f"enrolment-{case_id}",
        kind=kind,
        stage=stage,
        required_role=role,
        scope=scope if scope is not None else Scope(upt=UPT_A, lsp=LSP),
        opened_at=opened_at,
        due_at=opened_at + due_in if due_in is not None else None,
    )


def decided(task_id: str = "ENR-1:1", by: Actor = ANI, decision: str = "approve") -> TaskClosing:
    return TaskClosing(
        task_id=task_id,
        state=TaskState.DECIDED,
        closed_at=T0 + timedelta(days=5),
        decision=decision,
        actor=by,
        reason="meets every prerequisite",
    )


def cancelled(task_id: str = "ENR-1:1", reason: str | None = "enrolment withdrawn") -> TaskClosing:
    return TaskClosing(
        task_id=task_id, state=TaskState.CANCELLED, closed_at=T0 + timedelta(days=6),
        reason=reason,
    )  # fmt: skip


def escalation(task_id: str = "ENR-1:1") -> TaskEscalation:
    return TaskEscalation(
        task_id=task_id,
        escalated_at=T0 + timedelta(days=4),
        routed_to=Role.SUPERVISOR,
        message="placement review overdue",
    )


def kemnaker(subject: str, role: Role = Role.KEMNAKER_INSTRUCTOR) -> Actor:
    return Actor(subject=subject, role=role, scope=Scope(ministry=Ministry.KEMNAKER))


async def open_tasks(pool: asyncpg.Pool, *openings: TaskOpening) -> None:
    async with pool.acquire() as conn:
        for task in openings:
            assert await task_db.open_task(conn, task)


async def count(pool: asyncpg.Pool, table: str) -> int:
    value = await pool.fetchval(f"SELECT count(*) FROM {table}")
    assert isinstance(value, int)
    return value
