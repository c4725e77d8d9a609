"""The directory of people in Postgres: registration from a login's claims, an
administrator's additions and corrections, the reads behind the API, and addressing (the
active holders of a role in a scope).

Every change is on the audit trail, in the person's own chain ("person:{subject}"), in the
transaction that makes it; the entry names the fields that changed and the roles, never the
name or e-mail address.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from db import audit_trail
from db.connect import Connection
from db.tasks import SCOPE_FIELDS, governing_kinds, scope_values
from domain.audit_chain import AuditEntry
from domain.errors import conflict, invalid, not_found
from domain.identity import Actor, Principal, Role, Scope, ScopeKind
from domain.people import (
    Language,
    Person,
    PersonCreate,
    PersonUpdate,
    Profile,
    Registration,
    RoleGrant,
    administering_ministry,
    grants_of,
    profile_from_claims,
)

CHAIN_KIND = "person"
_PEOPLE_COLUMNS = """p.subject, p.display_name, p.email, p.language, p.active, p.ministry,
    p.registered_by, p.created_at, p.updated_at, p.last_login_at"""


class Recipient(Person):
    """A person an outbox row is addressed to."""


# ---------------------------------------------------------------- reads


async def _lock_person(conn: Connection, subject: str) -> None:
    # Two logins (or a login and an administrator) of one person are served in turn.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"person:{subject}")


def _grant(row: asyncpg.Record) -> RoleGrant:
    scope = Scope(**{field: row[column] for field, column in SCOPE_FIELDS.values()})
    return RoleGrant(role=Role(row["role"]), scope=scope)


async def _roles(
    conn: Connection | asyncpg.Pool, subjects: Sequence[str]
) -> dict[str, list[RoleGrant]]:
    rows = await conn.fetch(
        """SELECT subject, role, scope_upt, scope_lsp, scope_bapas, scope_ministry,
                  scope_employer_nib
             FROM person_roles WHERE subject = ANY($1::text[]) ORDER BY subject, role""",
        list(subjects),
    )
    found: dict[str, list[RoleGrant]] = {s: [] for s in subjects}
    for row in rows:
        found[row["subject"]].append(_grant(row))
    return found


async def _people(conn: Connection | asyncpg.Pool, rows: Sequence[asyncpg.Record]) -> list[Person]:
    roles = await _roles(conn, [r["subject"] for r in rows])
    return [Person(**dict(r), roles=roles[r["subject"]]) for r in rows]


async def get_person(conn: Connection | asyncpg.Pool, subject: str) -> Person | None:
    row = await conn.fetchrow(
        f"SELECT {_PEOPLE_COLUMNS} FROM people p WHERE p.subject = $1",  # noqa: S608 - fixed
        subject,
    )
    return (await _people(conn, [row]))[0] if row is not None else None


async def list_people(
    conn: Connection | asyncpg.Pool,
    ministry: str,
    *,
    role: Role | None = None,
    active: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Person]:
    """The people one ministry's administrators maintain, by subject."""
    rows = await conn.fetch(
        f"""SELECT {_PEOPLE_COLUMNS} FROM people p
             WHERE p.ministry = $1
               AND ($2::text IS NULL OR EXISTS (
                       SELECT 1 FROM person_roles r WHERE r.subject = p.subject AND r.role = $2))
               AND ($3::boolean IS NULL OR p.active = $3)
             ORDER BY p.subject LIMIT $4 OFFSET $5""",  # noqa: S608 - fixed columns
        ministry, role.value if role else None, active, limit, offset,
    )  # fmt: skip
    return await _people(conn, rows)


def _matching(role: Role, scope: Scope, first: int) -> tuple[str, list[Any]]:
    """SQL (over person_roles r) for: r holds `role` in a scope that covers `scope` on the
    field the role is bounded by (any field in common for a supervisor)."""
    values = scope_values(scope)
    args: list[Any] = [role.value]
    clauses: list[str] = []
    for kind in governing_kinds(role):
        if kind in values:
            args.append(values[kind])
            clauses.append(f"r.{SCOPE_FIELDS[kind][1]} = ${first + len(args) - 1}")
    if not clauses:
        return "false", args
    return f"(r.role = ${first} AND ({' OR '.join(clauses)}))", args


async def holders(conn: Connection | asyncpg.Pool, role: Role, scope: Scope) -> list[Person]:
    """The active people holding `role` within `scope`: whom a notice to them reaches."""
    where, args = _matching(role, scope, 1)
    rows = await conn.fetch(
        f"""SELECT {_PEOPLE_COLUMNS} FROM people p
             WHERE p.active AND EXISTS (
                   SELECT 1 FROM person_roles r WHERE r.subject = p.subject AND {where})
             ORDER BY p.subject""",  # noqa: S608 - placeholders only
        *args,
    )
    return await _people(conn, rows)


async def holding_problem(
    conn: Connection | asyncpg.Pool, subject: str, role: Role, scope: Scope
) -> str | None:
    """Why `subject` cannot take work for `role` in `scope`; None when they can."""
    person = await get_person(conn, subject)
    if person is None:
        return (
            f"{subject} is not in the directory of people: they sign in once, "
            "or an administrator adds them"
        )
    if not person.active:
        return f"{subject} is deactivated in the directory of people"
    where, args = _matching(role, scope, 2)
    held = await conn.fetchval(
        f"SELECT EXISTS (SELECT 1 FROM person_roles r WHERE r.subject = $1 AND {where})",  # noqa: S608
        subject,
        *args,
    )
    if held:
        return None
    where_text = ", ".join(f"{k.value} {v}" for k, v in scope_values(scope).items()
                           if k in governing_kinds(role)) or "this scope"  # fmt: skip
    return f"{subject} does not hold the role {role.value} for {where_text}"


# ---------------------------------------------------------------- writes


async def _write_roles(conn: Connection, subject: str, grants: Sequence[RoleGrant]) -> None:
    await conn.execute("DELETE FROM person_roles WHERE subject = $1", subject)
    await conn.executemany(
        """INSERT INTO person_roles (subject, role, scope_upt, scope_lsp, scope_bapas,
                                     scope_ministry, scope_employer_nib)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        [
            (subject, g.role.value, g.scope.upt, g.scope.lsp, g.scope.bapas,
             g.scope.ministry.value if g.scope.ministry else None, g.scope.employer_nib)
            for g in grants
        ],
    )  # fmt: skip


def _role_names(grants: Sequence[RoleGrant]) -> list[dict[str, str]]:
    return [
        {"role": g.role.value}
        | {k.value: v for k, v in scope_values(g.scope).items() if k is not ScopeKind.ALL}
        for g in grants
    ]


async def audit(
    conn: Connection, subject: str, kind: str, at: datetime, actor: Actor | None,
    detail: dict[str, Any], *, chain_kind: str = CHAIN_KIND,
) -> None:  # fmt: skip
    """A change of the directory on the audit trail, in the chain of the person (or of the
    employer, for its contact) it changed; `detail` names fields, never their values."""
    await audit_trail.append(
        conn,
        AuditEntry(
            # A person's action: written once.
            entry_key=f"{chain_kind}:{subject}:{uuid.uuid4().hex}",
            case_kind=chain_kind,
            case_id=subject,
            workflow_id="directory",
            run_id=None,
            kind=kind,
            at=at,
            stage="directory",
            actor_subject=actor.subject if actor else None,
            actor_role=actor.role.value if actor else None,
            detail=detail,
        ),
    )


async def upsert_from_claims(
    conn: Connection,
    principal: Principal,
    claims: Mapping[str, Any],
    *,
    at: datetime | None = None,
    registration: Registration = Registration.LOGIN,
) -> Person:
    """Register or update the person verified claims describe (the login callback calls
    this with the ID token's claims; the API's bearer path with none).

    The identity provider is the source of roles, scope, name and e-mail: what the claims
    carry replaces what is stored (an administrator's correction holds until the IdP sends a
    different value). The language a person chose and an administrator's deactivation are
    kept. Nothing is written (and nothing audited) when nothing changed but the login time.
    """
    at = at or datetime.now(UTC)
    profile: Profile = profile_from_claims(claims)
    grants = grants_of(principal)
    login = registration is Registration.LOGIN
    async with conn.transaction():
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))", f"person:{principal.subject}"
        )
        before = await get_person(conn, principal.subject)
        ministry = administering_ministry(grants)
        if before is None:
            await conn.execute(
                """INSERT INTO people (subject, display_name, email, language, ministry,
                                       registered_by, created_at, updated_at, last_login_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)""",
                principal.subject, profile.display_name or "", profile.email,
                (profile.language or Language.INDONESIAN).value,
                ministry.value if ministry else None, registration.value, at, at if login else None,
            )  # fmt: skip
            await _write_roles(conn, principal.subject, grants)
            await audit(conn, principal.subject, "person_registered", at, None,
                         {"via": registration.value, "roles": _role_names(grants)})  # fmt: skip
        else:
            changed = [
                name
                for name, new, old in (
                    ("display_name", profile.display_name, before.display_name),
                    ("email", profile.email, before.email),
                )
                if new is not None and new != old
            ]
            roles_changed = _role_names(grants) != _role_names(before.roles)
            if changed or roles_changed or login:
                await conn.execute(
                    """UPDATE people SET display_name = COALESCE($2, display_name),
                                         email = COALESCE($3, email), ministry = $4,
                                         updated_at = CASE WHEN $5 THEN $6 ELSE updated_at END,
                                         last_login_at = CASE WHEN $7 THEN $6 ELSE last_login_at END
                        WHERE subject = $1""",
                    principal.subject, profile.display_name, profile.email,
                    ministry.value if ministry else None, bool(changed or roles_changed), at, login,
                )  # fmt: skip
            if roles_changed:
                await _write_roles(conn, principal.subject, grants)
            if changed or roles_changed:
                detail: dict[str, Any] = {"via": registration.value, "fields": changed}
                if roles_changed:
                    detail["roles"] = _role_names(grants)
                await audit(conn, principal.subject, "person_updated", at, None, detail)
        person = await get_person(conn, principal.subject)
    assert person is not None
    return person


async def create_person(conn: Connection, new: PersonCreate, actor: Actor) -> Person:
    """An administrator adds a person; 409 when the subject is already in the directory."""
    at = datetime.now(UTC)
    ministry = administering_ministry(new.roles)
    async with conn.transaction():
        inserted = await conn.fetchval(
            """INSERT INTO people (subject, display_name, email, language, ministry,
                                   registered_by, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, 'administrator', $6, $6)
               ON CONFLICT (subject) DO NOTHING RETURNING true""",
            new.subject, new.display_name, new.email, new.language.value,
            ministry.value if ministry else None, at,
        )  # fmt: skip
        if not inserted:
            raise conflict(f"{new.subject} is already in the directory: correct them with PATCH")
        await _write_roles(conn, new.subject, new.roles)
        await audit(conn, new.subject, "person_added", at, actor,
                     {"roles": _role_names(new.roles), "language": new.language.value})  # fmt: skip
        person = await get_person(conn, new.subject)
    assert person is not None
    return person


async def update_person(
    conn: Connection, subject: str, change: PersonUpdate, actor: Actor, *, ministry: str | None
) -> Person:
    """Apply `change` to a person of `ministry` (None: any, the person's own language
    choice). The roles after the change must stay within the same ministry."""
    at = datetime.now(UTC)
    async with conn.transaction():
        await _lock_person(conn, subject)
        before = await get_person(conn, subject)
        if before is None or (ministry is not None and (before.ministry or "") != ministry):
            raise not_found(f"{subject} is not among the people your ministry maintains")
        roles = change.roles if change.roles is not None else before.roles
        new_ministry = administering_ministry(roles)
        if ministry is not None and (new_ministry is None or new_ministry.value != ministry):
            raise invalid(
                f"these roles would put {subject} outside your ministry ({ministry}): "
                "give roles your ministry maintains"
            )
        fields = sorted(change.model_fields_set)
        await conn.execute(
            """UPDATE people SET display_name = COALESCE($2, display_name),
                                 email = CASE WHEN $3 THEN $4 ELSE email END,
                                 language = COALESCE($5, language),
                                 active = COALESCE($6, active), ministry = $7, updated_at = $8
                WHERE subject = $1""",
            subject, change.display_name, "email" in change.model_fields_set, change.email,
            change.language.value if change.language else None, change.active,
            new_ministry.value if new_ministry else None, at,
        )  # fmt: skip
        if change.roles is not None:
            await _write_roles(conn, subject, change.roles)
        detail: dict[str, Any] = {"fields": fields}
        if change.roles is not None:
            detail["roles"] = _role_names(change.roles)
        if change.active is not None:
            detail["active"] = change.active
        if change.language is not None:
            detail["language"] = change.language.value
        kind = "person_deactivated" if change.active is False else "person_corrected"
        await audit(conn, subject, kind, at, actor, detail)
        person = await get_person(conn, subject)
    assert person is not None
    return person
