"""The reviewer inbox: my tasks, claim, unclaim, reassign (supervisors) and decide.

Deciding a task sends the same Update as the case's own decision endpoint, after claiming
the task for the caller: two reviewers deciding at once are served in turn by the claim's
row lock, so exactly one decision reaches the workflow and the other gets a 409 naming the
holder.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError

from api import case_kinds, final_answers
from api.auth import CurrentPrincipal
from api.deps import PoolDep, TemporalDep, acting_as
from api.inbox_contract import check_kind
from api.paging import Offset
from db import inbox as inbox_db
from db import tasks as task_db
from db.inbox import InboxQuery, grants_of
from db.tasks import TaskHistoryEntry, TaskRecord
from domain.errors import forbidden, invalid, not_found
from domain.identity import Actor, Ministry, Principal, Role
from domain.text import Subject

router = APIRouter(tags=["reviewer inbox"])

# Everyone who can be awaited by a workflow (auditors only read, the SDP integration only
# reports, administrators keep the directory and operators run the system: no inbox).
TASK_HOLDERS = tuple(
    r for r in Role if r not in (Role.AUDITOR, Role.SDP_SYSTEM, Role.ADMINISTRATOR, Role.OPERATOR)
)


class InboxPage(BaseModel):
    items: list[TaskRecord]
    limit: int
    offset: int


class TaskDetail(BaseModel):
    task: TaskRecord
    history: list[TaskHistoryEntry]  # who did what, in order


class Reassignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_subject: Subject = Field(description="who takes the task")


class TaskDecision(BaseModel):
    task_id: str
    case_id: str
    case: SerializeAsAny[BaseModel]  # the case's new state, as its own decision endpoint answers


async def _task(pool: PoolDep, task_id: str) -> TaskRecord:
    task = await task_db.get_task(pool, task_id)
    if task is None:
        raise not_found(f"task {task_id} does not exist")
    return task


def _worker_for(principal: Principal, task: TaskRecord) -> Actor:
    """The caller acting in the role the task requires, within the task's scope."""
    if not principal.has_role(task.required_role):
        raise forbidden(
            f"task {task.task_id} is for a {task.required_role.value}; you hold "
            f"{', '.join(sorted(r.value for r in principal.roles)) or 'no role'}"
        )
    actor = principal.acting_as(task.required_role)
    if not inbox_db.may_work_on(task, actor.role, actor.scope):
        raise forbidden(f"task {task.task_id} is outside your scope")
    return actor


@router.get("/inbox", response_model=InboxPage)
async def my_inbox(
    principal: CurrentPrincipal,
    _: Annotated[Actor, Depends(acting_as(*TASK_HOLDERS))],
    pool: PoolDep,
    kind: str | None = None,
    stage: str | None = None,
    upt: str | None = None,
    lsp: str | None = None,
    bapas: str | None = None,
    ministry: Ministry | None = None,
    overdue: bool = False,
    assigned_to_me: bool = False,
    unclaimed: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> InboxPage:
    """Open tasks my roles and scope allow, soonest due first; supervisors see escalations."""
    query = InboxQuery(
        subject=principal.subject,
        grants=grants_of(principal),
        kind=kind,
        stage=stage,
        upt=upt,
        lsp=lsp,
        bapas=bapas,
        ministry=ministry,
        overdue=overdue,
        now=datetime.now(UTC),
        assigned_to_me=assigned_to_me,
        unclaimed=unclaimed,
        limit=limit,
        offset=offset,
    )
    return InboxPage(items=await inbox_db.list_inbox(pool, query), limit=limit, offset=offset)


async def escalations(actor: Actor, pool: PoolDep, limit: int, offset: int) -> InboxPage:
    """A supervisor's escalated and overdue tasks in the scope it supervises (the tasks it may
    read, release and reassign: `inbox_db.supervises`)."""
    if actor.role is not Role.SUPERVISOR:
        raise forbidden("escalations are a supervisor's")
    items = await inbox_db.list_escalations(
        pool, actor, datetime.now(UTC), limit=limit, offset=offset
    )
    return InboxPage(items=items, limit=limit, offset=offset)


@router.get("/tasks/{task_id}", response_model=TaskDetail)
async def get_task(
    task_id: str,
    principal: CurrentPrincipal,
    actor: Annotated[Actor, Depends(acting_as(*TASK_HOLDERS, Role.AUDITOR))],
    pool: PoolDep,
) -> TaskDetail:
    task = await _task(pool, task_id)
    visible = (
        (actor.role is Role.AUDITOR and case_kinds.audits(task.case_kind, principal.scope))
        or (principal.has_role(Role.SUPERVISOR)
            and inbox_db.supervises(task, principal.acting_as(Role.SUPERVISOR)))
        or (principal.has_role(task.required_role)
            and inbox_db.may_work_on(task, task.required_role, principal.scope))
    )  # fmt: skip
    if not visible:
        raise forbidden(f"task {task_id} is outside your roles and scope")
    return TaskDetail(task=task, history=await task_db.task_history(pool, task_id))


@router.post("/tasks/{task_id}/claim", response_model=TaskRecord)
async def claim(
    task_id: str,
    principal: CurrentPrincipal,
    _: Annotated[Actor, Depends(acting_as(*TASK_HOLDERS))],
    pool: PoolDep,
) -> TaskRecord:
    task = await _task(pool, task_id)
    async with pool.acquire() as conn:
        return await inbox_db.claim(conn, task_id, _worker_for(principal, task))


@router.post("/tasks/{task_id}/unclaim", response_model=TaskRecord)
async def unclaim(
    task_id: str,
    principal: CurrentPrincipal,
    _: Annotated[Actor, Depends(acting_as(*TASK_HOLDERS))],
    pool: PoolDep,
) -> TaskRecord:
    """The holder gives the task back; a supervisor of its scope may release anyone's."""
    task = await _task(pool, task_id)
    supervisor = principal.acting_as(Role.SUPERVISOR)
    as_supervisor = principal.has_role(Role.SUPERVISOR) and inbox_db.supervises(task, supervisor)
    actor = supervisor if as_supervisor else _worker_for(principal, task)
    async with pool.acquire() as conn:
        return await inbox_db.unclaim(conn, task_id, actor, as_supervisor=as_supervisor)


@router.post("/tasks/{task_id}/reassign", response_model=TaskRecord)
async def reassign(
    task_id: str,
    body: Reassignment,
    actor: Annotated[Actor, Depends(acting_as(Role.SUPERVISOR))],
    pool: PoolDep,
) -> TaskRecord:
    task = await _task(pool, task_id)
    if not inbox_db.supervises(task, actor):
        raise forbidden(f"task {task_id} is outside the scope you supervise")
    async with pool.acquire() as conn:
        return await inbox_db.reassign(conn, task_id, body.to_subject, actor)


@router.post(
    "/tasks/{task_id}/decide",
    response_model=TaskDecision,
    responses=final_answers.pending_responses(),
)
async def decide(
    task_id: str,
    body: Annotated[dict[str, Any], Body(description="the decision's fields for this task kind")],
    principal: CurrentPrincipal,
    _: Annotated[Actor, Depends(acting_as(*TASK_HOLDERS))],
    pool: PoolDep,
    temporal: TemporalDep,
) -> TaskDecision:
    """Claim (if not mine already) and decide. The body is the same as the case's own
    decision endpoint for this kind, e.g. a placement review takes {decision, reason}, with
    `kind` the task's kind (`Decide<Kind>` in the schema); a body without `kind` is read as
    the task's kind. A decision taken answers with the case's new state."""
    task = await _task(pool, task_id)
    actor = _worker_for(principal, task)
    route = case_kinds.decider_for(task.case_kind, task.kind)
    if route is None:
        raise invalid(f"tasks of kind {task.kind} are not decided here")
    fields = check_kind(body, task.kind)
    try:
        payload = route.payload.model_validate({**fields, "actor": actor})
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise invalid(f"the decision is malformed: {details}") from None
    async with pool.acquire() as conn:
        await inbox_db.claim(conn, task_id, actor)  # exactly one of two racing deciders wins
    state = await route.decide(pool, temporal, task.case_id, payload)
    return TaskDecision(task_id=task_id, case_id=task.case_id, case=state)
