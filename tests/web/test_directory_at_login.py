"""Signing in through a real OIDC provider registers the person in the directory of people
from the ID token's verified claims (name, e-mail, locale, roles, scope), and a later
sign-in updates them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.oidc_provider import OidcProvider
from tests.web.conftest import Workspace, serve_workspace
from tests.web.test_oidc_sign_in import production_like


@pytest.fixture
async def production(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, oidc_issuer: OidcProvider
) -> AsyncIterator[Workspace]:
    async with serve_workspace(pool, dev_env, **production_like(oidc_issuer)) as served:
        yield served


async def _sign_in(production: Workspace, oidc: OidcProvider, sub: str) -> None:
    async with production.client() as client:
        start = await client.get("/masuk/oidc?next=/tugas")
        back = oidc.sign_in(start.headers["location"], sub)
        done = await client.get(back.removeprefix(production.url))
        assert done.status_code == 303, done.text


async def test_a_login_registers_and_updates_the_person_from_the_id_token(
    production: Workspace, oidc_issuer: OidcProvider
) -> None:
    oidc_issuer.set_user("dewi@kemenimipas", roles=["tpp_member"], upt="LP-CIPINANG",
                         name="Dewi Anggraini", email="dewi@kemenimipas.go.id",
                         email_verified=True, locale="en")  # fmt: skip
    await _sign_in(production, oidc_issuer, "dewi@kemenimipas")
    pool = production.api.pool
    person = await pool.fetchrow(
        "SELECT display_name, email, language, registered_by, last_login_at FROM people "
        "WHERE subject = 'dewi@kemenimipas'"
    )
    assert person is not None
    assert dict(person) | {"last_login_at": None} == {
        "display_name": "Dewi Anggraini", "email": "dewi@kemenimipas.go.id", "language": "en",
        "registered_by": "login", "last_login_at": None}  # fmt: skip
    assert person["last_login_at"] is not None
    roles = await pool.fetch("SELECT role, scope_upt FROM person_roles "
                             "WHERE subject = 'dewi@kemenimipas'")  # fmt: skip
    assert [tuple(r) for r in roles] == [("tpp_member", "LP-CIPINANG")]

    # Moved to Salemba with a new address: the next login says so.
    oidc_issuer.set_user("dewi@kemenimipas", roles=["tpp_member"], upt="LP-SALEMBA",
                         name="Dewi Anggraini", email="dewi.a@kemenimipas.go.id",
                         email_verified=True)  # fmt: skip
    await _sign_in(production, oidc_issuer, "dewi@kemenimipas")
    moved = await pool.fetchrow("SELECT p.email, p.language, r.scope_upt FROM people p "
                                "JOIN person_roles r USING (subject) "
                                "WHERE subject = 'dewi@kemenimipas'")  # fmt: skip
    assert moved is not None
    # The language she chose stays: a token without a locale does not reset it.
    assert tuple(moved) == ("dewi.a@kemenimipas.go.id", "en", "LP-SALEMBA")
    trail = "SELECT kind FROM audit_entries WHERE chain_id = 'person:dewi@kemenimipas' ORDER BY seq"
    kinds = [r["kind"] for r in await pool.fetch(trail)]
    assert kinds == ["person_registered", "person_updated"]
