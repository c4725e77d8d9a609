"""Custody events over HTTP: `POST /custody-events`, a transfer, sanction, lifted sanction or
release as corrections (SDP) or a caseworker reports it, sent to the inmate's journey.

Views are thin: the rules are the journey workflow's (`domain/journey_rules.py`, run by its
update validators). Here: who may report, in which scope, and the checks that need the read
model: a redelivered custody event is answered from Postgres without touching the workflow.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends

from api import final_answers
from api.decision_routes import send_update
from api.deps import PoolDep, SdpDep, SettingsDep, TemporalDep, acting_as
from api.final_answers import CustodyEventAnswer
from api.journeys import ended, running_journey
from db import custody_events as custody_db
from db import journeys as journey_db
from db import reference as reference_db
from domain.custody import CustodyEvent, CustodyEventFields, CustodyEventKind, CustodyEventOutcome
from domain.errors import conflict, forbidden, invalid, not_found
from domain.identity import Actor, Role
from domain.journey import (
    journey_workflow_id,
)
from domain.reference import UptKind
from workflows.journey import InmateJourneyWorkflow

router = APIRouter(tags=["inmate journey"])
log = structlog.get_logger(__name__)

# domain.md: caseworkers report custody events; SDP reports them for every UPT.
REPORTERS = (Role.SDP_SYSTEM, Role.CASEWORKER)


# ---------------------------------------------------------------- custody events


def _update_id(event: CustodyEventFields) -> str:
    # Temporal answers a repeated update id with the first answer whatever its argument:
    # the content is part of the id, so the same id with other content reaches the
    # validator (409) instead of borrowing the first event's success.
    digest = hashlib.sha256(event.fingerprint().encode()).hexdigest()
    return f"custody-{event.event_id}-{digest[:16]}"


@router.post(
    "/custody-events",
    response_model=CustodyEventAnswer,
    responses=final_answers.pending_responses(),
)
async def report_custody_event(
    body: CustodyEventFields,
    actor: Annotated[Actor, Depends(acting_as(*REPORTERS))],
    settings: SettingsDep,
    pool: PoolDep,
    temporal: TemporalDep,
    sdp: SdpDep,
) -> CustodyEventOutcome:
    """A transfer, sanction, lifted sanction or release, as corrections (SDP) reports it.

    The same event delivered twice changes nothing (200, `duplicate: true`); the same event
    id with other content is a 409; an event that cannot apply is refused with a 4xx and
    changes nothing. Only inmates with a programme enrolment have a journey: for anyone else
    there is nothing to apply (404). A release answers once its handovers are sent, with
    them (202 with where to poll if not within `SINERGI_ANSWER_WAIT_SECONDS`)."""
    sdp_no = body.inmate_sdp_no
    structlog.contextvars.bind_contextvars(custody_event_id=body.event_id, kind=body.kind.value)
    inmate = await sdp.get_inmate(sdp_no)
    if inmate is None:
        raise not_found(f"inmate {sdp_no} is not registered in SDP")
    live = await running_journey(temporal, sdp_no)
    latest = await journey_db.current_journey(pool, sdp_no)
    held_at = live.upt_code if live else latest.upt_code if latest else inmate.upt_code
    if actor.role is Role.CASEWORKER and actor.scope.upt != held_at:
        raise forbidden(
            f"inmate {sdp_no} is held at UPT {held_at}; you are a caseworker of UPT "
            f"{actor.scope.upt}"
        )
    stored = await custody_db.get_custody_event(pool, body.event_id)
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
            raise ended(sdp_no)
        raise not_found(f"no journey: inmate {sdp_no} has no programme enrolment; nothing to apply")
    event = CustodyEvent(actor=actor, **body.model_dump())
    outcome: CustodyEventOutcome = await send_update(
        temporal,
        journey_workflow_id(sdp_no),
        InmateJourneyWorkflow.record_custody_event,
        event,
        closed=ended(sdp_no),  # it ended between our look and now
        update_id=_update_id(body),
    )
    log.info("custody_event_applied", duplicate=outcome.duplicate)
    if body.kind is CustodyEventKind.RELEASE and not outcome.duplicate:
        supervised = body.bapas_code is not None
        return await final_answers.release_handed_over(
            pool, sdp_no, outcome, supervised, settings.answer_wait_seconds
        )
    return outcome
