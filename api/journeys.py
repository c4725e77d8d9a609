"""The inmate journey over HTTP: reading a journey (`GET /journeys`, `GET /journeys/{inmate}`),
and what the custody events (`api/custody_events.py`) and the handovers (`api/handovers.py`)
share about the journey's workflow.

Views are thin: the rules are the journey workflow's (`domain/journey_rules.py`, run by its
update validators). Here: who may read, in which scope.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from api.deps import PoolDep, TemporalDep, acting_as
from api.paging import Offset
from db import custody_events as custody_db
from db import enrolments as enrolment_db
from db import handovers as handover_db
from db import journeys as journey_db
from db.custody_events import CustodyEventRecord
from db.enrolments import EnrolmentRecord
from db.handovers import HandoverFilter, HandoverRecord
from db.journeys import JourneyEventRecord, JourneyFilter, JourneyRecord
from domain.errors import DomainError, conflict, forbidden, not_found
from domain.identity import Actor, Ministry, Role, audits_process_a
from domain.journey import (
    JourneyState,
    JourneyStatus,
    journey_workflow_id,
)
from workflows.journey import InmateJourneyWorkflow

router = APIRouter(tags=["inmate journey"])

JOURNEY_READERS = (Role.CASEWORKER, Role.TPP_MEMBER, Role.KEMNAKER_OFFICER, Role.AUDITOR)

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


# ---------------------------------------------------------------- the journey workflow


def _handle(temporal: Client, workflow_id: str) -> JourneyHandle:
    return temporal.get_workflow_handle(workflow_id)


async def running_journey(temporal: Client, inmate_sdp_no: str) -> JourneyState | None:
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


def ended(inmate_sdp_no: str) -> DomainError:
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
        live = await running_journey(temporal, inmate_sdp_no)
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
        custody_events=await custody_db.list_custody_events(pool, journey_id),
        handovers=await handover_db.list_handovers(
            pool, HandoverFilter(journey_id=journey_id, now=datetime.now(UTC))
        ),
        events=await journey_db.list_journey_events(pool, journey_id),
    )
