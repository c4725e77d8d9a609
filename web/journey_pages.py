"""The inmate's journey page, beside api/journeys.py: where they are held (UPT history),
sanctions and other custody events, their enrolments, release and handover status.

It reads through `api.journeys.get_journey` (the JSON route's function and its scope check).
The URL names the inmate by SDP registration number, as the API does: it is the
corrections' identifier, not personal data like the NIK or a name.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from api import journeys as journey_api
from api.deps import PoolDep, TemporalDep, acting_as
from web.render import PageRouter, render
from web.session import PagePrincipal

router = PageRouter()


@router.get("/wbp/{inmate_sdp_no}", response_class=HTMLResponse)
async def journey_page(
    request: Request,
    inmate_sdp_no: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
) -> HTMLResponse:
    actor = await acting_as(*journey_api.JOURNEY_READERS)(principal)
    view = await journey_api.get_journey(inmate_sdp_no, actor, pool, temporal)
    transfers = [e for e in view.custody_events if e.kind.value == "transfer"]
    return render(request, "journey.html", {"view": view, "transfers": transfers})
