"""An overdue review escalates for real: time skipping, the real worker and real Postgres.

The placement review's task goes past its working-day SLA; the supervisor of the UPT finds
it in their inbox and one notification waits in the outbox.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from temporalio.testing import WorkflowEnvironment

from activities.working_calendar import WorkingCalendar
from db import tasks as task_db
from db.inbox import Grant, InboxQuery, list_inbox
from db.tasks import TaskRecord
from domain.enrolment import enrolment_workflow_id
from domain.identity import Role, Scope
from domain.tasks import TaskState
from registries.bnsp import BnspSimulator
from tests.enrolment_rows import barista_request
from tests.temporal_support import terminate, until
from workers.enrolment import enrolment_worker
from workflows.enrolment import EnrolmentWorkflow

UPT = "LP-CIPINANG"


async def test_an_overdue_review_reaches_the_supervisors_inbox_and_the_outbox(
    pool: asyncpg.Pool, time_skipping_env: WorkflowEnvironment
) -> None:
    env = time_skipping_env
    queue = f"escalation-{uuid.uuid4().hex[:8]}"
    worker = enrolment_worker(env.client, pool, BnspSimulator(), WorkingCalendar(), queue)
    async with worker:
        request = await barista_request(
            pool,
            f"ENR-{uuid.uuid4().hex[:8].upper()}",
            "CPN-2024-00123",
            start=(await env.get_current_time()).date(),
            reason="wants to work",
        )
        handle = await env.client.start_workflow(
            EnrolmentWorkflow.run,
            request,
            id=enrolment_workflow_id(request.enrolment_id),
            task_queue=queue,
        )
        task_id = f"{request.enrolment_id}:task:1"

        async def read() -> TaskRecord | None:
            return await task_db.get_task(pool, task_id)

        # Polled by the clock, not a count of loop turns: the worker's activities take what a
        # loaded machine gives them.
        task = await until(read, lambda t: t is not None, "the placement task", within=60)
        assert task is not None and task.due_at is not None
        assert task.state is TaskState.OPEN

        await env.sleep(task.due_at - await env.get_current_time() + timedelta(hours=1))
        task = await until(
            read,
            lambda t: t is not None and t.state is TaskState.ESCALATED,
            "the task escalated",
            within=60,
        )
        assert task is not None and task.routed_to_role is Role.SUPERVISOR

        supervisor = Grant(role=Role.SUPERVISOR, scope=Scope(upt=UPT))
        inbox = await list_inbox(
            pool, InboxQuery(subject="sup-1", grants=(supervisor,), now=datetime.now(UTC))
        )
        assert [t.task_id for t in inbox] == [task_id]
        [message] = await task_db.pending_outbox(pool)
        assert message.message_id == f"escalation:{task_id}"
        assert message.recipient_role is Role.SUPERVISOR
        await terminate(handle)
