"""The one settings object: embedded versus external services, policy, secrets."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from config.payload_encryption import DEV_KEY
from config.settings import (
    DEV_JWT_SECRET,
    DEV_SESSION_SECRET,
    DEV_SIMPONI_SECRET,
    Environment,
    Settings,
    WorkflowSandbox,
)
from documents.settings import DocumentSettings
from tests.live_settings import live_settings, live_values


def test_external_database_and_temporal_turn_the_embedded_servers_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://sinergi@db.internal/sinergi")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal.internal:7233")
    settings = Settings()
    assert not settings.embedded_postgres
    assert not settings.embedded_temporal
    assert settings.effective_temporal_address == "temporal.internal:7233"


def test_by_default_everything_is_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TEMPORAL_ADDRESS", raising=False)
    settings = Settings()
    assert settings.embedded_postgres and settings.embedded_temporal
    assert settings.effective_temporal_address == "127.0.0.1:7233"


def test_policy_durations_are_configurable_with_domain_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().enrolment_policy.remedial_days == 14
    assert Settings().enrolment_policy.min_attendance_ratio == 0.8
    monkeypatch.setenv("SINERGI_ENROLMENT_POLICY__REMEDIAL_DAYS", "10")
    monkeypatch.setenv("SINERGI_ENROLMENT_POLICY__BNSP_SLA_DAYS", "45")
    policy = Settings().enrolment_policy
    assert (policy.remedial_days, policy.bnsp_sla_days, policy.appeal_window_days) == (10, 45, 14)


def test_workers_run_workflows_unsandboxed_unless_the_sandbox_is_turned_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SINERGI_WORKFLOW_SANDBOX", raising=False)
    assert Settings().workflow_sandbox is WorkflowSandbox.OFF
    monkeypatch.setenv("SINERGI_WORKFLOW_SANDBOX", "on")
    assert Settings().workflow_sandbox is WorkflowSandbox.ON
    monkeypatch.setenv("SINERGI_WORKFLOW_SANDBOX", "sometimes")
    with pytest.raises(ValidationError, match="workflow_sandbox"):
        Settings()


LIVE = [Environment.STAGING, Environment.PRODUCTION]


@pytest.mark.parametrize("environment", LIVE)
def test_live_environments_load_with_every_secret_set(environment: Environment) -> None:
    settings = live_settings(environment)
    assert settings.jwt_secret.get_secret_value() == "a-real-secret-from-the-vault-32-bytes"
    assert settings.payload_key_id == "live-1"


@pytest.mark.parametrize("environment", LIVE)
@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"jwt_secret": DEV_JWT_SECRET}, "SINERGI_JWT_SECRET is the development default"),
        (
            {"session_secret": DEV_SESSION_SECRET},
            "SINERGI_SESSION_SECRET is the development default",
        ),
        (
            {"simponi_callback_secret": DEV_SIMPONI_SECRET},
            "SINERGI_SIMPONI_CALLBACK_SECRET is the development default",
        ),
        (
            {"payload_keys": {}, "payload_key_id": None},
            "SINERGI_PAYLOAD_KEYS and SINERGI_PAYLOAD_KEY_ID must be set",
        ),
        (
            {"payload_keys": {"live-1": SecretStr(DEV_KEY)}},
            "SINERGI_PAYLOAD_KEYS holds the development key",
        ),
        (
            {"codec_dev_ui_operator": True},
            "SINERGI_CODEC_DEV_UI_OPERATOR lets the codec decode without a token",
        ),
    ],
    ids=[
        "jwt-secret",
        "session-secret",
        "simponi-secret",
        "no-payload-keys",
        "dev-payload-key",
        "codec-dev-ui-operator",
    ],
)
def test_live_environments_refuse_each_development_secret_at_load(
    environment: Environment, change: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(ValidationError, match=refusal):
        live_settings(environment, **change)


@pytest.mark.parametrize("environment", [*LIVE, Environment.DEVELOPMENT, Environment.TEST])
def test_payload_keys_must_be_usable_in_every_environment(environment: Environment) -> None:
    values = live_values(environment)
    with pytest.raises(ValidationError, match="SINERGI_PAYLOAD_KEY_ID must name one of"):
        Settings(**values | {"payload_key_id": "live-2"})
    with pytest.raises(ValidationError, match="must be 32 bytes"):
        Settings(**values | {"payload_keys": {"live-1": SecretStr("c2hvcnQ=")}})


def test_a_live_environment_hears_every_problem_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINERGI_ENVIRONMENT", "production")
    with pytest.raises(ValidationError) as refused:
        Settings()  # every default: the development secrets, no payload keys
    message = str(refused.value)
    assert "SINERGI_JWT_SECRET" in message
    assert "SINERGI_PAYLOAD_KEYS and SINERGI_PAYLOAD_KEY_ID must be set" in message


def test_every_secret_is_a_secret_str_and_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    password = "db-password-in-the-dsn"
    monkeypatch.setenv("DATABASE_URL", f"postgresql://sinergi:{password}@db.internal/sinergi")
    settings = live_settings(simponi_callback_secret="shared-with-simponi")
    secrets = {
        "jwt_secret": settings.jwt_secret,
        "session_secret": settings.session_secret,
        "simponi_callback_secret": settings.simponi_callback_secret,
        "database_url": settings.database_url,
        **{f"payload key {k}": v for k, v in settings.payload_keys.items()},
    }
    assert all(isinstance(secret, SecretStr) for secret in secrets.values()), secrets
    shown = repr(settings) + str(settings.model_dump())
    for secret in secrets.values():
        assert isinstance(secret, SecretStr)
        assert secret.get_secret_value() not in shown
    assert settings.database_dsn is not None and password in settings.database_dsn


def test_development_accepts_the_development_secret() -> None:
    settings = Settings(environment=Environment.DEVELOPMENT)
    assert settings.jwt_secret.get_secret_value() == DEV_JWT_SECRET


def test_the_document_stores_example_secret_is_refused_in_production() -> None:
    """.env.example's CHANGE-ME for the S3 secret key would otherwise reach the object store."""
    live = live_values(Environment.PRODUCTION)
    placeholder = DocumentSettings(s3_secret_access_key=SecretStr("CHANGE-ME-documents-key"))
    with pytest.raises(ValidationError, match="SINERGI_DOCUMENTS__S3_SECRET_ACCESS_KEY"):
        Settings(**live, documents=placeholder)
    assert Settings(**live, documents=DocumentSettings(s3_secret_access_key=SecretStr("x" * 40)))


def test_a_cohort_lease_no_longer_than_one_signal_is_refused_at_start() -> None:
    """The dispatcher sends a row only while its lease outlasts a signal: such a lease would
    have it take rows and give them back for ever."""
    with pytest.raises(ValidationError, match="LEASE_SECONDS must exceed"):
        Settings(
            environment=Environment.TEST,
            cohort_dispatch_lease_seconds=11.0,
            cohort_dispatch_signal_timeout_seconds=10.0,
        )
    Settings(environment=Environment.TEST, cohort_dispatch_lease_seconds=12.5)
