"""Signing in through the OIDC issuer: authorization-code flow with PKCE (S256).

1. `begin`: a fresh state, nonce and code verifier go into the session (signed cookie); the
   person is sent to the issuer's authorization endpoint (from its discovery document).
2. `finish`: the issuer sends them back with a code and the state; the state must be the
   session's (CSRF on the login itself); the code is exchanged at the token endpoint with
   the verifier and the client's credentials; the ID token is verified exactly like an API
   token (api/oidc.py: the issuer's JWKS, issuer, expiry, algorithms) with the client id as
   audience and the session's nonce, and read with the same claim mapping, so the person
   gets the same Principal as their bearer token would give.
Nothing of the tokens is kept: the session holds the Principal's codes only.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import jwt
import structlog
from fastapi import Request
from pydantic import BaseModel

from api.oidc import ClaimsError, principal_from_claims, verify_oidc_token
from config.settings import Settings
from domain.errors import forbidden
from domain.identity import Principal
from web import session
from web.render import ServiceUnavailable

log = structlog.get_logger(__name__)

DISCOVERY_TTL_SECONDS = 300.0
HTTP_TIMEOUT_SECONDS = 10.0
_discovered: dict[str, tuple[float, dict[str, Any]]] = {}


class PendingLogin(BaseModel):
    state: str
    nonce: str
    verifier: str
    next: str


def _unavailable(message: str) -> ServiceUnavailable:
    return ServiceUnavailable(message)


async def discovery(settings: Settings) -> dict[str, Any]:
    """The issuer's metadata (cached for a few minutes)."""
    assert settings.oidc_issuer is not None
    url = settings.oidc_discovery_url or (
        settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    )
    cached = _discovered.get(url)
    if cached is not None and time.monotonic() - cached[0] < DISCOVERY_TTL_SECONDS:
        return cached[1]
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as client:
            response = await client.get(url)
            response.raise_for_status()
            metadata: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as error:
        log.warning("oidc_discovery_failed", error_type=type(error).__name__)
        raise _unavailable("the identity provider cannot be reached: try again later") from None
    _discovered[url] = (time.monotonic(), metadata)
    return metadata


def redirect_url(request: Request, settings: Settings) -> str:
    return settings.oidc_redirect_url or str(request.url_for("oidc_callback"))


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


async def begin(request: Request, settings: Settings, next_path: str) -> str:
    """The issuer's authorization URL for this person (the pending login is in the session)."""
    metadata = await discovery(settings)
    pending = PendingLogin(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        verifier=secrets.token_urlsafe(64),
        next=next_path,
    )
    request.session[session.LOGIN_KEY] = pending.model_dump()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.web_client_id,
            "redirect_uri": redirect_url(request, settings),
            "scope": settings.oidc_scopes,
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": _challenge(pending.verifier),
            "code_challenge_method": "S256",
        }
    )
    return f"{metadata['authorization_endpoint']}?{query}"


async def finish(request: Request, settings: Settings, code: str, state: str) -> PendingLogin:
    """Exchange the code, verify the ID token, start the session. Refusals are 403/503."""
    raw = request.session.pop(session.LOGIN_KEY, None)
    if raw is None:
        raise forbidden("no sign-in was started in this browser: start again from the sign-in page")
    pending = PendingLogin.model_validate(raw)
    if not secrets.compare_digest(pending.state, state):
        raise forbidden("the sign-in answer does not belong to this browser: start again")
    metadata = await discovery(settings)
    client_id = settings.web_client_id
    assert client_id is not None
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_url(request, settings),
        "code_verifier": pending.verifier,
        "client_id": client_id,
    }
    headers = {}
    if settings.oidc_client_secret is not None:  # client_secret_basic
        secret = settings.oidc_client_secret.get_secret_value()
        basic = base64.b64encode(f"{quote(client_id)}:{quote(secret)}".encode()).decode()
        headers["Authorization"] = f"Basic {basic}"
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as client:
            response = await client.post(metadata["token_endpoint"], data=form, headers=headers)
    except httpx.HTTPError as error:
        log.warning("oidc_token_exchange_failed", error_type=type(error).__name__)
        raise _unavailable("the identity provider cannot be reached: try again later") from None
    if response.status_code != 200:
        log.info("oidc_code_refused", status=response.status_code)
        raise forbidden("the identity provider refused the sign-in: start again")
    id_token = response.json().get("id_token")
    if not isinstance(id_token, str):
        raise forbidden("the identity provider sent no ID token: ask for the 'openid' scope")
    principal = await asyncio.to_thread(_principal, settings, id_token, pending.nonce)
    session.sign_in(request, settings, principal)
    log.info("signed_in", method="oidc", roles=sorted(r.value for r in principal.roles))
    return pending


def _principal(settings: Settings, id_token: str, nonce: str) -> Principal:
    try:
        claims = verify_oidc_token(settings, id_token, audience=settings.web_client_id)
    except jwt.PyJWKClientConnectionError:
        raise _unavailable("the identity provider's keys cannot be fetched: try again") from None
    except jwt.PyJWTError as error:
        log.info("id_token_refused", error_type=type(error).__name__)
        raise forbidden("the identity provider's answer could not be verified") from None
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise forbidden("the sign-in answer was replayed or mixed up: start again")
    try:
        principal = principal_from_claims(claims, settings.roles_claim, settings.scope_claims)
    except ClaimsError as error:
        raise forbidden(str(error)) from None
    if not principal.roles:
        raise forbidden("your account has no role in Sinergi: ask your administrator")
    return principal
