"""Pengguna: an administrator's directory of the people their ministry maintains, beside
api/people.py. Listing, adding, correcting and (de)activating call the JSON routes' own
functions (the ministry check, the 404/403 answers, db/people's audit entry) and build the
same request models (domain/people.PersonCreate / PersonUpdate: the e-mail and role-scope
rules), so nothing is checked twice or differently here.

A person's roles are edited as rows (role, and the scope fields the role needs); the page
shows the person's roles and one empty row to add one. A correction sends only the fields
that differ from the directory's entry, so the audit trail names what really changed.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from api import people as people_api
from api.deps import PoolDep, acting_as
from domain.errors import DomainError, Refusal
from domain.identity import Ministry, Role
from domain.people import Language, Person, PersonCreate, PersonUpdate
from web.navigation import HOME, NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal
from web.task_pages import FieldError

router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]
PEOPLE = "/pengguna"
NEW = f"{PEOPLE}/baru"
NAV.append(NavItem("nav.people", PEOPLE, frozenset({Role.ADMINISTRATOR})))
HOME[Role.ADMINISTRATOR] = PEOPLE

SCOPE_FIELDS = ("upt", "lsp", "bapas", "ministry", "employer_nib")
# The roles an administrator may give (the system's own roles are the deployment's).
GRANTABLE = tuple(r for r in Role if r not in (Role.OPERATOR, Role.SDP_SYSTEM))
MAX_ROLE_ROWS = 20  # PersonCreate's own limit


async def _admin(principal: PagePrincipal) -> Any:
    return await acting_as(Role.ADMINISTRATOR)(principal)


def _role_rows(form: FormData) -> list[dict[str, Any]]:
    """The filled role rows of a form: role_0, upt_0, ..., as RoleGrant dicts."""
    rows = []
    for i in range(MAX_ROLE_ROWS + 1):
        role = str(form.get(f"role_{i}", "")).strip()
        if not role:
            continue
        scope = {f: str(form.get(f"{f}_{i}", "")).strip() or None for f in SCOPE_FIELDS}
        rows.append({"role": role, "scope": {k: v for k, v in scope.items() if v}, "row": i})
    return rows


def _field_of(loc: tuple[int | str, ...], rows: list[dict[str, Any]]) -> str:
    """The input a validation error is about: `roles.1.scope.upt` is the second filled
    row's upt field."""
    if loc and loc[0] == "roles":
        index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
        row = rows[index]["row"] if index < len(rows) else 0
        field = loc[3] if len(loc) > 3 and loc[2] == "scope" else "role"
        return f"{field}_{row}"
    return str(loc[0]) if loc else ""


def _validation_errors(error: ValidationError, rows: list[dict[str, Any]]) -> list[FieldError]:
    found = []
    for e in error.errors():
        message = str(e["msg"]).removeprefix("Value error, ")
        field = _field_of(tuple(e["loc"]), rows)
        found.append(FieldError(message=message, field=field or None))
    return found


def _refusal_errors(error: DomainError) -> list[FieldError]:
    """The service's refusal beside the field it is about: a subject already in the
    directory (409) beside the subject, roles outside the ministry beside the roles."""
    field = "subject" if error.refusal is Refusal.CONFLICT else "role_0"
    return [FieldError(message=error.message, field=field)]


def _saved(subject: str) -> RedirectResponse:
    return RedirectResponse(f"{PEOPLE}/{quote(subject, safe='')}?disimpan=1", status_code=303)


def _form_of(person: Person | None) -> dict[str, Any]:
    if person is None:
        return {"subject": "", "display_name": "", "email": "", "language": "id", "roles": []}
    roles = [{"role": g.role.value,
              "scope": {k: v for k, v in g.scope.model_dump(mode="json").items() if v}}
             for g in person.roles]  # fmt: skip
    return {"subject": person.subject, "display_name": person.display_name,
            "email": person.email or "", "language": person.language.value,
            "roles": roles}  # fmt: skip


def _form_from(form: FormData, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "subject": str(form.get("subject", "")).strip(),
        "display_name": str(form.get("display_name", "")).strip(),
        "email": str(form.get("email", "")).strip(),
        "language": str(form.get("language", "id")),
        "roles": [{"role": r["role"], "scope": r["scope"]} for r in rows],
    }


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    shown = {"roles": GRANTABLE, "ministries": list(Ministry), "languages_": list(Language),
             "scope_fields": SCOPE_FIELDS, "errors": [], "saved": False} | context  # fmt: skip
    return render(request, template, shown, status_code=status_code)


@router.get(PEOPLE, response_class=HTMLResponse)
async def people_page(
    request: Request,
    principal: PagePrincipal,
    pool: PoolDep,
    role: str = "",
    active: str = "",
    offset: int = 0,
) -> HTMLResponse:
    admin = await _admin(principal)
    chosen = Role(role) if role in {r.value for r in Role} else None
    state = {"true": True, "false": False}.get(active)
    page = await people_api.list_people(
        admin, pool, role=chosen, active=state, limit=50, offset=max(offset, 0)
    )
    filters = {"role": chosen.value if chosen else "",
               "active": active if state is not None else ""}  # fmt: skip
    return _page(request, "people.html", page=page, filters=filters)


@router.get(NEW, response_class=HTMLResponse)
async def new_person_page(request: Request, principal: PagePrincipal) -> HTMLResponse:
    await _admin(principal)
    return _page(request, "person_form.html", form=_form_of(None), person=None)


@router.post(NEW)
async def add_person(
    request: Request, principal: PagePrincipal, pool: PoolDep, _: Csrf
) -> Response:
    admin = await _admin(principal)
    form = await request.form()
    rows = _role_rows(form)
    shown = _form_from(form, rows)
    try:
        body = PersonCreate.model_validate(
            {k: v for k, v in shown.items() if v != ""} | {"roles": shown["roles"]}
        )
        created = await people_api.add_person(body, admin, pool)
    except ValidationError as error:
        errors = _validation_errors(error, rows)
    except DomainError as error:
        errors = _refusal_errors(error)
    else:
        return _saved(created.subject)
    return _page(request, "person_form.html", 422, form=shown, person=None, errors=errors)


@router.get(f"{PEOPLE}/{{subject}}", response_class=HTMLResponse)
async def person_page(
    request: Request, subject: str, principal: PagePrincipal, pool: PoolDep, disimpan: int = 0
) -> HTMLResponse:
    admin = await _admin(principal)
    person = await people_api.get_person(subject, admin, pool)
    return _page(request, "person_form.html", form=_form_of(person), person=person,
                 saved=bool(disimpan))  # fmt: skip


def _changes(person: Person, shown: dict[str, Any]) -> dict[str, Any]:
    """The fields of the form that differ from the directory's entry."""
    now = _form_of(person)
    changed: dict[str, Any] = {}
    for name in ("display_name", "language", "roles"):
        if shown[name] != now[name]:
            changed[name] = shown[name]
    if shown["email"] != now["email"]:
        changed["email"] = shown["email"] or None
    return changed


@router.post(f"{PEOPLE}/{{subject}}")
async def correct_person(
    request: Request, subject: str, principal: PagePrincipal, pool: PoolDep, _: Csrf
) -> Response:
    admin = await _admin(principal)
    person = await people_api.get_person(subject, admin, pool)
    form = await request.form()
    rows = _role_rows(form)
    shown = _form_from(form, rows) | {"subject": subject}
    try:
        body = PersonUpdate.model_validate(_changes(person, shown))
        await people_api.correct_person(subject, body, admin, pool)
    except ValidationError as error:
        errors = _validation_errors(error, rows)
    except DomainError as error:
        errors = _refusal_errors(error)
    else:
        return _saved(subject)
    return _page(request, "person_form.html", 422, form=shown, person=person, errors=errors)


@router.post(f"{PEOPLE}/{{subject}}/status")
async def set_active(
    request: Request, subject: str, principal: PagePrincipal, pool: PoolDep, _: Csrf
) -> Response:
    """Deactivate (`active=false`) or reactivate a person: one button, no other field."""
    admin = await _admin(principal)
    form = await request.form()
    active = str(form.get("active", "")) == "true"
    await people_api.get_person(subject, admin, pool)
    await people_api.correct_person(subject, PersonUpdate(active=active), admin, pool)
    return _saved(subject)
