"""Pencarian kasus (case search) and a case's history beside its audit chain, for auditors,
next to api/audit.py and api/audit_trail.py.

Each page calls the JSON routes' own functions (the same auditor role check and scope rule):
`api.audit.search_cases`, `api.audit.case_history`, `api.audit.history_consistency`,
`api.audit_trail.verify_case`. Every page an auditor opens is recorded in the auditors' log
like their API reads (api/auditor_log.py: the session sets the principal it records).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from api import audit as audit_api
from api import audit_trail as trail_api
from api.deps import PoolDep, TemporalDep, acting_as
from db.audit_search import CaseKind
from domain.clock import start_of
from domain.errors import DomainError, invalid
from domain.identity import Role
from web.navigation import HOME, NAV, NavItem
from web.render import PageRouter, render
from web.session import PagePrincipal

CASES = "/kasus"
router = PageRouter()
PAGE_SIZE = 25

NAV.append(NavItem("nav.cases", CASES, frozenset({Role.AUDITOR})))
HOME[Role.AUDITOR] = CASES


def _day_start(day: date | None) -> datetime | None:
    """A day as the page's user means it: from midnight WIB."""
    return None if day is None else start_of(day)


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(f"{field}: {value!r} is not a date (YYYY-MM-DD)") from None


@router.get(CASES, response_class=HTMLResponse)
async def case_search_page(
    request: Request,
    principal: PagePrincipal,
    pool: PoolDep,
    kind: CaseKind | None = None,
    stage: str = "",
    upt: str = "",
    programme: str = "",
    employer_nib: str = "",
    opened_from: str = "",  # a form's empty date field sends ""
    opened_until: str = "",
    sla_breached: bool = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    auditor = await acting_as(Role.AUDITOR)(principal)
    first, last = _day(opened_from, "opened_from"), _day(opened_until, "opened_until")
    until = None if last is None else last + timedelta(days=1)  # the last day included
    result = await audit_api.search_cases(
        principal=principal, _=auditor, pool=pool, kind=kind, stage=stage or None,
        upt=upt or None, programme=programme or None, employer_nib=employer_nib or None,
        opened_from=_day_start(first), opened_until=_day_start(until),
        sla_breached=True if sla_breached else None,
        limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE,
    )  # fmt: skip
    filters = {
        "kind": kind.value if kind else "", "stage": stage, "upt": upt, "programme": programme,
        "employer_nib": employer_nib, "opened_from": opened_from,
        "opened_until": opened_until, "sla_breached": sla_breached,
    }  # fmt: skip

    def page_url(number: int) -> str:
        query = {k: v for k, v in filters.items() if v} | {"page": number}
        return f"{CASES}?{urlencode(query)}"

    return render(request, "audit_cases.html", {
        "cases": result.items[:PAGE_SIZE], "has_next": len(result.items) > PAGE_SIZE,
        "page": page, "filters": filters, "page_url": page_url,
        "kinds": sorted(audit_api.audited_kinds(principal.scope), key=lambda k: k.value),
    })  # fmt: skip


@router.get(CASES + "/{case_kind}/{case_id}", response_class=HTMLResponse)
async def case_page(
    request: Request,
    case_kind: CaseKind,
    case_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
) -> HTMLResponse:
    auditor = await acting_as(Role.AUDITOR)(principal)
    history = await audit_api.case_history(
        case_kind, case_id, principal=principal, _=auditor, pool=pool, temporal=temporal
    )
    consistency = await audit_api.history_consistency(
        case_kind, case_id, principal=principal, _=auditor, pool=pool, temporal=temporal
    )
    try:
        verification = await trail_api.verify_case(
            case_kind.value, case_id, pool=pool, auditor=auditor
        )
        trail = await trail_api.case_trail(case_kind.value, case_id, pool=pool, auditor=auditor)
        no_trail = None
    except DomainError as error:  # a case with no trail yet: say so, the history stands
        verification, trail, no_trail = None, None, error.message
    return render(request, "audit_case.html", {
        "history": history, "consistency": consistency, "verification": verification,
        "no_trail": no_trail, "trail": trail,
    })  # fmt: skip
