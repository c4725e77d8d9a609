"""Incidents over HTTP, for operators: the cases an activity cannot move, and their repair.

`GET /incidents` lists them (open ones first by default); `POST /incidents/{id}/retry` asks the
worker to run the activity again on its repaired input (workers/incidents.py). What an incident
shows is the case's kind and id, the activity and the error's type and words, never the case's
content: operators run the system, they do not read cases.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from api.deps import PoolDep, acting_as
from api.paging import Offset
from api.responses import answers
from db import incidents as incidents_db
from db.incidents import Incident
from domain.errors import not_found
from domain.identity import Actor, Role

router = APIRouter(tags=["operations"])

Operator = Annotated[Actor, Depends(acting_as(Role.OPERATOR))]
INT8_MAX = 2**63 - 1


class IncidentList(BaseModel):
    items: list[Incident]
    total: int
    limit: int
    offset: int


@router.get("/incidents", response_model=IncidentList, responses=answers(401, 403, 422, 503))
async def list_incidents(
    actor: Operator,
    pool: PoolDep,
    open_only: bool = True,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> IncidentList:
    items, total = await incidents_db.list_incidents(
        pool, open_only=open_only, limit=limit, offset=offset
    )
    return IncidentList(items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/incidents/{incident_id}/retry",
    response_model=Incident,
    responses=answers(401, 403, 404, 422, 503),
)
async def retry_incident(
    incident_id: Annotated[int, Path(ge=1, le=INT8_MAX)],
    actor: Operator,
    pool: PoolDep,
) -> Incident:
    """Repair and resume: the next attempt of the stuck activity runs on its input with the
    text Postgres refused repaired (domain.text.sanitise); once it succeeds the incident is
    resolved and the case carries on. Answers the incident as marked."""
    incident = await incidents_db.request_repair(pool, incident_id, actor.subject)
    if incident is None:
        raise not_found(f"no incident {incident_id}")
    return incident
