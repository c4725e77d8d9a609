"""Writes reviewer tasks to Postgres when a workflow starts waiting on a person, escalates the
wait, or stops waiting. Each write is idempotent (keyed by task_id), so a retry lands once."""

from __future__ import annotations

import asyncpg
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from db import tasks
from domain.case_history import what_it_did
from domain.errors import DomainError
from domain.tasks import (
    CLOSE_TASK,
    ESCALATE_TASK,
    OPEN_TASK,
    TaskClosing,
    TaskEscalation,
    TaskOpening,
)

log = structlog.get_logger(__name__)


def _non_retryable(error: DomainError) -> ApplicationError:
    # A refused task (no scope anyone could see it in, a decision without its maker) stays
    # refused however often it is retried: fail it for a person to look at.
    return ApplicationError(error.message, type=error.refusal.value, non_retryable=True)


class TaskActivities:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=OPEN_TASK)
    async def open_task(self, opening: TaskOpening) -> str | None:
        try:
            async with self._pool.acquire() as conn:
                opened = await tasks.open_task(conn, opening, activity.info().workflow_run_id)
        except DomainError as error:
            raise _non_retryable(error) from None
        # Ids and kinds only: the task row, not the log, holds case content.
        log.info(
            "task_opened" if opened else "task_already_opened",
            task_id=opening.task_id,
            case_kind=opening.case_kind,
            case_id=opening.case_id,
            kind=opening.kind,
            required_role=opening.required_role.value,
        )
        return what_it_did(OPEN_TASK, opening)

    @activity.defn(name=CLOSE_TASK)
    async def close_task(self, closing: TaskClosing) -> str | None:
        try:
            async with self._pool.acquire() as conn:
                closed = await tasks.close_task(conn, closing, activity.info().workflow_run_id)
        except DomainError as error:
            raise _non_retryable(error) from None
        log.info(
            "task_closed" if closed else "task_already_closed",
            task_id=closing.task_id,
            state=closing.state.value,
        )
        return what_it_did(CLOSE_TASK, closing)

    @activity.defn(name=ESCALATE_TASK)
    async def escalate_task(self, escalation: TaskEscalation) -> str | None:
        async with self._pool.acquire() as conn:
            escalated = await tasks.escalate_task(conn, escalation, activity.info().workflow_run_id)
        # Not escalated: already escalated by an earlier attempt, or closed in the meantime.
        log.info(
            "task_escalated" if escalated else "task_not_escalated",
            task_id=escalation.task_id,
            routed_to=escalation.routed_to.value,
        )
        return what_it_did(ESCALATE_TASK, escalation)
