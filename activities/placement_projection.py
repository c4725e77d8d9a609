"""Writes the placement follow-up's read model (and its audit trail) to Postgres, one
placement event at a time."""

from __future__ import annotations

import asyncpg
import structlog
from temporalio import activity

from db import placements
from domain.placement import RECORD_PLACEMENT_EVENT, PlacementEvent

log = structlog.get_logger(__name__)


class PlacementProjection:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=RECORD_PLACEMENT_EVENT)
    async def record_event(self, event: PlacementEvent) -> None:
        async with self._pool.acquire() as conn:
            applied = await placements.apply_event(conn, event, activity.info().workflow_run_id)
        # Ids and kinds only: the read model, not the log, holds what was recorded.
        log.info(
            "placement_event_projected" if applied else "placement_event_already_projected",
            placement_id=event.placement_id,
            seq=event.seq,
            kind=event.kind.value,
        )
