"""Requesting a programme enrolment (stage 1): the rules and the start, for `POST /enrolments`,
the cohort endpoint (`POST /cohorts/enrolments`) and the workspace's pages alike.

The rules run in the order a caseworker should hear them (`checked_request`); the inmate's
journey then starts the enrolment as its child, starting the journey first when the inmate
has none, so there are never two journeys for one inmate: answered once the child started
(`ask_journey`, an update-with-start). A cohort row is answered once it is durably queued in
Postgres; the cohort dispatcher then hands it to the journey (`queue_in_journey`, a
signal-with-start).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import timedelta

import asyncpg
import structlog
from pydantic import BaseModel, ConfigDict, Field
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowFailureError,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError

from api.errors import refusal_from_update
from config.settings import Settings
from db import enrolments as enrolment_db
from db import reference as reference_db
from domain.cohort import COHORT_ENROLMENT_SIGNAL, CohortEnrolment
from domain.enrolment import EnrolmentRequest, enrolment_workflow_id
from domain.enrolment_rules import check_eligibility, check_no_active_enrolment
from domain.errors import forbidden, invalid, not_found
from domain.identity import Actor, Principal
from domain.journey import JourneyStart, JourneyState, JourneyStatus, journey_workflow_id
from domain.reference import Offering, Programme
from domain.registries import InmateRecord, SdpRegistry
from domain.text import Code, Reason
from workflows.journey import InmateJourneyWorkflow

log = structlog.get_logger(__name__)

# How long a request waits for an ended journey's run to close before refusing (409).
JOURNEY_CLOSE_WAIT_SECONDS = 10.0


class EnrolmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inmate_sdp_no: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9./-]+$")
    programme_code: Code
    reason: Reason = Field(description="why this inmate, now")


async def request_enrolment(
    create: EnrolmentCreate,
    principal: Principal,
    actor: Actor,
    settings: Settings,
    pool: asyncpg.Pool,
    temporal: Client,
    sdp: SdpRegistry,
) -> str:
    """Check the request, have the inmate's journey start it, and record its row: the new
    enrolment's id. A refusal is the `DomainError` of the first rule it breaks."""
    programme = await reference_db.get_programme(pool, create.programme_code)
    inmate = await sdp.get_inmate(create.inmate_sdp_no) if programme is not None else None
    offering, active = None, None
    if programme is not None and inmate is not None:
        offering = await reference_db.get_offering(pool, inmate.upt_code, programme.code)
        pair = (inmate.sdp_no, programme.code)
        active = (await enrolment_db.active_enrolments(pool, [pair])).get(pair)
    request = checked_request(
        create, principal, actor, settings, programme, inmate, offering, active
    )
    assert inmate is not None  # checked
    workflow_id = enrolment_workflow_id(request.enrolment_id)
    # The journey decides first and the row follows. A reservation held open across the
    # update would hold a connection and a row lock while the journey runs activities that
    # need the database (its projection; the child's, which waits on that very row): under
    # concurrent requests the pool runs dry and every request waits out the activity
    # timeouts. The journey serialises one inmate's requests, and its validator refuses a
    # second active enrolment in a programme, so nothing is stored for a refused request;
    # if this process dies after the update, the child's projection writes the row.
    await ask_journey(temporal, settings, inmate, request)
    async with pool.acquire() as conn:
        await enrolment_db.record_started(conn, request, workflow_id)
    log.info(
        "enrolment_requested",
        enrolment_id=request.enrolment_id,
        workflow_id=workflow_id,
        journey_workflow_id=request.journey_workflow_id,
    )
    return request.enrolment_id


def checked_request(
    create: EnrolmentCreate,
    principal: Principal,
    actor: Actor,
    settings: Settings,
    programme: Programme | None,
    inmate: InmateRecord | None,
    offering: Offering | None,
    active_enrolment_id: str | None,
) -> EnrolmentRequest:
    """Every rule of an enrolment request, given what was looked up for it: the request to
    send to the inmate's journey, or the `DomainError` of the first rule it breaks."""
    if programme is None:
        raise not_found(f"programme {create.programme_code} does not exist")
    if inmate is None:
        raise not_found(f"inmate {create.inmate_sdp_no} is not registered in SDP")
    if inmate.upt_code != principal.scope.upt:
        raise forbidden(
            f"inmate {inmate.sdp_no} is held at UPT {inmate.upt_code}; you are a caseworker "
            f"of UPT {principal.scope.upt}"
        )
    check_no_active_enrolment(inmate.sdp_no, programme.code, active_enrolment_id)
    eligibility = check_eligibility(inmate, programme, offering, settings.enrolment_policy)
    if not eligibility.eligible or offering is None:  # an offering is part of eligibility
        raise invalid("not eligible: " + "; ".join(eligibility.reasons))
    return EnrolmentRequest(
        enrolment_id=f"ENR-{uuid.uuid4().hex[:12].upper()}",
        inmate_sdp_no=inmate.sdp_no,
        programme=programme,
        upt_code=inmate.upt_code,
        lsp_code=offering.lsp_code,
        planned_start=offering.planned_start,
        planned_end=offering.planned_end,
        expected_release=inmate.expected_release,
        release_flagged=eligibility.release_flagged,
        requested_by=actor,
        reason=create.reason,
        policy=settings.enrolment_policy,
        journey_workflow_id=journey_workflow_id(inmate.sdp_no),
    )


async def ask_journey(
    temporal: Client, settings: Settings, inmate: InmateRecord, request: EnrolmentRequest
) -> None:
    """The inmate's journey starts the enrolment (starting the journey first if need be);
    its refusal comes back as a DomainError. A journey that has ended (every handover
    acknowledged) but whose run is still closing gives way to a new one: the request waits
    for the close and asks the new journey."""
    for last_try in (False, True):
        journey = journey_start(settings, inmate)
        try:
            await temporal.execute_update_with_start_workflow(
                InmateJourneyWorkflow.enrol,
                request,
                start_workflow_operation=journey,
                id=f"enrol-{request.enrolment_id}",
            )
            return
        except WorkflowUpdateFailedError as error:
            refusal = refusal_from_update(error)
            if last_try or not await _closed_after_ending(
                temporal, journey_workflow_id(inmate.sdp_no)
            ):
                raise refusal from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            # The start's own outcome carries the same error; collect it, or asyncio reports
            # a "Future exception was never retrieved" for every such request.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(journey.workflow_handle(), timeout=0)
            raise


async def _closed_after_ending(temporal: Client, workflow_id: str) -> bool:
    """Whether the journey that refused has ended, waiting (briefly) for its run to close."""
    handle = temporal.get_workflow_handle(workflow_id)
    try:
        state = await handle.query(InmateJourneyWorkflow.state)
    except (RPCError, WorkflowQueryFailedError):
        return False
    if state.status is not JourneyStatus.ENDED:
        return False
    try:
        await asyncio.wait_for(handle.result(), timeout=JOURNEY_CLOSE_WAIT_SECONDS)
    except (TimeoutError, WorkflowFailureError):
        return False
    return True


async def queue_in_journey(
    temporal: Client,
    settings: Settings,
    upt_code: str,
    row: CohortEnrolment,
    rpc_timeout: timedelta | None = None,
) -> None:
    """Queue a checked cohort row in the inmate's journey (starting the journey, held at
    `upt_code`, first if need be): one signal-with-start, returned once it is durable. The
    journey starts the enrolment or refuses it later, and projects the row's outcome
    (`domain/cohort.py`). The cohort dispatcher sends it (`workers/cohort_dispatch.py`)."""
    sdp_no = row.request.inmate_sdp_no
    await temporal.start_workflow(
        InmateJourneyWorkflow.run,
        _journey_input(settings, sdp_no, upt_code),
        id=journey_workflow_id(sdp_no),
        task_queue=settings.enrolment_task_queue,
        start_signal=COHORT_ENROLMENT_SIGNAL,
        start_signal_args=[row],
        rpc_timeout=rpc_timeout,
    )


def journey_start(
    settings: Settings, inmate: InmateRecord
) -> WithStartWorkflowOperation[InmateJourneyWorkflow, JourneyState]:
    """Start the inmate's journey with the update, or use the one already running."""
    return WithStartWorkflowOperation(
        InmateJourneyWorkflow.run,
        _journey_input(settings, inmate.sdp_no, inmate.upt_code),
        id=journey_workflow_id(inmate.sdp_no),
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        task_queue=settings.enrolment_task_queue,
    )


def _journey_input(settings: Settings, sdp_no: str, upt_code: str) -> JourneyStart:
    return JourneyStart(
        journey_id=f"JRN-{uuid.uuid4().hex[:12].upper()}",
        inmate_sdp_no=sdp_no,
        upt_code=upt_code,
        # Job placement's follow-up starts on Kemnaker's queue, wherever it is set.
        policy=settings.journey_policy.model_copy(
            update={"placement_task_queue": settings.kemnaker_task_queue}
        ),
    )
