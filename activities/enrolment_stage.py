"""One stage change of an enrolment, written in one local activity (issue 18).

Closing the task of the wait that ended, recording the change, computing the next wait's due
date and opening its task were four local activities, four markers in history; here they are
one, made of the same writes (each idempotent by its key, so a retry of the whole lands once).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from temporalio import activity

from domain.enrolment import WRITE_ENROLMENT_STAGE, EnrolmentEvent, StageWrite, StageWritten
from domain.tasks import DueDate, DueDateRequest, TaskClosing, TaskOpening


class EnrolmentStageWrites:
    """Composed of the single writes (the projection, the task writes, the calendar), so the
    tests' recorders and the real ones serve alike."""

    def __init__(
        self,
        record: Callable[[EnrolmentEvent], Awaitable[str | None]],
        close_task: Callable[[TaskClosing], Awaitable[str | None]],
        open_task: Callable[[TaskOpening], Awaitable[str | None]],
        compute_due_date: Callable[[DueDateRequest], Awaitable[DueDate]],
    ) -> None:
        self._record = record
        self._close_task = close_task
        self._open_task = open_task
        self._compute_due_date = compute_due_date

    @activity.defn(name=WRITE_ENROLMENT_STAGE)
    async def write_stage(self, write: StageWrite) -> StageWritten:
        did: list[str | None] = []
        for earlier in sorted(write.earlier, key=lambda e: e.seq):
            did.append(await self._record(earlier))
        if write.closing is not None:
            did.append(await self._close_task(write.closing))
        event, opening, due_at = write.event, write.opening, None
        if write.due is not None:
            due_at = (await self._compute_due_date(write.due)).due_at
            # The stage change's row says when the task it opens is due, as the state does.
            summary = event.summary.model_copy(update={"awaiting_due": due_at})
            event = event.model_copy(update={"summary": summary})
            if opening is not None:
                opening = opening.model_copy(update={"due_at": due_at})
        did.append(await self._record(event))
        if opening is not None:
            did.append(await self._open_task(opening))
        return StageWritten(due_at=due_at, did="; ".join(d for d in did if d))
