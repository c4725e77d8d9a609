"""Eskalasi: a supervisor's landing page, beside api/inbox.py: the escalated and overdue
tasks of the scope it supervises, each with who holds it and a reassignment.

The list is `api.inbox.escalations` (the rule of `db.inbox.supervises`, the one that lets a
supervisor read, release and reassign a task); reassigning is `api.inbox.reassign`, the JSON
route's function (the supervisor's scope, the row lock, the new holder must hold the task's
role in its scope). The choice of whom offers exactly those people (`db.people.holders`), so
the form rarely meets that refusal; when it does, the message is shown above the list.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api import inbox as inbox_api
from api.deps import PoolDep, acting_as
from db import people
from db.tasks import TaskRecord
from domain.errors import HTTP_STATUS, DomainError
from domain.identity import Principal, Role
from web.inbox_pages import PAGE_SIZE, calendar_of, due_of, unit_of
from web.navigation import HOME, NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal
from web.task_pages import FieldError, errors_of

router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]
ESCALATIONS = "/eskalasi"
NAV.append(NavItem("nav.escalations", ESCALATIONS, frozenset({Role.SUPERVISOR})))
HOME[Role.SUPERVISOR] = ESCALATIONS


async def _page(
    request: Request,
    principal: Principal,
    pool: PoolDep,
    page: int,
    *,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    actor = await acting_as(Role.SUPERVISOR)(principal)
    result = await inbox_api.escalations(actor, pool, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    tasks = result.items[:PAGE_SIZE]
    now, calendar = datetime.now(UTC), calendar_of(request)
    # Who could take each task: one directory query per (role, scope), not per row.
    candidates: dict[tuple[Role, str], list[str]] = {}
    for task in tasks:
        key = (task.required_role, task.scope.model_dump_json())
        if key not in candidates:
            found = await people.holders(pool, task.required_role, task.scope)
            candidates[key] = [p.subject for p in found]

    def who_can_take(task: TaskRecord) -> list[str]:
        return candidates[(task.required_role, task.scope.model_dump_json())]

    context: dict[str, Any] = {
        "rows": [(task, due_of(task, now, calendar)) for task in tasks],
        "who_can_take": who_can_take,
        "unit_of": unit_of,
        "page": page,
        "has_next": len(result.items) > PAGE_SIZE,
        "page_url": lambda number: f"{ESCALATIONS}?page={number}",
        "reassigned": request.query_params.get("dialihkan") == "1",
        "errors": errors or [],
    }
    return render(request, "escalations.html", context, status_code=status_code)


@router.get(ESCALATIONS, response_class=HTMLResponse)
async def escalations_page(
    request: Request,
    principal: PagePrincipal,
    pool: PoolDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    return await _page(request, principal, pool, page)


@router.post(ESCALATIONS + "/{task_id}/alihkan")
async def reassign(
    request: Request, task_id: str, principal: PagePrincipal, pool: PoolDep, _: Csrf
) -> Response:
    """Alihkan: the API's `POST /tasks/{task_id}/reassign`."""
    actor = await acting_as(Role.SUPERVISOR)(principal)
    form = await request.form()
    to_subject = str(form.get("to_subject", "")).strip()
    field = f"to_subject-{task_id}"
    try:
        body = inbox_api.Reassignment.model_validate({"to_subject": to_subject})
        await inbox_api.reassign(task_id, body, actor, pool)
    except ValidationError:
        errors = [FieldError(message="to_subject: choose who takes the task", field=field)]
        status = 422
    except DomainError as error:
        errors = [e.model_copy(update={"field": field}) for e in errors_of(error)]
        status = HTTP_STATUS[error.refusal]
    else:
        return RedirectResponse(f"{ESCALATIONS}?dialihkan=1", status_code=303)
    return await _page(request, principal, pool, 1, errors=errors, status_code=status)
