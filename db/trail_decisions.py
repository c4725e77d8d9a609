"""The rows of a case's audit trail the decision check reads (table `audit_entries`, written
and verified by db/audit_trail.py; schema agreed in V6: one hash chain per case, `chain_id`
"{case_kind}:{case_id}")."""

from __future__ import annotations

import asyncpg

from db.audit_search import CaseKind
from db.connect import Connection
from domain.decision_check import TrailDecision


def chain_ids(case_kind: CaseKind, case_id: str) -> list[str]:
    # A permit's chain may be named by its SinergiKind ("tka_permit") or, as the schema's
    # prose has it, "permit": both are read, so neither spelling hides a decision.
    kinds = [case_kind.value] + (["permit"] if case_kind is CaseKind.TKA_PERMIT else [])
    return [f"{kind}:{case_id}" for kind in kinds]


async def trail_of(
    conn: Connection | asyncpg.Pool, case_kind: CaseKind, case_id: str
) -> list[TrailDecision]:
    rows = await conn.fetch(
        """SELECT seq, kind, at, actor_subject, actor_role, decision, reason
             FROM audit_entries WHERE chain_id = ANY($1::text[])
            ORDER BY at, seq""",
        chain_ids(case_kind, case_id),
    )
    return [TrailDecision(**dict(r)) for r in rows]
