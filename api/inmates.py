"""Inmate look-ups over HTTP: one inmate by SDP number with the programmes they may be
enrolled in (and why not), and the inmates of a UPT by SDP number prefix.

Thin: the scope check and the rule are `api/inmate_lookup.py`'s, shared with the workspace.
The SDP number is the identifier already used in paths; no NIK or name is ever asked for.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from api.deps import PoolDep, SdpDep, SettingsDep, acting_as
from api.inmate_lookup import LOOKERS, InmateList, InmateView, list_upt_inmates, look_up_inmate
from domain.identity import Actor
from domain.registries import InmateQuery

router = APIRouter(tags=["inmates"])

Looker = Annotated[Actor, Depends(acting_as(*LOOKERS))]
SDP_NO = r"^[A-Za-z0-9./-]+$"


@router.get("/inmates/{inmate_sdp_no}", response_model=InmateView)
async def get_inmate(
    inmate_sdp_no: Annotated[str, Path(min_length=3, max_length=64, pattern=SDP_NO)],
    actor: Looker,
    settings: SettingsDep,
    pool: PoolDep,
    sdp: SdpDep,
) -> InmateView:
    """An inmate as SDP knows them (status, UPT, education, expected release) and, for every
    programme, whether `POST /enrolments` would accept them now, with every reason it would
    not and whether the request would be release-flagged. Caseworkers and TPP members of the
    UPT holding the inmate; auditors of Process A. 404: SDP does not know the number."""
    return await look_up_inmate(actor, sdp, pool, settings.enrolment_policy, inmate_sdp_no)


@router.get("/upts/{upt_code}/inmates", response_model=InmateList)
async def list_inmates(
    upt_code: str,
    actor: Looker,
    sdp: SdpDep,
    sdp_prefix: Annotated[
        str,
        Query(
            max_length=64,
            pattern=r"^[A-Za-z0-9./-]*$",
            description="only SDP numbers starting with this, e.g. `CPN-2024`",
        ),
    ] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: Annotated[
        str | None, Query(max_length=64, description="`next_after` of the previous page")
    ] = None,
) -> InmateList:
    """The inmates SDP holds at the UPT (released ones are not held), in SDP number order;
    page with `after`. Caseworkers and TPP members of that UPT; auditors of Process A."""
    query = InmateQuery(upt_code=upt_code, sdp_prefix=sdp_prefix, limit=limit, after=after)
    return await list_upt_inmates(actor, sdp, query)
