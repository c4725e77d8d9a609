"""Human decisions over HTTP, the same way for every process: a route table, one POST per row.

A process declares its decisions as `DecisionRoute` rows and keeps its own `send` (the scope
check and the closed-case message are its own); this module turns the rows into routes on the
process's router, refuses a decision on a task a colleague has claimed, sends the Update
(`send_update`: a refusal and a closed case answered the same way for every process), and
gives the inbox (`api/case_kinds.py`) a decider for each task kind a row settles.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends
from pydantic import BaseModel
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateHandle,
    WorkflowUpdateStage,
)
from temporalio.service import RPCError, RPCStatusCode

from api import case_kinds, final_answers
from api.deps import PoolDep, TemporalDep, acting_as
from api.errors import refusal_from_update
from db import inbox as inbox_db
from domain.errors import DomainError, conflict
from domain.identity import Actor, HumanInput, Role


@dataclass(frozen=True)
class DecisionRoute:
    """One human decision over HTTP: who may send it, what they send, which Update it is."""

    path: str
    roles: tuple[Role, ...]
    fields: type[BaseModel]  # the body: the decision without its actor
    payload: type[HumanInput]  # the Update's argument: the fields plus the actor
    update: Any
    summary: str
    task_kinds: tuple[str, ...] = ()  # the inbox tasks this decision settles, if any


# Sends one decision to the case's workflow (pool, client, case id, route, payload) and
# answers with the case's new state.
Send = Callable[[asyncpg.Pool, Client, str, DecisionRoute, HumanInput], Awaitable[BaseModel]]


def add_decision_routes(
    router: APIRouter,
    routes: Iterable[DecisionRoute],
    *,
    case_param: str,
    response_model: type[BaseModel],
    send: Send,
    name_prefix: str = "",
) -> None:
    """`POST /{<case_param>}/<path>` for each route, named `<name_prefix><path>` (snake case):
    the name makes the OpenAPI operation id, so it must not change once published."""
    for route in routes:
        _add_decision_route(router, route, case_param, response_model, send, name_prefix)


def _add_decision_route(
    router: APIRouter,
    route: DecisionRoute,
    case_param: str,
    response_model: type[BaseModel],
    send: Send,
    name_prefix: str,
) -> None:
    async def endpoint(**params: Any) -> BaseModel:
        body: BaseModel = params["body"]
        payload = route.payload(actor=params["actor"], **body.model_dump())
        return await send(params["pool"], params["temporal"], params[case_param], route, payload)

    # FastAPI reads the path parameter, the body model and the permission from the signature:
    # the process's name for its case id, and this route's body and roles.
    def param(name: str, annotation: Any) -> inspect.Parameter:
        return inspect.Parameter(
            name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation
        )

    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            param(case_param, str),
            param("body", route.fields),
            param("actor", Annotated[Actor, Depends(acting_as(*route.roles))]),
            param("pool", PoolDep),
            param("temporal", TemporalDep),
        ],
        return_annotation=response_model,
    )
    router.add_api_route(
        f"/{{{case_param}}}/{route.path}",
        endpoint,
        methods=["POST"],
        response_model=response_model,
        summary=route.summary,
        name=name_prefix + route.path.replace("-", "_"),
        responses=final_answers.pending_responses(),
    )


async def refuse_if_claimed_by_another(
    pool: asyncpg.Pool, case_id: str, route: DecisionRoute, actor: Actor
) -> None:
    """Whoever decides, through the inbox or over HTTP, must not overrule a colleague who has
    claimed the task: a task this decision settles, claimed by someone else, is a 409 naming
    them."""
    if not route.task_kinds:
        return  # the decision settles no task: nobody can hold it
    for task in await inbox_db.open_tasks_of_case(pool, case_id):
        if task.kind in route.task_kinds and task.assignee not in (None, actor.subject):
            raise conflict(inbox_db.held_refusal(task))


@dataclass(frozen=True)
class DecidedCase:
    """The case a decision is sent to, as the read model holds it."""

    label: str  # how a refusal names it: "enrolment ENR-1", "application TKA-1"
    case_id: str
    workflow_id: str
    outcome: str | None  # set once the case has closed


async def send_decision_to(
    pool: asyncpg.Pool,
    temporal: Client,
    case: DecidedCase,
    route: DecisionRoute,
    payload: HumanInput,
    *,
    accepted_only: bool = False,
) -> Any:
    """What every process's `send` does once it has checked the actor's scope: refuse a
    closed case and a task a colleague has claimed (409s saying why), then send the Update;
    its validator has the last word."""
    if case.outcome is not None:
        raise conflict(
            f"{case.label} is closed ({case.outcome}); nothing more can be decided on it"
        )
    await refuse_if_claimed_by_another(pool, case.case_id, route, payload.actor)
    return await send_update(
        temporal,
        case.workflow_id,
        route.update,
        payload,
        closed=conflict(f"{case.label} is closed"),
        accepted_only=accepted_only,
    )


async def send_update(
    temporal: Client,
    workflow_id: str,
    update: Any,
    payload: BaseModel,
    *,
    closed: DomainError,
    update_id: str | None = None,
    accepted_only: bool = False,
) -> Any:
    """Send one Update to a case's workflow and answer with its result.

    The validator's refusal comes back as the `DomainError` it carries (403, 404, 409, 422);
    a workflow that closed meanwhile, which no Update can reach any more, as `closed` (a 409
    in the process's words). Anything else is a bug and surfaces as a 500."""
    handle = temporal.get_workflow_handle(workflow_id)
    try:
        if accepted_only:  # the caller waits for the result itself, bounded (final answers)
            accepted: WorkflowUpdateHandle[Any] = await handle.start_update(
                update, payload, id=update_id, wait_for_stage=WorkflowUpdateStage.ACCEPTED
            )
            return accepted
        return await handle.execute_update(update, payload, id=update_id)
    except WorkflowUpdateFailedError as error:
        raise refusal_from_update(error) from None
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise closed from None
        raise


def deciders(routes: Iterable[DecisionRoute], send: Send) -> dict[str, case_kinds.TaskDecider]:
    """The inbox's decider for each task kind a route settles: it sends through that route."""
    return {kind: _decider(route, send) for route in routes for kind in route.task_kinds}


def _decider(route: DecisionRoute, send: Send) -> case_kinds.TaskDecider:
    async def decide(
        pool: asyncpg.Pool, temporal: Client, case_id: str, payload: HumanInput
    ) -> BaseModel:
        return await send(pool, temporal, case_id, route, payload)

    return case_kinds.TaskDecider(payload=route.payload, decide=decide)
