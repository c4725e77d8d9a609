"""Migrations and the reference-data seed on a real Postgres."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from db.migrate import discover, migrate, seed_reference_data


async def test_migrations_are_recorded_and_not_reapplied(database_dsn: str) -> None:
    conn = await asyncpg.connect(database_dsn)
    try:
        # The template already ran them: running again applies nothing.
        assert await migrate(conn) == []
        versions = [
            r["version"]
            for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY 1")
        ]
        assert versions == [m.version for m in discover()]
    finally:
        await conn.close()


async def test_seed_is_idempotent_and_keeps_offering_dates(database_dsn: str) -> None:
    conn = await asyncpg.connect(database_dsn)
    try:
        await conn.execute(
            "UPDATE offerings SET planned_end = planned_end + 1 WHERE upt_code = 'LP-CIPINANG'"
        )
        before = await conn.fetch("SELECT * FROM offerings ORDER BY 1, 2")
        await seed_reference_data(conn)
        after = await conn.fetch("SELECT * FROM offerings ORDER BY 1, 2")
        assert before == after
        assert await conn.fetchval("SELECT count(*) FROM programmes") == 6
    finally:
        await conn.close()


def test_a_misnamed_migration_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "V1__ok.sql").write_text("SELECT 1;")
    (tmp_path / "add_column.sql").write_text("SELECT 1;")
    with pytest.raises(ValueError, match=r"add_column\.sql"):
        discover(tmp_path)


async def test_a_failing_migration_leaves_nothing_behind(database_dsn: str, tmp_path: Path) -> None:
    (tmp_path / "V1__good.sql").write_text("CREATE TABLE probe_good (id int);")
    (tmp_path / "V2__bad.sql").write_text("CREATE TABLE probe_bad (id int); SELECT nonsense;")
    conn = await asyncpg.connect(database_dsn)
    try:
        await conn.execute("DROP TABLE schema_migrations")
        with pytest.raises(asyncpg.PostgresError):
            await migrate(conn, tmp_path)
        assert await conn.fetchval("SELECT to_regclass('probe_good') IS NOT NULL")
        assert await conn.fetchval("SELECT to_regclass('probe_bad') IS NULL")
        assert await conn.fetchval("SELECT max(version) FROM schema_migrations") == 1
    finally:
        await conn.close()
