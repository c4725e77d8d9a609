"""Verifying the audit trail over HTTP: every case an auditor audits, or one case.

Read-only, for auditors: an auditor of one ministry verifies the chains of the kinds of case
that ministry audits (api/case_kinds.py), an auditor of all ministries every chain. The
answer names the first broken link (chain, row, what is wrong, expected and found hash).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api import case_kinds
from api.deps import PoolDep, acting_as
from db import audit_trail
from db.audit_trail import Verification
from domain.audit_chain import chain_id
from domain.errors import forbidden, not_found
from domain.identity import Actor, Role

router = APIRouter(prefix="/audit", tags=["audit trail"])

Auditor = Annotated[Actor, Depends(acting_as(Role.AUDITOR))]


@router.get("/verification")
async def verify_all(pool: PoolDep, auditor: Auditor) -> Verification:
    """Verify the chain of every case the auditor audits, and the anchor chain."""
    kinds = [name for name in case_kinds.CASE_KINDS if case_kinds.audits(name, auditor.scope)]
    return await audit_trail.verify(pool, case_kinds=kinds)


@router.get("/cases/{case_kind}/{case_id}/verification")
async def verify_case(
    case_kind: str, case_id: str, pool: PoolDep, auditor: Auditor
) -> Verification:
    """Verify one case's chain (`case_kind`: enrolment, journey or tka_permit), and the
    anchor chain."""
    if case_kind not in case_kinds.CASE_KINDS:
        known = ", ".join(sorted(case_kinds.CASE_KINDS))
        raise not_found(f"there is no kind of case {case_kind!r}: one of {known}")
    if not case_kinds.audits(case_kind, auditor.scope):
        raise forbidden(f"your auditor scope does not cover {case_kind} cases")
    chain = chain_id(case_kind, case_id)
    if not await audit_trail.chain_exists(pool, chain):
        raise not_found(f"there is no audit trail for {case_kind} {case_id}")
    return await audit_trail.verify(pool, chain=chain)
