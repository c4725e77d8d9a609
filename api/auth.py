"""Bearer tokens (JWT) naming the subject, roles and scope.

Development tokens are HS256-signed with the configured secret (the CLI mints them).
Claims: sub, roles (list of Role values), and the scope claims upt / lsp / bapas / ministry /
employer_nib, each optional.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from config.settings import Settings
from domain.identity import Principal, Role, Scope

_SCOPE_CLAIMS = ("upt", "lsp", "bapas", "ministry", "employer_nib")


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
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=message,
        headers={"WWW-Authenticate": "Bearer"},
    )


def principal_from_token(settings: Settings, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=["HS256"],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "exp", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise _unauthorized("the token has expired: get a new one") from None
    except jwt.PyJWTError as error:
        raise _unauthorized(f"the token is not valid: {error}") from None
    try:
        return Principal(
            subject=claims["sub"],
            roles=frozenset(Role(r) for r in claims.get("roles", [])),
            scope=Scope(**{k: claims[k] for k in _SCOPE_CLAIMS if k in claims}),
        )
    except (ValueError, ValidationError) as error:
        raise _unauthorized(f"the token's roles or scope are not valid: {error}") from None


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise _unauthorized("this endpoint needs a bearer token (Authorization: Bearer <jwt>)")
    settings: Settings = request.app.state.settings
    return principal_from_token(settings, credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
