"""An employer's contact e-mail: where the reminders about its applications go besides the
people holding the employer role for its NIB. The employer reads and sets its own (the NIB
comes from its token's scope, never from the request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import PoolDep, acting_as
from api.responses import answers
from db import employer_contacts as contacts_db
from domain.errors import forbidden, not_found
from domain.identity import Actor, Role
from domain.people import ContactChange, EmployerContact

router = APIRouter(tags=["employer"])

Employer = Annotated[Actor, Depends(acting_as(Role.EMPLOYER))]


def nib_of(employer: Actor) -> str:
    if employer.scope.employer_nib is None:
        raise forbidden("an employer acts for its own NIB: your token names none")
    return employer.scope.employer_nib


# 404 while no contact is set (the path names no thing: the helper would not add it).
@router.get("/employer/contact", response_model=EmployerContact, responses=answers(404))
async def my_contact(employer: Employer, pool: PoolDep) -> EmployerContact:
    """Your company's contact e-mail (404 while none is set)."""
    contact = await contacts_db.get_contact(pool, nib_of(employer))
    if contact is None:
        raise not_found("your company has no contact e-mail yet: set it with PUT")
    return contact


@router.put("/employer/contact", response_model=EmployerContact)
async def set_my_contact(body: ContactChange, employer: Employer, pool: PoolDep) -> EmployerContact:
    """Set or replace your company's contact e-mail: the reminders about your applications
    (revision requested, payment due, annual report due, extension window, permit expiring)
    are sent there too, once each. The change is on the audit trail, without the address."""
    async with pool.acquire() as conn:
        return await contacts_db.set_contact(conn, nib_of(employer), body, employer)
