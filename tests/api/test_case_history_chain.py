"""A case's history spans every run of its workflow chain (journeys and permits continue as
new), and a workflow id reused by a later chain (an inmate's next custody spell) still leads
to the right one. On the dev server, with a workflow that does nothing but continue as new."""

from __future__ import annotations

import uuid
from typing import Any

from temporalio import workflow
from temporalio.client import Client, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from api.case_history import decoder, fetch_chain
from domain.case_history import chain_timeline
from domain.errors import DomainError
from tests.temporal_support import SETTLE_SECONDS, until


@workflow.defn(name="ChainProbe")
class ChainProbe:
    @workflow.run
    async def run(self, start: dict[str, Any]) -> str:
        if start["runs_left"] > 0:
            workflow.continue_as_new({**start, "runs_left": start["runs_left"] - 1})
        return str(start["journey_id"])


def _of(journey_id: str) -> Any:
    return lambda start: isinstance(start, dict) and start.get("journey_id") == journey_id


async def _chain_once_visible(
    client: Client, workflow_id: str, journey_id: str
) -> list[WorkflowHistory]:

    async def chain() -> list[WorkflowHistory] | None:
        try:
            return await fetch_chain(client, workflow_id, journey_id, _of(journey_id))
        except DomainError:  # an earlier chain is found through visibility, a moment behind
            return None

    found = await until(chain, bool, f"the chain of {journey_id}", SETTLE_SECONDS)
    assert found is not None
    return found


async def test_every_run_of_the_chain_in_order_and_the_right_chain_of_a_reused_id(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    queue, workflow_id = f"chain-{uuid.uuid4().hex[:8]}", f"journey-CHAIN-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=[ChainProbe],
                      workflow_runner=UnsandboxedWorkflowRunner()):  # fmt: skip
        for journey_id, runs_left in (("JRN-FIRST", 2), ("JRN-SECOND", 0)):
            handle = await client.start_workflow(
                "ChainProbe", {"journey_id": journey_id, "runs_left": runs_left},
                id=workflow_id, task_queue=queue,
            )  # fmt: skip
            assert await handle.result() == journey_id

    second = await fetch_chain(client, workflow_id, "JRN-SECOND", _of("JRN-SECOND"))
    assert len(second) == 1
    first = await _chain_once_visible(client, workflow_id, "JRN-FIRST")
    assert len(first) == 3
    starts = [h.events[0].workflow_execution_started_event_attributes for h in first]
    assert starts[0].continued_execution_run_id == ""
    assert [s.continued_execution_run_id for s in starts[1:]] == [h.run_id for h in first[:-1]]
    events = await chain_timeline(first, decoder(client))
    assert [e.event for e in events if e.event in ("continued_as_new", "workflow_completed")] == [
        "continued_as_new", "continued_as_new", "workflow_completed"]  # fmt: skip
    assert {e.run_id for e in events} == {h.run_id for h in first}
    assert second[0].run_id not in {h.run_id for h in first}
