"""The workflow side of a worker's CPU, without the server: replay a recorded certified
enrolment (tests/histories) many times under a workflow runner and count the process's CPU.

Replaying runs every activation of the case as a live worker does (sandbox, workflow code,
the converter and the AES-GCM codec on every payload), minus the server, the activities
and the gRPC traffic, so it measures a runner's cost on a shared machine far more steadily
than the throughput run (issue 18, benchmarks/NOTES.md). The runners: the SDK's sandbox as it
comes, and the workers' two (workers/workflow_runner.py, SINERGI_WORKFLOW_SANDBOX on and off):

    python -m benchmarks.worker_cpu            # each runner, alternating, 3 rounds of 30
    python -m benchmarks.worker_cpu --rounds 5 --replays 50
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import time
from collections.abc import AsyncIterator, Callable

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from config.settings import WorkflowSandbox
from tests.temporal_support import CONVERTER
from tests.workflows.record_histories import CERTIFIED_V5
from workers.workflow_runner import workflow_runner
from workflows.enrolment import EnrolmentWorkflow
from workflows.journey import InmateJourneyWorkflow

RUNNERS: dict[str, Callable[[], WorkflowRunner]] = {
    "sdk sandbox (as the SDK comes)": SandboxedWorkflowRunner,
    "workers' sandbox (SINERGI_WORKFLOW_SANDBOX=on)": lambda: workflow_runner(
        CONVERTER, WorkflowSandbox.ON
    ),
    "no sandbox (SINERGI_WORKFLOW_SANDBOX=off, the default)": lambda: workflow_runner(
        CONVERTER, WorkflowSandbox.OFF
    ),
}


async def cpu_per_replay(runner: WorkflowRunner, history: WorkflowHistory, replays: int) -> float:
    """CPU seconds (the whole process: every thread) per replay of `history`."""
    replayer = Replayer(
        workflows=[EnrolmentWorkflow, InmateJourneyWorkflow],
        data_converter=CONVERTER,
        workflow_runner=runner,
    )
    await replayer.replay_workflow(history)  # warm: imports, type adapters

    async def histories() -> AsyncIterator[WorkflowHistory]:
        for _ in range(replays):
            yield history

    # The runner measured before leaves garbage (the sandbox's module copies): collect it
    # first, so that its collection is not counted against this runner.
    gc.collect()
    began = time.process_time()
    await replayer.replay_workflows(histories(), raise_on_replay_failure=True)
    return (time.process_time() - began) / replays


async def main(rounds: int, replays: int) -> None:
    history = WorkflowHistory.from_json(CERTIFIED_V5.workflow_id, CERTIFIED_V5.path.read_text())
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{CERTIFIED_V5.file}: {len(history.events)} events; load average at start {load}")  # noqa: T201
    measured: dict[str, list[float]] = {name: [] for name in RUNNERS}
    for _ in range(rounds):  # alternating, so the machine's load falls on each alike
        for name, runner in RUNNERS.items():
            measured[name].append(await cpu_per_replay(runner(), history, replays))
    for name, values in measured.items():
        ms = sorted(v * 1000 for v in values)
        rounds_ms = ", ".join(f"{v:.0f}" for v in ms)
        median = ms[len(ms) // 2]
        print(f"- {name}: median {median:.0f} ms CPU per replay (rounds: {rounds_ms})")  # noqa: T201
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at end {load}")  # noqa: T201


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replays", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.replays))
