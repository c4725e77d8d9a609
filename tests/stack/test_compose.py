"""The docker-compose deployment registers what the code searches by, and has no default secret.

(Its syntax is checked by scripts/check-compose.sh in `make test`.)
"""

from __future__ import annotations

import base64
import json
import os
import re
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from config.settings import PROJECT_ROOT, Environment, Settings
from documents.settings import Backend
from domain import search

COMPOSE = (PROJECT_ROOT / "docker-compose.yml").read_text()


def test_the_setup_job_registers_every_search_attribute_of_the_code() -> None:
    loop = re.search(r"for name in ([\w ]+); do", COMPOSE)
    assert loop is not None, "temporal-setup no longer loops over the search attributes"
    assert sorted(loop.group(1).split()) == sorted(key.name for key in search.ALL)


def test_secrets_must_be_supplied_and_have_no_default() -> None:
    for variable in (
        "SINERGI_JWT_SECRET",
        "POSTGRES_PASSWORD",
        "SINERGI_SIMPONI_CALLBACK_SECRET",
        "SINERGI_SESSION_SECRET",
    ):
        uses = re.findall(r"\$\{" + variable + r"(:?[?-])?[^}]*\}", COMPOSE)
        assert uses, f"{variable} is not used"
        assert all(marker == ":?" for marker in uses), f"{variable} has a default or none check"


def test_each_ministry_has_its_own_permit_worker_service() -> None:
    for service, module in (
        ("kemnaker-worker", "workers.kemnaker"),
        ("imigrasi-worker", "workers.imigrasi"),
    ):
        found = re.search(rf"\n  {service}:\n(?:    .*\n|\n)*?    command: (.*)\n", COMPOSE)
        assert found is not None, f"no {service} service"
        assert module in found.group(1)


def test_the_delivery_worker_is_a_scalable_service_of_its_own() -> None:
    found = re.search(r"\n  delivery-worker:\n((?:    .*\n|\n)*?)\n  \w", COMPOSE)
    assert found is not None, "no delivery-worker service"
    assert "workers.delivery" in found.group(1) and "replicas: 2" in found.group(1)
    # Where e-mail goes must be said: no silent default relay.
    assert "${SINERGI_SMTP_HOST:?" in found.group(1)


# ---------------------------------------------------------------- with the example environment

ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
SINERGI_SERVICES = ("migrate", "worker", "kemnaker-worker", "imigrasi-worker", "api",
                    "audit-verifier", "delivery-worker")  # fmt: skip


def _example_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value
    return env


def _interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:?message} and ${NAME:-default}, and $$ for a dollar."""

    def value(match: re.Match[str]) -> str:
        name, marker, rest = match.group(1), match.group(2), match.group(3)
        if name in env and env[name] != "":
            return env[name]
        if marker == ":-":
            return rest
        raise AssertionError(f"${{{name}}} is used by docker-compose.yml but not in .env.example")

    return re.sub(r"\$\{(\w+)(?:(:[?-])([^}]*))?\}", value, text).replace("$$", "$")


def _resolved(node: Any, env: dict[str, str]) -> Any:
    """Like compose: the YAML is parsed first, then each string value interpolated."""
    if isinstance(node, dict):
        return {k: _resolved(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolved(v, env) for v in node]
    return _interpolate(node, env) if isinstance(node, str) else node


def _services() -> dict[str, Any]:
    services: dict[str, Any] = _resolved(yaml.safe_load(COMPOSE), _example_env())["services"]
    return services


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    return {k: str(v) for k, v in env.items()}


def test_every_variable_the_compose_file_needs_is_in_the_example_environment() -> None:
    used = set(re.findall(r"\$\{(\w+)", COMPOSE))
    example = _example_env()
    assert used - set(example) == set(), "used by the compose file, missing in .env.example"
    assert set(example) - used == set(), "in .env.example, used by nothing"


def test_every_sinergi_variable_the_compose_file_sets_is_a_setting() -> None:
    """Settings ignores unknown variables (extra="ignore"): a misspelt one would be lost."""
    services = _services()
    checked = 0
    for name in SINERGI_SERVICES:
        for variable in _environment(services[name]):
            if not variable.startswith("SINERGI_"):
                continue
            path = variable.removeprefix("SINERGI_").lower().split("__")
            field = Settings.model_fields.get(path[0])
            assert field is not None, f"{name}: {variable} is not a setting"
            if len(path) > 1:
                model = field.annotation
                assert isinstance(model, type) and issubclass(model, BaseModel), variable
                assert path[1] in model.model_fields, f"{name}: {variable} is not a setting"
            checked += 1
    assert checked >= 30


def test_the_example_environment_once_its_secrets_are_set_gives_valid_production_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = _services()
    secrets = {
        "SINERGI_JWT_SECRET": "s" * 43,
        "SINERGI_SIMPONI_CALLBACK_SECRET": "p" * 43,
        "SINERGI_METRICS_TOKEN": "m" * 43,
        "SINERGI_SESSION_SECRET": "c" * 43,
        "SINERGI_OIDC_CLIENT_SECRET": "o" * 43,
        "SINERGI_PAYLOAD_KEYS": '{"2026-12":"' + base64.b64encode(b"k" * 32).decode() + '"}',
        "SINERGI_DOCUMENTS__S3_SECRET_ACCESS_KEY": "d" * 40,
        "SINERGI_DOCUMENTS__KEYS": '{"2026-12":"' + base64.b64encode(b"d" * 32).decode() + '"}',
    }
    for name in SINERGI_SERVICES:
        env = _environment(services[name])
        with monkeypatch.context() as patch:
            for variable in [v for v in os.environ if v.startswith("SINERGI_")]:
                patch.delenv(variable)
            for variable, value in env.items():
                patch.setenv(variable, value)
            # As copied, the example is refused: every CHANGE-ME value must be replaced.
            with pytest.raises(ValidationError, match=r"CHANGE-ME|not valid base64"):
                Settings()
            for variable, value in secrets.items():
                if variable in env:
                    patch.setenv(variable, value)
            settings = Settings()
        assert settings.environment is Environment.PRODUCTION, name
        assert settings.database_url is not None and settings.temporal_address == "temporal:7233"
        assert settings.data_converter.payload_codec is not None
    env = _environment(services["api"])
    assert env["SINERGI_OIDC_ISSUER"].startswith("https://")
    # The API's document store: the bucket and keys the example names, in production shape.
    with monkeypatch.context() as patch:
        for variable in [v for v in os.environ if v.startswith("SINERGI_")]:
            patch.delenv(variable)
        for variable, value in (env | {k: v for k, v in secrets.items() if k in env}).items():
            patch.setenv(variable, value)
        documents = Settings().documents
    assert documents.backend is Backend.S3 and documents.s3_bucket == "sinergi-documents"
    assert documents.s3_endpoint == _example_env()["SINERGI_DOCUMENTS__S3_ENDPOINT"]
    assert documents.keys_for(development=False)[0] == "2026-12"
    assert documents.max_bytes == 10 * 1024 * 1024
    assert json.loads(env["SINERGI_CODEC_CORS_ORIGINS"]) == [
        _example_env()["TEMPORAL_UI_PUBLIC_URL"]
    ]


def test_workers_scale_per_ministry_and_prometheus_scrapes_each() -> None:
    services = _services()
    scraped = yaml.safe_load((PROJECT_ROOT / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in scraped["scrape_configs"]}
    for name in ("worker", "kemnaker-worker", "imigrasi-worker"):
        service = services[name]
        assert "container_name" not in service and "ports" not in service, name
        address = _environment(service)["SINERGI_METRICS_BIND_ADDRESS"]
        [names] = [sd["names"] for sd in jobs[name]["dns_sd_configs"]]
        assert names == [name]
        assert jobs[name]["dns_sd_configs"][0]["port"] == int(address.rsplit(":", 1)[1])
    assert jobs["api"]["authorization"]["credentials_file"] == "metrics-token"
    assert "metrics-token" in " ".join(services["prometheus"]["command"])


def test_the_workers_that_run_workflows_say_how_and_the_example_runs_them_unsandboxed() -> None:
    services = _services()
    for name in ("worker", "kemnaker-worker"):
        assert _environment(services[name])["SINERGI_WORKFLOW_SANDBOX"] == "off", name
    assert "${SINERGI_WORKFLOW_SANDBOX:-off}" in COMPOSE  # a .env without it: the default
