"""Kemnaker's worker: `python -m workers.kemnaker`, on the Kemnaker task queue.

Runs the TKA permit workflow (the orchestration is Kemnaker's: it owns the application), job
placement's follow-up of released inmates (`workflows/placement.py`), and Kemnaker's
activities: SIMPONI billing, the working-day calendar, and Sinergi's own
bookkeeping (read model, inbox tasks, reminders). It registers none of Imigrasi's
activities, so SIMKIM is never called from Kemnaker's side.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

import asyncpg
from temporalio.client import Client
from temporalio.worker import Worker

from activities.permit_projection import PermitProjection
from activities.permit_systems import KemnakerSystems
from activities.placement_projection import PlacementProjection
from activities.tasks import TaskActivities
from activities.working_calendar import CalendarActivities, WorkingCalendar
from config.settings import Settings, WorkflowSandbox
from db.connect import create_pool
from domain.permit import KEMNAKER_TASK_QUEUE
from domain.permit_registries import SimponiRegistry
from registries.factory import build_simponi
from workers.incidents import IncidentInterceptor
from workers.log_context import LogContextInterceptor
from workers.ministry import main
from workers.workflow_runner import workflow_runner
from workflows.permit import PermitWorkflow
from workflows.placement import PlacementWorkflow


def kemnaker_worker(
    client: Client,
    pool: asyncpg.Pool,
    simponi: SimponiRegistry,
    calendar: WorkingCalendar,
    task_queue: str = KEMNAKER_TASK_QUEUE,
    *,
    workflow_sandbox: WorkflowSandbox = WorkflowSandbox.ON,
) -> Worker:
    """The worker; in Temporal's sandbox unless `workflow_sandbox` is off (the process passes
    SINERGI_WORKFLOW_SANDBOX, workers/workflow_runner.py)."""
    projection = PermitProjection(pool)
    systems = KemnakerSystems(simponi, calendar)
    tasks = TaskActivities(pool)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[PermitWorkflow, PlacementWorkflow],
        workflow_runner=workflow_runner(client.data_converter, workflow_sandbox),
        activities=[
            projection.record_event,
            PlacementProjection(pool).record_event,
            projection.write_reminder,
            systems.create_billing,
            systems.working_days_before,
            tasks.open_task,
            tasks.close_task,
            tasks.escalate_task,
            CalendarActivities(calendar).compute_due_date,
        ],
        interceptors=[LogContextInterceptor(), IncidentInterceptor(pool)],
    )


async def _build(settings: Settings, client: Client, resources: AsyncExitStack) -> Worker:
    if settings.database_dsn is None:
        raise SystemExit("DATABASE_URL is not set: start the stack with `sinergi up`")
    pool = await create_pool(settings.database_dsn)
    resources.push_async_callback(pool.close)
    simponi = build_simponi(settings)
    resources.push_async_callback(simponi.aclose)
    calendar = WorkingCalendar.from_settings(settings)
    return kemnaker_worker(
        client,
        pool,
        simponi,
        calendar,
        settings.kemnaker_task_queue,
        workflow_sandbox=settings.workflow_sandbox,
    )


if __name__ == "__main__":
    main("kemnaker", _build)
