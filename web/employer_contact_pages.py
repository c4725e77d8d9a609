"""Kontak perusahaan: the employer's contact e-mail as a page, beside api/employer_contact.py
(the same route functions: the NIB from the session's scope, the same validation and audit
entry)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api import employer_contact as contact_api
from api.deps import PoolDep, acting_as
from db import employer_contacts as contacts_db
from domain.identity import Role
from domain.people import ContactChange, Language
from web.navigation import NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal
from web.task_pages import FieldError

router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]
CONTACT = "/kontak-perusahaan"
NAV.append(NavItem("nav.contact", CONTACT, frozenset({Role.EMPLOYER})))


def _page(request: Request, nib: str, form: dict[str, str], status_code: int = 200,
          **context: object) -> HTMLResponse:  # fmt: skip
    shown = {"nib": nib, "form": form, "languages_": list(Language), "saved": False} | context
    return render(request, "employer_contact.html", shown, status_code=status_code)


@router.get(CONTACT, response_class=HTMLResponse)
async def contact_page(
    request: Request, principal: PagePrincipal, pool: PoolDep, disimpan: int = 0
) -> HTMLResponse:
    employer = await acting_as(Role.EMPLOYER)(principal)
    nib = contact_api.nib_of(employer)
    contact = await contacts_db.get_contact(pool, nib)
    form = {"email": contact.email if contact else "",
            "language": contact.language.value if contact else "id"}  # fmt: skip
    return _page(request, nib, form, saved=bool(disimpan), has_contact=contact is not None)


@router.post(CONTACT)
async def save_contact(
    request: Request,
    principal: PagePrincipal,
    pool: PoolDep,
    _: Csrf,
    email: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "id",
) -> Response:
    employer = await acting_as(Role.EMPLOYER)(principal)
    nib = contact_api.nib_of(employer)
    try:
        body = ContactChange.model_validate({"email": email.strip(), "language": language})
    except ValidationError as error:
        errors = [FieldError(message=str(e["msg"]).removeprefix("Value error, "),
                             field=str(e["loc"][0])) for e in error.errors()]  # fmt: skip
        form = {"email": email, "language": language}
        return _page(request, nib, form, 422, errors=errors, has_contact=True)
    await contact_api.set_my_contact(body, employer, pool)
    return RedirectResponse(f"{CONTACT}?disimpan=1", status_code=303)
