"""`sinergi token`: a development JWT the API accepts, with exactly the roles and scope asked."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from api.auth import principal_from_token
from cli.main import app
from config.settings import Environment, Settings
from domain.identity import Ministry, Role
from tests.live_settings import live_env

runner = CliRunner()


@pytest.fixture(autouse=True)
def _development(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SINERGI_ENVIRONMENT", "SINERGI_JWT_SECRET", "SINERGI_JWT_ISSUER"):
        monkeypatch.delenv(name, raising=False)


def test_the_token_carries_the_roles_and_scope_asked_for() -> None:
    result = runner.invoke(
        app,
        [
            *("token", "--subject", "ani"),
            *("--role", "caseworker", "--role", "tpp_member"),
            *("--upt", "LP-CIPINANG", "--hours", "1"),
        ],
    )
    assert result.exit_code == 0, result.output
    principal = principal_from_token(Settings(), result.stdout.strip())
    assert principal.subject == "ani"
    assert principal.roles == {Role.CASEWORKER, Role.TPP_MEMBER}
    assert principal.scope.upt == "LP-CIPINANG"
    assert principal.scope.lsp is None


def test_ministry_and_employer_scopes_reach_the_token() -> None:
    result = runner.invoke(
        app,
        ["token", "--subject", "dir", "--role", "kemnaker_director", "--ministry", "kemnaker"],
    )
    assert result.exit_code == 0, result.output
    assert principal_from_token(Settings(), result.stdout.strip()).scope.ministry is (
        Ministry.KEMNAKER
    )
    result = runner.invoke(
        app, ["token", "--subject", "pt-x", "--role", "employer", "--employer-nib", "912000"]
    )
    assert principal_from_token(Settings(), result.stdout.strip()).scope.employer_nib == "912000"


def test_a_role_without_its_scope_gets_a_note_on_stderr() -> None:
    result = runner.invoke(app, ["token", "--subject", "asr", "--role", "lsp_assessor"])
    assert result.exit_code == 0
    assert "add --lsp" in result.stderr
    assert "note" not in result.stdout


def test_no_token_is_minted_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in live_env(Environment.PRODUCTION).items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["token", "--subject", "ani", "--role", "auditor"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "development tokens are for development only" in result.stderr


def test_an_unknown_role_is_refused() -> None:
    result = runner.invoke(app, ["token", "--subject", "ani", "--role", "warden"])
    assert result.exit_code != 0
