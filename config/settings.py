"""The one settings object. Environment variables override; `.sinergi/` holds local state.

When DATABASE_URL or TEMPORAL_ADDRESS is set the embedded server for it is not started.
Outside development, default secrets are refused at start-up.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.enrolment import TASK_QUEUE as ENROLMENT_TASK_QUEUE
from domain.policy import EnrolmentPolicy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_JWT_SECRET = "sinergi-development-signing-key-change-me"  # refused outside development


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"


class RegistryMode(StrEnum):
    SIMULATOR = "simulator"  # in-process simulator: the embedded default
    HTTP = "http"  # the real service (or our HTTP simulator) at the configured URL


class Settings(BaseSettings):
    # Nested values by double underscore, e.g. SINERGI_ENROLMENT_POLICY__REMEDIAL_DAYS=10.
    model_config = SettingsConfigDict(
        env_prefix="SINERGI_", env_nested_delimiter="__", extra="ignore"
    )

    environment: Environment = Environment.DEVELOPMENT
    state_dir: Path = PROJECT_ROOT / ".sinergi"

    # External services. None means: start the embedded one under state_dir.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    temporal_address: str | None = Field(default=None, validation_alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = "default"
    enrolment_task_queue: str = ENROLMENT_TASK_QUEUE

    # Embedded stack ports (127.0.0.1 only).
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    api_host: str = "127.0.0.1"
    api_port: int = 8000

    # Identity: development tokens are HS256 signed with this secret.
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "sinergi-dev"
    jwt_audience: str = "sinergi-api"

    # Registries.
    sdp_mode: RegistryMode = RegistryMode.SIMULATOR
    sdp_url: str = "http://127.0.0.1:8100"
    bnsp_mode: RegistryMode = RegistryMode.SIMULATOR
    bnsp_url: str = "http://127.0.0.1:8100"
    registry_timeout_seconds: float = 10.0

    enrolment_policy: EnrolmentPolicy = EnrolmentPolicy()

    log_json: bool | None = None  # None: JSON unless stdout is a terminal

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        live = self.environment in (Environment.STAGING, Environment.PRODUCTION)
        if live and self.jwt_secret == DEV_JWT_SECRET:
            raise ValueError(
                f"SINERGI_JWT_SECRET is the development default; set a real secret for "
                f"environment {self.environment.value}"
            )
        return self

    @property
    def embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def embedded_temporal(self) -> bool:
        return self.temporal_address is None

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
