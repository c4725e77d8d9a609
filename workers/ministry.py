"""Run one ministry's worker process until SIGINT/SIGTERM (`workers.kemnaker`,
`workers.imigrasi`): connect, build the worker, serve, close what it opened."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from config.log import configure_logging
from config.settings import Settings, get_settings
from workers.process import exit_after, freeze_startup_objects
from workers.temporal_client import connect_worker_client

log = structlog.get_logger(__name__)

# Builds the worker; registers whatever it opens (pools, HTTP clients) on the exit stack.
BuildWorker = Callable[[Settings, Client, AsyncExitStack], Awaitable[Worker]]


async def serve(ministry: str, build: BuildWorker) -> None:
    settings = get_settings()
    client = await connect_worker_client(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with AsyncExitStack() as resources:
        worker = await build(settings, client, resources)
        log.info(
            "worker_started",
            ministry=ministry,
            task_queue=worker.task_queue,
            temporal=settings.effective_temporal_address,
            metrics=settings.metrics_bind_address,
            workflow_sandbox=settings.workflow_sandbox.value,
        )
        freeze_startup_objects()
        async with worker:
            await stop.wait()
    log.info("worker_stopped", ministry=ministry)


def main(ministry: str, build: BuildWorker) -> None:
    configure_logging(get_settings().log_json)
    exit_after(lambda: asyncio.run(serve(ministry, build)))
