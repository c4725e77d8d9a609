"""Writes the inmate journey read model to Postgres, one journey event at a time."""

from __future__ import annotations

import asyncpg
import structlog
from temporalio import activity

from db import journeys
from domain.case_history import what_it_did
from domain.journey import RECORD_JOURNEY_EVENT, JourneyEvent

log = structlog.get_logger(__name__)


class JourneyProjection:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=RECORD_JOURNEY_EVENT)
    async def record_event(self, event: JourneyEvent) -> str | None:
        async with self._pool.acquire() as conn:
            applied = await journeys.apply_event(conn, event, activity.info().workflow_run_id)
        # Ids and kinds only: the read model, not the log, holds the inmate's records.
        log.info(
            "journey_event_projected" if applied else "journey_event_already_projected",
            journey_id=event.journey_id,
            seq=event.seq,
            kind=event.kind.value,
        )
        return what_it_did(RECORD_JOURNEY_EVENT, event)
