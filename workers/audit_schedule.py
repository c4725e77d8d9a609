"""The Temporal Schedules the Process A worker keeps, created (or brought up to date)
whenever a worker starts: any number of workers may race to it.
- the audit trail's anchoring, every few minutes;
- the daily notices (digests, permits expiring), once a day at `digest_hour_wib` Jakarta.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from domain.audit_chain import ANCHOR_SCHEDULE_ID, AnchorRequest
from notices.daily import DAILY_NOTICES_SCHEDULE_ID, DailyNoticesRequest
from workflows.audit_anchor import AuditAnchorWorkflow
from workflows.daily_notices import DailyNoticesWorkflow

JAKARTA = "Asia/Jakarta"


async def ensure_schedule(client: Client, schedule_id: str, schedule: Schedule) -> bool:
    """Create the schedule, or update an existing one to `schedule`. True when it was
    created now."""
    try:
        await client.create_schedule(schedule_id, schedule)
        return True
    except ScheduleAlreadyRunningError:

        def updated(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(updated)
        return False


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
    """The anchoring schedule on this queue and interval. True when it was created now."""
    return await ensure_schedule(
        client, schedule_id, anchor_schedule(task_queue, every, schedule_id)
    )


def daily_notices_schedule(
    task_queue: str, hour_wib: int, request: DailyNoticesRequest, schedule_id: str
) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DailyNoticesWorkflow.run, request, id=f"{schedule_id}-run", task_queue=task_queue
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(hour_wib)])],
            time_zone_name=JAKARTA,
        ),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP,
            # A day missed while the cluster was down is caught up the same morning only: a
            # digest of yesterday's tasks, sent in the afternoon, helps nobody.
            catchup_window=timedelta(hours=6),
        ),
    )


async def ensure_daily_notices_schedule(
    client: Client,
    task_queue: str,
    hour_wib: int,
    request: DailyNoticesRequest,
    schedule_id: str = DAILY_NOTICES_SCHEDULE_ID,
) -> bool:
    """The daily notices' schedule on this queue and hour. True when it was created now."""
    schedule = daily_notices_schedule(task_queue, hour_wib, request, schedule_id)
    return await ensure_schedule(client, schedule_id, schedule)
