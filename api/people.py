"""The directory of people: administrators of a ministry list, add, correct and deactivate
the people their ministry maintains; everyone reads their own entry and chooses the language
of their notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel

from api.auth import CurrentPrincipal
from api.deps import PoolDep, acting_as
from db import people as people_db
from domain.errors import forbidden, not_found
from domain.identity import Actor, Role
from domain.people import (
    LanguageChoice,
    Person,
    PersonCreate,
    PersonUpdate,
    Registration,
    administering_ministry,
)

router = APIRouter(tags=["people"])

Administrator = Annotated[Actor, Depends(acting_as(Role.ADMINISTRATOR))]
Anyone = Annotated[Actor, Depends(acting_as(*Role))]


class PeoplePage(BaseModel):
    items: list[Person]
    limit: int
    offset: int


def _ministry_of(admin: Actor) -> str:
    if admin.scope.ministry is None:
        raise forbidden("an administrator acts for one ministry: your token names none")
    return admin.scope.ministry.value


@router.get("/people", response_model=PeoplePage)
async def list_people(
    admin: Administrator,
    pool: PoolDep,
    role: Role | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PeoplePage:
    """The people your ministry maintains, by subject."""
    items = await people_db.list_people(
        pool, _ministry_of(admin), role=role, active=active, limit=limit, offset=offset
    )
    return PeoplePage(items=items, limit=limit, offset=offset)


@router.post("/people", response_model=Person, status_code=status.HTTP_201_CREATED)
async def add_person(body: PersonCreate, admin: Administrator, pool: PoolDep) -> Person:
    """Add a person with roles your ministry maintains."""
    ministry = _ministry_of(admin)
    theirs = administering_ministry(body.roles)
    if theirs is None or theirs.value != ministry:
        raise forbidden(
            f"these roles are maintained by {theirs.value if theirs else 'the identity provider'}"
            f", not by your ministry ({ministry})"
        )
    async with pool.acquire() as conn:
        return await people_db.create_person(conn, body, admin)


@router.get("/people/me", response_model=Person)
async def my_entry(principal: CurrentPrincipal, _: Anyone, pool: PoolDep) -> Person:
    """Your own entry in the directory (registered from your token if it was not yet)."""
    person = await people_db.get_person(pool, principal.subject)
    if person is None:
        async with pool.acquire() as conn:
            person = await people_db.upsert_from_claims(
                conn, principal, {}, registration=Registration.REQUEST
            )
    return person


@router.patch("/people/me", response_model=Person)
async def choose_language(
    body: LanguageChoice, principal: CurrentPrincipal, actor: Anyone, pool: PoolDep
) -> Person:
    """The language of your notifications: "id" (Bahasa Indonesia, the default) or "en"."""
    await my_entry(principal, actor, pool)
    async with pool.acquire() as conn:
        return await people_db.update_person(
            conn, principal.subject, PersonUpdate(language=body.language), actor, ministry=None
        )


async def _theirs(pool: PoolDep, subject: str, admin: Actor) -> Person:
    ministry = _ministry_of(admin)
    person = await people_db.get_person(pool, subject)
    if person is None:
        raise not_found(f"{subject} is not in the directory")
    if person.ministry is None or person.ministry.value != ministry:
        raise forbidden(f"{subject} is not maintained by your ministry ({ministry})")
    return person


@router.get("/people/{subject}", response_model=Person)
async def get_person(subject: str, admin: Administrator, pool: PoolDep) -> Person:
    return await _theirs(pool, subject, admin)


@router.patch("/people/{subject}", response_model=Person)
async def correct_person(
    subject: str, body: PersonUpdate, admin: Administrator, pool: PoolDep
) -> Person:
    """Correct or deactivate (`{"active": false}`) a person your ministry maintains."""
    await _theirs(pool, subject, admin)
    async with pool.acquire() as conn:
        return await people_db.update_person(
            conn, subject, body, admin, ministry=_ministry_of(admin)
        )
