"""`sinergi audit verify` and `sinergi audit anchor` on a real Postgres: exit 0 when the trail
holds, exit 1 naming the first broken link precisely."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.db.audit_support import append_chain, as_dba

runner = CliRunner()


async def _chains(dsn: str) -> None:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    assert pool is not None
    try:
        await append_chain(pool, "ENR-1", 4)
        await append_chain(pool, "ENR-2", 2)
    finally:
        await pool.close()


async def _delete_row(dsn: str, chain: str, seq: int) -> None:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
    assert pool is not None
    try:
        async with as_dba(pool) as dba:
            await dba.execute(
                "DELETE FROM audit_entries WHERE chain_id = $1 AND seq = $2", chain, seq
            )
    finally:
        await pool.close()


def test_verify_and_anchor_from_the_command_line(
    database_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_dsn)
    asyncio.run(_chains(database_dsn))

    anchored = runner.invoke(app, ["audit", "anchor"])
    again = runner.invoke(app, ["audit", "anchor"])
    intact = runner.invoke(app, ["audit", "verify"])

    assert anchored.exit_code == 0 and "anchor 1: 2 chain heads" in anchored.stdout
    assert "nothing to anchor" in again.stdout
    assert intact.exit_code == 0, intact.output
    assert "audit trail intact: 2 chains, 6 entries, 1 anchors checked" in intact.stdout

    asyncio.run(_delete_row(database_dsn, "enrolment:ENR-1", 2))
    broken = runner.invoke(app, ["audit", "verify"])
    other_case = runner.invoke(app, ["audit", "verify", "--case", "enrolment:ENR-2"])
    unknown = runner.invoke(app, ["audit", "verify", "--case", "enrolment:ENR-404"])
    malformed = runner.invoke(app, ["audit", "verify", "--case", "ENR-1"])

    assert broken.exit_code == 1
    assert "BROKEN at enrolment:ENR-1 row 2: row_missing" in broken.stderr
    assert "1 broken chains" in broken.stderr
    assert other_case.exit_code == 0, other_case.output
    assert unknown.exit_code == 2 and "no audit trail for enrolment:ENR-404" in unknown.stderr
    assert malformed.exit_code == 2 and "KIND:ID" in malformed.stderr
