"""Connection pools and DSNs."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import structlog
from asyncpg.pool import PoolConnectionProxy

log = structlog.get_logger(__name__)

# A connection, whether held directly or borrowed from a pool.
Connection = asyncpg.Connection | PoolConnectionProxy


def with_database(dsn: str, database: str) -> str:
    """The same server, another database (works for socket and TCP DSNs)."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


# Connecting gives up after this long: an unreachable Postgres is an outage (a 503, a retried
# activity) within seconds, not after asyncpg's default minute.
CONNECT_TIMEOUT_SECONDS = 5.0


class Pool(asyncpg.Pool):
    """asyncpg's pool, whose `release` does not keep its caller waiting for the reset.

    Releasing a connection resets its session (asyncpg's reset query: advisory locks,
    cursors, LISTEN, settings), one round trip to Postgres that every `pool.fetchrow` and
    every `async with pool.acquire()` waited for before going on: two per decision in the API
    and one per projected event in the worker (issue 18: a decision's latency). Here the
    release runs as a task of its own and the caller goes on; the connection goes back to
    the pool only once its reset is done, exactly as before, so no one is given a connection
    that has not been reset, and `close()` still waits for every release. A release that
    fails (its reset could not run) terminates the connection, as asyncpg does, and is
    logged instead of being raised to a caller whose work had already succeeded.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._releasing: set[asyncio.Future[None]] = set()

    # asyncpg.Pool.release's own signature (its `timeout` bounds the reset).
    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        releasing = asyncio.ensure_future(super().release(connection, timeout=timeout))
        self._releasing.add(releasing)  # held until done (the loop keeps weak references)
        releasing.add_done_callback(self._released)

    def _released(self, releasing: asyncio.Future[None]) -> None:
        self._releasing.discard(releasing)
        if not releasing.cancelled() and (error := releasing.exception()) is not None:
            log.warning("pool_release_failed", error_type=type(error).__name__)


async def create_pool(dsn: str, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    # What `asyncpg.create_pool` does, with this module's pool class and its defaults.
    pool = Pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        timeout=CONNECT_TIMEOUT_SECONDS,
    )
    return await pool
