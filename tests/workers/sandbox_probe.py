"""A workflow that tries what the sandbox refuses, for tests/workers/test_workflow_runner.py.
Its own module: the sandbox imports a workflow's module afresh, so it imports little."""

from __future__ import annotations

import random

from temporalio import workflow
from temporalio.workflow import NondeterminismError


@workflow.defn
class SandboxProbe:
    @workflow.run
    async def run(self) -> str:
        try:
            random.random()  # not workflow.random(): the sandbox refuses it
        except NondeterminismError:  # the sandbox's RestrictedWorkflowAccessError
            return "refused"
        return "allowed"
