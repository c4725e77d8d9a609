"""The daily notices as a Temporal Schedule on the dev server: created once however many
workers start (an update otherwise), and each firing writes one digest per active person
with open tasks and one notice per permit about to end, keyed by the Jakarta day; firing it
again the same day writes nothing new, so nothing is delivered twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from temporalio.client import ScheduleOverlapPolicy
from temporalio.testing import WorkflowEnvironment

from config.settings import Environment, Settings
from db import people as people_db
from db import tasks as task_db
from domain.clock import local_date
from domain.identity import Principal, Role, Scope
from notices.daily import DailyNoticesRequest
from tests.api.conftest import wire
from tests.notify.permit_rows import active_permit
from tests.notify.smtp_support import smtp_server
from tests.tasks.support import opening
from tests.temporal_support import until
from workers.audit_schedule import ensure_daily_notices_schedule
from workers.delivery import DeliveryWorker


async def _outbox(pool: asyncpg.Pool) -> list[tuple[str, str | None]]:
    rows = await pool.fetch("SELECT message_id, recipient_subject FROM outbox ORDER BY 1")
    return [(r["message_id"], r["recipient_subject"]) for r in rows]


async def test_the_daily_schedule_writes_each_digest_once_a_day(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> None:
    now = datetime.now(UTC)
    today = local_date(now)  # the Jakarta date the run is for
    async with pool.acquire() as conn:
        for subject, upt in (("tpp-a", "LP-CIPINANG"), ("tpp-b", "LP-SALEMBA"),
                             ("tpp-gone", "LP-CIPINANG")):  # fmt: skip
            await people_db.upsert_from_claims(
                conn, Principal(subject=subject, roles={Role.TPP_MEMBER}, scope=Scope(upt=upt)),
                {"email": f"{subject}@kemenimipas.go.id"},
            )  # fmt: skip
        await conn.execute("UPDATE people SET active = false WHERE subject = 'tpp-gone'")
        await task_db.open_task(conn, opening("ENR-1:1", opened_at=now - timedelta(days=5)))
        await task_db.open_task(conn, opening("ENR-2:1", opened_at=now, due_in=None))
    await active_permit(pool, "TKA-SOON", today + timedelta(days=10))
    await active_permit(pool, "TKA-LATER", today + timedelta(days=200))

    wired = wire(pool, dev_env.client)
    queue = wired.settings.enrolment_task_queue
    schedule_id = f"daily-notices-{uuid.uuid4().hex[:8]}"
    request = DailyNoticesRequest(expiring_within_days=14)
    created = await ensure_daily_notices_schedule(dev_env.client, queue, 6, request, schedule_id)
    # A second worker starting (with another hour configured) updates, never duplicates.
    again = await ensure_daily_notices_schedule(dev_env.client, queue, 7, request, schedule_id)
    handle = dev_env.client.get_schedule_handle(schedule_id)
    expected = [
        (f"digest:tpp-a:{today}", "tpp-a"),  # tpp-b has no open task; tpp-gone is inactive
        (f"permit-expiring:TKA-SOON:{today + timedelta(days=10)}", None),
    ]

    async def runs() -> list[str]:
        found = []
        async for execution in dev_env.client.list_workflows(
            f"WorkflowType = 'DailyNotices' AND TaskQueue = '{queue}' "
            "AND ExecutionStatus = 'Completed'"
        ):
            found.append(execution.id)
        return found

    try:
        assert (created, again) == (True, False)
        described = (await handle.describe()).schedule.spec
        assert described.time_zone_name == "Asia/Jakarta"
        assert [[r.start for r in c.hour] for c in described.calendars] == [[7]]

        async with wired.worker:
            await handle.trigger()
            await until(lambda: _outbox(pool), lambda rows: rows == expected,
                        "the day's digest and permit notice", within=30)  # fmt: skip
            await until(runs, lambda r: len(r) == 1, "the first run completed", within=30)
            # The same day again (a manual trigger, a catch-up): nothing new is written.
            await handle.trigger(overlap=ScheduleOverlapPolicy.ALLOW_ALL)
            await until(runs, lambda r: len(r) == 2, "the second run completed", within=30)
    finally:
        await handle.delete()
    assert await _outbox(pool) == expected

    # Delivered as any outbox row: the digest reaches tpp-a once, in Indonesian.
    with smtp_server() as sink:
        settings = Settings(environment=Environment.TEST, smtp_port=sink.port)
        worker = DeliveryWorker(pool, settings, "w1")
        await worker.expand_once()
        await worker.send_once()
        await worker.expand_once()  # nothing left to expand: no second message
        await worker.send_once()
    digests = [m for m in sink.accepted if m["To"] == "tpp-a@kemenimipas.go.id"]
    assert len(digests) == 1
    assert digests[0]["Subject"] == "[Sinergi] Tugas Saya hari ini: 2 terbuka, 1 terlambat"
    assert "ENR-1" in digests[0].get_content() and "(TERLAMBAT)" in digests[0].get_content()
