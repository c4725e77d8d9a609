"""The README's token examples cover every role, each with the scope its role is bounded by:
every line runs as written, mints a token the API reads back with that role and scope, and
no role is left without an example."""

from __future__ import annotations

import itertools
import re
import shlex

from typer.testing import CliRunner

from api.auth import principal_from_token
from cli.main import app
from config.settings import PROJECT_ROOT, Environment, Settings
from domain.identity import Role

README = PROJECT_ROOT / "README.md"
SCOPE_OPTIONS = {
    "--upt": "upt",
    "--lsp": "lsp",
    "--bapas": "bapas",
    "--ministry": "ministry",
    "--employer-nib": "employer_nib",
}


def _token_lines() -> list[list[str]]:
    lines = re.findall(r"^\.venv/bin/sinergi (token [^#\n]+)", README.read_text(), re.M)
    return [shlex.split(line) for line in lines]


def test_every_role_has_a_token_example_that_works_with_its_scope() -> None:
    runner = CliRunner()
    settings = Settings(environment=Environment.DEVELOPMENT)
    shown: set[Role] = set()
    for args in _token_lines():
        result = runner.invoke(app, args, env={"SINERGI_ENVIRONMENT": "development"})
        assert result.exit_code == 0, (args, result.output)
        assert "note:" not in result.output, (args, result.output)  # no missing scope
        principal = principal_from_token(settings, result.stdout.strip().splitlines()[-1])
        roles = [Role(args[i + 1]) for i, a in enumerate(args) if a == "--role"]
        assert set(principal.roles) == set(roles)
        for option, value in itertools.pairwise(args):
            field = SCOPE_OPTIONS.get(option)
            if field is not None:
                assert str(getattr(principal.scope, field)) == value, args
        shown.update(roles)
    assert shown == set(Role), f"roles without a README token example: {set(Role) - shown}"
