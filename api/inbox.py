"""The reviewer inbox: my tasks, claim, unclaim, reassign (supervisors) and decide.

Deciding a task sends the same Update as the case's own decision endpoint, after claiming
the task for the caller: two reviewers deciding at once are served in turn by the claim's
row lock, so exactly one decision reaches the workflow and the other gets a 409 naming the
holder.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError

from api import case_kinds, final_answers
from api.auth import CurrentPrincipal
from api.deps import PoolDep, TemporalDep, acting_as
from api.inbox_contract import check_kind
from api.paging import MAX_OFFSET, Offset, cursor, decode_cursor, encode_cursor
from db import inbox as inbox_db
from db import tasks as task_db
from db.inbox import InboxKey, InboxQuery, grants_of
from db.tasks import TaskHistoryEntry, TaskRecord
from domain import task_stages
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
    next: str | None = Field(
        default=None, description="the next page's link (same filters); null on the last page"
    )
    previous: str | None = Field(
        default=None, description="the previous page's link; null on the first page"
    )
    next_after: str | None = Field(
        default=None, description="the cursor in `next` (the inbox; escalations page by offset)"
    )
    previous_before: str | None = Field(
        default=None, description="the cursor in `previous` (the inbox)"
    )


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


def _link(path: str, params: dict[str, Any]) -> str:
    """`path` with the parameters that differ from their defaults (false, none, zero)."""
    shown = {k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items() if v}
    return f"{path}?{urlencode(shown)}" if shown else path


@router.get("/inbox", response_model=InboxPage)
async def my_inbox(
    principal: CurrentPrincipal,
    _: Annotated[Actor, Depends(acting_as(*TASK_HOLDERS))],
    pool: PoolDep,
    kind: str | None = None,
    stage: Annotated[
        str | None,
        Query(
            description="the stage the case was at when the task opened: an enrolment's "
            "(`placement_review`, `training`, ...), `handover`, `following_up`, or a permit "
            "application's (`document_verification`, ..., `visa_decision`, `active`)"
        ),
    ] = None,
    upt: str | None = None,
    lsp: str | None = None,
    bapas: str | None = None,
    ministry: Ministry | None = None,
    overdue: bool = False,
    assigned_to_me: bool = False,
    unclaimed: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_OFFSET,
            description="kept for clients that page by number: follow `next` instead",
        ),
    ] = 0,
    after: Annotated[str | None, cursor("the page after this place: `next_after`")] = None,
    before: Annotated[str | None, cursor("the page before it: `previous_before`")] = None,
) -> InboxPage:
    """Open tasks my roles and scope allow, soonest due first (no due date last, then oldest
    first); supervisors see escalations. Page by following `next` and `previous`: each reads
    from its place in the list (`after` / `before` a cursor), as fast at page 500 as at page
    1, and a task decided meanwhile shifts nothing. `offset` still works but reads every
    task before the page."""
    if after is not None and before is not None:
        raise invalid("pass `after` (the next page) or `before` (the previous one), not both")
    if stage is not None and stage not in task_stages.ALL:
        raise invalid(f"no task is at stage {stage!r}: use one of {', '.join(task_stages.ALL)}")
    if offset and (after is not None or before is not None):
        raise invalid("page by `offset` or by a cursor (`after`, `before`), not both")
    filters: dict[str, Any] = {
        "kind": kind, "stage": stage, "upt": upt, "lsp": lsp, "bapas": bapas,
        "ministry": ministry.value if ministry else None, "overdue": overdue,
        "assigned_to_me": assigned_to_me, "unclaimed": unclaimed,
    }  # fmt: skip
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
        limit=limit + 1,  # one more than the page: is there another beyond it?
        offset=offset,
        after=decode_cursor(after, InboxKey, "after") if after else None,
        before=decode_cursor(before, InboxKey, "before") if before else None,
    )
    found = await inbox_db.list_inbox(pool, query)
    if query.before is not None and len(found) <= limit:
        # Fewer than a page before the cursor: that is the first page, read in full.
        query = query.model_copy(update={"before": None})
        found = await inbox_db.list_inbox(pool, query)
    if query.before is not None:
        items, more_after, more_before = found[-limit:], True, True
    else:
        items = found[:limit]
        more_after = len(found) > limit
        more_before = query.after is not None or offset > 0
    page = InboxPage(items=items, limit=limit, offset=offset)
    if items and more_after:
        page.next_after = encode_cursor(InboxKey.of(items[-1]))
        page.next = _link("/inbox", filters | {"limit": limit, "after": page.next_after})
    if items and more_before:
        page.previous_before = encode_cursor(InboxKey.of(items[0]))
        page.previous = _link("/inbox", filters | {"limit": limit, "before": page.previous_before})
    return page


async def escalations(actor: Actor, pool: PoolDep, limit: int, offset: int) -> InboxPage:
    """A supervisor's escalated and overdue tasks in the scope it supervises (the tasks it may
    read, release and reassign: `inbox_db.supervises`)."""
    if actor.role is not Role.SUPERVISOR:
        raise forbidden("escalations are a supervisor's")
    items = await inbox_db.list_escalations(
        pool, actor, datetime.now(UTC), limit=limit, offset=offset
    )
    return InboxPage(items=items, limit=limit, offset=offset)


@router.get("/inbox/escalations", response_model=InboxPage)
async def my_escalations(
    actor: Annotated[Actor, Depends(acting_as(Role.SUPERVISOR))],
    pool: PoolDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> InboxPage:
    """For supervisors: the open tasks of the scope you supervise that need you, escalated
    first, then those past their due date not yet escalated (the workflow escalates them at
    its next timer), soonest due first; the same list as the Eskalasi page. A task shares
    any scope field with yours (`inbox.supervises`). Page with `next` (by offset: the list
    is short)."""
    found = await escalations(actor, pool, limit + 1, offset)
    page = InboxPage(items=found.items[:limit], limit=limit, offset=offset)
    if len(found.items) > limit:
        page.next = _link("/inbox/escalations", {"limit": limit, "offset": offset + limit})
    if offset:
        back = {"limit": limit, "offset": max(0, offset - limit)}
        page.previous = _link("/inbox/escalations", back)
    return page


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
