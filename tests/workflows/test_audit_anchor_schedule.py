"""The audit trail's anchoring schedule on the dev server: created once however many
workers start, and each firing anchors the chain heads that moved."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
from temporalio.testing import WorkflowEnvironment

from tests.api.conftest import wire
from tests.db.audit_support import append_chain
from tests.temporal_support import SETTLE_SECONDS, until
from workers.audit_schedule import ensure_anchor_schedule


async def test_the_schedule_is_created_once_and_its_runs_anchor(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> None:
    wired = wire(pool, dev_env.client)
    queue = wired.settings.enrolment_task_queue
    schedule_id = f"audit-anchor-{uuid.uuid4().hex[:8]}"
    await append_chain(pool, "ENR-1", 3)

    created = await ensure_anchor_schedule(dev_env.client, queue, timedelta(hours=1), schedule_id)
    again = await ensure_anchor_schedule(dev_env.client, queue, timedelta(hours=2), schedule_id)
    handle = dev_env.client.get_schedule_handle(schedule_id)
    try:
        assert (created, again) == (True, False)
        spec = (await handle.describe()).schedule.spec
        assert [i.every for i in spec.intervals] == [timedelta(hours=2)]  # brought up to date

        async with wired.worker:
            await handle.trigger()

            async def anchors() -> int:
                count: int = await pool.fetchval("SELECT count(*) FROM audit_anchors")
                return count

            await until(anchors, bool, "an anchor", SETTLE_SECONDS)
    finally:
        await handle.delete()

    anchored = await pool.fetch("SELECT chain_id, seq FROM audit_anchor_heads")
    assert [tuple(r) for r in anchored] == [("enrolment:ENR-1", 3)]
