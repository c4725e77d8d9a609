"""Programme enrolments over HTTP: request, read, and every human decision as an Update.

Views are thin: permissions are declared with `acting_as(...)` on each route, the rules run
in `domain/enrolment_rules.py` (eligibility here, decisions in the workflow's validators).
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel
from temporalio.client import Client

from api import case_kinds, final_answers
from api.auth import CurrentPrincipal
from api.decision_routes import (
    DecidedCase,
    DecisionRoute,
    add_decision_routes,
    deciders,
    send_decision_to,
)
from api.deps import PoolDep, SdpDep, SettingsDep, TemporalDep, acting_as
from api.paging import Offset
from api.responses import answers
from db import enrolments as enrolment_db
from db.decision_log import DecisionRecord
from db.enrolments import EnrolmentFilter, EnrolmentRecord
from domain.clock import jakarta_today
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
    EnrolmentState,
    ModuleCompletionFields,
    ModuleCompletionInput,
    PlacementDecision,
    PlacementDecisionFields,
    ReasonFields,
    Stage,
    TrainingCompletionInput,
    WithdrawalInput,
)
from domain.enrolment_rules import check_case_scope, check_session_date
from domain.errors import forbidden, not_found
from domain.identity import Actor, HumanInput, Ministry, Principal, Role, audits_process_a
from services import enrolment_requests
from services.enrolment_requests import EnrolmentCreate
from workflows.enrolment import EnrolmentWorkflow

router = APIRouter(prefix="/enrolments", tags=["enrolments"])
log = structlog.get_logger(__name__)

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


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EnrolmentRecord,
    # 404: the inmate or the programme named in the body does not exist.
    responses=final_answers.pending_responses() | answers(404),
)
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
    journey when the inmate has none yet, so there are never two journeys for one inmate.
    Answers once the case waits on its placement review (`awaiting_kind`
    `placement_review`), so a read right after shows it; 202 with where to poll if not
    within `SINERGI_ANSWER_WAIT_SECONDS`. `GET /inmates/{inmate_sdp_no}` says beforehand
    which programmes would be accepted, and which would be release-flagged."""
    enrolment_id = await enrolment_requests.request_enrolment(
        body, principal, actor, settings, pool, temporal, sdp
    )
    return await final_answers.enrolment_waiting_on_placement(
        pool, enrolment_id, settings.answer_wait_seconds
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
    return await live_state_of(record, temporal)


async def live_state_of(record: EnrolmentRecord, temporal: Client) -> EnrolmentState:
    """The state query of a case the caller was already let read (`get_enrolment`)."""
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

    A closed case, or a task claimed by a colleague, is a 409, here as through the inbox.
    """
    # The case row and its offering in one read: a round trip less on every attendance.
    found = await enrolment_db.get_enrolment_and_offering(pool, enrolment_id)
    if found is None:
        raise not_found(f"enrolment {enrolment_id} does not exist")
    record, offering = found
    check_case_scope(payload.actor, record.upt_code, record.lsp_code)
    if isinstance(payload, AttendanceInput):
        check_session_date(payload.session_date, offering, jakarta_today())
    structlog.contextvars.bind_contextvars(enrolment_id=enrolment_id)
    case = DecidedCase(
        f"enrolment {enrolment_id}",
        enrolment_id,
        record.workflow_id,
        record.outcome.value if record.outcome else None,
    )
    answered = await send_decision_to(pool, temporal, case, route, payload)
    # The answer is the case as it settles after the decision: waiting on the next person
    # or closed, with the read model and the inbox caught up (202 past the wait). The
    # Update's own answer is looked at first; the workflow is queried if it had not settled.
    handle = temporal.get_workflow_handle(record.workflow_id)
    return await final_answers.enrolment_decided(
        pool,
        lambda: handle.query(EnrolmentWorkflow.state),
        enrolment_id,
        answered if isinstance(answered, EnrolmentState) else None,
    )


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
