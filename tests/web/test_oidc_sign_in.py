"""Signing in through a real OIDC provider (tests/oidc_provider.py), the app configured as in
production: no personas, no development tokens, a real session secret."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from config.settings import Environment
from tests.live_settings import live_values
from tests.oidc_provider import OidcProvider
from tests.web.conftest import Workspace, serve_workspace


def production_like(oidc: OidcProvider, secure_cookie: bool = False) -> dict[str, Any]:
    """Production settings. The test server speaks plain http, and httpx (unlike Chromium on
    localhost) sends no Secure cookie over http: these HTTP-level tests turn the flag off;
    the browser test keeps it on."""
    return {
        **live_values(Environment.PRODUCTION),  # payload keys and every other secret set
        "session_cookie_secure": secure_cookie,
        "environment": Environment.PRODUCTION,
        "jwt_secret": "a-production-jwt-secret-for-tests",
        "session_secret": "a-production-session-secret-for-tests",
        "simponi_callback_secret": "a-production-simponi-secret",
        **oidc.settings_for("sinergi-web"),
    }


@pytest.fixture
async def production(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, oidc_issuer: OidcProvider
) -> AsyncIterator[Workspace]:
    async with serve_workspace(pool, dev_env, **production_like(oidc_issuer)) as served:
        yield served


async def test_a_tpp_member_signs_in_through_the_identity_provider(
    production: Workspace, oidc_issuer: OidcProvider
) -> None:
    oidc_issuer.set_user("budi@kemenimipas", roles=["tpp_member", "offline_access"],
                         upt="LP-CIPINANG")  # fmt: skip
    async with production.client() as client:
        page = await client.get("/masuk")
        assert 'data-testid="oidc-login"' in page.text
        assert "Masuk sebagai (hanya pengembangan)" not in page.text
        start = await client.get("/masuk/oidc?next=/tugas")
        assert start.status_code == 303
        authorize = start.headers["location"]
        assert authorize.startswith(oidc_issuer.issuer)
        assert "code_challenge_method=S256" in authorize and "nonce=" in authorize
        back = oidc_issuer.sign_in(authorize, "budi@kemenimipas")
        assert back.startswith(production.url + "/masuk/callback?")
        done = await client.get(back.removeprefix(production.url))
        assert done.status_code == 303 and done.headers["location"] == "/tugas"
        inbox = await client.get("/tugas")
    assert inbox.status_code == 200
    assert 'data-testid="subject">budi@kemenimipas<' in inbox.text
    assert 'data-testid="active-role">Anggota TPP<' in inbox.text


async def test_a_callback_this_browser_did_not_start_is_refused(
    production: Workspace, oidc_issuer: OidcProvider
) -> None:
    oidc_issuer.set_user("budi", roles=["tpp_member"], upt="LP-CIPINANG")
    async with production.client() as mallory, production.client() as victim:
        start = await mallory.get("/masuk/oidc")
        back = oidc_issuer.sign_in(start.headers["location"], "budi")
        # The victim is made to follow the attacker's callback: login CSRF, refused.
        refused = await victim.get(back.removeprefix(production.url))
        assert refused.status_code == 403
        assert (await victim.get("/tugas")).status_code == 303


async def test_an_account_without_a_sinergi_role_is_refused(
    production: Workspace, oidc_issuer: OidcProvider
) -> None:
    oidc_issuer.set_user("tamu", roles=["offline_access"])
    async with production.client() as client:
        start = await client.get("/masuk/oidc")
        back = oidc_issuer.sign_in(start.headers["location"], "tamu")
        refused = await client.get(back.removeprefix(production.url))
    assert refused.status_code == 403
    assert "no role in Sinergi" in refused.text


async def test_production_offers_no_personas(production: Workspace) -> None:
    async with production.client() as client:
        page = await client.get("/masuk")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        refused = await client.post("/masuk/sebagai", data={"csrf_token": token, "subject": "budi"})
    assert refused.status_code == 404
