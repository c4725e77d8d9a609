"""Bearer tokens (JWT) naming the subject, roles and scope.

Two verifiers, chosen per token by `principal_from_token`:
- OIDC (staging, production, and development when configured): a token whose `iss` is
  SINERGI_OIDC_ISSUER is verified with that issuer's JWKS (`api/oidc.py`), reading the
  configured role and scope claim names.
- Development: HS256 tokens signed with SINERGI_JWT_SECRET (the CLI mints them), with the
  claims sub, roles and upt / lsp / bapas / ministry / employer_nib. Accepted only when
  `Settings.dev_tokens_accepted` (by default in development and test, never in production).
Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
import structlog
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.directory_sync import register_from_request
from api.oidc import ClaimsError, principal_from_claims, verify_oidc_token
from config.settings import Settings
from domain.identity import Principal, Role, Scope

log = structlog.get_logger(__name__)

_SCOPE_CLAIMS = ("upt", "lsp", "bapas", "ministry", "employer_nib")
DEV_ROLES_CLAIM = "roles"
DEV_SCOPE_CLAIMS = {name: name for name in _SCOPE_CLAIMS}  # fixed: the CLI writes these


def mint_dev_token(
    settings: Settings,
    subject: str,
    roles: list[Role],
    scope: Scope,
    ttl: timedelta = timedelta(hours=8),
) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": [r.value for r in roles],
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl,
    }
    for name in _SCOPE_CLAIMS:
        value = getattr(scope, name)
        if value is not None:
            claims[name] = str(value)
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def _unauthorized(message: str) -> HTTPException:
    log.info("token_refused", reason=message)
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=message,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _refusal(error: jwt.PyJWTError) -> HTTPException:
    """What is wrong with a token, in words a client can act on, without internals."""
    if isinstance(error, jwt.PyJWKClientConnectionError | jwt.PyJWKSetError):
        # The identity provider is unreachable or misconfigured: not the caller's fault.
        log.warning("jwks_unavailable", error_type=type(error).__name__)
        return HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="the identity provider's signing keys cannot be fetched: try again later",
        )
    if isinstance(error, jwt.ExpiredSignatureError):
        return _unauthorized("the token has expired: get a new one")
    if isinstance(error, jwt.InvalidAudienceError):
        return _unauthorized("the token is not valid for this API (wrong audience)")
    if isinstance(error, jwt.InvalidIssuerError):
        return _unauthorized("the token is not valid: its issuer is not trusted")
    if isinstance(error, jwt.PyJWKClientError):
        return _unauthorized("the token is not valid: its signing key is unknown to the issuer")
    if isinstance(error, jwt.InvalidSignatureError):
        return _unauthorized("the token is not valid: bad signature")
    if isinstance(error, jwt.InvalidAlgorithmError):
        return _unauthorized("the token is not valid: its signing algorithm is not accepted")
    if isinstance(error, jwt.MissingRequiredClaimError):
        return _unauthorized(f"the token is not valid: it has no '{error.claim}' claim")
    if isinstance(error, jwt.ImmatureSignatureError):
        return _unauthorized("the token is not valid yet: check the clocks")
    return _unauthorized("the token is not valid: it is not a well-formed JWT")


def _verify_dev_token(settings: Settings, token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token,
        settings.jwt_secret.get_secret_value(),
        algorithms=["HS256"],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        options={"require": ["sub", "exp", "iss", "aud"]},
    )
    return claims


def _check_lifetime(settings: Settings, claims: dict[str, Any]) -> None:
    """A token lives at most `token_max_lifetime_hours`: counted from `iat`, or from now when
    the issuer gives none (a stolen long-lived token must not work for months)."""
    limit = settings.token_max_lifetime_hours * 3600
    expires, issued = claims.get("exp"), claims.get("iat", time.time())
    if not isinstance(expires, int | float) or not isinstance(issued, int | float):
        raise _unauthorized("the token is not valid: exp and iat must be numbers")
    if expires - issued > limit + 60:  # a minute for clock skew
        raise _unauthorized(
            f"the token lives longer than {settings.token_max_lifetime_hours:g} hours: "
            "get one with a shorter lifetime"
        )


def _unverified(token: str) -> tuple[dict[str, Any], Any]:
    """The token's header and issuer, read before any verification (to pick the verifier)."""
    try:
        header = jwt.get_unverified_header(token)
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        raise _unauthorized("the token is not valid: it is not a well-formed JWT") from None
    return header, issuer


def _is_oidc(settings: Settings, issuer: Any) -> bool:
    return settings.oidc_issuer is not None and issuer == settings.oidc_issuer


def verified_without_network(settings: Settings, token: str) -> bool:
    """Whether verifying `token` needs no call to the identity provider (a development
    token, or a token refused before its signature is checked): cheap enough for the event
    loop. A malformed token answers True: its refusal is immediate too."""
    try:
        _, issuer = _unverified(token)
    except HTTPException:
        return True
    return not _is_oidc(settings, issuer)


def principal_from_token(settings: Settings, token: str) -> Principal:
    """The person a bearer token names, or HTTPException 401 (503 if the IdP is down).

    Blocking: an OIDC token may need the issuer's JWKS fetched. Async callers run it in a
    thread (see current_principal).
    """
    header, issuer = _unverified(token)
    oidc = _is_oidc(settings, issuer)
    looks_dev = issuer == settings.jwt_issuer or str(header.get("alg", "")).startswith("HS")
    if not oidc and not looks_dev:
        raise _unauthorized("the token is not valid: its issuer is not trusted")
    if not oidc and not settings.dev_tokens_accepted:
        raise _unauthorized(
            f"development tokens are not accepted in {settings.environment.value}: "
            "sign in with the identity provider"
        )
    try:
        if oidc:
            claims = verify_oidc_token(settings, token)
            _check_lifetime(settings, claims)
            return principal_from_claims(claims, settings.roles_claim, settings.scope_claims)
        claims = _verify_dev_token(settings, token)
        _check_lifetime(settings, claims)
        return principal_from_claims(claims, DEV_ROLES_CLAIM, DEV_SCOPE_CLAIMS)
    except jwt.PyJWTError as error:
        raise _refusal(error) from None
    except ClaimsError as error:
        raise _unauthorized(str(error)) from None


bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise _unauthorized("this endpoint needs a bearer token (Authorization: Bearer <jwt>)")
    settings: Settings = request.app.state.settings
    token = credentials.credentials
    if verified_without_network(settings, token):
        # An HMAC and a few claims: a thread hop would cost more than the check (issue 18).
        principal = principal_from_token(settings, token)
    else:
        # In a thread: verifying an OIDC token may fetch the issuer's JWKS with a blocking
        # HTTP call (PyJWKClient is synchronous), which must not stall the event loop.
        principal = await asyncio.to_thread(principal_from_token, settings, token)
    # Who asked, for the auditors' request log (api/auditor_log.py), written once answered.
    request.state.principal = principal
    # The directory of people follows the token's roles and scope (api/directory_sync.py).
    await register_from_request(request, principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
