"""An employer's contact e-mail in Postgres: read by the delivery worker when it addresses a
reminder to the employer, set by the employer itself.

Every change is on the audit trail in the employer's own chain ("employer:{nib}"), in the
transaction that makes it; the entry names the fields that changed, never the address.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from db.connect import Connection
from db.people import audit
from domain.identity import Actor
from domain.people import ContactChange, EmployerContact

CHAIN_KIND = "employer"
_COLUMNS = "employer_nib, email, language, updated_by, updated_at"


async def get_contact(conn: Connection | asyncpg.Pool, nib: str) -> EmployerContact | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM employer_contacts WHERE employer_nib = $1",  # noqa: S608 - fixed
        nib,
    )
    return EmployerContact(**dict(row)) if row is not None else None


async def set_contact(
    conn: Connection, nib: str, change: ContactChange, actor: Actor
) -> EmployerContact:
    """Set (or replace) the employer's contact; audited only when something changed."""
    at = datetime.now(UTC)
    async with conn.transaction():
        # Two saves of one employer's contact are served in turn (each sees the other's).
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"employer:{nib}")
        before = await get_contact(conn, nib)
        fields = [
            name
            for name, new, old in (
                ("email", change.email, before.email if before else None),
                ("language", change.language.value, before.language.value if before else None),
            )
            if new != old
        ]
        if fields:
            await conn.execute(
                """INSERT INTO employer_contacts (employer_nib, email, language, updated_by,
                                                  updated_at)
                   VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT (employer_nib) DO UPDATE
                      SET email = $2, language = $3, updated_by = $4, updated_at = $5""",
                nib, change.email, change.language.value, actor.subject, at,
            )  # fmt: skip
            kind = "employer_contact_set" if before is None else "employer_contact_changed"
            await audit(conn, nib, kind, at, actor, {"fields": fields}, chain_kind=CHAIN_KIND)
        contact = await get_contact(conn, nib)
    assert contact is not None
    return contact
