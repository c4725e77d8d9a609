"""Tugas Saya (my tasks): the reviewer inbox as a page, beside api/inbox.py.

The page asks `api.inbox.my_inbox` (the JSON route's own function, with the same role check)
for the person's tasks, so what a page shows is exactly what `GET /inbox` answers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from activities.working_calendar import WorkingCalendar
from api import inbox as inbox_api
from api import reference as reference_api
from api.deps import PoolDep, acting_as
from api.paging import cursor
from db.tasks import TaskRecord
from domain import task_stages
from domain.clock import local_date
from domain.working_days import is_working_day
from web.navigation import INBOX
from web.render import PageRouter, render
from web.session import PagePrincipal

router = PageRouter()
PAGE_SIZE = 25
# The kinds of task, in the order a case meets them (the kind filter's choices): Process A's,
# then Process B's (a permit's reviewers and its employer).
TASK_KINDS = (
    "placement_review",
    "training_completion",
    "assessment",
    "appeal_review",
    "transfer_review",
    "sanction_review",
    "handover_bapas",
    "handover_job_placement",
    "document_verification",
    "resubmission",
    "feasibility",
    "payment",
    "rptka_approval",
    "visa_decision",
    "arrival",
    "annual_report",
    "extension_verification",
    "extension_approval",
)
_calendar: WorkingCalendar | None = None


@dataclass(frozen=True)
class Due:
    """How a due date reads in the inbox."""

    at: datetime | None
    day: date | None  # the last day to act (due_at is the midnight WIB after it)
    overdue: bool
    working_days_left: int | None  # working days after today up to the last day; 0: today


def working_days_between(today: date, last_day: date, calendar: WorkingCalendar) -> int:
    """Working days after `today` up to and including `last_day`."""
    count, day = 0, today
    while day < last_day:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            count += 1
    return count


def due_of(task: TaskRecord, now: datetime, calendar: WorkingCalendar) -> Due:
    if task.due_at is None:
        return Due(None, None, False, None)
    # due_at is midnight WIB after the last working day (domain/working_days.py).
    last_day = local_date(task.due_at - timedelta(microseconds=1))
    if task.due_at <= now:
        return Due(task.due_at, last_day, True, None)
    days_left = working_days_between(local_date(now), last_day, calendar)
    return Due(task.due_at, last_day, False, days_left)


def unit_of(task: TaskRecord) -> str:
    scope = task.scope
    return scope.upt or scope.lsp or scope.bapas or (scope.ministry or "") or "-"


def calendar_of(request: Request) -> WorkingCalendar:
    global _calendar
    if _calendar is None:
        _calendar = WorkingCalendar.from_settings(request.app.state.settings)
    return _calendar


@router.get(INBOX, response_class=HTMLResponse)
async def inbox_page(
    request: Request,
    principal: PagePrincipal,
    pool: PoolDep,
    kind: str | None = None,
    stage: str | None = None,
    upt: str | None = None,
    overdue: bool = False,
    mine: bool = False,
    unclaimed: bool = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,  # older links: "Berikutnya" uses `after`
    after: Annotated[str | None, cursor("Berikutnya: the page after this place")] = None,
    before: Annotated[str | None, cursor("Sebelumnya: the page before it")] = None,
) -> HTMLResponse:
    actor = await acting_as(*inbox_api.TASK_HOLDERS)(principal)
    listing = inbox_api.my_inbox(
        principal=principal,
        _=actor,
        pool=pool,
        kind=kind or None,
        stage=stage or None,
        upt=upt or None,
        overdue=overdue,
        assigned_to_me=mine,
        unclaimed=unclaimed,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        after=after or None,
        before=before or None,
    )
    # The filter's UPT choices are read beside the tasks, not after them.
    result, upts = await asyncio.gather(listing, reference_api.list_upts(principal, pool))
    now = datetime.now(UTC)
    calendar = calendar_of(request)
    tasks = result.items
    rows = [(task, due_of(task, now, calendar)) for task in tasks]
    filters = {
        "kind": kind or "",
        "stage": stage or "",
        "upt": upt or "",
        "overdue": overdue,
        "mine": mine,
        "unclaimed": unclaimed,
    }

    def page_url(place: dict[str, str]) -> str:
        return f"{INBOX}?{urlencode({k: v for k, v in filters.items() if v} | place)}"

    return render(
        request,
        "inbox.html",
        {
            "rows": rows,
            "next_url": result.next_after and page_url({"after": result.next_after}),
            "previous_url": result.previous_before and page_url({"before": result.previous_before}),
            "filters": filters,
            "task_kinds": TASK_KINDS,
            "stages": task_stages.stages_for(principal.roles),
            "upts": upts,
            "unit_of": unit_of,
        },
    )
