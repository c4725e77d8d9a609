"""Finding an inmate: one by SDP number with the programmes they may be enrolled in, or the
inmates a UPT holds, by SDP number prefix.

Service functions, not routes: the JSON API (`api/inmates.py`) and the workspace's enrol page
call the same ones, so the scope check and the eligibility rule are never copied. SDP is the
source (through the `registries/sdp` adapter); eligibility is the one rule of
`domain/enrolment_rules.check_eligibility`, the one `POST /enrolments` applies. Only SDP
numbers travel: SDP gives no NIK or name, and none is asked for.
"""

from __future__ import annotations

from datetime import date

import asyncpg
from pydantic import BaseModel, Field

from db import enrolments as enrolment_db
from db import reference as reference_db
from domain.enrolment_rules import check_eligibility, check_no_active_enrolment
from domain.errors import DomainError, forbidden, not_found
from domain.identity import Actor, Role, audits_process_a
from domain.policy import EnrolmentPolicy
from domain.reference import EducationLevel
from domain.registries import CustodyStatus, InmateQuery, InmateRecord, SdpRegistry

# Who looks inmates up: the staff of the UPT that holds them, and auditors of Process A.
LOOKERS = (Role.CASEWORKER, Role.TPP_MEMBER, Role.AUDITOR)


class ProgrammeEligibility(BaseModel):
    """Whether the inmate may be enrolled in one programme now, and if not, every reason."""

    programme_code: str
    programme_name: str
    offered_here: bool = Field(description="offered at the inmate's UPT")
    eligible: bool
    reasons: list[str] = Field(description="every rule the request would break; empty if none")
    release_flagged: bool = Field(
        description="the expected release falls before the programme's planned end plus the "
        "assessment window: the TPP must approve with `exception_granted: true`"
    )
    active_enrolment_id: str | None = Field(
        description="the inmate's open enrolment in this programme, if any"
    )


class InmateView(BaseModel):
    """An inmate as SDP knows them, with what they may be enrolled in."""

    sdp_no: str
    status: CustodyStatus
    upt_code: str
    education: EducationLevel
    expected_release: date | None = Field(description="a Jakarta calendar date; none for life")
    programmes: list[ProgrammeEligibility]


class InmateList(BaseModel):
    items: list[InmateRecord]
    next_after: str | None = Field(
        description="pass as `after` for the next page; null on the last page"
    )


def may_look_at(actor: Actor, upt_code: str) -> bool:
    """Whether `actor` may see the inmates held at `upt_code`."""
    if actor.role in (Role.CASEWORKER, Role.TPP_MEMBER):
        return actor.scope.upt == upt_code
    return actor.role is Role.AUDITOR and audits_process_a(actor.scope)


async def look_up_inmate(
    actor: Actor,
    sdp: SdpRegistry,
    pool: asyncpg.Pool,
    policy: EnrolmentPolicy,
    sdp_no: str,
) -> InmateView:
    """One inmate with every programme's eligibility; 404 unknown, 403 held elsewhere."""
    inmate = await sdp.get_inmate(sdp_no)
    if inmate is None:
        raise not_found(f"inmate {sdp_no} is not registered in SDP")
    if not may_look_at(actor, inmate.upt_code):
        raise forbidden(
            f"inmate {sdp_no} is held at UPT {inmate.upt_code}, outside your scope "
            f"({actor.role.value} of {actor.scope.upt or actor.scope.ministry or 'no UPT'})"
        )
    active = {
        e.programme_code: e.enrolment_id
        for e in await enrolment_db.list_enrolments(
            pool,
            enrolment_db.EnrolmentFilter(inmate_sdp_no=sdp_no, open_only=True, limit=200),
        )
    }
    programmes = []
    for programme in await reference_db.list_programmes(pool):
        offering = await reference_db.get_offering(pool, inmate.upt_code, programme.code)
        verdict = check_eligibility(inmate, programme, offering, policy)
        reasons = list(verdict.reasons)
        try:  # the same duplicate rule every request is checked against
            check_no_active_enrolment(sdp_no, programme.code, active.get(programme.code))
        except DomainError as refusal:
            reasons.append(refusal.message)
        programmes.append(
            ProgrammeEligibility(
                programme_code=programme.code,
                programme_name=programme.name,
                offered_here=offering is not None,
                eligible=not reasons,
                reasons=reasons,
                release_flagged=verdict.release_flagged,
                active_enrolment_id=active.get(programme.code),
            )
        )
    return InmateView(**inmate.model_dump(), programmes=programmes)


async def list_upt_inmates(actor: Actor, sdp: SdpRegistry, query: InmateQuery) -> InmateList:
    """The inmates SDP holds at a UPT, in SDP number order; 403 for another UPT's staff."""
    if not may_look_at(actor, query.upt_code):
        raise forbidden(f"the inmates of UPT {query.upt_code} are outside your scope")
    page = await sdp.list_inmates(query)
    items = list(page.items)
    full = len(items) == query.limit
    return InmateList(items=items, next_after=items[-1].sdp_no if full else None)
