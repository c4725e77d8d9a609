"""Every Temporal call of the API bounded in time (an update by the request's deadline), and
every update of a request that carries an Idempotency-Key sent under an update id derived
from it.

Without a deadline, a call to a Temporal that is down or to a workflow no worker polls waits
for minutes; with one it fails within `rpc_timeout` and the API answers 503 (api/outages.py).
The update id makes a retried decision the same Temporal update: Temporal answers a second
update with a known id with the first one's outcome instead of applying it twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    DescribeWorkflowInput,
    Interceptor,
    OutboundInterceptor,
    QueryWorkflowInput,
    SignalWorkflowInput,
    StartWorkflowInput,
    StartWorkflowUpdateInput,
    StartWorkflowUpdateWithStartInput,
    TerminateWorkflowInput,
    WorkflowHandle,
    WorkflowUpdateHandle,
)

# The (subject, key) of the request being served, set by api/idempotency.py.
IDEMPOTENCY: ContextVar[tuple[str, str] | None] = ContextVar("idempotency", default=None)


class TemporalUnreachable(Exception):
    """The client could not connect to Temporal at all (a lazy client's first call)."""


def _unreachable(error: RuntimeError) -> Exception:
    if str(error).startswith("Failed client connect"):
        return TemporalUnreachable(str(error))
    return error


def update_id_for(subject: str, key: str, workflow_id: str, update: str) -> str:
    digest = hashlib.sha256(f"{subject}\x1f{key}\x1f{workflow_id}\x1f{update}".encode())
    return f"idem-{digest.hexdigest()[:32]}"


def _keyed(workflow_id: str, update: str, given: str | None) -> str | None:
    held = IDEMPOTENCY.get()
    if held is None:
        return given
    return update_id_for(held[0], held[1], workflow_id, update)


class _Bounded(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, rpc_timeout: timedelta) -> None:
        super().__init__(next)
        self._timeout = rpc_timeout

    def _bound(self, input: Any) -> Any:
        if input.rpc_timeout is None:
            return dataclasses.replace(input, rpc_timeout=self._timeout)
        return input

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        try:
            return await super().start_workflow(self._bound(input))
        except RuntimeError as error:
            raise _unreachable(error) from error

    async def describe_workflow(self, input: DescribeWorkflowInput) -> Any:
        try:
            return await super().describe_workflow(self._bound(input))
        except RuntimeError as error:
            raise _unreachable(error) from error

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        try:
            return await super().query_workflow(self._bound(input))
        except RuntimeError as error:
            raise _unreachable(error) from error

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        try:
            await super().signal_workflow(self._bound(input))
        except RuntimeError as error:
            raise _unreachable(error) from error

    async def terminate_workflow(self, input: TerminateWorkflowInput) -> None:
        try:
            await super().terminate_workflow(self._bound(input))
        except RuntimeError as error:
            raise _unreachable(error) from error

    async def start_workflow_update(
        self, input: StartWorkflowUpdateInput
    ) -> WorkflowUpdateHandle[Any]:
        keyed = _keyed(input.id, input.update, input.update_id)
        try:
            # No RPC deadline: an update waits for the workflow to act, which under load can
            # take long; the request deadline (api/outages.py) bounds it.
            return await super().start_workflow_update(dataclasses.replace(input, update_id=keyed))
        except RuntimeError as error:
            raise _unreachable(error) from error

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> WorkflowUpdateHandle[Any]:
        update = input.update_workflow_input
        keyed = _keyed(input.start_workflow_input.id, update.update, update.update_id)
        bounded = dataclasses.replace(  # no RPC deadline, as for an update
            input, update_workflow_input=dataclasses.replace(update, update_id=keyed)
        )
        try:
            return await super().start_update_with_start_workflow(bounded)
        except RuntimeError as error:
            raise _unreachable(error) from error


class BoundedCalls(Interceptor):
    def __init__(self, rpc_timeout: timedelta) -> None:
        self._timeout = rpc_timeout

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Bounded(next, self._timeout)


def bounded(client: Client, rpc_timeout: timedelta) -> Client:
    """The same connection, its calls bounded (and keyed) by BoundedCalls."""
    config = client.config()
    config["interceptors"] = [*config.get("interceptors", []), BoundedCalls(rpc_timeout)]
    return Client(**config)
