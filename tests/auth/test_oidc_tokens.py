"""Production identity: tokens from the OIDC issuer, verified with the keys its JWKS serves."""

from __future__ import annotations

import socket
from datetime import timedelta

import jwt
import pytest
from fastapi import HTTPException

from api.auth import principal_from_token
from config.settings import Settings
from domain.identity import Principal, Role, Scope
from tests.auth.conftest import AUDIENCE, ISSUER, KID, Issuer, new_key


def refusal(settings: Settings, token: str, status: int = 401) -> str:
    with pytest.raises(HTTPException) as refused:
        principal_from_token(settings, token)
    assert refused.value.status_code == status, refused.value.detail
    return str(refused.value.detail)


def test_a_token_of_the_issuer_names_the_person_with_the_configured_claim_names(
    issuer: Issuer,
) -> None:
    settings = issuer.settings(
        roles_claim="realm_roles", scope_claims={"upt": "sinergi_upt", "lsp": "sinergi_lsp"}
    )
    token = issuer.token(
        roles=None, upt=None, realm_roles=["tpp_member"], sinergi_upt="LP-CIPINANG"
    )
    assert principal_from_token(settings, token) == Principal(
        subject="f3b9c2a0-tpp-1", roles=frozenset({Role.TPP_MEMBER}), scope=Scope(upt="LP-CIPINANG")
    )


def test_a_scope_claim_under_its_default_name_is_not_read_when_renamed(issuer: Issuer) -> None:
    settings = issuer.settings(scope_claims={"upt": "sinergi_upt"})
    assert principal_from_token(settings, issuer.token()).scope == Scope()


def test_roles_may_be_a_space_separated_string(issuer: Issuer) -> None:
    token = issuer.token(roles="caseworker tpp_member")
    roles = principal_from_token(issuer.settings(), token).roles
    assert roles == {Role.CASEWORKER, Role.TPP_MEMBER}


def test_roles_may_be_nested_as_keycloak_puts_them(issuer: Issuer) -> None:
    settings = issuer.settings(roles_claim="realm_access.roles")
    token = issuer.token(roles=None, realm_access={"roles": ["lsp_assessor", "offline_access"]})
    assert principal_from_token(settings, token).roles == {Role.LSP_ASSESSOR}


def test_unknown_role_names_are_ignored(issuer: Issuer) -> None:
    token = issuer.token(roles=["offline_access", "caseworker", "uma_authorization"])
    assert principal_from_token(issuer.settings(), token).roles == {Role.CASEWORKER}


def test_a_token_with_no_known_role_is_an_identity_without_permissions(issuer: Issuer) -> None:
    principal = principal_from_token(issuer.settings(), issuer.token(roles=["offline_access"]))
    assert principal.subject == "f3b9c2a0-tpp-1" and principal.roles == frozenset()


def test_a_roles_claim_that_is_neither_list_nor_string_is_401(issuer: Issuer) -> None:
    assert "'roles' claim" in refusal(issuer.settings(), issuer.token(roles={"a": 1}))


def test_a_token_for_another_audience_is_401(issuer: Issuer) -> None:
    detail = refusal(issuer.settings(), issuer.token(aud="another-api"))
    assert "audience" in detail


def test_a_token_from_another_issuer_is_401(issuer: Issuer) -> None:
    detail = refusal(issuer.settings(), issuer.token(iss="https://evil.test/realms/x"))
    assert "issuer is not trusted" in detail


def test_an_expired_token_is_401(issuer: Issuer) -> None:
    detail = refusal(issuer.settings(), issuer.token(ttl=-timedelta(minutes=5)))
    assert "expired" in detail


def test_a_token_signed_by_another_key_under_the_issuers_kid_is_401(issuer: Issuer) -> None:
    detail = refusal(issuer.settings(), issuer.token(key=new_key()))
    assert "bad signature" in detail


def test_a_token_signed_by_a_key_the_issuer_does_not_publish_is_401(issuer: Issuer) -> None:
    detail = refusal(issuer.settings(), issuer.token(key=new_key(), kid="attacker-key"))
    assert "signing key is unknown" in detail


def test_a_token_without_subject_is_401(issuer: Issuer) -> None:
    assert "'sub'" in refusal(issuer.settings(), issuer.token(sub=None))


def test_an_hs256_token_in_the_issuers_name_is_401(issuer: Issuer) -> None:
    # Algorithm confusion: HS256 "signed" with a guessable secret, claiming the issuer.
    forged = jwt.encode(
        {"sub": "x", "iss": ISSUER, "aud": AUDIENCE, "exp": 4102444800, "roles": ["auditor"]},
        "a-secret-the-attacker-chose-32-bytes",
        algorithm="HS256",
        headers={"kid": KID},
    )
    assert "algorithm" in refusal(issuer.settings(), forged)


def test_garbage_is_401(issuer: Issuer) -> None:
    assert "well-formed" in refusal(issuer.settings(), "not-a-jwt")


def test_an_unreachable_jwks_is_503_not_the_callers_fault(issuer: Issuer) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = issuer.settings(oidc_jwks_url=f"http://127.0.0.1:{port}/jwks.json")
    detail = refusal(settings, issuer.token(), status=503)
    assert "identity provider" in detail and str(port) not in detail


def test_a_token_living_longer_than_the_maximum_is_401(issuer: Issuer) -> None:
    settings = issuer.settings()
    assert settings.token_max_lifetime_hours == 12
    detail = refusal(settings, issuer.token(ttl=timedelta(hours=13)))
    assert "lives longer than 12 hours" in detail
    detail = refusal(settings, issuer.token(ttl=timedelta(days=3650), iat=None))
    assert "lives longer than 12 hours" in detail
    assert principal_from_token(settings, issuer.token(ttl=timedelta(hours=12))).roles
