"""One task: what it is, who holds it, its history, and the form that decides it.

Every action calls the JSON route's own function in api/inbox.py (get_task, claim, unclaim,
reassign, decide), so the role and scope checks, the row lock that lets exactly one of two
racing reviewers through, and the Update sent to the workflow are the API's. A refusal is
shown at the top of the page (the error summary) with the API's message, and nothing changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from api import enrolments as enrolment_api
from api import inbox as inbox_api
from api import permits as permits_api
from api.deps import PoolDep, TemporalDep, acting_as
from api.final_answers import StillPending
from db import documents as document_db
from db.permits import PermitRecord
from documents.access import check_may_open
from documents.models import DocumentRecord
from domain.enrolment import AppealOutcome, EnrolmentState, PlacementChoice, UnitResult
from domain.errors import HTTP_STATUS, DomainError, invalid
from domain.identity import Actor, Principal, Role
from domain.permit import WORKFLOW_KIND as PERMIT_KIND
from domain.permit import ApprovalChoice, FeasibilityChoice, VerificationChoice, VisaChoice
from domain.permit_life import ExtensionChoice
from web import session
from web.inbox_pages import calendar_of, due_of
from web.permit_pages import check_texts, rule_checks
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal

router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]

# Which decision form each task kind gets (templates/task_forms/<form>.html).
FORMS = {
    "placement_review": "placement",
    "training_completion": "reason_only",
    "assessment": "assessment",
    "appeal_review": "appeal",
    "transfer_review": "hold_review",
    "sanction_review": "hold_review",
    "handover_bapas": "reason_only",
    "handover_job_placement": "handover_consent",  # job placement states the consent
    # Process B's reviewers: one choice and the reason (task_forms/choice.html).
    "document_verification": "choice",
    "feasibility": "choice",
    "rptka_approval": "choice",
    "visa_decision": "choice",
    "extension_verification": "choice",
    "extension_approval": "choice",
    "arrival": "arrival",
}
# The choices of each Process B decision (its route's `decision` field), in the order shown.
CHOICES: dict[str, list[str]] = {
    "document_verification": [c.value for c in VerificationChoice],
    "feasibility": [c.value for c in FeasibilityChoice],
    "rptka_approval": [c.value for c in ApprovalChoice],
    "visa_decision": [c.value for c in VisaChoice],
    "extension_verification": [c.value for c in ExtensionChoice],
    "extension_approval": [c.value for c in ExtensionChoice],
}
_FIELD = re.compile(r"malformed: ([a-z_]+)[.:]")


@dataclass(frozen=True)
class PermitView:
    record: PermitRecord
    checks: list[tuple[bool, str]]
    documents: list[DocumentRecord]


def may_open(actor: Actor, doc: DocumentRecord) -> bool:
    try:
        check_may_open(actor, doc)
    except DomainError:
        return False
    return True


class FieldError(BaseModel):
    """One message of the error summary; `field` is the id of the input it is about."""

    message: str
    field: str | None = None


def errors_of(error: DomainError) -> list[FieldError]:
    """The API's message, tied to the field a 422 names (e.g. "reason: ..."), if any."""
    found = _FIELD.search(error.message)
    return [FieldError(message=error.message, field=found.group(1) if found else None)]


async def _reader(principal: Principal) -> Any:
    return await acting_as(*inbox_api.TASK_HOLDERS, Role.AUDITOR)(principal)


async def _worker(principal: Principal) -> Any:
    return await acting_as(*inbox_api.TASK_HOLDERS)(principal)


async def _case_state(
    principal: Principal, pool: PoolDep, temporal: TemporalDep, case_kind: str, case_id: str
) -> EnrolmentState | None:
    """The enrolment a task is about, read as the API reads it (None for other kinds)."""
    if case_kind != "enrolment":
        return None
    try:
        actor = await acting_as(*enrolment_api.READERS)(principal)
        return await enrolment_api.get_live_state(case_id, principal, actor, pool, temporal)
    except DomainError:
        return None  # e.g. a supervisor reads the task but not the case


async def permit_view(
    request: Request, principal: Principal, pool: PoolDep, case_kind: str, case_id: str
) -> PermitView | None:
    """The application a Process B task is about, read as the permit page reads it: the rule
    checks, and the current documents this reviewer's step needs (opened inline through the
    scope-checked document page, each opening recorded)."""
    if case_kind != PERMIT_KIND:
        return None
    try:
        actor = await acting_as(*permits_api.READERS)(principal)
        record = await permits_api.get_application(case_id, principal, actor, pool)
    except DomainError:
        return None  # e.g. a supervisor reads the task but not the case
    async with pool.acquire() as conn:
        documents = await document_db.of_application(conn, case_id)
    policy = request.app.state.settings.permit_policy
    return PermitView(
        record=record,
        checks=check_texts(rule_checks(record, policy), session.language(request)),
        documents=[d for d in documents if d.superseded_by is None and may_open(actor, d)],
    )


async def _page(
    request: Request,
    principal: Principal,
    pool: PoolDep,
    temporal: TemporalDep,
    task_id: str,
    *,
    errors: list[FieldError] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    detail = await inbox_api.get_task(task_id, principal, await _reader(principal), pool)
    task = detail.task
    case = await _case_state(principal, pool, temporal, task.case_kind, task.case_id)
    permit = await permit_view(request, principal, pool, task.case_kind, task.case_id)
    may_work = principal.has_role(task.required_role)
    return render(
        request,
        "task.html",
        {
            "task": task,
            "history": detail.history,
            "due": due_of(task, datetime.now(UTC), calendar_of(request)),
            "case": case,
            "form_name": FORMS.get(task.kind) if may_work else None,
            "may_work": may_work,
            "is_mine": task.assignee == principal.subject,
            "is_supervisor": principal.has_role(Role.SUPERVISOR),
            "open": task.state.value in ("open", "claimed", "escalated"),
            "errors": errors or [],
            "form": form or {},
            "placement_choices": list(PlacementChoice),
            "appeal_outcomes": list(AppealOutcome),
            "unit_results": list(UnitResult),
            "permit": permit,
            "choices": CHOICES.get(task.kind, []),
        },
        status_code=status_code,
    )


@router.get("/tugas/{task_id}", response_class=HTMLResponse)
async def task_page(
    request: Request,
    task_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
) -> HTMLResponse:
    return await _page(request, principal, pool, temporal, task_id)


async def _refused(
    request: Request,
    principal: Principal,
    pool: PoolDep,
    temporal: TemporalDep,
    task_id: str,
    error: DomainError,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    return await _page(
        request, principal, pool, temporal, task_id,
        errors=errors_of(error), form=form, status_code=HTTP_STATUS[error.refusal],
    )  # fmt: skip


@router.post("/tugas/{task_id}/ambil")
async def claim(
    request: Request,
    task_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
    _: Csrf,
) -> Response:
    try:
        await inbox_api.claim(task_id, principal, await _worker(principal), pool)
    except DomainError as error:
        return await _refused(request, principal, pool, temporal, task_id, error)
    return RedirectResponse(f"/tugas/{task_id}", status_code=303)


@router.post("/tugas/{task_id}/lepaskan")
async def unclaim(
    request: Request,
    task_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
    _: Csrf,
) -> Response:
    try:
        await inbox_api.unclaim(task_id, principal, await _worker(principal), pool)
    except DomainError as error:
        return await _refused(request, principal, pool, temporal, task_id, error)
    return RedirectResponse(f"/tugas/{task_id}", status_code=303)


@router.post("/tugas/{task_id}/alihkan")
async def reassign(
    request: Request,
    task_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
    _: Csrf,
) -> Response:
    form = await request.form()
    to_subject = str(form.get("to_subject", "")).strip()
    try:
        actor = await acting_as(Role.SUPERVISOR)(principal)
        body = inbox_api.Reassignment.model_validate({"to_subject": to_subject})
        await inbox_api.reassign(task_id, body, actor, pool)
    except DomainError as error:
        return await _refused(request, principal, pool, temporal, task_id, error)
    except ValueError:
        malformed = invalid("the reassignment is malformed: to_subject: name who takes the task")
        return await _refused(request, principal, pool, temporal, task_id, malformed)
    return RedirectResponse(f"/tugas/{task_id}", status_code=303)


def decision_body(kind: str, form: dict[str, str], units: list[str]) -> dict[str, Any]:
    """The decide route's body for this kind, from the form's fields (the API validates it)."""
    body: dict[str, Any] = {"reason": form.get("reason", "").strip()}
    if kind == "placement_review":
        body["decision"] = form.get("decision", "")
        body["exception_granted"] = form.get("exception_granted") == "true"
        if form.get("defer_until"):
            body["defer_until"] = form["defer_until"]
    elif kind == "assessment":
        body["tuk_code"] = form.get("tuk_code", "").strip()
        body["results"] = {u: form[f"unit-{u}"] for u in units if form.get(f"unit-{u}")}
    elif kind == "appeal_review":
        panel = re.split(r"[,\s]+", form.get("panel", "").strip())
        body["panel"] = [p for p in panel if p]
        body["outcome"] = form.get("outcome", "")
    elif kind in ("transfer_review", "sanction_review") or kind in CHOICES:
        body["decision"] = form.get("decision", "")
    elif kind == "arrival":
        body["arrived_on"] = form.get("arrived_on", "")
        body["port_of_entry"] = form.get("port_of_entry", "").strip()
    elif kind == "handover_job_placement" and form.get("contact_consent") in ("true", "false"):
        body["contact_consent"] = form["contact_consent"] == "true"
    return body


@router.post("/tugas/{task_id}/putuskan")
async def decide(
    request: Request,
    task_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
    _: Csrf,
) -> Response:
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    try:
        actor = await _worker(principal)
        task = (await inbox_api.get_task(task_id, principal, actor, pool)).task
        case = await _case_state(principal, pool, temporal, task.case_kind, task.case_id)
        units = list(case.units_due) if case is not None else []
        body = decision_body(task.kind, form, units)
        decided = await inbox_api.decide(task_id, body, principal, actor, pool, temporal)
    except DomainError as error:
        return await _refused(request, principal, pool, temporal, task_id, error, form)
    except StillPending:  # taken; the case has not settled within the wait: show it as it is
        if task.case_kind == "enrolment":
            return RedirectResponse(f"/kasus/{task.case_id}?diputuskan=1", status_code=303)
        return RedirectResponse("/tugas?diputuskan=1", status_code=303)
    if decided.case_id and task.case_kind == "enrolment":
        return RedirectResponse(f"/kasus/{decided.case_id}?diputuskan=1", status_code=303)
    return RedirectResponse("/tugas?diputuskan=1", status_code=303)
