"""TKA permits over HTTP: the employer's submission, reading an application, and every human
decision as an Update.

Views are thin: permissions are declared with `acting_as(...)` on each route, the rules run
in `domain/permit_rules.py` (the submission here, decisions in the workflow's validators).
An employer sees and acts on its own applications only (by the NIB in its token).
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
import structlog
from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel
from temporalio.client import Client, WorkflowUpdateFailedError

from api import case_kinds, final_answers
from api.auth import CurrentPrincipal
from api.decision_routes import (
    DecidedCase,
    DecisionRoute,
    add_decision_routes,
    deciders,
    send_decision_to,
)
from api.deps import PoolDep, SettingsDep, TemporalDep, acting_as
from api.errors import refusal_from_update
from api.paging import Offset
from db import permits as permit_db
from db.decision_log import DecisionRecord
from db.permits import PermitFilter, PermitRecord
from documents import service as documents_service
from domain.errors import forbidden, not_found
from domain.identity import Actor, HumanInput, Ministry, Principal, Role
from domain.permit import (
    WORKFLOW_KIND,
    ArrivalFields,
    ArrivalRecord,
    FeasibilityDecision,
    FeasibilityFields,
    PermitApplicationFields,
    PermitState,
    Resubmission,
    ResubmissionFields,
    RptkaDecision,
    RptkaFields,
    Stage,
    Termination,
    TerminationFields,
    VerificationDecision,
    VerificationFields,
    VisaDecision,
    VisaFields,
)
from domain.permit_rules import audits_process_b, check_permit_scope
from services import permit_applications
from workflows.permit import PermitWorkflow

router = APIRouter(prefix="/permits", tags=["TKA permits"])
log = structlog.get_logger(__name__)

READERS = (
    Role.EMPLOYER,
    Role.KEMNAKER_VERIFIER,
    Role.KEMNAKER_DIRECTOR,
    Role.IMIGRASI_OFFICER,
    Role.AUDITOR,
)
_STAFF_MINISTRY = {
    Role.KEMNAKER_VERIFIER: Ministry.KEMNAKER,
    Role.KEMNAKER_DIRECTOR: Ministry.KEMNAKER,
    Role.IMIGRASI_OFFICER: Ministry.IMIGRASI,
}
_NOBODY = "-"  # a filter value no NIB has: the reader sees nothing


class PermitList(BaseModel):
    items: list[PermitRecord]
    limit: int
    offset: int


def _read_filter(principal: Principal, actor: Actor) -> PermitFilter:
    """The part of the application list this reader may see."""
    if actor.role is Role.EMPLOYER:
        return PermitFilter(employer_nib=principal.scope.employer_nib or _NOBODY)
    ministry = _STAFF_MINISTRY.get(actor.role)
    if ministry is not None and principal.scope.ministry is not ministry:
        return PermitFilter(employer_nib=_NOBODY)  # e.g. an "Imigrasi officer" of Kemnaker
    if actor.role is Role.AUDITOR and not audits_process_b(principal.scope):
        return PermitFilter(employer_nib=_NOBODY)  # e.g. a corrections (Kemenimipas) auditor
    return PermitFilter()


async def _load(pool: asyncpg.Pool, application_id: str) -> PermitRecord:
    record = await permit_db.get_application(pool, application_id)
    if record is None:
        raise not_found(f"application {application_id} does not exist")
    return record


Reader = Annotated[Actor, Depends(acting_as(*READERS))]


# ---------------------------------------------------------------- submission and reads


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PermitRecord,
    responses=final_answers.pending_responses(),
)
async def submit_application(
    body: PermitApplicationFields,
    principal: CurrentPrincipal,
    actor: Annotated[Actor, Depends(acting_as(Role.EMPLOYER))],
    settings: SettingsDep,
    pool: PoolDep,
    temporal: TemporalDep,
) -> PermitRecord:
    """Step 1: the employer submits; every rule broken is named in one 422. Answers once
    the application waits on Kemnaker's document verification (202 with where to poll if
    not within `SINERGI_ANSWER_WAIT_SECONDS`)."""
    application_id = permit_applications.new_application_id()
    # Reserve the row and start the workflow in one transaction: if the start fails, the
    # reservation rolls back and nothing is stored.
    async with pool.acquire() as conn, conn.transaction():
        await permit_applications.start_application(
            conn, pool, temporal, settings, principal.scope.employer_nib, actor, body,
            application_id,
        )  # fmt: skip
    return await final_answers.permit_waiting_on_verification(
        pool, application_id, settings.answer_wait_seconds
    )


@router.get("", response_model=PermitList)
async def list_applications(
    principal: CurrentPrincipal,
    actor: Reader,
    pool: PoolDep,
    stage: Stage | None = None,
    open_only: bool = False,
    employer_nib: Annotated[
        str | None, Query(pattern=r"^[0-9]{13}$", description="one employer's applications")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> PermitList:
    """The applications the caller may see, newest first: an employer its own (another NIB
    is a 403), staff of the two ministries and their auditors all, or one employer's with
    `employer_nib`."""
    scope = _read_filter(principal, actor)
    if employer_nib is not None and scope.employer_nib not in (None, employer_nib):
        if actor.role is Role.EMPLOYER:
            raise forbidden(f"you may list the applications of NIB {scope.employer_nib} only")
        return PermitList(items=[], limit=limit, offset=offset)  # sees none: nothing to show
    where = scope.model_copy(
        update={
            "employer_nib": scope.employer_nib or employer_nib,
            "stage": stage,
            "open_only": open_only,
            "limit": limit,
            "offset": offset,
        }
    )
    items = await permit_db.list_applications(pool, where)
    return PermitList(items=items, limit=limit, offset=offset)


@router.get("/{application_id}", response_model=PermitRecord)
async def get_application(
    application_id: str, principal: CurrentPrincipal, actor: Reader, pool: PoolDep
) -> PermitRecord:
    record = await _load(pool, application_id)
    scope = _read_filter(principal, actor)
    if scope.employer_nib not in (None, record.employer_nib):
        raise forbidden(f"application {application_id} is outside your scope")
    return record


@router.get("/{application_id}/state", response_model=PermitState)
async def get_live_state(
    application_id: str,
    principal: CurrentPrincipal,
    actor: Reader,
    pool: PoolDep,
    temporal: TemporalDep,
) -> PermitState:
    """The workflow's own view (query): checks, billing, permit, what it waits on."""
    record = await get_application(application_id, principal, actor, pool)
    return await temporal.get_workflow_handle(record.workflow_id).query(PermitWorkflow.state)


@router.get("/{application_id}/decisions", response_model=list[DecisionRecord])
async def list_decisions(
    application_id: str, principal: CurrentPrincipal, actor: Reader, pool: PoolDep
) -> list[DecisionRecord]:
    """Every change and decision: who, in which role, when and why."""
    await get_application(application_id, principal, actor, pool)
    return await permit_db.list_decisions(pool, application_id)


# ---------------------------------------------------------------- human decisions


DECISION_ROUTES = (
    DecisionRoute("verification", (Role.KEMNAKER_VERIFIER,), VerificationFields,
                  VerificationDecision, PermitWorkflow.verify_documents,
                  "Step 2: approve the documents, request a revision, or reject",
                  task_kinds=("document_verification",)),
    DecisionRoute("resubmission", (Role.EMPLOYER,), ResubmissionFields, Resubmission,
                  PermitWorkflow.resubmit,
                  "The employer resubmits documents after a revision request or visa hold",
                  task_kinds=("resubmission",)),
    DecisionRoute("feasibility", (Role.KEMNAKER_VERIFIER,), FeasibilityFields,
                  FeasibilityDecision, PermitWorkflow.assess_feasibility,
                  "Step 3: the feasibility assessment (penilaian kelayakan)",
                  task_kinds=("feasibility",)),
    DecisionRoute("rptka", (Role.KEMNAKER_DIRECTOR,), RptkaFields, RptkaDecision,
                  PermitWorkflow.decide_rptka, "Step 5: pengesahan RPTKA by the director",
                  task_kinds=("rptka_approval",)),
    DecisionRoute("visa", (Role.IMIGRASI_OFFICER,), VisaFields, VisaDecision,
                  PermitWorkflow.decide_visa,
                  "Step 6: approve, reject, or hold the C312 visa for documents",
                  task_kinds=("visa_decision",)),
    DecisionRoute("arrival", (Role.IMIGRASI_OFFICER,), ArrivalFields, ArrivalRecord,
                  PermitWorkflow.record_arrival,
                  "Step 7: the TKA arrived; SIMKIM issues the ITAS. Answers once the permit "
                  "is active (202 with where to poll if SIMKIM is slow)",
                  task_kinds=("arrival",)),
    DecisionRoute("termination", (Role.EMPLOYER, Role.IMIGRASI_OFFICER), TerminationFields,
                  Termination, PermitWorkflow.terminate,
                  "End an active permit early: exit permit only (EPO)"),
)  # fmt: skip


async def send_decision(
    pool: asyncpg.Pool,
    temporal: Client,
    application_id: str,
    route: DecisionRoute,
    payload: HumanInput,
) -> PermitState:
    """Send one decision to the application's workflow; its validator has the last word.
    A closed case, or a task claimed by a colleague, is a 409, here as through the inbox."""
    record = await _load(pool, application_id)
    check_permit_scope(payload.actor, record.employer_nib)
    structlog.contextvars.bind_contextvars(application_id=application_id)
    case = DecidedCase(
        f"application {application_id}",
        application_id,
        record.workflow_id,
        record.outcome.value if record.outcome else None,
    )
    # Documents named by id travel as references (id, kind, SHA-256); attached once accepted.
    payload, attached = await documents_service.with_documents(
        pool, record.employer_nib, application_id, payload
    )
    # Accepted (or refused) first; then the answer waits, bounded, for what follows by
    # itself: the ITAS after an arrival, Imigrasi's checks after an RPTKA approval (202 with
    # where to poll past the wait).
    update = await send_decision_to(pool, temporal, case, route, payload, accepted_only=True)
    async with pool.acquire() as conn:
        await documents_service.attach(conn, application_id, attached)
    handle = temporal.get_workflow_handle(record.workflow_id)
    taken = f"the {route.path} decision on application {application_id} was taken"
    async with final_answers.bounded(taken, f"/permits/{application_id}"):
        try:
            await update.result()
        except WorkflowUpdateFailedError as error:  # a validator's refusal surfaces here too
            raise refusal_from_update(error) from None
        return await final_answers.permit_decided(
            pool, lambda: handle.query(PermitWorkflow.state), application_id
        )


# Operation names keep their `permit_` prefix: they are the published OpenAPI operation ids.
add_decision_routes(
    router,
    DECISION_ROUTES,
    case_param="application_id",
    response_model=PermitState,
    send=send_decision,
    name_prefix="permit_",
)

# The inbox decides a permit's task through the route that names its kind; auditors of
# Kemnaker, Imigrasi or all ministries read its tasks.
case_kinds.register(
    case_kinds.CaseKind(
        name=WORKFLOW_KIND,
        audited_by=audits_process_b,
        deciders=deciders(DECISION_ROUTES, send_decision),
    )
)
