"""A worker exports the Temporal SDK's own metrics in Prometheus format on its configured
address (workers/temporal_client.py): after a case has run through it, task latencies,
schedule-to-start and the sticky cache are there; the endpoint answering is its health."""

from __future__ import annotations

import asyncpg
import httpx
from temporalio.testing import WorkflowEnvironment

from config.settings import Environment, Settings
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api.conftest import end_journeys, wire
from tests.e2e.ports import free_port
from workers.temporal_client import connect_worker_client

SDK_METRICS = (
    "temporal_workflow_task_schedule_to_start_latency",
    "temporal_workflow_task_execution_latency",
    # A case's projections and inbox writes are local activities (issue 18); its regular
    # activities (BNSP's) come only at certification, past what this case runs.
    "temporal_local_activity_execution_latency",
    "temporal_local_activity_total",
    "temporal_sticky_cache_size",
    "temporal_request",
)


async def test_the_workers_sdk_metrics_are_scraped_after_a_case_runs(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> None:
    address = f"127.0.0.1:{free_port()}"
    settings = Settings(
        environment=Environment.TEST,
        temporal_address=dev_env.client.service_client.config.target_host,
        metrics_bind_address=address,
    )
    client = await connect_worker_client(settings)
    wired = wire(pool, client)
    transport = httpx.ASGITransport(app=wired.app)
    async with (
        wired.worker,
        wired.app.router.lifespan_context(wired.app),
        httpx.AsyncClient(transport=transport, base_url="http://sinergi.test") as http,
    ):
        api = wired.stack(http, pool)
        enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
        await flows.approve(api, enrolment_id)
        await api.settled(enrolment_id)
        async with httpx.AsyncClient() as scraper:
            scraped = await scraper.get(f"http://{address}/metrics")
        await end_journeys(client, pool, wired.settings.enrolment_task_queue)
    assert scraped.status_code == 200
    text = scraped.text
    names = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    missing = [name for name in SDK_METRICS if name not in names]
    assert not missing, f"missing {missing}; exported: {sorted(names)}"
    assert f'task_queue="{wired.settings.enrolment_task_queue}"' in text
