"""`POST /permits/search`: Kemnaker's and Imigrasi's officers find applications at their
own ministry's steps by employer NIB, stage, nationality, position, submission dates, or a
passport number. POST: the filters travel in the body, never in a URL; the log names which
filters were used, never their values."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.deps import PoolDep, acting_as
from db import permits as permit_db
from db.permits import PermitRecord
from domain.errors import forbidden
from domain.identity import Actor, Ministry, Role
from domain.permit_search import STAGE_MINISTRY, PermitSearch, stages_of

router = APIRouter(prefix="/permits", tags=["TKA permits"])
log = structlog.get_logger(__name__)

SEARCHERS: dict[Role, Ministry] = {
    Role.KEMNAKER_VERIFIER: Ministry.KEMNAKER,
    Role.KEMNAKER_DIRECTOR: Ministry.KEMNAKER,
    Role.IMIGRASI_OFFICER: Ministry.IMIGRASI,
}


class SearchAnswer(BaseModel):
    items: list[PermitRecord]
    limit: int
    offset: int


async def search(pool: PoolDep, actor: Actor, body: PermitSearch) -> SearchAnswer:
    """The one search the API and the pages use."""
    ministry = SEARCHERS.get(actor.role)
    if ministry is None or actor.scope.ministry is not ministry:
        raise forbidden(
            f"searching applications is for Kemnaker's verifier and director and Imigrasi's "
            f"officer, each within their own ministry; you act as {actor.role.value}"
        )
    if body.stage is not None and STAGE_MINISTRY[body.stage] not in (ministry, None):
        raise forbidden(f"stage {body.stage.value} is not a step of {ministry.value}")
    used = sorted(k for k, v in body.model_dump(exclude={"limit", "offset"}).items() if v)
    log.info("permit_search", filters=used, role=actor.role.value)
    items = await permit_db.search_applications(pool, body, stages_of(ministry))
    return SearchAnswer(items=items, limit=body.limit, offset=body.offset)


@router.post("/search", response_model=SearchAnswer)
async def search_applications(
    body: PermitSearch,
    actor: Annotated[Actor, Depends(acting_as(*SEARCHERS))],
    pool: PoolDep,
) -> SearchAnswer:
    """Applications at the caller's ministry's steps (and closed ones) matching every filter
    given; newest first."""
    return await search(pool, actor, body)
