"""The inmate journey over HTTP: custody events from corrections, a journey's read model, and
the release handovers the Bapas and Kemnaker job placement acknowledge.

Views are thin: the rules are the journey workflow's (`domain/journey_rules.py`, run by its
update validators). Here: who may call, in which scope, and the checks that need the read
model: a redelivered custody event is answered from Postgres without touching the workflow.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated

import asyncpg
import structlog
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.client import WorkflowUpdateFailedError as UpdateRefused
from temporalio.service import RPCError, RPCStatusCode

from api import case_kinds
from api.auth import CurrentPrincipal
from api.deliveries import custody_delivery
from api.deps import PoolDep, SdpDep, TemporalDep, acting_as
from api.errors import refusal_from_update
from api.paging import Offset
from db import enrolments as enrolment_db
from db import inbox as inbox_db
from db import journeys as journey_db
from db import reference as reference_db
from db.enrolments import EnrolmentRecord
from db.journeys import (
    CustodyEventRecord,
    HandoverDetail,
    HandoverFilter,
    HandoverRecord,
    HandoverState,
    JourneyEventRecord,
    JourneyFilter,
    JourneyRecord,
)
from domain.custody import CustodyEvent, CustodyEventFields, CustodyEventKind, CustodyEventOutcome
from domain.errors import DomainError, conflict, forbidden, invalid, not_found
from domain.identity import Actor, HumanInput, Ministry, Principal, Role, audits_process_a
from domain.journey import (
    JOURNEY_KIND,
    HandoverAckFields,
    HandoverAcknowledgement,
    HandoverReceiver,
    JourneyState,
    JourneyStatus,
    journey_workflow_id,
)
from domain.reference import UptKind
from workflows.journey import InmateJourneyWorkflow

router = APIRouter(tags=["inmate journey"])
log = structlog.get_logger(__name__)

# domain.md: caseworkers report custody events; SDP reports them for every UPT.
REPORTERS = (Role.SDP_SYSTEM, Role.CASEWORKER)
JOURNEY_READERS = (Role.CASEWORKER, Role.TPP_MEMBER, Role.KEMNAKER_OFFICER, Role.AUDITOR)
HANDOVER_READERS = (Role.BAPAS_OFFICER, Role.KEMNAKER_OFFICER, Role.AUDITOR)
# Who acknowledges each handover, and the inbox task the journey opens for it.
RECEIVER_ROLE = {
    HandoverReceiver.BAPAS: Role.BAPAS_OFFICER,
    HandoverReceiver.JOB_PLACEMENT: Role.KEMNAKER_OFFICER,
}
TASK_KIND = {receiver: f"handover_{receiver.value}" for receiver in HandoverReceiver}

JourneyHandle = WorkflowHandle[InmateJourneyWorkflow, JourneyState]


class JourneyView(BaseModel):
    """An inmate's journey: where they are held, their enrolments, custody and handovers."""

    journey: JourneyRecord
    live: JourneyState | None  # the workflow's own state while it runs (query)
    enrolments: list[EnrolmentRecord]
    custody_events: list[CustodyEventRecord]
    handovers: list[HandoverRecord]
    events: list[JourneyEventRecord]  # every change: who, in which role, when and why


class JourneyList(BaseModel):
    items: list[JourneyRecord]
    limit: int
    offset: int


class HandoverList(BaseModel):
    items: list[HandoverRecord]
    limit: int
    offset: int


class HandoverAckInput(HandoverAckFields, HumanInput):
    """An acknowledgement through the inbox: the receiver follows from the task's kind."""


# ---------------------------------------------------------------- the journey workflow


def _handle(temporal: Client, workflow_id: str) -> JourneyHandle:
    return temporal.get_workflow_handle_for(InmateJourneyWorkflow.run, workflow_id)


async def _running_journey(temporal: Client, inmate_sdp_no: str) -> JourneyState | None:
    """The inmate's journey as its workflow holds it, if one is running."""
    handle = _handle(temporal, journey_workflow_id(inmate_sdp_no))
    try:
        description = await handle.describe()
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return None
        raise
    if description.status is not WorkflowExecutionStatus.RUNNING:
        return None
    return await handle.query(InmateJourneyWorkflow.state)


def _ended(inmate_sdp_no: str) -> DomainError:
    return conflict(
        f"the journey of inmate {inmate_sdp_no} has ended (released and handed over); "
        "nothing more can be applied to it"
    )


def _record_of(state: JourneyState, workflow_id: str) -> JourneyRecord:
    """The journey from its live state, while the read model has not caught up with it."""
    release = state.release
    return JourneyRecord(
        journey_id=state.journey_id,
        workflow_id=workflow_id,
        inmate_sdp_no=state.inmate_sdp_no,
        upt_code=state.upt_code,
        status=state.status,
        started_at=state.started_at,
        released_at=release.at if release else None,
        release_kind=release.kind if release else None,
        bapas_code=release.bapas_code if release else None,
        ended_at=None,
        updated_at=state.started_at,
    )


# ---------------------------------------------------------------- custody events


def _update_id(event: CustodyEventFields) -> str:
    # Temporal answers a repeated update id with the first answer whatever its argument:
    # the content is part of the id, so the same id with other content reaches the
    # validator (409) instead of borrowing the first event's success.
    digest = hashlib.sha256(event.fingerprint().encode()).hexdigest()
    return f"custody-{event.event_id}-{digest[:16]}"


@router.post("/custody-events", response_model=CustodyEventOutcome)
async def report_custody_event(
    body: CustodyEventFields,
    actor: Annotated[Actor, Depends(acting_as(*REPORTERS))],
    _one_copy_at_a_time: Annotated[None, Depends(custody_delivery)],
    pool: PoolDep,
    temporal: TemporalDep,
    sdp: SdpDep,
) -> CustodyEventOutcome:
    """A transfer, sanction, lifted sanction or release, as corrections (SDP) reports it.

    The same event delivered twice changes nothing (200, `duplicate: true`); the same event
    id with other content is a 409; an event that cannot apply is refused with a 4xx and
    changes nothing. Only inmates with a programme enrolment have a journey: for anyone else
    there is nothing to apply (404)."""
    sdp_no = body.inmate_sdp_no
    structlog.contextvars.bind_contextvars(custody_event_id=body.event_id, kind=body.kind.value)
    inmate = await sdp.get_inmate(sdp_no)
    if inmate is None:
        raise not_found(f"inmate {sdp_no} is not registered in SDP")
    live = await _running_journey(temporal, sdp_no)
    latest = await journey_db.current_journey(pool, sdp_no)
    held_at = live.upt_code if live else latest.upt_code if latest else inmate.upt_code
    if actor.role is Role.CASEWORKER and actor.scope.upt != held_at:
        raise forbidden(
            f"inmate {sdp_no} is held at UPT {held_at}; you are a caseworker of UPT "
            f"{actor.scope.upt}"
        )
    stored = await journey_db.get_custody_event(pool, body.event_id)
    if stored is not None:
        if stored.fields().same_as(body):
            log.info("custody_event_redelivered")
            return CustodyEventOutcome(
                event_id=body.event_id,
                duplicate=True,
                summary=f"event {body.event_id} was already applied at "
                f"{stored.recorded_at.isoformat()}; nothing changed",
            )
        raise conflict(
            f"event {body.event_id} was already applied with other content (a "
            f"{stored.kind.value} of inmate {stored.inmate_sdp_no}); a correction needs a new "
            "event id"
        )
    if body.kind is CustodyEventKind.TRANSFER:
        assert body.to_upt is not None  # the model requires it for a transfer
        upt = await reference_db.get_upt(pool, body.to_upt)
        if upt is None or upt.kind is UptKind.BAPAS:
            raise invalid(f"to_upt {body.to_upt} is not a UPT that holds inmates")
    if live is None:
        if latest is not None:
            raise _ended(sdp_no)
        raise not_found(f"no journey: inmate {sdp_no} has no programme enrolment; nothing to apply")
    event = CustodyEvent(actor=actor, **body.model_dump())
    handle = _handle(temporal, journey_workflow_id(sdp_no))
    try:
        outcome = await handle.execute_update(
            InmateJourneyWorkflow.record_custody_event, event, id=_update_id(body)
        )
    except UpdateRefused as error:
        raise refusal_from_update(error) from None
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:  # it ended between our look and now
            raise _ended(sdp_no) from None
        raise
    log.info("custody_event_applied", duplicate=outcome.duplicate)
    return outcome


# ---------------------------------------------------------------- journeys


def _reads_journeys_of(actor: Actor, upt_code: str | None) -> bool:
    """Whether `actor` may read journeys held at `upt_code` (None: any UPT)."""
    if actor.role in (Role.CASEWORKER, Role.TPP_MEMBER):
        return upt_code is not None and actor.scope.upt == upt_code
    if actor.role is Role.KEMNAKER_OFFICER:
        return actor.scope.ministry is Ministry.KEMNAKER
    return actor.role is Role.AUDITOR and audits_process_a(actor.scope)


JourneyReader = Annotated[Actor, Depends(acting_as(*JOURNEY_READERS))]


@router.get("/journeys", response_model=JourneyList)
async def list_journeys(
    actor: JourneyReader,
    pool: PoolDep,
    upt: str | None = None,
    status: JourneyStatus | None = None,
    inmate_sdp_no: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> JourneyList:
    """Journeys within the caller's scope: a UPT's own for its caseworkers and TPP."""
    if actor.role in (Role.CASEWORKER, Role.TPP_MEMBER):
        mine = actor.scope.upt or "-"
        if upt is not None and upt != mine:
            raise forbidden(f"you may list journeys of UPT {mine} only")
        upt = mine
    elif not _reads_journeys_of(actor, None):
        return JourneyList(items=[], limit=limit, offset=offset)
    where = JourneyFilter(
        upt_code=upt, status=status, inmate_sdp_no=inmate_sdp_no, limit=limit, offset=offset
    )
    return JourneyList(
        items=await journey_db.list_journeys(pool, where), limit=limit, offset=offset
    )


@router.get("/journeys/{inmate_sdp_no}", response_model=JourneyView)
async def get_journey(
    inmate_sdp_no: str, actor: JourneyReader, pool: PoolDep, temporal: TemporalDep
) -> JourneyView:
    """The inmate's current journey (else the latest), with its enrolments, custody events,
    handover status and log."""
    record = await journey_db.current_journey(pool, inmate_sdp_no)
    live = None
    if record is None or record.status is not JourneyStatus.ENDED:
        live = await _running_journey(temporal, inmate_sdp_no)
    if live is not None and (record is None or record.journey_id != live.journey_id):
        record = _record_of(live, journey_workflow_id(inmate_sdp_no))
    if record is None:
        raise not_found(f"inmate {inmate_sdp_no} has no journey (no programme enrolment)")
    upt = live.upt_code if live is not None else record.upt_code
    if not _reads_journeys_of(actor, upt):
        raise forbidden(f"the journey of inmate {inmate_sdp_no} is outside your scope")
    journey_id = record.journey_id
    linked = [e.enrolment_id for e in await journey_db.list_journey_enrolments(pool, journey_id)]
    linked += [e.enrolment_id for e in live.enrolments] if live is not None else []
    enrolments = [await enrolment_db.get_enrolment(pool, e) for e in dict.fromkeys(linked)]
    return JourneyView(
        journey=record,
        live=live,
        enrolments=[e for e in enrolments if e is not None],
        custody_events=await journey_db.list_custody_events(pool, journey_id),
        handovers=await journey_db.list_handovers(
            pool, HandoverFilter(journey_id=journey_id, now=datetime.now(UTC))
        ),
        events=await journey_db.list_journey_events(pool, journey_id),
    )


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
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> HandoverList:
    """Handovers within the caller's scope, what is due soonest first: a Bapas officer's
    Bapas, Kemnaker job placement, or all for an auditor of Process A."""
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
        now=datetime.now(UTC),
        limit=limit,
        offset=offset,
    )
    return HandoverList(
        items=await journey_db.list_handovers(pool, where), limit=limit, offset=offset
    )


async def _load_handover(pool: asyncpg.Pool, handover_id: str) -> HandoverDetail:
    handover = await journey_db.get_handover(pool, handover_id, datetime.now(UTC))
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
    handover = await journey_db.handover_of(pool, journey_id, ack.receiver, datetime.now(UTC))
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
    try:
        return await _handle(temporal, journey.workflow_id).execute_update(
            InmateJourneyWorkflow.acknowledge_handover, ack
        )
    except UpdateRefused as error:
        raise refusal_from_update(error) from None
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise _ended(journey.inmate_sdp_no) from None
        raise


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
