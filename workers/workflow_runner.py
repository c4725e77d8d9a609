"""The workflow runner of Sinergi's workers, by `SINERGI_WORKFLOW_SANDBOX`:

- `off` (the default of the worker processes): Temporal's `UnsandboxedWorkflowRunner`. Workflow
  code runs in the worker's own interpreter: no module re-imported per run, no proxy on each
  call: less CPU on the workflow side (issue 18, measured in benchmarks/NOTES.md). What the
  sandbox refused at run time (the clock, randomness, files, state kept between runs) is then
  kept out by tests: every recorded history replays under this runner and the sandbox
  (tests/workers/test_workflow_runner.py), tests/workflows run their own workers in the
  sandbox, and tests/workers/test_determinism_check.py reads every module workflows import.
- `on`: Temporal's sandbox, without a trip into it for each payload the worker encodes or
  decodes (below).

For every payload of an activation and of its completion (three passes each way: codec,
external storage, references) the SDK asks the workflow instance which serialization context
the payload's command has, so that a context-aware converter or codec can act on it. A
sandboxed instance answers from inside the sandbox, and each answer is an `exec` of a
snippet of source under the sandbox's import hooks: on our worker, a tenth of its busy time
(issue 18, benchmarks/NOTES.md). Sinergi's converter and codec take no context (the same
key and the same pydantic converter for every payload) and it stores no payload outside
history, so every answer leads to the same converter object: the runner below answers
"no context" itself, and everything else (the workflow's code, its imports, its activations
and their determinism checks) runs in the sandbox as before.

`workflow_runner` checks that premise against the converter it is given and returns the plain
sandbox when a converter does take context or stores payloads elsewhere.

The worker factories (workers/enrolment.py, workers/kemnaker.py) default to the sandbox; the
processes pass the setting. Tests that build a worker keep the sandbox unless they ask.
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio import workflow
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import (
    DataConverter,
    SerializationContext,
    StorageDriverStoreContext,
    WorkflowSerializationContext,
)
from temporalio.worker import (
    UnsandboxedWorkflowRunner,
    WorkflowInstance,
    WorkflowInstanceDetails,
    WorkflowRunner,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from config.settings import WorkflowSandbox


def takes_no_context(converter: DataConverter) -> bool:
    """Whether every payload of every command goes through this very converter."""
    probe = WorkflowSerializationContext(namespace="", workflow_id="")
    return converter.external_storage is None and converter.with_context(probe) is converter


def workflow_runner(
    converter: DataConverter, sandbox_setting: WorkflowSandbox = WorkflowSandbox.ON
) -> WorkflowRunner:
    """No sandbox when the setting is off; otherwise the sandbox, answering the context
    questions outside it when `converter` has none."""
    if sandbox_setting is WorkflowSandbox.OFF:
        return UnsandboxedWorkflowRunner()
    sandbox = SandboxedWorkflowRunner()
    return _ContextFreeRunner(sandbox) if takes_no_context(converter) else sandbox


def describe(sandbox_setting: WorkflowSandbox) -> str:
    """The runner in words, for logs and benchmark reports."""
    if sandbox_setting is WorkflowSandbox.OFF:
        return "no sandbox (SINERGI_WORKFLOW_SANDBOX=off: Temporal's UnsandboxedWorkflowRunner)"
    return (
        "the sandbox (SINERGI_WORKFLOW_SANDBOX=on: workers/workflow_runner.py, the codec's "
        "context questions answered outside it)"
    )


class _ContextFreeRunner(WorkflowRunner):
    def __init__(self, sandbox: SandboxedWorkflowRunner) -> None:
        self._sandbox = sandbox

    def prepare_workflow(self, defn: workflow._Definition) -> None:
        self._sandbox.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _ContextFreeInstance(self._sandbox.create_instance(det))

    def set_worker_level_failure_exception_types(
        self, types: Sequence[type[BaseException]]
    ) -> None:
        self._sandbox.set_worker_level_failure_exception_types(types)


class _ContextFreeInstance(WorkflowInstance):
    """A sandboxed instance; the codec's questions are answered without entering it."""

    def __init__(self, sandboxed: WorkflowInstance) -> None:
        self._sandboxed = sandboxed

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        return self._sandboxed.activate(act)

    # `command_info` is the SDK's private CommandInfo, never looked at here.
    def get_serialization_context(self, command_info: object) -> SerializationContext | None:
        return None  # the converter without context: the one every context leads to

    def get_external_store_context(self, command_info: object) -> StorageDriverStoreContext:
        return StorageDriverStoreContext(target=None)  # nothing is stored outside history

    def get_info(self) -> workflow.Info:
        return self._sandboxed.get_info()

    def get_thread_id(self) -> int | None:
        return self._sandboxed.get_thread_id()
