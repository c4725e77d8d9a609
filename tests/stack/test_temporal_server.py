"""The dev server `sinergi up` starts: persistent, tuned, loopback only, every search attribute."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config.settings import Environment, Settings
from domain import search
from stack.embedded import EmbeddedStack
from stack.temporal_server import dev_server_command
from tests.live_settings import live_settings


def _flag_values(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == flag]


def _command(tmp_path: Path, **overrides: object) -> list[str]:
    settings = Settings.model_validate({"state_dir": tmp_path, **overrides})
    return dev_server_command(settings, "/bin/temporal")


def test_cases_survive_a_restart_because_the_store_is_a_file_in_the_state_folder(
    tmp_path: Path,
) -> None:
    argv = _command(tmp_path)
    assert argv[:3] == ["/bin/temporal", "server", "start-dev"]
    assert _flag_values(argv, "--db-filename") == [str(tmp_path / "temporal.db")]


def test_sqlite_runs_with_write_ahead_logging_and_normal_sync(tmp_path: Path) -> None:
    pragmas = _flag_values(_command(tmp_path), "--sqlite-pragma")
    assert "journal_mode=wal" in pragmas
    assert "synchronous=normal" in pragmas


def test_every_search_attribute_the_workflows_set_is_registered_as_keyword(
    tmp_path: Path,
) -> None:
    registered = _flag_values(_command(tmp_path), "--search-attribute")
    assert sorted(registered) == sorted(f"{key.name}=Keyword" for key in search.ALL)


def test_listens_on_loopback_on_the_configured_ports_with_the_web_ui_on(tmp_path: Path) -> None:
    argv = _command(tmp_path, temporal_port=17233, temporal_ui_port=18233)
    assert _flag_values(argv, "--ip") == ["127.0.0.1"]
    assert _flag_values(argv, "--port") == ["17233"]
    assert _flag_values(argv, "--ui-port") == ["18233"]
    assert "--headless" not in argv


def test_a_namespace_other_than_default_is_created_at_start(tmp_path: Path) -> None:
    assert _flag_values(_command(tmp_path), "--namespace") == []
    assert _flag_values(_command(tmp_path, temporal_namespace="sinergi"), "--namespace") == [
        "sinergi"
    ]


def test_the_web_ui_decodes_payloads_through_the_apis_codec_server(tmp_path: Path) -> None:
    argv = _command(tmp_path, api_port=18000)
    assert _flag_values(argv, "--ui-codec-endpoint") == ["http://127.0.0.1:18000/codec"]


def test_sinergi_up_lets_its_dev_ui_decode_in_development_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The dev server's UI has no login: in development the API's codec decodes for its
    origin (SINERGI_CODEC_DEV_UI_OPERATOR); a production stack never gets the flag, and its
    settings would refuse it."""
    monkeypatch.delenv("SINERGI_CODEC_DEV_UI_OPERATOR", raising=False)
    monkeypatch.delenv("SINERGI_CODEC_CORS_ORIGINS", raising=False)
    development = EmbeddedStack(Settings(state_dir=tmp_path))._child_env("postgresql://x", "t:1")
    assert development["SINERGI_CODEC_DEV_UI_OPERATOR"] == "true"
    assert "http://127.0.0.1:8233" in json.loads(development["SINERGI_CODEC_CORS_ORIGINS"])
    production = EmbeddedStack(live_settings(Environment.PRODUCTION, state_dir=tmp_path))
    assert "SINERGI_CODEC_DEV_UI_OPERATOR" not in production._child_env("postgresql://x", "t:1")
