"""The workers' workflow runners (workers/workflow_runner.py, SINERGI_WORKFLOW_SANDBOX).

With the sandbox on, the runner keeps what the sandbox is for: recorded histories make the
same decisions under it, and workflow code that does something nondeterministic is still
refused. It skips the sandbox only for the payload codec's context questions, and only for a
converter that takes no context.

With it off (the worker processes' default), every recorded history still replays, and
nothing refuses at run time: that is what tests/workers/test_determinism_check.py and the
sandboxed tests of tests/workflows are for (checked here: they keep the sandbox)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import uuid
from collections.abc import Sequence

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from config.settings import PROJECT_ROOT, WorkflowSandbox
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


@pytest.mark.parametrize("sandbox", list(WorkflowSandbox))
@pytest.mark.parametrize("recorded", _HISTORIES, ids=lambda r: r.file)
async def test_recorded_histories_replay_under_the_workers_runner(
    recorded: RecordedHistory | RecordedJourney | RecordedPermit | RecordedPlacement,
    sandbox: WorkflowSandbox,
) -> None:
    history = WorkflowHistory.from_json(recorded.workflow_id, recorded.path.read_text())
    replayer = Replayer(
        workflows=[EnrolmentWorkflow, InmateJourneyWorkflow, PermitWorkflow, PlacementWorkflow],
        data_converter=CONVERTER,
        workflow_runner=workflow_runner(CONVERTER, sandbox),
    )
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None


async def _probe(env: WorkflowEnvironment, sandbox: WorkflowSandbox) -> str:
    client = env.client
    queue = f"sandbox-probe-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[SandboxProbe],
        workflow_runner=workflow_runner(client.data_converter, sandbox),
    ):
        return await client.execute_workflow(
            SandboxProbe.run, id=f"probe-{uuid.uuid4()}", task_queue=queue
        )


async def test_the_sandbox_still_refuses_nondeterministic_calls(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    assert await _probe(time_skipping_env, WorkflowSandbox.ON) == "refused"


async def test_without_the_sandbox_nothing_refuses_at_run_time(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    """The trade of SINERGI_WORKFLOW_SANDBOX=off: `random.random()` runs. The static check
    finds it in the source instead (test_determinism_check.py reads this very probe)."""
    assert await _probe(time_skipping_env, WorkflowSandbox.OFF) == "allowed"


def test_the_setting_picks_the_runner_and_a_factory_keeps_the_sandbox() -> None:
    assert isinstance(workflow_runner(CONVERTER, WorkflowSandbox.OFF), UnsandboxedWorkflowRunner)
    on = workflow_runner(CONVERTER, WorkflowSandbox.ON)
    assert not isinstance(on, UnsandboxedWorkflowRunner)
    assert isinstance(workflow_runner(CONVERTER), type(on))  # a factory's default: the sandbox


# What builds workers or replayers for tests/workflows and the replay tests.
_SANDBOXED_TEST_CODE = [
    *sorted((PROJECT_ROOT / "tests" / "workflows").glob("*.py")),
    PROJECT_ROOT / "tests" / "histories_support.py",
]


def test_tests_of_workflows_and_replay_tests_keep_the_sdk_sandbox() -> None:
    """They build their own workers and replayers with the SDK's default runner, the
    sandbox: so workflow code that reads the clock or randomness fails there, whatever the
    worker processes run."""
    for parameter in (Worker, Replayer):
        default = inspect.signature(parameter).parameters["workflow_runner"].default
        assert isinstance(default, SandboxedWorkflowRunner), parameter
    built = 0
    for path in _SANDBOXED_TEST_CODE:
        source = path.read_text()
        assert "Unsandboxed" not in source and "sandbox_unrestricted" not in source, path
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("Worker", "Replayer"):
                keywords = {k.arg for k in node.keywords}
                assert "workflow_runner" not in keywords, f"{path}:{node.lineno}"
                assert None not in keywords, f"{path}:{node.lineno}: **kwargs could set it"
                built += 1
    assert built >= 4  # the enrolment harness, Kemnaker's and Imigrasi's, the replayer


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
