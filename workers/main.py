"""Worker process entry point: `python -m workers.main`: the enrolment worker and the cohort
dispatcher. Stops cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta

import structlog

from activities.working_calendar import WorkingCalendar
from config.log import configure_logging
from config.settings import get_settings
from db.connect import create_pool
from notices.daily import DailyNoticesRequest
from registries.factory import build_bnsp
from workers.audit_schedule import ensure_anchor_schedule, ensure_daily_notices_schedule
from workers.cohort_dispatch import CohortDispatcher
from workers.enrolment import enrolment_worker
from workers.process import exit_after, freeze_startup_objects
from workers.temporal_client import connect_worker_client

log = structlog.get_logger(__name__)


async def run() -> None:
    settings = get_settings()
    if settings.database_dsn is None:
        raise SystemExit("DATABASE_URL is not set: start the stack with `sinergi up`")
    client = await connect_worker_client(settings)
    pool = await create_pool(settings.database_dsn)
    bnsp = build_bnsp(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    calendar = WorkingCalendar.from_settings(settings)
    worker = enrolment_worker(
        client,
        pool,
        bnsp,
        calendar,
        settings.enrolment_task_queue,
        workflow_sandbox=settings.workflow_sandbox,
        cached_workflows=settings.worker_cached_workflows,
    )
    every = timedelta(seconds=settings.audit_anchor_interval_seconds)
    await ensure_anchor_schedule(client, settings.enrolment_task_queue, every)
    await ensure_daily_notices_schedule(
        client,
        settings.enrolment_task_queue,
        settings.digest_hour_wib,
        DailyNoticesRequest(expiring_within_days=settings.permit_expiry_notice_days),
    )
    log.info(
        "worker_started",
        task_queue=worker.task_queue,
        temporal=settings.effective_temporal_address,
        metrics=settings.metrics_bind_address,
        workflow_sandbox=settings.workflow_sandbox.value,
    )
    # The cohort dispatcher runs beside the worker whose journeys its rows feed
    # (workers/cohort_dispatch.py says why here).
    dispatcher = CohortDispatcher(pool, client, settings)
    freeze_startup_objects()
    try:
        async with worker:
            await dispatcher.run(stop)
    finally:
        await bnsp.aclose()
        await pool.close()
        log.info("worker_stopped")


def main() -> None:
    configure_logging(get_settings().log_json)
    exit_after(lambda: asyncio.run(run()))


if __name__ == "__main__":
    main()
