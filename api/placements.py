"""After release over HTTP: Kemnaker job placement's follow-up of released inmates.

Views are thin: the rules are the placement workflow's (`domain/placement_rules.py`, run by
its update validators). Here: who may read and decide, and the read model. A placement case
starts when job placement acknowledges a release handover (`POST
/handovers/{id}/acknowledgement` with `contact_consent`).
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
import structlog
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from api import case_kinds
from api.decision_routes import (
    DecisionRoute,
    add_decision_routes,
    deciders,
    refuse_if_claimed_by_another,
)
from api.deps import PoolDep, TemporalDep, acting_as
from api.errors import refusal_from_update
from db import placements as placement_db
from db.placements import PlacementEventRecord, PlacementFilter, PlacementRecord
from domain.errors import conflict, forbidden, not_found
from domain.identity import Actor, HumanInput, Ministry, Role, audits_process_a
from domain.placement import (
    CHECK_IN_TASK,
    PLACEMENT_KIND,
    CheckInFields,
    CheckInInput,
    ContactFields,
    ContactInput,
    OutcomeFields,
    OutcomeInput,
    PlacementState,
    PlacementStatus,
    ReferralFields,
    ReferralInput,
)
from workflows.placement import PlacementWorkflow

router = APIRouter(prefix="/placements", tags=["placement follow-up"])
log = structlog.get_logger(__name__)

READERS = (Role.KEMNAKER_OFFICER, Role.AUDITOR)
OFFICER = (Role.KEMNAKER_OFFICER,)


class PlacementList(BaseModel):
    items: list[PlacementRecord]
    limit: int
    offset: int


class PlacementView(BaseModel):
    placement: PlacementRecord
    live: PlacementState | None  # the workflow's own state while it runs (query)
    events: list[PlacementEventRecord]  # every change: who, in which role, when, why, what


def reads_placements(actor: Actor) -> bool:
    """Job placement's officers (Kemnaker), and auditors of Process A."""
    if actor.role is Role.KEMNAKER_OFFICER:
        return actor.scope.ministry is Ministry.KEMNAKER
    return actor.role is Role.AUDITOR and audits_process_a(actor.scope)


Reader = Annotated[Actor, Depends(acting_as(*READERS))]


async def _load(pool: asyncpg.Pool, placement_id: str) -> PlacementRecord:
    record = await placement_db.get_placement(pool, placement_id)
    if record is None:
        raise not_found(f"placement {placement_id} does not exist")
    return record


@router.get("", response_model=PlacementList)
async def list_placements(
    actor: Reader,
    pool: PoolDep,
    status: PlacementStatus | None = None,
    upt: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PlacementList:
    """Placement cases, newest first; filter by `status` or the UPT the person left."""
    if not reads_placements(actor):
        return PlacementList(items=[], limit=limit, offset=offset)
    where = PlacementFilter(status=status, upt=upt, limit=limit, offset=offset)
    items = await placement_db.list_placements(pool, where)
    return PlacementList(items=items, limit=limit, offset=offset)


@router.get("/{placement_id}", response_model=PlacementView)
async def get_placement(
    placement_id: str, actor: Reader, pool: PoolDep, temporal: TemporalDep
) -> PlacementView:
    """The case: certificates, contacts, referrals, outcome, check-ins and its log."""
    record = await _load(pool, placement_id)
    if not reads_placements(actor):
        raise forbidden(f"placement {placement_id} is outside your scope")
    live = None
    if record.status is not PlacementStatus.CLOSED:
        live = await _live(temporal, record.workflow_id)
    return PlacementView(
        placement=record,
        live=live,
        events=await placement_db.list_placement_events(pool, placement_id),
    )


async def _live(temporal: Client, workflow_id: str) -> PlacementState | None:
    handle = temporal.get_workflow_handle(workflow_id)
    try:
        description = await handle.describe()
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return None
        raise
    if description.status is not WorkflowExecutionStatus.RUNNING:
        return None
    return await handle.query(PlacementWorkflow.state)


# ---------------------------------------------------------------- decisions

DECISION_ROUTES = (
    DecisionRoute("contacts", OFFICER, ContactFields, ContactInput,
                  PlacementWorkflow.record_contact,
                  "Record a contact with the released person (reached or not)"),
    DecisionRoute("referrals", OFFICER, ReferralFields, ReferralInput,
                  PlacementWorkflow.record_referral,
                  "Record a referral to a vacancy or a BLK course"),
    DecisionRoute("outcome", OFFICER, OutcomeFields, OutcomeInput,
                  PlacementWorkflow.record_outcome,
                  "Record the outcome: employed, self-employed, further training, not reached"),
    DecisionRoute("check-ins", OFFICER, CheckInFields, CheckInInput,
                  PlacementWorkflow.record_check_in,
                  "Record the open check-in (1, 3 or 6 months)", task_kinds=(CHECK_IN_TASK,)),
)  # fmt: skip


async def send_decision(
    pool: asyncpg.Pool,
    temporal: Client,
    placement_id: str,
    route: DecisionRoute,
    payload: HumanInput,
) -> PlacementState:
    """Send one decision to the placement's workflow; its validator has the last word."""
    record = await _load(pool, placement_id)
    if not reads_placements(payload.actor):
        raise forbidden(f"placement {placement_id} is job placement's (Kemnaker)")
    if record.status is PlacementStatus.CLOSED:
        reason = record.close_reason.value if record.close_reason else "closed"
        raise conflict(f"placement {placement_id} is closed ({reason}); nothing more is recorded")
    await refuse_if_claimed_by_another(pool, placement_id, route, payload.actor)
    structlog.contextvars.bind_contextvars(placement_id=placement_id)
    handle = temporal.get_workflow_handle(record.workflow_id)
    try:
        state: PlacementState = await handle.execute_update(route.update, payload)
    except WorkflowUpdateFailedError as error:
        raise refusal_from_update(error) from None
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise conflict(f"placement {placement_id} is closed") from None
        raise
    log.info("placement_decision_recorded", decision=route.path)
    return state


add_decision_routes(
    router,
    DECISION_ROUTES,
    case_param="placement_id",
    response_model=PlacementState,
    send=send_decision,
    name_prefix="placement_",
)

# The inbox records a check-in task through the check-ins route; auditors of Process A read
# the placement tasks.
case_kinds.register(
    case_kinds.CaseKind(
        name=PLACEMENT_KIND,
        audited_by=audits_process_a,
        deciders=deciders(DECISION_ROUTES, send_decision),
    )
)
