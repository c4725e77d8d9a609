"""Imigrasi's worker: `python -m workers.imigrasi`, on the Imigrasi task queue.

Runs Imigrasi's activities of the TKA permit only: the SIMKIM notification, the travel-ban
and background checks, visa, ITAS and EPO numbers. No workflow runs here: while this worker
is stopped, an application waits at the hand-off (its activity stays scheduled) and goes on
when the worker is back.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from temporalio.client import Client
from temporalio.worker import Worker

from activities.permit_systems import ImigrasiSystems
from config.settings import Settings
from domain.permit import IMIGRASI_TASK_QUEUE
from domain.permit_registries import SimkimRegistry
from registries.factory import build_simkim
from workers.log_context import LogContextInterceptor
from workers.ministry import main


def imigrasi_worker(
    client: Client, simkim: SimkimRegistry, task_queue: str = IMIGRASI_TASK_QUEUE
) -> Worker:
    systems = ImigrasiSystems(simkim)
    return Worker(
        client,
        task_queue=task_queue,
        activities=[
            systems.notify,
            systems.run_checks,
            systems.issue_visa,
            systems.issue_itas,
            systems.issue_epo,
        ],
        interceptors=[LogContextInterceptor()],
    )


async def _build(settings: Settings, client: Client, resources: AsyncExitStack) -> Worker:
    # No database: Imigrasi's side only talks to SIMKIM.
    simkim = build_simkim(settings)
    resources.push_async_callback(simkim.aclose)
    return imigrasi_worker(client, simkim, settings.imigrasi_task_queue)


if __name__ == "__main__":
    main("imigrasi", _build)
