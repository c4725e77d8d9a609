"""The API served by uvicorn on a real port, with the same wiring as the API tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
import uvicorn
from temporalio.testing import WorkflowEnvironment

from tests.api.conftest import ApiStack, end_journeys, wire
from tests.e2e.ports import free_port


@pytest.fixture
async def served(pool: asyncpg.Pool, dev_env: WorkflowEnvironment) -> AsyncIterator[ApiStack]:
    """The same wiring as the API tests, but served by uvicorn on a real port."""
    wired = wire(pool, dev_env.client)
    port = free_port()
    config = uvicorn.Config(wired.app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.02)
        async with (
            wired.worker,
            wired.dispatching(),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http,
        ):
            yield wired.stack(http, pool)
            await end_journeys(dev_env.client, pool, wired.settings.enrolment_task_queue)
    finally:
        server.should_exit = True
        await serving
