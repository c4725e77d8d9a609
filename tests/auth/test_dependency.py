"""The FastAPI dependency: an OIDC token reaches a route, and fetching keys never stalls the
event loop (PyJWKClient's HTTP call is blocking)."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from api.auth import CurrentPrincipal
from config.settings import Settings
from tests.auth.conftest import SLOW_SECONDS, Issuer


def app_with(settings: Settings) -> FastAPI:
    app = FastAPI()
    app.state.settings = settings

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, object]:
        return {"subject": principal.subject, "roles": sorted(principal.roles)}

    return app


async def get_me(app: FastAPI, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sinergi.test") as http:
        return await http.get("/me", headers=headers)


async def test_a_route_sees_the_person_an_oidc_token_names(issuer: Issuer) -> None:
    response = await get_me(app_with(issuer.settings()), issuer.token())
    assert response.status_code == 200
    assert response.json() == {"subject": "f3b9c2a0-tpp-1", "roles": ["tpp_member"]}


async def test_a_refused_token_is_401_with_a_bearer_challenge(issuer: Issuer) -> None:
    response = await get_me(app_with(issuer.settings()), issuer.token(aud="another-api"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "audience" in response.json()["detail"]


async def test_fetching_the_jwks_does_not_block_the_event_loop(issuer: Issuer) -> None:
    # A JWKS URL nobody fetched yet, answering slowly: the loop must keep running meanwhile.
    settings = issuer.settings(oidc_jwks_url=f"{issuer.base_url}/slow/jwks.json")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        response = await get_me(app_with(settings), issuer.token())
    finally:
        ticker.cancel()
    assert response.status_code == 200
    assert ticks >= SLOW_SECONDS / 0.01 / 2  # a blocked loop would count almost none
