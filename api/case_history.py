"""Every run of a case's workflow chain, fetched from Temporal for the auditors' history views.

Journeys and permits continue as new, so one case is a chain of runs: the runs are followed
back from the latest through each start event's `continued_execution_run_id`. A journey's
workflow id is its inmate's and is reused for a later custody spell: when the latest chain is
not this case's, the earlier runs of that id are found through visibility, each followed back
to its chain's first run, and the chain whose first input names the case is followed to its end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import WorkflowExecutionStartedEventAttributes
from temporalio.client import Client, WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode

from domain.case_history import Decode
from domain.errors import not_found

# Whether the first run of a chain (its decoded start input) is this case's.
BelongsTo = Callable[[Any], bool]


async def _history(client: Client, workflow_id: str, run_id: str | None) -> WorkflowHistory:
    return await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()


def _started(history: WorkflowHistory) -> WorkflowExecutionStartedEventAttributes:
    return history.events[0].workflow_execution_started_event_attributes


async def _start_input(client: Client, history: WorkflowHistory) -> Any:
    values = await client.data_converter.decode(list(_started(history).input.payloads))
    return values[0] if values else None


def decoder(client: Client) -> Decode:
    """Payloads as the client's converter reads them: decrypted, then parsed."""

    async def decode(payloads: Payloads) -> list[Any]:
        return await client.data_converter.decode(list(payloads.payloads))

    return decode


def _next_run(history: WorkflowHistory) -> str | None:
    last = history.events[-1]
    if last.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        return None
    return last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id


async def _back_from(client: Client, latest: WorkflowHistory) -> list[WorkflowHistory]:
    chain = [latest]
    while previous := _started(chain[0]).continued_execution_run_id:
        chain.insert(0, await _history(client, latest.workflow_id, previous))
    return chain


async def _forward_from(client: Client, first: WorkflowHistory) -> list[WorkflowHistory]:
    chain = [first]
    while (following := _next_run(chain[-1])) is not None:
        chain.append(await _history(client, first.workflow_id, following))
    return chain


async def fetch_chain(
    client: Client, workflow_id: str, case_label: str, belongs: BelongsTo | None = None
) -> list[WorkflowHistory]:
    """The histories of every run of the case's chain, first run first; 404 if none."""
    try:
        latest = await _history(client, workflow_id, None)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            message = f"{case_label} has no workflow history (workflow {workflow_id})"
            raise not_found(message) from None
        raise
    chain = await _back_from(client, latest)
    if belongs is None or belongs(await _start_input(client, chain[0])):
        return chain
    seen = {h.run_id for h in chain}
    quoted = workflow_id.replace("'", "\\'")
    async for execution in client.list_workflows(f"WorkflowId = '{quoted}'"):
        if execution.run_id in seen:
            continue
        found = await _back_from(client, await _history(client, workflow_id, execution.run_id))
        seen.update(h.run_id for h in found)
        if belongs(await _start_input(client, found[0])):
            return found[:-1] + await _forward_from(client, found[-1])
    raise not_found(f"{case_label}: no run of workflow {workflow_id} belongs to it")
