"""Waiting on workflows under test, the same way for every process: poll a query until a
condition holds, and know when nothing is in flight (so time can skip or a case can end)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionResponse
from temporalio.client import WorkflowHandle
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode

from config.settings import Environment, Settings

S = TypeVar("S")

# How long a case may take to settle after a step, for every poll of the tests: by the clock
# (a loaded machine runs fewer polls in it, never fewer seconds), generous because only a
# failing test waits it out.
SETTLE_SECONDS = 60.0

# What every test client, worker and replayer uses: the application's own converter
# (pydantic, payloads encrypted with the test key), so tests see what production stores.
CONVERTER: DataConverter = Settings(environment=Environment.TEST).data_converter


class InFlight:
    """Activities running in this process right now. The test server's describe() does not
    always list a running activity, and terminating a workflow under one locks its clock."""

    def __init__(self) -> None:
        self.count = 0

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        self.count += 1
        try:
            yield
        finally:
            self.count -= 1


IN_FLIGHT = InFlight()

# How a workflow or activity task leaves the history once scheduled.
_CLOSING = frozenset({"COMPLETED", "FAILED", "TIMED_OUT", "CANCELED"})


async def until(
    read: Callable[[], Awaitable[S]],
    ready: Callable[[S], bool],
    what: str,
    within: float = 10.0,
    *,
    called: str = "state",
) -> S:
    """Poll `read` (a query) until `ready`: the workflow moves on in its own tasks."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        state = await read()
        if ready(state):
            return state
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; {called} is {state!r}")
        await asyncio.sleep(0.02)


async def terminate(handle: WorkflowHandle[Any, Any], reason: str = "test finished") -> None:
    """End a test's workflow, whether or not it finished meanwhile: a case can complete
    between the describe that found it running and this call (a teardown race that once
    failed a clean clone's run), and then there is nothing left to end."""
    try:
        await handle.terminate(reason=reason)
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise


def idle(raw: DescribeWorkflowExecutionResponse) -> bool:
    """No activity running here, and none and no workflow task pending as describe() sees it."""
    return (
        IN_FLIGHT.count == 0
        and not raw.pending_activities
        and not raw.HasField("pending_workflow_task")
    )


async def quiet(handle: WorkflowHandle[Any, Any]) -> None:
    """Wait until no workflow task or activity is open in the workflow's history."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10.0
    while True:
        raw = (await handle.describe()).raw_description
        if idle(raw) and await history_quiet(handle):
            return
        if loop.time() > deadline:
            raise AssertionError(f"workflow {handle.id} never went quiet: {raw}")
        await asyncio.sleep(0.02)


async def history_quiet(handle: WorkflowHandle[Any, Any]) -> bool:
    """No workflow task and no activity open in the history itself.

    describe() may miss a workflow task just scheduled; the history cannot. Terminating
    under either leaves the time-skipping server's clock locked for every later test.
    """
    opened: Counter[str] = Counter()
    for event in (await handle.fetch_history()).events:
        name = EventType.Name(event.event_type)
        for kind in ("WORKFLOW_TASK", "ACTIVITY_TASK"):
            if name.startswith(f"EVENT_TYPE_{kind}_"):
                outcome = name.removeprefix(f"EVENT_TYPE_{kind}_")
                if outcome == "SCHEDULED":
                    opened[kind] += 1
                elif outcome in _CLOSING:
                    opened[kind] -= 1
    return not any(opened.values())
