"""The directory of people: registered from a login's claims, kept by the administrators of
a ministry, on the audit trail, and never logged with names or e-mail addresses."""

from __future__ import annotations

import asyncpg
import structlog

from db import people as people_db
from domain.identity import Ministry, Principal, Role, Scope
from domain.people import Language, Registration

KEMNAKER = Scope(ministry=Ministry.KEMNAKER)
CLAIMS = {
    "sub": "kn-verifier-7",
    "name": "Ratna Sari",
    "email": "ratna.sari@kemnaker.go.id",
    "email_verified": True,
    "locale": "en-GB",
}


def _verifier(*roles: Role) -> Principal:
    return Principal(subject="kn-verifier-7", roles=set(roles or {Role.KEMNAKER_VERIFIER}),
                     scope=KEMNAKER)  # fmt: skip


async def test_a_login_registers_then_updates_the_person_and_each_change_is_audited(
    pool: asyncpg.Pool,
) -> None:
    with structlog.testing.capture_logs() as logs:
        async with pool.acquire() as conn:
            first = await people_db.upsert_from_claims(conn, _verifier(), CLAIMS)
            again = await people_db.upsert_from_claims(conn, _verifier(), CLAIMS)
            promoted = await people_db.upsert_from_claims(
                conn, _verifier(Role.KEMNAKER_VERIFIER, Role.KEMNAKER_DIRECTOR),
                CLAIMS | {"email": "r.sari@kemnaker.go.id"},
            )  # fmt: skip
    assert (first.display_name, first.email, first.language) == (
        "Ratna Sari", "ratna.sari@kemnaker.go.id", Language.ENGLISH)  # fmt: skip
    assert first.ministry is Ministry.KEMNAKER and first.registered_by is Registration.LOGIN
    assert [g.role for g in first.roles] == [Role.KEMNAKER_VERIFIER]
    assert again.updated_at == first.updated_at  # nothing changed but the login time
    assert again.last_login_at is not None and again.last_login_at >= first.last_login_at  # type: ignore[operator]
    assert {g.role for g in promoted.roles} == {Role.KEMNAKER_VERIFIER, Role.KEMNAKER_DIRECTOR}
    assert promoted.email == "r.sari@kemnaker.go.id"
    entries = await pool.fetch(
        "SELECT kind, detail::text AS detail FROM audit_entries WHERE chain_id = $1 ORDER BY seq",
        "person:kn-verifier-7",
    )
    assert [e["kind"] for e in entries] == ["person_registered", "person_updated"]
    assert '"email"' in entries[1]["detail"]  # the field's name ...
    for entry in entries:  # ... never its value, nor the name
        assert "Ratna" not in entry["detail"] and "kemnaker.go.id" not in entry["detail"]
    assert "Ratna" not in str(logs) and "kemnaker.go.id" not in str(logs)


async def test_addressing_finds_the_active_holders_of_a_role_in_the_scope(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        for subject, upt in (("tpp-a", "LP-CIPINANG"), ("tpp-b", "LP-CIPINANG"),
                             ("tpp-c", "LP-SALEMBA")):  # fmt: skip
            await people_db.upsert_from_claims(
                conn, Principal(subject=subject, roles={Role.TPP_MEMBER}, scope=Scope(upt=upt)), {}
            )
        await conn.execute("UPDATE people SET active = false WHERE subject = 'tpp-b'")
    found = await people_db.holders(pool, Role.TPP_MEMBER, Scope(upt="LP-CIPINANG", lsp="X"))
    assert [p.subject for p in found] == ["tpp-a"]
    assert await people_db.holders(pool, Role.CASEWORKER, Scope(upt="LP-CIPINANG")) == []
