"""One way to connect to Temporal, with the converter every payload needs: pydantic models,
encrypted (config/payload_encryption.py)."""

from __future__ import annotations

from temporalio.client import Client

from config.settings import Settings


async def connect_temporal(settings: Settings, *, lazy: bool = False) -> Client:
    """`lazy`: connect on first use (the API starts, and answers 503, while Temporal is down)."""
    return await Client.connect(
        settings.effective_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=settings.data_converter,
        lazy=lazy,
    )
