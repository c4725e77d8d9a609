"""Run one ministry's worker process until SIGINT/SIGTERM (`workers.kemnaker`,
`workers.imigrasi`): connect, build the worker, serve, close what it opened."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

import asyncpg
import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from config.log import configure_logging
from config.settings import Settings, get_settings
from db.connect import create_pool
from workers.temporal_client import connect_temporal

log = structlog.get_logger(__name__)

# Builds the worker from the settings, a client and a pool; registers what to close.
BuildWorker = Callable[[Settings, Client, asyncpg.Pool, AsyncExitStack], Worker]


async def serve(ministry: str, build: BuildWorker) -> None:
    settings = get_settings()
    if settings.database_url is None:
        raise SystemExit("DATABASE_URL is not set: start the stack with `sinergi up`")
    client = await connect_temporal(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with AsyncExitStack() as resources:
        pool = await create_pool(settings.database_url)
        resources.push_async_callback(pool.close)
        worker = build(settings, client, pool, resources)
        log.info(
            "worker_started",
            ministry=ministry,
            task_queue=worker.task_queue,
            temporal=settings.effective_temporal_address,
        )
        async with worker:
            await stop.wait()
    log.info("worker_stopped", ministry=ministry)


def main(ministry: str, build: BuildWorker) -> None:
    configure_logging(get_settings().log_json)
    asyncio.run(serve(ministry, build))


def closing(resources: AsyncExitStack, closer: Callable[[], Awaitable[None]]) -> None:
    resources.push_async_callback(closer)
