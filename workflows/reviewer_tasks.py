"""The inbox task behind every wait on a person, for any workflow.

A workflow opens a task when it starts waiting (with a due date in working days, computed
by an activity so a calendar change never alters a replay), escalates it once when it is
overdue, and closes it when it stops waiting: decided (who, role, why) or cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.enrolment import AwaitedWork
    from domain.identity import Actor, Role
    from domain.tasks import (
        CLOSE_TASK,
        COMPUTE_DUE_DATE,
        ESCALATE_TASK,
        OPEN_TASK,
        DueDate,
        DueDateRequest,
        TaskClosing,
        TaskEscalation,
        TaskOpening,
        TaskState,
    )

with workflow.unsafe.imports_passed_through():
    from workflows.case_events import LocalPatches, project

T = TypeVar("T")

# Added to every workflow that waits on people; histories from before it replay without tasks.
INBOX_TASKS_PATCH = "inbox-tasks-v1"

_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
_TIMEOUT = timedelta(seconds=30)


@dataclass(frozen=True)
class Settlement:
    """Who settled a wait, with what decision and why."""

    decision: str
    actor: Actor
    reason: str


class ReviewerTasks:
    def __init__(
        self,
        case_kind: str,
        case_id: str,
        sla_working_days: dict[str, int],
        opened: int = 0,
        *,
        events_seen: Callable[[], int],
        local_patch: LocalPatches = None,
    ) -> None:
        """`local_patch`: run the task writes as local activities once that patch is on
        (see `case_events.project`)."""
        self._local_patch = local_patch
        self._case_kind = case_kind
        self._case_id = case_id
        self._sla = sla_working_days
        self._seq = opened  # tasks opened so far (a continued-as-new run carries it over)
        # The case's events recorded so far: each task line in the audit trail says which event
        # it follows, so the trail reads in the case's order even if a crash appended it out
        # of order. Only the activities' inputs carry it: no command changes, replay holds.
        self._events_seen = events_seen

    @property
    def opened(self) -> int:
        return self._seq

    async def open(self, work: AwaitedWork, stage: str, key: str | None = None) -> str:
        """Open the task for `work`; sets `work.due` from the SLA when it has none yet.

        With `key` the task's id is `{case_id}:{key}` (the caller keeps it unique, e.g. across
        continue-as-new) and the running count is left alone."""
        task_id = self._next_id(key)
        due_request = self.due_request(work)
        if due_request is not None:
            due = await self._run(COMPUTE_DUE_DATE, due_request, DueDate)
            assert due is not None
            work.due = due.due_at
        await self._run(OPEN_TASK, self._opening(task_id, work, stage))
        return task_id

    def prepare(self, work: AwaitedWork, stage: str) -> tuple[TaskOpening, DueDateRequest | None]:
        """The next task's opening, for a caller that writes it itself (with the stage change,
        in one local activity): the due date to compute first, if any, goes in `due_at`."""
        return self._opening(self._next_id(None), work, stage), self.due_request(work)

    def _next_id(self, key: str | None) -> str:
        if key is not None:
            return f"{self._case_id}:{key}"
        self._seq += 1
        return f"{self._case_id}:task:{self._seq}"

    def due_request(self, work: AwaitedWork) -> DueDateRequest | None:
        """The due date to compute for `work` from the SLA, when it has none yet."""
        days = self._sla.get(work.kind)
        if work.due is None and days is not None:
            return DueDateRequest(start=work.since, working_days=days)
        return None

    def _opening(self, task_id: str, work: AwaitedWork, stage: str) -> TaskOpening:
        return TaskOpening(
            task_id=task_id,
            case_kind=self._case_kind,
            case_id=self._case_id,
            workflow_id=workflow.info().workflow_id,
            kind=work.kind,
            stage=stage,
            required_role=work.role,
            scope=work.scope,
            opened_at=workflow.now(),
            due_at=work.due,
            follows_event=self._events_seen(),
        )

    async def _run(
        self, activity: str, arg: object, result_type: type[T] | None = None
    ) -> T | None:
        return await project(
            activity,
            arg,
            self._local_patch,
            result_type,
            start_to_close=_TIMEOUT,
            retry_policy=_RETRY,
        )

    async def escalate(self, task_id: str, routed_to: Role, message: str) -> None:
        await self._run(
            ESCALATE_TASK,
            TaskEscalation(
                task_id=task_id,
                escalated_at=workflow.now(),
                routed_to=routed_to,
                message=message,
                follows_event=self._events_seen(),
            ),
        )

    async def close(self, task_id: str, settled: Settlement | None, why_cancelled: str) -> None:
        await self._run(CLOSE_TASK, self.closing(task_id, settled, why_cancelled))

    def closing(self, task_id: str, settled: Settlement | None, why_cancelled: str) -> TaskClosing:
        """The closing of `task_id`, for a caller that writes it itself (see `prepare`)."""
        return (
            TaskClosing(
                task_id=task_id,
                state=TaskState.DECIDED,
                closed_at=workflow.now(),
                decision=settled.decision,
                actor=settled.actor,
                reason=settled.reason,
                follows_event=self._events_seen(),
            )
            if settled is not None
            else TaskClosing(
                task_id=task_id,
                state=TaskState.CANCELLED,
                closed_at=workflow.now(),
                reason=why_cancelled,
                follows_event=self._events_seen(),
            )
        )
