"""Writes the enrolment read model to Postgres, one workflow event at a time."""

from __future__ import annotations

import asyncpg
import structlog
from temporalio import activity

from db import enrolments, notices
from domain.case_history import what_it_did
from domain.enrolment import RECORD_ENROLMENT_EVENT, EnrolmentEvent

log = structlog.get_logger(__name__)


class EnrolmentProjection:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=RECORD_ENROLMENT_EVENT)
    async def record_event(self, event: EnrolmentEvent) -> str | None:
        async with self._pool.acquire() as conn:
            applied = await enrolments.apply_event(conn, event, activity.info().workflow_run_id)
            # Written whether or not applied now: a retry after a crash between the two
            # still announces it (the notice's key makes it once).
            await notices.enrolment_event(conn, event)
        # Ids and kinds only: the read model, not the log, holds case content.
        log.info(
            "enrolment_event_projected" if applied else "enrolment_event_already_projected",
            enrolment_id=event.enrolment_id,
            seq=event.seq,
            kind=event.kind.value,
        )
        return what_it_did(RECORD_ENROLMENT_EVENT, event)
