"""The rows of a case's audit trail the decision check reads (`audit_entries`, written and
verified by db/audit_trail.py: one hash chain per case)."""

from __future__ import annotations

import asyncpg

from db.audit_search import CaseKind
from db.audit_trail import READING_ORDER
from db.connect import Connection
from domain.audit_chain import chain_id
from domain.decision_check import TrailDecision


async def trail_of(
    conn: Connection | asyncpg.Pool, case_kind: CaseKind, case_id: str
) -> list[TrailDecision]:
    # In the case's own order (db.audit_trail.READING_ORDER), not the order of appending.
    rows = await conn.fetch(
        f"""SELECT seq, kind, at, actor_subject, actor_role, decision, reason
             FROM audit_entries WHERE chain_id = $1
            ORDER BY {READING_ORDER}""",  # noqa: S608 - a fixed order
        chain_id(case_kind.value, case_id),
    )
    return [TrailDecision(**dict(r)) for r in rows]
