"""The Temporal Schedule that anchors the audit trail every few minutes, created (or brought
up to date) whenever a Process A worker starts: any number of workers may race to it."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from domain.audit_chain import ANCHOR_SCHEDULE_ID, AnchorRequest
from workflows.audit_anchor import AuditAnchorWorkflow


def anchor_schedule(task_queue: str, every: timedelta, schedule_id: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            AuditAnchorWorkflow.run, AnchorRequest(), id=f"{schedule_id}-run", task_queue=task_queue
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        # Anchors form one chain: a slow anchoring is never overlapped by the next.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_anchor_schedule(
    client: Client, task_queue: str, every: timedelta, schedule_id: str = ANCHOR_SCHEDULE_ID
) -> bool:
    """Create the schedule, or update an existing one to this queue and interval. True when
    it was created now."""
    schedule = anchor_schedule(task_queue, every, schedule_id)
    try:
        await client.create_schedule(schedule_id, schedule)
        return True
    except ScheduleAlreadyRunningError:

        def updated(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(updated)
        return False
