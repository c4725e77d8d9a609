"""The inmate's journey page, beside api/journeys.py: where they are held (UPT history),
sanctions and other custody events, their enrolments, release and handover status.

It reads through `api.journeys.get_journey` (the JSON route's function and its scope check).
The URL names the inmate by SDP registration number, as the API does: it is the
corrections' identifier, not personal data like the NIK or a name.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api import custody_events as custody_api
from api import journeys as journey_api
from api import reference as reference_api
from api.deps import PoolDep, SdpDep, SettingsDep, TemporalDep, acting_as
from domain.custody import CustodyEventFields, CustodyEventKind, ReleaseKind
from domain.errors import DomainError
from domain.identity import Principal, Role
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal
from web.task_pages import FieldError, errors_of

router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]
# Which of the form's fields each kind of event carries (the model refuses the others).
FIELDS_OF_KIND = {
    CustodyEventKind.TRANSFER: ("to_upt",),
    CustodyEventKind.SANCTION: ("sanction_ref", "sanction_until"),
    CustodyEventKind.SANCTION_LIFTED: ("sanction_ref",),
    CustodyEventKind.RELEASE: ("release_kind", "bapas_code"),
}


async def _page(
    request: Request,
    principal: Principal,
    pool: PoolDep,
    temporal: TemporalDep,
    inmate_sdp_no: str,
    *,
    errors: list[FieldError] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    actor = await acting_as(*journey_api.JOURNEY_READERS)(principal)
    view = await journey_api.get_journey(inmate_sdp_no, actor, pool, temporal)
    upts = await reference_api.list_upts(principal, pool)
    return render(
        request,
        "journey.html",
        {
            "view": view,
            "reports": actor.role is Role.CASEWORKER and view.live is not None,
            "event_id": f"WEB-{uuid.uuid4().hex[:16]}",  # a resubmitted form is a duplicate
            "kinds": list(CustodyEventKind),
            "release_kinds": list(ReleaseKind),
            "holding_upts": [u.code for u in upts if u.kind.value != "bapas"],
            "bapas_upts": [u.code for u in upts if u.kind.value == "bapas"],
            "errors": errors or [],
            "form": form or {},
            "recorded": request.query_params.get("dicatat") == "1",
        },
        status_code=status_code,
    )


@router.get("/wbp/{inmate_sdp_no}", response_class=HTMLResponse)
async def journey_page(
    request: Request,
    inmate_sdp_no: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
) -> HTMLResponse:
    return await _page(request, principal, pool, temporal, inmate_sdp_no)


def event_fields(inmate_sdp_no: str, form: dict[str, str], zone: str) -> CustodyEventFields:
    """The API's custody event from the form: the kind's own fields, the time in the zone."""
    kind = CustodyEventKind(form.get("kind", ""))
    body: dict[str, Any] = {
        "event_id": form.get("event_id", ""),
        "inmate_sdp_no": inmate_sdp_no,
        "kind": kind,
        "occurred_at": datetime.fromisoformat(form.get("occurred_at", "")).replace(
            tzinfo=ZoneInfo(zone)
        ),
        "note": form.get("note", ""),
    }
    for name in FIELDS_OF_KIND[kind]:
        if form.get(name):
            body[name] = form[name]
    return CustodyEventFields.model_validate(body)


@router.post("/wbp/{inmate_sdp_no}/peristiwa")
async def report_event(
    request: Request,
    inmate_sdp_no: str,
    principal: PagePrincipal,
    settings: SettingsDep,
    pool: PoolDep,
    temporal: TemporalDep,
    sdp: SdpDep,
    _: Csrf,
) -> Response:
    """A custody event reported by a caseworker of the UPT (`report_custody_event`)."""
    actor = await acting_as(*custody_api.REPORTERS)(principal)
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    try:
        body = event_fields(inmate_sdp_no, form, settings.display_time_zone)
        await custody_api.report_custody_event(body, actor, settings, None, pool, temporal, sdp)
    except (ValueError, ValidationError) as error:
        details = (
            "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
            if isinstance(error, ValidationError)
            else str(error)
        )
        errors = [FieldError(message=f"the event is malformed: {details}")]
    except DomainError as error:
        errors = errors_of(error)
    else:
        if body.kind is CustodyEventKind.TRANSFER and body.to_upt != actor.scope.upt:
            # The journey now belongs to the destination's staff (the API's read rule): say
            # what was recorded here rather than send the reporter to a page they cannot read.
            return render(request, "custody_moved.html", {"event": body})
        return RedirectResponse(f"/wbp/{inmate_sdp_no}?dicatat=1", status_code=303)
    return await _page(request, principal, pool, temporal, inmate_sdp_no,
                       errors=errors, form=form, status_code=422)  # fmt: skip
