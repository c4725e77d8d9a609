"""The workers' workflow runner (workers/workflow_runner.py) keeps what the sandbox is for:
recorded histories make the same decisions under it, and workflow code that does something
nondeterministic is still refused. It skips the sandbox only for the payload codec's context
questions, and only for a converter that takes no context."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from tests.temporal_support import CONVERTER
from tests.workers.sandbox_probe import SandboxProbe
from tests.workflows.record_histories import JOURNEYS, RECORDED, RecordedHistory, RecordedJourney
from tests.workflows.record_permit_histories import RECORDED as PERMITS
from tests.workflows.record_permit_histories import RecordedHistory as RecordedPermit
from tests.workflows.record_placement_histories import PLACEMENTS, RecordedPlacement
from workers.workflow_runner import takes_no_context, workflow_runner
from workflows.enrolment import EnrolmentWorkflow
from workflows.journey import InmateJourneyWorkflow
from workflows.permit import PermitWorkflow
from workflows.placement import PlacementWorkflow

# Every recorded history of every process.
_HISTORIES = (*RECORDED, *JOURNEYS, *PERMITS, *PLACEMENTS)


@pytest.mark.parametrize("recorded", _HISTORIES, ids=lambda r: r.file)
async def test_recorded_histories_replay_under_the_workers_runner(
    recorded: RecordedHistory | RecordedJourney | RecordedPermit | RecordedPlacement,
) -> None:
    history = WorkflowHistory.from_json(recorded.workflow_id, recorded.path.read_text())
    replayer = Replayer(
        workflows=[EnrolmentWorkflow, InmateJourneyWorkflow, PermitWorkflow, PlacementWorkflow],
        data_converter=CONVERTER,
        workflow_runner=workflow_runner(CONVERTER),
    )
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None


async def test_the_sandbox_still_refuses_nondeterministic_calls(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    client = time_skipping_env.client
    queue = f"sandbox-probe-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[SandboxProbe],
        workflow_runner=workflow_runner(client.data_converter),
    ):
        answer = await client.execute_workflow(
            SandboxProbe.run, id=f"probe-{uuid.uuid4()}", task_queue=queue
        )
    assert answer == "refused"


class _ContextAwareCodec(PayloadCodec, WithSerializationContext):
    """A codec that would seal each workflow's payloads under a key of its own."""

    def __init__(self, context: SerializationContext | None = None) -> None:
        self.context = context

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    def with_context(self, context: SerializationContext) -> _ContextAwareCodec:
        return _ContextAwareCodec(context)


def test_a_converter_that_takes_context_gets_the_plain_sandbox() -> None:
    assert takes_no_context(CONVERTER)
    aware = dataclasses.replace(CONVERTER, payload_codec=_ContextAwareCodec())
    assert not takes_no_context(aware)
    assert isinstance(workflow_runner(aware), SandboxedWorkflowRunner)
