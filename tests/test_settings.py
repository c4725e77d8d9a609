"""The one settings object: embedded versus external services, policy, secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.settings import DEV_JWT_SECRET, Environment, Settings


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


@pytest.mark.parametrize("environment", [Environment.STAGING, Environment.PRODUCTION])
def test_live_environments_refuse_the_development_secret(environment: Environment) -> None:
    with pytest.raises(ValidationError, match="SINERGI_JWT_SECRET"):
        Settings(environment=environment)
    assert Settings(environment=environment, jwt_secret="a-real-secret-from-the-vault").jwt_secret


def test_development_accepts_the_development_secret() -> None:
    assert Settings(environment=Environment.DEVELOPMENT).jwt_secret == DEV_JWT_SECRET
