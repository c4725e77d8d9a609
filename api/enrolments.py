"""Programme enrolments over HTTP: request, read, and every human decision as an Update.

Views are thin: permissions are declared with `acting_as(...)` on each route, the rules run
in `domain/enrolment_rules.py` (eligibility here, decisions in the workflow's validators).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Query, status
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

from api import case_kinds
from api.auth import CurrentPrincipal
from api.decision_routes import (
    DecisionRoute,
    add_decision_routes,
    deciders,
    refuse_if_claimed_by_another,
)
from api.deps import PoolDep, SdpDep, SettingsDep, TemporalDep, acting_as
from api.errors import refusal_from_rpc, refusal_from_update
from api.paging import Offset
from config.settings import Settings
from db import enrolments as enrolment_db
from db import reference as reference_db
from db.decision_log import DecisionRecord
from db.enrolments import EnrolmentFilter, EnrolmentRecord
from domain.custody import HoldReviewFields, HoldReviewInput
from domain.enrolment import (
    WORKFLOW_KIND,
    AppealDecisionFields,
    AppealDecisionInput,
    AppealFiling,
    AssessmentFields,
    AssessmentInput,
    AttendanceFields,
    AttendanceInput,
    EnrolmentRequest,
    EnrolmentState,
    ModuleCompletionFields,
    ModuleCompletionInput,
    PlacementDecision,
    PlacementDecisionFields,
    ReasonFields,
    Stage,
    TrainingCompletionInput,
    WithdrawalInput,
    enrolment_workflow_id,
)
from domain.enrolment_rules import Eligibility, check_case_scope, check_eligibility
from domain.errors import conflict, forbidden, invalid, not_found
from domain.identity import Actor, HumanInput, Ministry, Principal, Role, audits_process_a
from domain.journey import JourneyStart, JourneyState, JourneyStatus, journey_workflow_id
from domain.reference import Offering, Programme
from domain.registries import InmateRecord
from domain.text import Code, Reason
from workflows.enrolment import EnrolmentWorkflow
from workflows.journey import InmateJourneyWorkflow

router = APIRouter(prefix="/enrolments", tags=["enrolments"])
log = structlog.get_logger(__name__)

# How long a request waits for an ended journey's run to close before refusing (409).
JOURNEY_CLOSE_WAIT_SECONDS = 10.0

# Training records and escalations are the instructor's and officer's (domain.md); the
# verifier and director work on TKA permits and do not read inmate cases.
_KEMNAKER_READERS = {Role.KEMNAKER_INSTRUCTOR, Role.KEMNAKER_OFFICER}
READERS = (
    Role.CASEWORKER,
    Role.TPP_MEMBER,
    Role.LSP_ASSESSOR,
    *sorted(_KEMNAKER_READERS),
    Role.AUDITOR,
)


class EnrolmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inmate_sdp_no: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9./-]+$")
    programme_code: Code
    reason: Reason = Field(description="why this inmate, now")


class EnrolmentList(BaseModel):
    items: list[EnrolmentRecord]
    limit: int
    offset: int


def _read_filter(principal: Principal, actor: Actor) -> EnrolmentFilter:
    """The part of the case list this reader may see."""
    if actor.role in (Role.CASEWORKER, Role.TPP_MEMBER):
        return EnrolmentFilter(upt_code=principal.scope.upt or "-")
    if actor.role is Role.LSP_ASSESSOR:
        return EnrolmentFilter(lsp_code=principal.scope.lsp or "-")
    if actor.role in _KEMNAKER_READERS and principal.scope.ministry is not Ministry.KEMNAKER:
        return EnrolmentFilter(upt_code="-")  # a Kemnaker role without Kemnaker scope sees none
    if actor.role is Role.AUDITOR and not audits_process_a(principal.scope):
        return EnrolmentFilter(upt_code="-")  # e.g. an Imigrasi auditor
    return EnrolmentFilter()


def _may_read(principal: Principal, actor: Actor, record: EnrolmentRecord) -> bool:
    scope = _read_filter(principal, actor)
    return (scope.upt_code in (None, record.upt_code)) and (
        scope.lsp_code in (None, record.lsp_code)
    )


async def _load(pool: PoolDep, enrolment_id: str) -> EnrolmentRecord:
    record = await enrolment_db.get_enrolment(pool, enrolment_id)
    if record is None:
        raise not_found(f"enrolment {enrolment_id} does not exist")
    return record


Reader = Annotated[Actor, Depends(acting_as(*READERS))]


# ---------------------------------------------------------------- request and read


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EnrolmentRecord)
async def request_enrolment(
    body: EnrolmentCreate,
    principal: CurrentPrincipal,
    actor: Annotated[Actor, Depends(acting_as(Role.CASEWORKER))],
    settings: SettingsDep,
    pool: PoolDep,
    temporal: TemporalDep,
    sdp: SdpDep,
) -> EnrolmentRecord:
    """Stage 1: a caseworker of the inmate's UPT requests an enrolment.

    The inmate's journey starts the enrolment (as its child): the same call starts the
    journey when the inmate has none yet, so there are never two journeys for one inmate."""
    programme = await reference_db.get_programme(pool, body.programme_code)
    if programme is None:
        raise not_found(f"programme {body.programme_code} does not exist")
    inmate = await sdp.get_inmate(body.inmate_sdp_no)
    if inmate is None:
        raise not_found(f"inmate {body.inmate_sdp_no} is not registered in SDP")
    if inmate.upt_code != principal.scope.upt:
        raise forbidden(
            f"inmate {inmate.sdp_no} is held at UPT {inmate.upt_code}; you are a caseworker "
            f"of UPT {principal.scope.upt}"
        )
    if await enrolment_db.has_active_enrolment(pool, inmate.sdp_no, programme.code):
        raise conflict(
            f"inmate {inmate.sdp_no} already has an active enrolment in {programme.code}"
        )
    offering = await reference_db.get_offering(pool, inmate.upt_code, programme.code)
    eligibility = check_eligibility(inmate, programme, offering, False, settings.enrolment_policy)
    if not eligibility.eligible:
        raise invalid("not eligible: " + "; ".join(eligibility.reasons))
    assert offering is not None  # an offering is part of eligibility
    request = new_request(settings, inmate, programme, offering, eligibility, actor, body.reason)
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
    return await _load(pool, request.enrolment_id)


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


def new_request(
    settings: Settings,
    inmate: InmateRecord,
    programme: Programme,
    offering: Offering,
    eligibility: Eligibility,
    actor: Actor,
    reason: str,
) -> EnrolmentRequest:
    """The request an eligible inmate's journey is asked to start, with a new enrolment id."""
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
        reason=reason,
        policy=settings.enrolment_policy,
        journey_workflow_id=journey_workflow_id(inmate.sdp_no),
    )


def journey_start(
    settings: Settings, inmate: InmateRecord
) -> WithStartWorkflowOperation[InmateJourneyWorkflow, JourneyState]:
    """Start the inmate's journey with the update, or use the one already running."""
    return WithStartWorkflowOperation(
        InmateJourneyWorkflow.run,
        JourneyStart(
            journey_id=f"JRN-{uuid.uuid4().hex[:12].upper()}",
            inmate_sdp_no=inmate.sdp_no,
            upt_code=inmate.upt_code,
            policy=settings.journey_policy,
        ),
        id=journey_workflow_id(inmate.sdp_no),
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        task_queue=settings.enrolment_task_queue,
    )


@router.get("", response_model=EnrolmentList)
async def list_enrolments(
    principal: CurrentPrincipal,
    actor: Reader,
    pool: PoolDep,
    upt: str | None = None,
    programme: str | None = None,
    stage: Stage | None = None,
    inmate_sdp_no: str | None = None,
    open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> EnrolmentList:
    """The case list, limited to what the caller's role and scope may see."""
    scope = _read_filter(principal, actor)
    if upt is not None and scope.upt_code not in (None, upt):
        raise forbidden(f"you may list enrolments of UPT {scope.upt_code} only")
    where = scope.model_copy(
        update={
            "upt_code": scope.upt_code or upt,
            "programme_code": programme,
            "stage": stage,
            "inmate_sdp_no": inmate_sdp_no,
            "open_only": open_only,
            "limit": limit,
            "offset": offset,
        }
    )
    items = await enrolment_db.list_enrolments(pool, where)
    return EnrolmentList(items=items, limit=limit, offset=offset)


@router.get("/{enrolment_id}", response_model=EnrolmentRecord)
async def get_enrolment(
    enrolment_id: str, principal: CurrentPrincipal, actor: Reader, pool: PoolDep
) -> EnrolmentRecord:
    record = await _load(pool, enrolment_id)
    if not _may_read(principal, actor, record):
        raise forbidden(f"enrolment {enrolment_id} is outside your scope")
    return record


@router.get("/{enrolment_id}/state", response_model=EnrolmentState)
async def get_live_state(
    enrolment_id: str,
    principal: CurrentPrincipal,
    actor: Reader,
    pool: PoolDep,
    temporal: TemporalDep,
) -> EnrolmentState:
    """The workflow's own view (query): attendance, attempts, appeals, what it waits on."""
    record = await get_enrolment(enrolment_id, principal, actor, pool)
    handle = temporal.get_workflow_handle(record.workflow_id)
    return await handle.query(EnrolmentWorkflow.state)


@router.get("/{enrolment_id}/decisions", response_model=list[DecisionRecord])
async def list_decisions(
    enrolment_id: str, principal: CurrentPrincipal, actor: Reader, pool: PoolDep
) -> list[DecisionRecord]:
    """Every change and decision: who, in which role, when and why."""
    await get_enrolment(enrolment_id, principal, actor, pool)
    return await enrolment_db.list_decisions(pool, enrolment_id)


# ---------------------------------------------------------------- human decisions


DECISION_ROUTES = (
    DecisionRoute("placement", (Role.TPP_MEMBER,), PlacementDecisionFields, PlacementDecision,
                  EnrolmentWorkflow.decide_placement,
                  "Stage 2: the TPP approves (with an exception where flagged), rejects or defers",
                  task_kinds=("placement_review",)),
    DecisionRoute("attendance", (Role.CASEWORKER, Role.KEMNAKER_INSTRUCTOR), AttendanceFields,
                  AttendanceInput, EnrolmentWorkflow.record_attendance,
                  "Record one training session's attendance"),
    DecisionRoute("modules", (Role.KEMNAKER_INSTRUCTOR,), ModuleCompletionFields,
                  ModuleCompletionInput, EnrolmentWorkflow.complete_module,
                  "Record a completed training module"),
    DecisionRoute("training-completion", (Role.KEMNAKER_INSTRUCTOR,), ReasonFields,
                  TrainingCompletionInput, EnrolmentWorkflow.complete_training,
                  "Close training; refused until attendance and modules qualify",
                  task_kinds=("training_completion",)),
    DecisionRoute("assessments", (Role.LSP_ASSESSOR,), AssessmentFields, AssessmentInput,
                  EnrolmentWorkflow.record_assessment,
                  "Stage 4: K/BK for every unit due in this assessment",
                  task_kinds=("assessment",)),
    DecisionRoute("appeals", (Role.CASEWORKER,), ReasonFields, AppealFiling,
                  EnrolmentWorkflow.file_appeal,
                  "Banding, filed by the caseworker on the inmate's behalf within the window"),
    DecisionRoute("appeal-decision", (Role.LSP_ASSESSOR,), AppealDecisionFields,
                  AppealDecisionInput, EnrolmentWorkflow.decide_appeal,
                  "The appeal panel (at least 3 independent assessors) upholds or reassesses",
                  task_kinds=("appeal_review",)),
    DecisionRoute("withdrawal", (Role.TPP_MEMBER,), ReasonFields, WithdrawalInput,
                  EnrolmentWorkflow.withdraw, "The TPP withdraws an open enrolment"),
    DecisionRoute("hold-review", (Role.TPP_MEMBER,), HoldReviewFields, HoldReviewInput,
                  EnrolmentWorkflow.review_hold,
                  "The TPP of the UPT where the case is now resumes or withdraws it: after a "
                  "transfer where its programme is not offered, or a long sanction",
                  task_kinds=("transfer_review", "sanction_review")),
)  # fmt: skip


async def send_decision(
    pool: PoolDep,
    temporal: TemporalDep,
    enrolment_id: str,
    route: DecisionRoute,
    payload: HumanInput,
) -> EnrolmentState:
    """Send one decision to the case's workflow; its validator has the last word.

    A task claimed by a colleague is a 409 naming them, here as through the inbox.
    """
    record = await _load(pool, enrolment_id)
    check_case_scope(payload.actor, record.upt_code, record.lsp_code)
    if record.outcome is not None:
        raise conflict(
            f"enrolment {enrolment_id} is closed ({record.outcome.value}); nothing more can "
            "be decided on it"
        )
    await refuse_if_claimed_by_another(pool, enrolment_id, route, payload.actor)
    structlog.contextvars.bind_contextvars(enrolment_id=enrolment_id)
    handle = temporal.get_workflow_handle(record.workflow_id)
    try:
        state: EnrolmentState = await handle.execute_update(route.update, payload)
    except WorkflowUpdateFailedError as error:
        raise refusal_from_update(error) from None
    except RPCError as error:
        raise refusal_from_rpc(error, enrolment_id) from None
    return state


add_decision_routes(
    router,
    DECISION_ROUTES,
    case_param="enrolment_id",
    response_model=EnrolmentState,
    send=send_decision,
)

# The inbox decides an enrolment's task through the route that names its kind.
case_kinds.register(
    case_kinds.CaseKind(
        name=WORKFLOW_KIND,
        audited_by=audits_process_a,
        deciders=deciders(DECISION_ROUTES, send_decision),
    )
)
