"""One way to connect to Temporal, with the converter every payload needs: pydantic models,
encrypted (config/payload_encryption.py).

A worker whose settings name a metrics address (SINERGI_METRICS_BIND_ADDRESS) connects with a
runtime that exports the Temporal SDK's own metrics in Prometheus format there: workflow and
activity task latencies, schedule-to-start, sticky cache, polls, failures. That endpoint
answering is also the worker's health check.
"""

from __future__ import annotations

from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from config.settings import Settings


def metrics_runtime(bind_address: str) -> Runtime:
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=bind_address, durations_as_seconds=True)
        )
    )


async def connect_temporal(
    settings: Settings, *, runtime: Runtime | None = None, lazy: bool = False
) -> Client:
    """`lazy`: connect on first use (the API starts, and answers 503, while Temporal is down)."""
    return await Client.connect(
        settings.effective_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=settings.data_converter,
        runtime=runtime,
        lazy=lazy,
    )


async def connect_worker_client(settings: Settings) -> Client:
    """A worker's client: with the SDK's metrics exporter when an address is configured."""
    address = settings.metrics_bind_address
    runtime = metrics_runtime(address) if address else None
    return await connect_temporal(settings, runtime=runtime)
