"""Release handovers over HTTP: the Bapas's and Kemnaker job placement's lists, a handover with
its package, and its acknowledgement (also from the inbox), sent to the inmate's journey.

Views are thin: the rules are the journey workflow's (`domain/journey_rules.py`, run by its
update validators). Here: who receives which handover, and the checks that need the read
model (already acknowledged; a colleague's claim on the inbox task).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import asyncpg
import structlog
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from temporalio.client import Client

from api import case_kinds
from api.auth import CurrentPrincipal
from api.decision_routes import send_update
from api.deps import PoolDep, TemporalDep, acting_as
from api.journeys import ended
from db import handovers as handover_db
from db import inbox as inbox_db
from db import journeys as journey_db
from db.handovers import (
    HandoverDetail,
    HandoverFilter,
    HandoverRecord,
    HandoverSort,
    HandoverState,
)
from domain.errors import conflict, forbidden, not_found
from domain.identity import Actor, HumanInput, Ministry, Principal, Role, audits_process_a
from domain.journey import (
    JOURNEY_KIND,
    HandoverAckFields,
    HandoverAcknowledgement,
    HandoverReceiver,
    JourneyState,
)
from workflows.journey import InmateJourneyWorkflow

router = APIRouter(tags=["inmate journey"])

HANDOVER_READERS = (Role.BAPAS_OFFICER, Role.KEMNAKER_OFFICER, Role.AUDITOR)
# Who acknowledges each handover, and the inbox task the journey opens for it.
RECEIVER_ROLE = {
    HandoverReceiver.BAPAS: Role.BAPAS_OFFICER,
    HandoverReceiver.JOB_PLACEMENT: Role.KEMNAKER_OFFICER,
}
TASK_KIND = {receiver: f"handover_{receiver.value}" for receiver in HandoverReceiver}


class HandoverList(BaseModel):
    items: list[HandoverRecord]
    limit: int
    offset: int


class HandoverAckInput(HandoverAckFields, HumanInput):
    """An acknowledgement through the inbox: the receiver follows from the task's kind."""


# ---------------------------------------------------------------- handovers


def _reads_handover(actor: Actor, receiver: HandoverReceiver, bapas_code: str | None) -> bool:
    if actor.role is Role.AUDITOR:
        return audits_process_a(actor.scope)
    return _receives(actor, receiver, bapas_code)


def _receives(actor: Actor, receiver: HandoverReceiver, bapas_code: str | None) -> bool:
    """Whether `actor` is the receiver of such a handover: the Bapas's PK, Kemnaker's officer."""
    if actor.role is not RECEIVER_ROLE[receiver]:
        return False
    if receiver is HandoverReceiver.BAPAS:
        return bapas_code is not None and actor.scope.bapas == bapas_code
    return actor.scope.ministry is Ministry.KEMNAKER


HandoverReader = Annotated[Actor, Depends(acting_as(*HANDOVER_READERS))]


@router.get("/handovers", response_model=HandoverList)
async def list_handovers(
    actor: HandoverReader,
    pool: PoolDep,
    receiver: HandoverReceiver | None = None,
    bapas: str | None = None,
    state: HandoverState | None = None,
    inmate_sdp_no: str | None = None,
    journey_id: str | None = None,
    sort: Annotated[
        HandoverSort, Query(description="`newest` sent first, or `due`: soonest due first")
    ] = HandoverSort.NEWEST,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HandoverList:
    """Handovers within the caller's scope, newest first (`sort=due` for the work order):
    a Bapas officer's Bapas, Kemnaker job placement, or all for an auditor of Process A;
    filter by `inmate_sdp_no` or `journey_id` to find one release's handovers."""
    empty = HandoverList(items=[], limit=limit, offset=offset)
    if actor.role is Role.BAPAS_OFFICER:
        mine = actor.scope.bapas
        if (bapas not in (None, mine)) or receiver not in (None, HandoverReceiver.BAPAS):
            raise forbidden(f"you may list the handovers to Bapas {mine} only")
        receiver, bapas = HandoverReceiver.BAPAS, mine or "-"
    elif actor.role is Role.KEMNAKER_OFFICER:
        if bapas is not None or receiver not in (None, HandoverReceiver.JOB_PLACEMENT):
            raise forbidden("you may list job-placement handovers only")
        if actor.scope.ministry is not Ministry.KEMNAKER:
            return empty
        receiver = HandoverReceiver.JOB_PLACEMENT
    elif not audits_process_a(actor.scope):
        return empty
    where = HandoverFilter(
        receiver=receiver,
        bapas_code=bapas,
        state=state,
        inmate_sdp_no=inmate_sdp_no,
        journey_id=journey_id,
        sort=sort,
        now=datetime.now(UTC),
        limit=limit,
        offset=offset,
    )
    return HandoverList(
        items=await handover_db.list_handovers(pool, where), limit=limit, offset=offset
    )


async def _load_handover(pool: asyncpg.Pool, handover_id: str) -> HandoverDetail:
    handover = await handover_db.get_handover(pool, handover_id, datetime.now(UTC))
    if handover is None:
        raise not_found(f"handover {handover_id} does not exist")
    return handover


@router.get("/handovers/{handover_id}", response_model=HandoverDetail)
async def get_handover(handover_id: str, actor: HandoverReader, pool: PoolDep) -> HandoverDetail:
    """The handover with its package: certificates, training records, skills profile."""
    handover = await _load_handover(pool, handover_id)
    if not _reads_handover(actor, handover.receiver, handover.bapas_code):
        raise forbidden(f"handover {handover_id} is outside your scope")
    return handover


@router.post("/handovers/{handover_id}/acknowledgement", response_model=JourneyState)
async def acknowledge_handover(
    handover_id: str,
    body: HandoverAckFields,
    principal: CurrentPrincipal,
    _: Annotated[Actor, Depends(acting_as(*RECEIVER_ROLE.values()))],
    pool: PoolDep,
    temporal: TemporalDep,
) -> JourneyState:
    """The receiver confirms it took the handover over (e.g. registered as Klien); the
    journey ends once every receiver has."""
    handover = await _load_handover(pool, handover_id)
    actor = _receiver_actor(principal, handover)
    ack = HandoverAcknowledgement(actor=actor, reason=body.reason, receiver=handover.receiver)
    return await acknowledge(pool, temporal, handover.journey_id, ack)


def _receiver_actor(principal: Principal, handover: HandoverDetail) -> Actor:
    role = RECEIVER_ROLE[handover.receiver]
    actor = principal.acting_as(role)
    if not principal.has_role(role) or not _receives(actor, handover.receiver, handover.bapas_code):
        where = f"Bapas {handover.bapas_code}" if handover.bapas_code else "Kemnaker"
        raise forbidden(
            f"handover {handover.handover_id} is acknowledged by a {role.value} of {where}"
        )
    return actor


async def acknowledge(
    pool: asyncpg.Pool, temporal: Client, journey_id: str, ack: HandoverAcknowledgement
) -> JourneyState:
    """Send one acknowledgement to the journey; its validator has the last word.

    Like any decision, it must not overrule a colleague who has claimed the inbox task.
    """
    journey = await journey_db.get_journey(pool, journey_id)
    if journey is None:
        raise not_found(f"journey {journey_id} does not exist")
    handover = await handover_db.handover_of(pool, journey_id, ack.receiver, datetime.now(UTC))
    if handover is not None and handover.acknowledged_at is not None:
        raise conflict(
            f"handover {handover.handover_id} was already acknowledged by "
            f"{handover.acknowledged_by} ({handover.acknowledged_role}) at "
            f"{handover.acknowledged_at.isoformat()}"
        )
    for task in await inbox_db.open_tasks_of_case(pool, journey_id):
        if task.kind == TASK_KIND[ack.receiver] and task.assignee not in (None, ack.actor.subject):
            raise conflict(inbox_db.held_refusal(task))
    structlog.contextvars.bind_contextvars(journey_id=journey_id)
    state: JourneyState = await send_update(
        temporal,
        journey.workflow_id,
        InmateJourneyWorkflow.acknowledge_handover,
        ack,
        closed=ended(journey.inmate_sdp_no),
    )
    return state


def _decider(receiver: HandoverReceiver) -> case_kinds.TaskDecider:
    async def decide(
        pool: asyncpg.Pool, temporal: Client, journey_id: str, payload: HumanInput
    ) -> JourneyState:
        assert isinstance(payload, HandoverAckInput)
        ack = HandoverAcknowledgement(actor=payload.actor, reason=payload.reason, receiver=receiver)
        return await acknowledge(pool, temporal, journey_id, ack)

    return case_kinds.TaskDecider(payload=HandoverAckInput, decide=decide)


# The inbox decides a journey's handover task as the acknowledgement endpoint does.
case_kinds.register(
    case_kinds.CaseKind(
        name=JOURNEY_KIND,
        audited_by=audits_process_a,
        deciders={TASK_KIND[r]: _decider(r) for r in HandoverReceiver},
    )
)
