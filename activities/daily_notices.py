"""Writes the day's digests and permit-expiry notices to the outbox (notices/daily.py). A
retry, or a second run of the same day, writes nothing new: every row is keyed by its
subject (or permit) and day."""

from __future__ import annotations

import asyncpg
import structlog
from temporalio import activity

from db import notices as notices_db
from db import people as people_db
from db.connect import Connection
from db.inbox import Grant, InboxQuery, list_inbox
from notices.daily import WRITE_DAILY_NOTICES, DailyNoticesDay, DailyNoticesOutcome

log = structlog.get_logger(__name__)

DIGEST_LINES = 10  # the soonest due tasks a digest lists; the counts cover all


async def write_digests(conn: Connection, request: DailyNoticesDay) -> int:
    """One digest per active person with open tasks; how many were newly written."""
    now, written = request.now, 0
    subjects = [r["subject"] for r in await conn.fetch(
        "SELECT subject FROM people WHERE active ORDER BY subject")]  # fmt: skip
    for subject in subjects:
        person = await people_db.get_person(conn, subject)
        if person is None or not person.active or not person.roles:
            continue
        grants = tuple(Grant(role=g.role, scope=g.scope) for g in person.roles)
        tasks = await list_inbox(
            conn, InboxQuery(subject=subject, grants=grants, now=now, limit=200)
        )
        if not tasks:
            continue  # nothing to do: no digest
        lines = [
            {"task_kind": t.kind, "case_ref": t.case_id, "overdue": t.is_overdue(now),
             "due_at": t.due_at.isoformat() if t.due_at else None}
            for t in tasks[:DIGEST_LINES]
        ]  # fmt: skip
        overdue = sum(1 for t in tasks if t.is_overdue(now))
        written += await notices_db.daily_digest(
            conn, subject, request.day, lines, overdue, len(tasks)
        )
    return written


class DailyNotices:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=WRITE_DAILY_NOTICES)
    async def write(self, request: DailyNoticesDay) -> DailyNoticesOutcome:
        async with self._pool.acquire() as conn:
            expiring = await notices_db.permits_expiring(
                conn, request.day, request.expiring_within_days
            )
            digests = await write_digests(conn, request)
        log.info("daily_notices_written", day=request.day.isoformat(), digests=digests,
                 permits_expiring=expiring)  # fmt: skip
        return DailyNoticesOutcome(day=request.day, digests=digests, permits_expiring=expiring)
