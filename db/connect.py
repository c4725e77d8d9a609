"""Connection pools and DSNs."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# A connection, whether held directly or borrowed from a pool.
Connection = asyncpg.Connection | PoolConnectionProxy


def with_database(dsn: str, database: str) -> str:
    """The same server, another database (works for socket and TCP DSNs)."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


# Connecting gives up after this long: an unreachable Postgres is an outage (a 503, a retried
# activity) within seconds, not after asyncpg's default minute.
CONNECT_TIMEOUT_SECONDS = 5.0


async def create_pool(dsn: str, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, timeout=CONNECT_TIMEOUT_SECONDS
    )
    assert pool is not None
    return pool
