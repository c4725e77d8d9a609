"""`sinergi incidents list` and `retry` on a real Postgres: an operator without the API sees
the stuck cases (exit 1 while any is open) and asks for their repair."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from typer.testing import CliRunner

from cli.main import app
from db import incidents as incidents_db

runner = CliRunner()


async def _poisoned(dsn: str) -> int:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    assert pool is not None
    try:
        ref = incidents_db.ActivityRef(
            workflow_id="enrolment-ENR-CLI",
            run_id="run-1",
            activity_id="7",
            activity_type="record_enrolment_event",
        )
        return await incidents_db.record(
            pool,
            ref,
            "CharacterNotInRepertoireError",
            'invalid byte sequence for encoding "UTF8": 0x00 in "Budi Santoso"',
        )
    finally:
        await pool.close()


def test_list_and_retry_from_the_command_line(
    database_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_dsn)
    assert runner.invoke(app, ["incidents", "list"]).exit_code == 0
    incident_id = asyncio.run(_poisoned(database_dsn))

    listed = runner.invoke(app, ["incidents", "list"])
    assert listed.exit_code == 1, listed.output
    assert f"#{incident_id} OPEN enrolment:ENR-CLI record_enrolment_event" in listed.stdout
    assert "Budi" not in listed.stdout  # quoted values never stored

    retried = runner.invoke(app, ["incidents", "retry", str(incident_id), "--by", "ops-ani"])
    assert retried.exit_code == 0, retried.output
    assert "repair requested by ops-ani" in retried.stdout
    assert runner.invoke(app, ["incidents", "retry", "999999"]).exit_code == 2
