"""The floor: workflows of the same shape as ours with no-op bodies, and their worker.

`FloorJourney` / `FloorEnrolment` mirror the inmate journey and its enrolment child: the same
number of activities, updates and timers (counted from a real enrolment's history in the same
run, `Shape.from_histories`), in the same order, each activity a no-op and each update
answered once the steps that follow it have run (as ours answer with the new state). The
worker runs as its own process (`python -m benchmarks.floor`) with the same Worker settings as
`workers.main` (SDK defaults), on a task queue of its own, against the same dev server.

`FloorIdle` is a workflow that waits for nothing forever (the raw start in the cohort
benchmark), `FloorEcho` answers an update at once (the raw update round trip) or after one
no-op activity (an update of our decisions' shape).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

TASK_QUEUE = "sinergi-bench-floor"
# A second floor worker, a process of its own, for the latency benchmark's raw updates with a
# local activity: each reference kind then has a worker to itself, as our decisions have the
# enrolment worker (at 50 reviewers one floor worker serving both kinds was their bottleneck).
SECOND_TASK_QUEUE = "sinergi-bench-floor-2"
QUEUE_VARIABLE = "SINERGI_BENCH_FLOOR_QUEUE"
_TIMEOUT = timedelta(seconds=30)
CLOSED_SIGNAL = "floor_closed"
# `off`: the floor's workflows without a sandbox (Temporal's UnsandboxedWorkflowRunner), as
# ours run by default: what the SDK alone costs for our shape (issue 18's worker CPU).
SANDBOX_VARIABLE = "SINERGI_BENCH_FLOOR_SANDBOX"


class Shape(BaseModel):
    """A journey and its enrolment as steps: "a" activity, "l" local activity, "u" update,
    "t" timer started, "c" timer cancelled, "s" child started (journey only)."""

    journey_start: list[str]
    journey_enrol: list[str]  # inside the enrol update
    journey_closed: list[str]  # on the child's closing signal
    enrolment: list[str]

    @property
    def enrolment_updates(self) -> int:
        return self.enrolment.count("u")

    @classmethod
    def from_histories(
        cls, journey: list[dict[str, Any]], enrolment: list[dict[str, Any]]
    ) -> Shape:
        """Count from the histories (as JSON dicts) of one real journey and its enrolment."""
        journey_steps = _steps(journey)
        first_update = journey_steps.index("u") if "u" in journey_steps else 0
        before = journey_steps[:first_update].count("a")
        rest = journey_steps.count("a") - before
        # The enrol update starts the child and records it (one activity); the rest run
        # when the child reports its close.
        in_update = min(rest, 1)
        return cls(
            journey_start=["a"] * before,
            journey_enrol=["s"] + ["a"] * in_update,
            journey_closed=["a"] * (rest - in_update),
            enrolment=_steps(enrolment),
        )


_EVENT_STEP = {
    "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED": "a",
    "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED": "u",
    "EVENT_TYPE_TIMER_STARTED": "t",
    "EVENT_TYPE_TIMER_CANCELED": "c",
    "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED": "s",
}


_LOCAL_ACTIVITY_MARKER = "core_local_activity"


def _step(event: dict[str, Any]) -> str | None:
    if event["eventType"] == "EVENT_TYPE_MARKER_RECORDED":
        marker = event.get("markerRecordedEventAttributes", {}).get("markerName")
        return "l" if marker == _LOCAL_ACTIVITY_MARKER else None
    return _EVENT_STEP.get(event["eventType"])


def _steps(history: list[dict[str, Any]]) -> list[str]:
    return [step for step in map(_step, history) if step is not None]


@activity.defn(name="floor_noop")
async def noop(n: int) -> int:
    return n


async def _activity(n: int) -> None:
    await workflow.execute_activity(noop, n, start_to_close_timeout=_TIMEOUT)


async def _local_activity(n: int) -> None:
    await workflow.execute_local_activity(noop, n, start_to_close_timeout=_TIMEOUT)


class FloorStart(BaseModel):
    case_id: str
    shape: Shape


@workflow.defn
class FloorEnrolment:
    def __init__(self) -> None:
        self._received = 0
        self._answered_through = 0

    @workflow.run
    async def run(self, start: FloorStart) -> int:
        timer: asyncio.Task[None] | None = None
        seen = 0
        for n, step in enumerate(start.shape.enrolment):
            if step == "a":
                await _activity(n)
            elif step == "l":
                await _local_activity(n)
            elif step == "u":
                self._answered_through = seen  # the previous update's steps are done
                await workflow.wait_condition(lambda: self._received > seen)  # noqa: B023
                seen += 1
            elif step == "t":
                timer = asyncio.create_task(workflow.sleep(timedelta(days=90)))
            elif step == "c" and timer is not None:
                timer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await timer
        self._answered_through = seen
        parent = workflow.info().parent
        if parent is not None:
            await workflow.get_external_workflow_handle(parent.workflow_id).signal(
                CLOSED_SIGNAL, start.case_id
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return seen

    @workflow.update
    async def decide(self, n: int) -> int:
        self._received += 1
        mine = self._received
        await workflow.wait_condition(lambda: self._answered_through >= mine)
        return mine


@workflow.defn
class FloorJourney:
    def __init__(self) -> None:
        self._closed = 0

    @workflow.run
    async def run(self, start: FloorStart) -> None:
        for n, _ in enumerate(start.shape.journey_start):
            await _activity(n)
        await workflow.wait_condition(lambda: self._closed > 0)
        for n, _ in enumerate(start.shape.journey_closed):
            await _activity(n)
        await workflow.wait_condition(workflow.all_handlers_finished)

    @workflow.update
    async def enrol(self, start: FloorStart) -> str:
        child_id = f"floor-enrolment-{start.case_id}"
        await workflow.start_child_workflow(
            FloorEnrolment.run, start, id=child_id, parent_close_policy=ParentClosePolicy.ABANDON
        )
        for n, step in enumerate(start.shape.journey_enrol):
            if step == "a":
                await _activity(n)
        return child_id

    @workflow.signal(name=CLOSED_SIGNAL)
    async def closed(self, case_id: str) -> None:
        self._closed += 1


def floor_journey_start(start: FloorStart) -> WithStartWorkflowOperation[FloorJourney, None]:
    """Start the case's floor journey with an update (or use the one running)."""
    return WithStartWorkflowOperation(
        FloorJourney.run,
        start,
        id=f"floor-journey-{start.case_id}",
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        task_queue=TASK_QUEUE,
    )


@workflow.defn
class FloorIdle:
    """Waits, like a case waiting on a person, until signalled."""

    def __init__(self) -> None:
        self._done = False
        self._requests: list[int] = []

    @workflow.run
    async def run(self, n: int) -> int:
        await workflow.wait_condition(lambda: self._done)
        return n

    @workflow.signal
    async def finish(self) -> None:
        self._done = True

    @workflow.signal
    async def request(self, n: int) -> None:
        """Taken and kept for later (the cohort benchmark's signal-with-start)."""
        self._requests.append(n)


@workflow.defn
class FloorEcho:
    """Answers each update at once: the raw update round trip."""

    def __init__(self) -> None:
        self._done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self._done and workflow.all_handlers_finished())

    @workflow.update
    async def echo(self, n: int) -> int:
        return n

    @workflow.update
    async def echo_after_activity(self, n: int) -> int:
        """An update of our decisions' shape: one activity (their projection) before the
        answer."""
        await _activity(n)
        return n

    @workflow.update
    async def echo_after_local_activity(self, n: int) -> int:
        """Our decisions' shape since issue 18: one local activity (the projection, run in
        the same workflow task) before the answer."""
        await _local_activity(n)
        return n

    @workflow.signal
    async def finish(self) -> None:
        self._done = True


def floor_worker(client: Client, task_queue: str = TASK_QUEUE) -> Worker:
    # Worker settings as in workers/enrolment.py (the SDK defaults), but the SDK's own sandbox
    # runner: the floor stays the platform as shipped (workers/workflow_runner.py), unless the
    # run asks for none (SANDBOX_VARIABLE).
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[FloorJourney, FloorEnrolment, FloorIdle, FloorEcho],
        activities=[noop],
        workflow_runner=UnsandboxedWorkflowRunner() if unsandboxed() else SandboxedWorkflowRunner(),
    )


def unsandboxed() -> bool:
    return os.environ.get(SANDBOX_VARIABLE) == "off"


async def _serve() -> None:
    from config.settings import get_settings
    from workers.temporal_client import connect_temporal

    client = await connect_temporal(get_settings())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with floor_worker(client, os.environ.get(QUEUE_VARIABLE, TASK_QUEUE)):
        await stop.wait()


if __name__ == "__main__":
    from workers.process import exit_after

    exit_after(lambda: asyncio.run(_serve()))
