"""The rows of a case's audit trail the decision check reads (`audit_entries`, written and
verified by db/audit_trail.py: one hash chain per case)."""

from __future__ import annotations

import asyncpg

from db.audit_search import CaseKind
from db.audit_trail import READING_ORDER
from db.case_events import SUPERSEDED, SUPERSEDED_ENTRY
from db.connect import Connection
from domain.audit_chain import chain_id
from domain.decision_check import TrailDecision


async def trail_of(
    conn: Connection | asyncpg.Pool, case_kind: CaseKind, case_id: str
) -> list[TrailDecision]:
    # In the case's own order (db.audit_trail.READING_ORDER), not the order of appending.
    # An event stored by a workflow task that never completed, and superseded since
    # (db/case_events.py), stays in the trail but is no part of the case's history.
    rows = await conn.fetch(
        f"""SELECT seq, kind, at, actor_subject, actor_role, decision, reason
             FROM audit_entries e WHERE chain_id = $1
              AND NOT EXISTS (
                  SELECT 1 FROM audit_entries n
                   WHERE n.chain_id = e.chain_id AND n.kind = '{SUPERSEDED}'
                     AND n.detail->>'{SUPERSEDED_ENTRY}' = e.entry_key)
            ORDER BY {READING_ORDER}""",  # noqa: S608 - a fixed order and constants
        chain_id(case_kind.value, case_id),
    )
    return [TrailDecision(**dict(r)) for r in rows]
