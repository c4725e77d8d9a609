"""Serah terima (handovers): the Bapas officer's landing page, beside api/handovers.py.

The list is `api.handovers.list_handovers` (the JSON route's function: a Bapas officer sees
the handovers to their own Bapas, Kemnaker's officer job placement's, an auditor of Process A
all), soonest due first, those awaiting acknowledgement on top. A handover's page shows its
package (certificates, training records, skills profile) and, for its receiver while it
awaits acknowledgement, the acknowledgement form. The form goes through
`api.handovers.acknowledge_handover`, so it is the same Update the API sends (the journey's
validator has the last word), with the same refusals (a colleague's claim on the inbox task:
409; job placement without the consent stated: 422; another Bapas: 403).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api import handovers as handover_api
from api.deps import PoolDep, TemporalDep, acting_as
from db.handovers import HandoverRecord, HandoverSort, HandoverState
from domain.errors import HTTP_STATUS, DomainError
from domain.identity import Principal, Role
from domain.journey import HandoverAckFields, HandoverReceiver
from web.navigation import HOME, NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal
from web.task_pages import FieldError, errors_of

router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]
HANDOVERS = "/serah-terima"
NAV.append(NavItem("nav.handovers", HANDOVERS, frozenset(handover_api.HANDOVER_READERS)))
HOME[Role.BAPAS_OFFICER] = HANDOVERS
AWAITING = (HandoverState.OVERDUE, HandoverState.OPEN)  # the overdue ones first
RECENT = 10  # acknowledged handovers shown below the work


async def _list(
    principal: Principal, pool: PoolDep, state: HandoverState, limit: int
) -> list[HandoverRecord]:
    actor = await acting_as(*handover_api.HANDOVER_READERS)(principal)
    listed = await handover_api.list_handovers(
        actor=actor, pool=pool, state=state, sort=HandoverSort.DUE, limit=limit, offset=0,
        receiver=None, bapas=None, inmate_sdp_no=None, journey_id=None,
    )  # fmt: skip
    return listed.items


@router.get(HANDOVERS, response_class=HTMLResponse)
async def handovers_page(request: Request, principal: PagePrincipal, pool: PoolDep) -> HTMLResponse:
    awaiting = [h for state in AWAITING for h in await _list(principal, pool, state, 200)]
    recent = await _list(principal, pool, HandoverState.ACKNOWLEDGED, RECENT)
    return render(request, "handovers.html", {"awaiting": awaiting, "recent": recent})


async def _page(
    request: Request,
    principal: Principal,
    pool: PoolDep,
    handover_id: str,
    *,
    errors: list[FieldError] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    actor = await acting_as(*handover_api.HANDOVER_READERS)(principal)
    handover = await handover_api.get_handover(handover_id, actor, pool)
    receiver_role = handover_api.RECEIVER_ROLE[handover.receiver]
    return render(
        request,
        "handover.html",
        {
            "handover": handover,
            "acknowledges": actor.role is receiver_role and handover.acknowledged_at is None,
            "asks_consent": handover.receiver is HandoverReceiver.JOB_PLACEMENT,
            "acknowledged": request.query_params.get("dikonfirmasi") == "1",
            "errors": errors or [],
            "form": form or {},
        },
        status_code=status_code,
    )


@router.get(HANDOVERS + "/{handover_id}", response_class=HTMLResponse)
async def handover_page(
    request: Request, handover_id: str, principal: PagePrincipal, pool: PoolDep
) -> HTMLResponse:
    return await _page(request, principal, pool, handover_id)


@router.post(HANDOVERS + "/{handover_id}/konfirmasi")
async def acknowledge(
    request: Request,
    handover_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
    _: Csrf,
) -> Response:
    """Konfirmasi penerimaan: the API's `POST /handovers/{id}/acknowledgement`."""
    receiver = await acting_as(*handover_api.RECEIVER_ROLE.values())(principal)
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    consent = form.get("contact_consent")
    status = 422
    try:
        body = HandoverAckFields(
            reason=form.get("reason", "").strip(),
            contact_consent=None if consent is None else consent == "true",
        )
        await handover_api.acknowledge_handover(
            handover_id, body, principal, receiver, pool, temporal
        )
    except ValidationError as error:
        errors = [
            FieldError(message=f"{e['loc'][0]}: {e['msg']}", field=str(e["loc"][0]))
            for e in error.errors()
        ]
    except DomainError as error:
        errors, status = errors_of(error), HTTP_STATUS[error.refusal]
    else:
        return RedirectResponse(f"{HANDOVERS}/{handover_id}?dikonfirmasi=1", status_code=303)
    return await _page(request, principal, pool, handover_id,
                       errors=errors, form=form, status_code=status)  # fmt: skip
