"""Plain-SQL migrations `V{n}__{what}.sql`, applied in order, each in its own transaction,
recorded in `schema_migrations`. An advisory lock lets several processes start at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import structlog

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SEED_FILE = Path(__file__).parent / "seed" / "reference_data.sql"
_NAME = re.compile(r"^V(\d+)__(\w+)\.sql$")
_LOCK_KEY = 0x53494E45  # "SINE": serializes concurrent migrators

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found: list[Migration] = []
    for path in directory.glob("*.sql"):
        match = _NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file {path.name} is not named V<n>__<what>.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations share a version: {versions}")
    return found


async def migrate(conn: asyncpg.Connection, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply pending migrations; returns the versions applied now."""
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version    integer PRIMARY KEY,
                   name       text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        applied: list[int] = []
        for migration in discover(directory):
            if migration.version in done:
                continue
            async with conn.transaction():
                await conn.execute(migration.path.read_text())
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )
            log.info("migration_applied", version=migration.version, name=migration.name)
            applied.append(migration.version)
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)


async def seed_reference_data(conn: asyncpg.Connection) -> None:
    """Idempotent: upserts UPTs, LSPs and programmes; offerings keep their first dates."""
    async with conn.transaction():
        await conn.execute(SEED_FILE.read_text())
