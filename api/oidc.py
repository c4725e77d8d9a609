"""Production identity: JWTs from an OIDC issuer, verified with the keys of its JWKS.

Claim names are configuration (identity providers spell them differently): the roles claim
may hold a list or a space-separated string, and role names Sinergi does not know (an IdP
adds its own, e.g. "offline_access") are ignored. A token with no known role is a valid
identity with no permissions: endpoints then answer 403, not 401.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import lru_cache
from typing import Any

import jwt
import structlog
from pydantic import ValidationError

from config.settings import Settings
from domain.identity import Principal, Role, Scope

log = structlog.get_logger(__name__)

JWKS_TIMEOUT_SECONDS = 10.0
JWKS_LIFESPAN_SECONDS = 300.0  # how long a fetched key set is trusted before refetching
CLOCK_SKEW = timedelta(seconds=30)  # tolerated drift between the IdP's clock and ours
REQUIRED_CLAIMS = ["sub", "exp", "iss", "aud"]
_KNOWN_ROLES = {role.value: role for role in Role}


class ClaimsError(ValueError):
    """Verified claims that do not describe a person Sinergi can read."""


@lru_cache(maxsize=8)
def jwks_client(url: str) -> jwt.PyJWKClient:
    # One client per JWKS URL for the life of the process: it caches the parsed key set for
    # JWKS_LIFESPAN_SECONDS and refetches on an unknown kid (at most every 30 s).
    # cache_keys stays off on purpose: PyJWT's per-kid cache never expires, so a key the
    # IdP withdrew (compromised) would stay trusted until restart; the set cache suffices.
    return jwt.PyJWKClient(
        url, cache_keys=False, lifespan=JWKS_LIFESPAN_SECONDS, timeout=JWKS_TIMEOUT_SECONDS
    )


def _signing_key(client: jwt.PyJWKClient, token: str) -> jwt.PyJWK:
    """The key the token names by `kid`; a token without one (OIDC Core 10.1 allows it when
    the issuer has a single signing key) is checked against that only key."""
    if "kid" in jwt.get_unverified_header(token):
        return client.get_signing_key_from_jwt(token)
    keys = client.get_signing_keys()
    if len(keys) != 1:
        raise jwt.PyJWKClientError("the token names no key ('kid') and the issuer has several")
    return keys[0]


def verify_oidc_token(
    settings: Settings, token: str, *, audience: str | None = None
) -> dict[str, Any]:
    """The token's verified claims. Blocking (may fetch the JWKS): call it off the loop.

    `audience`: whom the token must be for, if not the API's (an ID token is for the
    workspace's client id, web/oidc_login.py).
    Raises PyJWTError subclasses; PyJWKClientConnectionError when the JWKS is unreachable.
    """
    audience = audience or settings.oidc_audience
    if settings.oidc_jwks_url is None or audience is None:
        raise jwt.InvalidIssuerError("no OIDC issuer is configured")
    signing_key = _signing_key(jwks_client(settings.oidc_jwks_url), token)
    claims: dict[str, Any] = jwt.decode(
        token,
        signing_key,  # a PyJWK: PyJWT checks the token's alg against the key's own
        algorithms=settings.oidc_algorithms,
        audience=audience,
        issuer=settings.oidc_issuer,
        leeway=CLOCK_SKEW,
        options={"require": REQUIRED_CLAIMS},
    )
    return claims


def claim(claims: Mapping[str, Any], name: str) -> Any:
    """A claim by exact name, else by dotted path through nested objects."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def read_roles(claims: Mapping[str, Any], roles_claim: str) -> frozenset[Role]:
    raw = claim(claims, roles_claim)
    if raw is None:
        names: list[str] = []
    elif isinstance(raw, str):
        names = raw.split()
    elif isinstance(raw, list) and all(isinstance(n, str) for n in raw):
        names = raw
    else:
        raise ClaimsError(f"the '{roles_claim}' claim is neither a list nor a string")
    unknown = sorted({n for n in names if n not in _KNOWN_ROLES})
    if unknown:
        # Role names are IdP configuration, not personal data; the subject is not logged.
        log.debug("token_roles_ignored", unknown_roles=unknown[:10], count=len(unknown))
    return frozenset(_KNOWN_ROLES[n] for n in names if n in _KNOWN_ROLES)


def read_scope(claims: Mapping[str, Any], scope_claims: Mapping[str, str]) -> Scope:
    values: dict[str, Any] = {}
    for field, name in scope_claims.items():
        value = claim(claims, name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # e.g. a numeric NIB
        if value is not None:
            values[field] = value
    try:
        return Scope.model_validate(values)
    except ValidationError:
        fields = ", ".join(sorted(values))
        raise ClaimsError(f"the token's scope claims ({fields}) are not valid") from None


def principal_from_claims(
    claims: Mapping[str, Any], roles_claim: str, scope_claims: Mapping[str, str]
) -> Principal:
    """The person verified claims describe. Raises ClaimsError."""
    roles = read_roles(claims, roles_claim)
    scope = read_scope(claims, scope_claims)
    try:
        return Principal(subject=claims["sub"], roles=roles, scope=scope)
    except ValidationError:
        raise ClaimsError("the token's subject ('sub') is not valid") from None
