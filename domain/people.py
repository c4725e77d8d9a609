"""The directory of people: who holds which role in which scope, how to reach them, in which
language; and the rules of keeping it (which ministry's administrators maintain whom, what a
role needs in its scope, what a login's claims say about a person).

Names and e-mail addresses are personal data: they are stored in the directory and written
into the messages sent to the person, never into logs or the audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.identity import (
    MINISTRY_OF_ROLE,
    ROLE_SCOPE,
    Ministry,
    Principal,
    Role,
    Scope,
    ScopeKind,
)


class Language(StrEnum):
    INDONESIAN = "id"
    ENGLISH = "en"


class Registration(StrEnum):
    LOGIN = "login"  # from verified claims at a login (the workspace's callback)
    REQUEST = "request"  # first seen on an API request's bearer token (roles and scope only)
    ADMINISTRATOR = "administrator"  # added by an administrator of its ministry


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def _check_email(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not _EMAIL.match(value) or len(value) > 254:
        raise ValueError("not an e-mail address: write it as name@example.go.id")
    return value


class RoleGrant(BaseModel):
    """One role a person holds, in the scope it is held in."""

    model_config = ConfigDict(frozen=True)

    role: Role
    scope: Scope = Scope()


def _check_grants(roles: list[RoleGrant] | None) -> list[RoleGrant] | None:
    """What an administrator gives: each role once, in a scope that fits it. (A token's
    roles are stored as the identity provider sends them: it is the source.)"""
    if roles is None:
        return None
    if len({g.role for g in roles}) != len(roles):
        raise ValueError("each role is given once, with its scope")
    for grant in roles:
        problem = scope_problem(grant.role, grant.scope)
        if problem is not None:
            raise ValueError(problem)
    return roles


_SCOPE_FIELD = {
    ScopeKind.UPT: "upt",
    ScopeKind.LSP: "lsp",
    ScopeKind.BAPAS: "bapas",
    ScopeKind.MINISTRY: "ministry",
    ScopeKind.EMPLOYER: "employer_nib",
}


def scope_problem(role: Role, scope: Scope) -> str | None:
    """What is missing or wrong in `scope` for someone holding `role`; None when it fits."""
    kind = ROLE_SCOPE[role]
    if role is Role.OPERATOR or role is Role.SDP_SYSTEM:
        return None  # the deployment, or a system client of every UPT
    if kind is ScopeKind.ALL:
        if all(getattr(scope, f) is None for f in _SCOPE_FIELD.values()):
            return f"role {role.value} needs a scope: a UPT, LSP, Bapas, ministry or employer"
        return None
    field = _SCOPE_FIELD[kind]
    if getattr(scope, field) is None and role is not Role.AUDITOR:  # an auditor may audit all
        return f"role {role.value} is held within one {kind.value}: give scope.{field}"
    own = MINISTRY_OF_ROLE[role]
    if own is not None and scope.ministry is not None and scope.ministry is not own:
        return f"role {role.value} belongs to {own.value}, not {scope.ministry.value}"
    return None


def administering_ministry(grants: Iterable[RoleGrant]) -> Ministry | None:
    """The ministry whose administrators maintain a person with these roles: the first of
    a ministry scope, the role's own ministry, Kemnaker for employers and LSP assessors
    (it licenses foreign workers and supervises certification), Kemenimipas for the
    supervisors of a UPT or Bapas. None: only the identity provider maintains them."""
    for grant in grants:
        if grant.scope.ministry is not None:
            return grant.scope.ministry
        own = MINISTRY_OF_ROLE[grant.role]
        if own is not None:
            return own
        if grant.role in (Role.EMPLOYER, Role.LSP_ASSESSOR) or grant.scope.lsp is not None:
            return Ministry.KEMNAKER
        if grant.scope.upt is not None or grant.scope.bapas is not None:
            return Ministry.KEMENIMIPAS
        if grant.scope.employer_nib is not None:
            return Ministry.KEMNAKER
    return None


class Person(BaseModel):
    """A person as the directory holds them."""

    subject: str
    display_name: str
    email: str | None
    language: Language
    active: bool
    ministry: Ministry | None
    roles: list[RoleGrant]
    registered_by: Registration
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None

    def holds(self, role: Role) -> bool:
        return any(g.role is role for g in self.roles)


class PersonCreate(BaseModel):
    """An administrator adds a person (before their first login, or one the IdP lacks)."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=128, description="the identity provider's sub")
    display_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, description="where e-mail notifications go")
    language: Language = Language.INDONESIAN
    roles: list[RoleGrant] = Field(min_length=1, max_length=20)

    _email = field_validator("email")(_check_email)
    _roles = field_validator("roles")(_check_grants)


class PersonUpdate(BaseModel):
    """A correction by an administrator, or a person's own language choice: only the fields
    sent change."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = None
    language: Language | None = None
    active: bool | None = None
    roles: list[RoleGrant] | None = Field(default=None, min_length=1, max_length=20)

    _email = field_validator("email")(_check_email)
    _roles = field_validator("roles")(_check_grants)

    @model_validator(mode="after")
    def _something_changes(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        return self


class LanguageChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Language


class EmployerContact(BaseModel):
    """Where an employer (by NIB) wants the reminders about its applications to go, besides
    the people holding the employer role for it."""

    employer_nib: str
    email: str
    language: Language
    updated_by: str
    updated_at: datetime


class ContactChange(BaseModel):
    """An employer sets its contact e-mail (and the language of the reminders sent there)."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(description="a department's address, e.g. hrd@example.co.id")
    language: Language = Language.INDONESIAN

    _email = field_validator("email")(_check_email)


class Profile(BaseModel):
    """What a login's verified claims say about a person beyond roles and scope."""

    model_config = ConfigDict(frozen=True)

    display_name: str | None = None
    email: str | None = None
    language: Language | None = None


def profile_from_claims(claims: Mapping[str, Any]) -> Profile:
    """The standard OIDC claims `name` (else `preferred_username`), `email` (ignored when
    `email_verified` is false or it is not an address) and `locale` ("en..." → English)."""
    name = claims.get("name") or claims.get("preferred_username")
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is False:
        email = None
    else:
        try:
            email = _check_email(email)
        except ValueError:
            email = None
    locale = claims.get("locale")
    language = None
    if isinstance(locale, str) and locale:
        language = Language.ENGLISH if locale.lower().startswith("en") else Language.INDONESIAN
    return Profile(
        display_name=name[:200] if isinstance(name, str) and name.strip() else None,
        email=email,
        language=language,
    )


def grants_of(principal: Principal) -> list[RoleGrant]:
    """A token's roles, each in the token's one scope (roles whose scope does not fit are
    kept as they are: the token is what the IdP says)."""
    return [RoleGrant(role=role, scope=principal.scope) for role in sorted(principal.roles)]
