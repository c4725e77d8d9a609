"""Training records for a whole cohort, beside api/enrolments.py: the attendance register of
one session (one submission, a result per inmate), modules, and closing training.

A cohort is the programme's enrolments in training at one UPT, listed by the case list's
own function (`list_enrolments`, with its scope filter). Each line is sent through the same
decision route as `POST /enrolments/{id}/attendance` (or `/modules`,
`/training-completion`): `send_decision` with the route's payload, the actor from the
session, so every rule (session range, duplicates, the 80% rule, scope) is the workflow's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from api import enrolments as enrolment_api
from api import reference as reference_api
from api.decision_routes import DecisionRoute
from api.deps import PoolDep, TemporalDep, acting_as
from db.enrolments import EnrolmentRecord
from domain.clock import jakarta_today
from domain.enrolment import Stage
from domain.errors import DomainError, invalid
from domain.identity import Principal, Role
from web.navigation import NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal

router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]
REGISTER = "/presensi"
RECORDERS = frozenset({Role.CASEWORKER, Role.KEMNAKER_INSTRUCTOR})
NAV.append(NavItem("nav.register", REGISTER, RECORDERS))
ROUTES = {r.path: r for r in enrolment_api.DECISION_ROUTES}
SEND_CONCURRENCY = 8  # a register of 30 inmates is 30 Updates; a few at a time


@dataclass(frozen=True)
class LineResult:
    enrolment_id: str
    inmate_sdp_no: str
    ok: bool
    message: str


async def cohort_of(
    principal: Principal, pool: PoolDep, upt: str, programme: str
) -> list[EnrolmentRecord]:
    actor = await acting_as(*enrolment_api.READERS)(principal)
    listed = await enrolment_api.list_enrolments(
        principal, actor, pool, upt=upt, programme=programme, stage=Stage.TRAINING, limit=200
    )
    return sorted(listed.items, key=lambda e: e.inmate_sdp_no)


async def send_each(
    principal: Principal,
    pool: PoolDep,
    temporal: TemporalDep,
    route: DecisionRoute,
    lines: list[tuple[EnrolmentRecord, dict[str, Any]]],
) -> list[LineResult]:
    """One decision per line, through the API's route; a refusal is that line's result."""
    actor = await acting_as(*route.roles)(principal)
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def one(record: EnrolmentRecord, fields: dict[str, Any]) -> LineResult:
        async with gate:
            try:
                payload = route.payload.model_validate({**fields, "actor": actor})
                await enrolment_api.send_decision(
                    pool, temporal, record.enrolment_id, route, payload
                )
            except ValidationError as error:
                message = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
                return LineResult(record.enrolment_id, record.inmate_sdp_no, False, message)
            except DomainError as error:
                return LineResult(record.enrolment_id, record.inmate_sdp_no, False, error.message)
            return LineResult(record.enrolment_id, record.inmate_sdp_no, True, "")

    return list(await asyncio.gather(*(one(r, f) for r, f in lines)))


async def _choices(principal: Principal, pool: PoolDep) -> dict[str, Any]:
    upts = [u.code for u in await reference_api.list_upts(principal, pool)]
    programmes = await reference_api.list_programmes(principal, pool)
    return {"upts": upts, "programmes": programmes}


def whole_number(text: str) -> int | None:
    """A form's number field as an int (the request models are strict); None if it is not."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


@router.get(REGISTER, response_class=HTMLResponse)
async def register_page(
    request: Request,
    principal: PagePrincipal,
    pool: PoolDep,
    upt: str | None = None,
    programme: str | None = None,
) -> HTMLResponse:
    await acting_as(*RECORDERS)(principal)
    upt = principal.scope.upt or upt
    cohort = await cohort_of(principal, pool, upt, programme) if upt and programme else []
    programme_record = (
        await reference_api.get_programme(programme, principal, pool) if programme else None
    )
    return render(
        request,
        "register.html",
        {
            **await _choices(principal, pool),
            "upt": upt or "",
            "programme": programme or "",
            "programme_record": programme_record,
            "cohort": cohort,
            "results": None,
            "today": jakarta_today().isoformat(),
            "form": {},
            "errors": [],
        },
    )


@router.post(REGISTER, response_class=HTMLResponse)
async def record_register(
    request: Request, principal: PagePrincipal, pool: PoolDep, temporal: TemporalDep, _: Csrf
) -> HTMLResponse:
    await acting_as(*RECORDERS)(principal)
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    upt = principal.scope.upt or form.get("upt", "")
    programme = form.get("programme", "")
    action = form.get("action", "attendance")
    cohort = await cohort_of(principal, pool, upt, programme)
    chosen = [e for e in cohort if f"in-{e.enrolment_id}" in form]
    fields: dict[str, Any]
    errors: list[dict[str, str]] = []
    lines: list[tuple[EnrolmentRecord, dict[str, Any]]] = []
    if action == "attendance":
        route = ROUTES["attendance"]
        session_no = whole_number(form.get("session_no", ""))
        if session_no is None:
            message = "session_no: enter the session's number (a whole number, from 1)"
            errors.append({"field": "session_no", "message": message})
        else:
            lines = [
                (e, {"session_no": session_no, "session_date": form.get("session_date"),
                     "present": f"present-{e.enrolment_id}" in form})
                for e in cohort
            ]  # fmt: skip
    elif action == "module":
        route, fields = ROUTES["modules"], {"module_code": form.get("module_code", "")}
        lines = [(e, fields) for e in chosen]
    elif action == "close":
        route, fields = ROUTES["training-completion"], {"reason": form.get("reason", "")}
        lines = [(e, fields) for e in chosen]
    else:
        raise invalid(f"unknown action {action!r}: attendance, module or close")
    results = await send_each(principal, pool, temporal, route, lines) if not errors else None
    programme_record = await reference_api.get_programme(programme, principal, pool)
    return render(
        request,
        "register.html",
        {
            **await _choices(principal, pool),
            "upt": upt,
            "programme": programme,
            "programme_record": programme_record,
            "cohort": await cohort_of(principal, pool, upt, programme),
            "results": results,
            "today": jakarta_today().isoformat(),
            "form": form,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )
