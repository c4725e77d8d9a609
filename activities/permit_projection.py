"""Writes the TKA permit read model to Postgres, one workflow event at a time, and the
reminders of an active permit to the outbox."""

from __future__ import annotations

import asyncpg
import structlog
from temporalio import activity

from db import notices, permits
from domain.permit import RECORD_PERMIT_EVENT, WRITE_PERMIT_REMINDER, PermitEvent, PermitReminder

log = structlog.get_logger(__name__)


class PermitProjection:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=RECORD_PERMIT_EVENT)
    async def record_event(self, event: PermitEvent) -> None:
        async with self._pool.acquire() as conn:
            applied = await permits.apply_event(conn, event, activity.info().workflow_run_id)
            # The employer's notices (revision requested, payment due); keyed, so a retry
            # after a crash between the two still writes each once.
            await notices.permit_event(conn, event)
        # Ids and kinds only: the read model, not the log, holds the passport and names.
        log.info(
            "permit_event_projected" if applied else "permit_event_already_projected",
            application_id=event.application_id,
            seq=event.seq,
            kind=event.kind.value,
        )

    @activity.defn(name=WRITE_PERMIT_REMINDER)
    async def write_reminder(self, reminder: PermitReminder) -> None:
        async with self._pool.acquire() as conn:
            written = await permits.write_reminder(conn, reminder)
        log.info(
            "permit_reminder_written" if written else "permit_reminder_already_written",
            application_id=reminder.application_id,
            kind=reminder.kind.value,
            message_id=reminder.message_id,
        )
