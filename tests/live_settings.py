"""Settings of a live environment (staging, production) that load: every secret set, none a
development default. Tests of live behaviour start from these and change one thing."""

from __future__ import annotations

import base64
import os
from typing import Any

from pydantic import SecretStr

from config.settings import Environment, Settings


def new_payload_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def live_values(environment: Environment = Environment.PRODUCTION) -> dict[str, Any]:
    return {
        "environment": environment,
        "jwt_secret": SecretStr("a-real-secret-from-the-vault-32-bytes"),
        "session_secret": SecretStr("a-real-session-secret-from-the-vault"),
        "payload_key_id": "live-1",
        "payload_keys": {"live-1": SecretStr(new_payload_key())},
    }


def live_settings(environment: Environment = Environment.PRODUCTION, **changes: Any) -> Settings:
    return Settings(**(live_values(environment) | changes))


def live_env(environment: Environment = Environment.PRODUCTION) -> dict[str, str]:
    """The same as environment variables (for a command that loads its own settings)."""
    return {
        "SINERGI_ENVIRONMENT": environment.value,
        "SINERGI_JWT_SECRET": "a-real-secret-from-the-vault-32-bytes",
        "SINERGI_SESSION_SECRET": "a-real-session-secret-from-the-vault",
        "SINERGI_PAYLOAD_KEY_ID": "live-1",
        "SINERGI_PAYLOAD_KEYS": '{"live-1": "' + new_payload_key() + '"}',
    }
