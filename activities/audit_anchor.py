"""Anchors the audit trail's moved chain heads (db/audit_trail.anchor). Retrying is safe: a
retry after a committed anchor finds no head moved, or anchors what moved since."""

from __future__ import annotations

import asyncpg
import structlog
from temporalio import activity

from db import audit_trail
from domain.audit_chain import ANCHOR_AUDIT_HEADS, AnchorOutcome, AnchorRequest

log = structlog.get_logger(__name__)


class AuditAnchoring:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=ANCHOR_AUDIT_HEADS)
    async def anchor(self, request: AnchorRequest) -> AnchorOutcome:
        async with self._pool.acquire() as conn:
            made = await audit_trail.anchor(conn)
        if made is None:
            log.info("audit_nothing_to_anchor")
            return AnchorOutcome(anchor_no=None, head_count=0)
        log.info("audit_anchored", anchor_no=made.anchor_no, head_count=made.head_count)
        return AnchorOutcome(anchor_no=made.anchor_no, head_count=made.head_count)
