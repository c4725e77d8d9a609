"""Development tokens (HS256, minted by the CLI) exist only where development happens."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from pydantic import ValidationError

from api.auth import mint_dev_token, principal_from_token
from config.settings import Environment, Settings
from domain.identity import Role, Scope
from tests.auth.conftest import ISSUER, Issuer
from tests.live_settings import live_settings

SECRET = "x" * 32


def dev_token(settings: Settings, *roles: Role) -> str:
    return mint_dev_token(settings, "ani", list(roles), Scope(upt="LP-CIPINANG"))


def test_production_refuses_development_tokens(issuer: Issuer) -> None:
    settings = issuer.settings(Environment.PRODUCTION)
    with pytest.raises(HTTPException) as refused:
        principal_from_token(settings, dev_token(settings, Role.CASEWORKER))
    assert refused.value.status_code == 401
    assert "development tokens are not accepted in production" in refused.value.detail


def test_production_accepts_the_issuers_tokens(issuer: Issuer) -> None:
    assert principal_from_token(issuer.settings(Environment.PRODUCTION), issuer.token()).roles


def test_staging_refuses_development_tokens_unless_enabled(issuer: Issuer) -> None:
    staging = issuer.settings(Environment.STAGING)
    with pytest.raises(HTTPException) as refused:
        principal_from_token(staging, dev_token(staging, Role.CASEWORKER))
    assert refused.value.status_code == 401
    opted_in = issuer.settings(Environment.STAGING, dev_tokens_enabled=True)
    assert principal_from_token(opted_in, dev_token(opted_in, Role.CASEWORKER)).subject == "ani"


def test_production_cannot_enable_development_tokens() -> None:
    with pytest.raises(ValidationError, match="SINERGI_DEV_TOKENS_ENABLED"):
        live_settings(Environment.PRODUCTION, dev_tokens_enabled=True)


@pytest.mark.parametrize("environment", [Environment.DEVELOPMENT, Environment.TEST])
def test_development_and_test_accept_development_tokens(environment: Environment) -> None:
    settings = Settings(environment=environment, jwt_secret=SECRET)
    principal = principal_from_token(settings, dev_token(settings, Role.CASEWORKER))
    assert (principal.subject, principal.roles) == ("ani", frozenset({Role.CASEWORKER}))
    assert principal.scope == Scope(upt="LP-CIPINANG")


def test_development_can_disable_development_tokens() -> None:
    settings = Settings(jwt_secret=SECRET, dev_tokens_enabled=False)
    with pytest.raises(HTTPException, match="development tokens"):
        principal_from_token(settings, dev_token(settings, Role.CASEWORKER))


def test_development_with_an_issuer_accepts_both_kinds_side_by_side(issuer: Issuer) -> None:
    settings = issuer.settings(Environment.DEVELOPMENT, roles_claim="realm_roles")
    dev = principal_from_token(settings, dev_token(settings, Role.CASEWORKER))
    oidc = principal_from_token(settings, issuer.token(roles=None, realm_roles=["auditor"]))
    # Dev tokens keep their fixed claim names whatever the issuer's are called.
    assert dev.roles == {Role.CASEWORKER} and oidc.roles == {Role.AUDITOR}


def test_a_development_token_claiming_the_oidc_issuer_is_401(issuer: Issuer) -> None:
    settings = issuer.settings(Environment.DEVELOPMENT)
    forged = mint_dev_token(
        Settings(jwt_secret=SECRET, jwt_issuer=ISSUER), "ani", [Role.AUDITOR], Scope()
    )
    with pytest.raises(HTTPException) as refused:
        principal_from_token(settings, forged)
    assert refused.value.status_code == 401


def test_an_issuer_needs_its_audience_and_jwks_url() -> None:
    with pytest.raises(ValidationError, match="SINERGI_OIDC_AUDIENCE"):
        Settings(oidc_issuer=ISSUER)


@pytest.mark.parametrize("algorithm", ["HS256", "none"])
def test_shared_secret_or_unsigned_algorithms_are_refused_for_oidc(algorithm: str) -> None:
    with pytest.raises(ValidationError, match="asymmetric"):
        Settings(oidc_algorithms=["RS256", algorithm])


def test_scope_claims_name_only_known_scope_fields() -> None:
    with pytest.raises(ValidationError, match="unknown scope fields"):
        Settings(scope_claims={"prison": "upt"})
