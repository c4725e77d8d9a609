"""A task's life as the workflow drives it: opened, escalated, closed, each once under retry."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.tasks import TaskActivities
from db import inbox
from db import tasks as task_db
from db.tasks import HistoryAction
from domain.identity import Role, Scope
from domain.tasks import TaskClosing, TaskState
from tests.tasks.support import (
    ANI,
    T0,
    UPT_A,
    cancelled,
    count,
    decided,
    escalation,
    open_tasks,
    opening,
)


async def test_the_same_activities_run_twice_write_once(pool: asyncpg.Pool) -> None:
    activities = TaskActivities(pool)
    env = ActivityEnvironment()
    for _ in range(2):  # the second run is a retry after a lost reply
        await env.run(activities.open_task, opening())
    for _ in range(2):
        await env.run(activities.escalate_task, escalation())
    for _ in range(2):
        await env.run(activities.close_task, decided())

    assert await count(pool, "tasks") == 1
    assert await count(pool, "outbox") == 1
    history = await task_db.task_history(pool, "ENR-1:1")
    assert [h.action for h in history] == [
        HistoryAction.OPENED,
        HistoryAction.ESCALATED,
        HistoryAction.DECIDED,
    ]


async def test_a_decision_records_who_made_it_in_which_role_when_and_why(
    pool: asyncpg.Pool,
) -> None:
    await open_tasks(pool, opening())
    async with pool.acquire() as conn:
        assert await task_db.close_task(conn, decided(decision="approve"))
    task = await task_db.get_task(pool, "ENR-1:1")
    assert task is not None
    assert task.state is TaskState.DECIDED
    assert (task.decision, task.decided_by, task.decided_role, task.reason) == (
        "approve",
        "ani",
        Role.TPP_MEMBER,
        "meets every prerequisite",
    )
    assert task.closed_at == T0 + timedelta(days=5)
    last = (await task_db.task_history(pool, "ENR-1:1"))[-1]
    assert (last.action, last.actor_subject, last.actor_role) == (
        HistoryAction.DECIDED,
        "ani",
        Role.TPP_MEMBER,
    )
    assert last.detail == "approve - meets every prerequisite"


async def test_a_closed_task_keeps_its_first_outcome_and_is_never_reopened(
    pool: asyncpg.Pool,
) -> None:
    await open_tasks(pool, opening())
    async with pool.acquire() as conn:
        assert await task_db.close_task(conn, decided())
        assert not await task_db.close_task(conn, cancelled())
        assert not await task_db.open_task(conn, opening())
        assert not await task_db.escalate_task(conn, escalation())
    task = await task_db.get_task(pool, "ENR-1:1")
    assert task is not None
    assert task.state is TaskState.DECIDED
    assert task.escalated_at is None
    assert await count(pool, "outbox") == 0
    assert [h.action for h in await task_db.task_history(pool, "ENR-1:1")] == [
        HistoryAction.OPENED,
        HistoryAction.DECIDED,
    ]


async def test_closing_a_task_never_opened_changes_nothing(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        assert not await task_db.close_task(conn, cancelled("ENR-9:1"))
    assert await count(pool, "tasks") == 0


async def test_escalation_flags_routes_and_writes_exactly_one_notification(
    pool: asyncpg.Pool,
) -> None:
    await open_tasks(pool, opening())
    async with pool.acquire() as conn:
        assert await task_db.escalate_task(conn, escalation())
        assert not await task_db.escalate_task(conn, escalation())
    task = await task_db.get_task(pool, "ENR-1:1")
    assert task is not None
    assert task.state is TaskState.ESCALATED
    assert task.routed_to_role is Role.SUPERVISOR
    assert task.escalated_at == T0 + timedelta(days=4)

    [message] = await task_db.pending_outbox(pool)
    assert message.message_id == "escalation:ENR-1:1"
    assert message.recipient_role is Role.SUPERVISOR
    assert message.scope.upt == UPT_A
    assert message.payload["task_id"] == "ENR-1:1"
    assert message.payload["kind"] == "placement_review"
    assert await task_db.mark_delivered(pool, message.message_id, T0 + timedelta(days=5))
    assert not await task_db.mark_delivered(pool, message.message_id)
    assert await task_db.pending_outbox(pool) == []


async def test_an_escalated_claimed_task_keeps_its_holder_and_can_still_be_decided(
    pool: asyncpg.Pool,
) -> None:
    await open_tasks(pool, opening())
    async with pool.acquire() as conn:
        await inbox.claim(conn, "ENR-1:1", ANI, at=T0)
        assert await task_db.escalate_task(conn, escalation())
        escalated = await task_db.get_task(conn, "ENR-1:1")
        assert escalated is not None
        assert (escalated.state, escalated.assignee) == (TaskState.ESCALATED, "ani")
        assert await task_db.close_task(conn, decided())
    task = await task_db.get_task(pool, "ENR-1:1")
    assert task is not None and task.state is TaskState.DECIDED


async def test_a_decision_without_its_maker_fails_without_retrying(pool: asyncpg.Pool) -> None:
    await open_tasks(pool, opening())
    anonymous = TaskClosing(
        task_id="ENR-1:1", state=TaskState.DECIDED, closed_at=T0, decision="approve"
    )
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(TaskActivities(pool).close_task, anonymous)
    assert failed.value.non_retryable
    assert failed.value.type == "Invalid"
    task = await task_db.get_task(pool, "ENR-1:1")
    assert task is not None and task.state is TaskState.OPEN


async def test_a_task_nobody_could_see_is_refused(pool: asyncpg.Pool) -> None:
    # A caseworker task must name the UPT: without it no caseworker would ever see it.
    stranded = opening(role=Role.CASEWORKER, scope=Scope(lsp="LSP-PARIWISATA"))
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(TaskActivities(pool).open_task, stranded)
    assert failed.value.non_retryable
    assert await count(pool, "tasks") == 0


async def test_a_cases_open_tasks_exclude_closed_ones_and_other_cases(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await task_db.open_task(conn, opening("ENR-1:1"))
        await task_db.open_task(conn, opening("ENR-1:2", kind="assessment"))
        await task_db.open_task(conn, opening("ENR-2:1"))
        await task_db.close_task(conn, decided("ENR-1:1"))
    open_ids = [t.task_id for t in await inbox.open_tasks_of_case(pool, "ENR-1")]
    assert open_ids == ["ENR-1:2"]
