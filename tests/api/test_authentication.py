"""Every endpoint that reads or changes data needs a valid bearer token."""

from __future__ import annotations

import re

from tests.api.conftest import ApiStack

PUBLIC = {
    "/health",
    "/ready",
    "/public/certificate-check",
}  # the public check: tests/api/test_certificate_check.py
# Authenticated by a signature instead of a token: SIMPONI is a system, not a person.
SIGNED = {"/payments/simponi/callback"}


async def test_every_route_refuses_a_request_without_a_token(api: ApiStack) -> None:
    assert api.app is not None
    operations = [
        (method.upper(), path)
        for path, item in api.app.openapi()["paths"].items()
        for method in item
        if path not in PUBLIC
    ]
    assert len(operations) >= 14  # fails loudly if endpoints stop being discovered
    for method, path in operations:
        response = await api.http.request(method, re.sub(r"\{[^}]+\}", "X", path), json={})
        assert response.status_code == 401, (method, path, response.text)
        needed = "X-Simponi-Signature" if path in SIGNED else "bearer token"
        assert needed in response.json()["detail"]


async def test_an_expired_or_foreign_token_is_401(api: ApiStack) -> None:
    from datetime import timedelta

    from api.auth import mint_dev_token
    from config.settings import Settings
    from domain.identity import Role, Scope

    expired = mint_dev_token(
        api.settings, "cw", [Role.CASEWORKER], Scope(upt="LP-CIPINANG"), timedelta(seconds=-5)
    )
    foreign = mint_dev_token(
        Settings(jwt_secret="someone-elses-key"), "cw", [Role.CASEWORKER], Scope(upt="LP-CIPINANG")
    )
    for token, message in ((expired, "expired"), (foreign, "not valid")):
        response = await api.http.get("/enrolments", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert message in response.json()["detail"]


async def test_health_needs_no_token(api: ApiStack) -> None:
    response = await api.http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
