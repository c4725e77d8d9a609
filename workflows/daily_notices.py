"""The daily notices (notices/daily.py): a Temporal Schedule starts this workflow once a day
at `digest_hour_wib`; its one activity writes each active person's digest and the notices of
permits about to end, keyed by the Jakarta day of the run's start."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.clock import local_date
    from notices.daily import (
        WRITE_DAILY_NOTICES,
        DailyNoticesDay,
        DailyNoticesOutcome,
        DailyNoticesRequest,
    )


@workflow.defn(name="DailyNotices")
class DailyNoticesWorkflow:
    @workflow.run
    async def run(self, request: DailyNoticesRequest) -> DailyNoticesOutcome:
        now = workflow.now()  # the run's start: the same on replay and on every retry
        day = DailyNoticesDay(
            day=local_date(now), now=now, expiring_within_days=request.expiring_within_days
        )
        outcome: DailyNoticesOutcome = await workflow.execute_activity(
            WRITE_DAILY_NOTICES,
            day,
            result_type=DailyNoticesOutcome,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
        )
        return outcome
