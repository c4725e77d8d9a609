"""Enrol one inmate, beside api/enrolments.py: find the inmate of my UPT by SDP number (the
lookup asks SDP, as the API does), pick a programme offered at my UPT, give the reason.

The inmate is never typed into the request: the form is offered only for an inmate SDP
found at the caseworker's UPT, and carries that record's number. The request goes through
`api.enrolments.request_enrolment` (the JSON route's function: eligibility, scope, the
journey), so a refusal reads exactly as the API's.
"""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api import enrolments as enrolment_api
from api import reference as reference_api
from api.deps import PoolDep, SdpDep, SettingsDep, TemporalDep, acting_as
from domain.errors import DomainError
from domain.identity import Principal, Role
from domain.registries import SdpRegistry
from services.enrolment_requests import EnrolmentCreate
from web.navigation import NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal
from web.task_pages import FieldError, errors_of

router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]
ENROL = "/pendaftaran/baru"
NAV.append(NavItem("nav.enrol", ENROL, frozenset({Role.CASEWORKER})))


async def _context(
    principal: Principal, pool: asyncpg.Pool, sdp: SdpRegistry, sdp_no: str
) -> dict[str, Any]:
    upt = principal.scope.upt or "-"
    inmate = await sdp.get_inmate(sdp_no) if sdp_no else None
    found = inmate if inmate is not None and inmate.upt_code == upt else None
    offerings = await reference_api.list_offerings(upt, principal, pool) if found else []
    return {"query": sdp_no, "inmate": found, "offerings": offerings, "searched": bool(sdp_no)}


@router.get(ENROL, response_class=HTMLResponse)
async def enrol_page(
    request: Request, principal: PagePrincipal, pool: PoolDep, sdp: SdpDep, sdp_no: str = ""
) -> HTMLResponse:
    await acting_as(Role.CASEWORKER)(principal)
    context = await _context(principal, pool, sdp, sdp_no.strip())
    return render(request, "enrol.html", {**context, "form": {}})


@router.post(ENROL)
async def enrol(
    request: Request,
    principal: PagePrincipal,
    settings: SettingsDep,
    pool: PoolDep,
    temporal: TemporalDep,
    sdp: SdpDep,
    _: Csrf,
    inmate_sdp_no: Annotated[str, Form()],
    programme_code: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    actor = await acting_as(Role.CASEWORKER)(principal)
    form = {"programme_code": programme_code, "reason": reason}
    try:
        body = EnrolmentCreate(
            inmate_sdp_no=inmate_sdp_no, programme_code=programme_code, reason=reason
        )
        created = await enrolment_api.request_enrolment(
            body, principal, actor, settings, pool, temporal, sdp
        )
    except ValidationError as error:
        errors = [FieldError(message=f"{e['loc'][0]}: {e['msg']}", field=str(e["loc"][0]))
                  for e in error.errors()]  # fmt: skip
    except DomainError as error:
        errors = errors_of(error)
    else:
        return RedirectResponse(f"/kasus/{created.enrolment_id}", status_code=303)
    context = await _context(principal, pool, sdp, inmate_sdp_no)
    return render(request, "enrol.html", {**context, "form": form, "errors": errors},
                  status_code=422)  # fmt: skip
