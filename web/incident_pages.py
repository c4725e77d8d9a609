"""Insiden (incidents): the cases no retry can move, for operators, beside api/incidents.py.

The page lists the open incidents (the same `api.incidents.list_incidents` as
`GET /incidents`, operator role only) with the documented repair-and-resume action on each
(`api.incidents.retry_incident`, as `POST /incidents/{id}/retry` and
`sinergi incidents retry ID`). Like the API it shows the case's kind and id, the activity and
the error, never the case's content: operators run the system, they do not read cases.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api import incidents as incidents_api
from api.deps import PoolDep, acting_as
from domain.identity import Role
from web.navigation import HOME, NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal

router = PageRouter()
INCIDENTS = "/insiden"
PAGE_SIZE = 50

NAV.append(NavItem("nav.incidents", INCIDENTS, frozenset({Role.OPERATOR})))
HOME.setdefault(Role.OPERATOR, INCIDENTS)


@router.get(INCIDENTS, response_class=HTMLResponse)
async def incidents_page(
    request: Request, principal: PagePrincipal, pool: PoolDep, diminta: int | None = None
) -> HTMLResponse:
    """`diminta`: the incident whose repair was just asked for (after the form's redirect)."""
    operator = await acting_as(Role.OPERATOR)(principal)
    found = await incidents_api.list_incidents(
        actor=operator, pool=pool, open_only=True, limit=PAGE_SIZE, offset=0
    )
    return render(request, "incidents.html", {"page": found, "requested": diminta})


@router.post(INCIDENTS + "/{incident_id}/ulang")
async def retry(
    incident_id: Annotated[int, Path(ge=1, le=incidents_api.INT8_MAX)],
    principal: PagePrincipal,
    pool: PoolDep,
    _: Annotated[None, Depends(check_csrf)],
) -> RedirectResponse:
    operator = await acting_as(Role.OPERATOR)(principal)
    await incidents_api.retry_incident(incident_id=incident_id, actor=operator, pool=pool)
    return RedirectResponse(f"{INCIDENTS}?diminta={incident_id}", status_code=303)
