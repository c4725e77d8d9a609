"""Verifying the audit trail over HTTP: every case an auditor audits, or one case.

Read-only, for auditors: an auditor of one ministry verifies the chains of the kinds of case
that ministry audits (api/case_kinds.py), an auditor of all ministries every chain. The
answer names the first broken link (chain, row, what is wrong, expected and found hash).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api import case_kinds
from api.deps import PoolDep, acting_as
from db import audit_trail
from db.audit_trail import Verification
from domain.audit_chain import EVENT_SEQ, FOLLOWS_EVENT, chain_id
from domain.errors import forbidden, not_found
from domain.identity import Actor, Role

router = APIRouter(prefix="/audit", tags=["audit trail"])

Auditor = Annotated[Actor, Depends(acting_as(Role.AUDITOR))]


@router.get("/verification")
async def verify_all(pool: PoolDep, auditor: Auditor) -> Verification:
    """Verify the chain of every case the auditor audits, and the anchor chain."""
    kinds = [name for name in case_kinds.CASE_KINDS if case_kinds.audits(name, auditor.scope)]
    return await audit_trail.verify(pool, case_kinds=kinds)


async def _audited_chain(case_kind: str, case_id: str, pool: PoolDep, auditor: Actor) -> str:
    """The case's chain id, for an auditor whose scope audits its kind (404 if it has none)."""
    if case_kind not in case_kinds.CASE_KINDS:
        known = ", ".join(sorted(case_kinds.CASE_KINDS))
        raise not_found(f"there is no kind of case {case_kind!r}: one of {known}")
    if not case_kinds.audits(case_kind, auditor.scope):
        raise forbidden(f"your auditor scope does not cover {case_kind} cases")
    chain = chain_id(case_kind, case_id)
    if not await audit_trail.chain_exists(pool, chain):
        raise not_found(f"there is no audit trail for {case_kind} {case_id}")
    return chain


@router.get("/cases/{case_kind}/{case_id}/verification")
async def verify_case(
    case_kind: str, case_id: str, pool: PoolDep, auditor: Auditor
) -> Verification:
    """Verify one case's chain (`case_kind`: enrolment, journey or tka_permit), and the
    anchor chain. Verification walks the rows in the order they were appended (`seq`, what
    each row's hash links to); a break names that row."""
    chain = await _audited_chain(case_kind, case_id, pool, auditor)
    return await audit_trail.verify(pool, chain=chain)


class TrailEntry(BaseModel):
    """One row of a case's audit trail, where it stands in the case's order."""

    seq: int = Field(description="the row's place in the hash chain: the order of appending")
    event_seq: int | None = Field(description="the case event this row records")
    follows_event: int | None = Field(description="the case event this row follows")
    kind: str
    at: datetime
    stage: str
    actor_subject: str | None
    actor_role: str | None
    decision: str | None
    reason: str | None
    run_id: str | None


class CaseTrail(BaseModel):
    case_kind: str
    case_id: str
    entries: list[TrailEntry]


@router.get("/cases/{case_kind}/{case_id}/trail")
async def case_trail(case_kind: str, case_id: str, pool: PoolDep, auditor: Auditor) -> CaseTrail:
    """The case's audit trail in the case's own order: by the case event each row records
    or follows, then as appended (after a worker crash rows can be appended out of the
    case's order; `seq` still says where each stands in the hash chain)."""
    chain = await _audited_chain(case_kind, case_id, pool, auditor)
    entries = [
        TrailEntry(
            **e.model_dump(include=set(TrailEntry.model_fields)),
            event_seq=e.detail.get(EVENT_SEQ),
            follows_event=e.detail.get(FOLLOWS_EVENT),
        )
        for e in await audit_trail.case_trail(pool, chain)
    ]
    return CaseTrail(case_kind=case_kind, case_id=case_id, entries=entries)
