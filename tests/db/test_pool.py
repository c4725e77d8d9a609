"""The pool's release (db/connect.py): the caller goes on at once, the connection's session is
still reset before anyone is given it again, and closing the pool waits for the reset."""

from __future__ import annotations

import asyncpg

from db.connect import create_pool
from tests.temporal_support import until


async def _idle(pool: asyncpg.Pool) -> int:
    return pool.get_idle_size()


async def test_a_released_connection_is_reset_before_it_is_handed_out_again(
    database_dsn: str,
) -> None:
    pool = await create_pool(database_dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            default = await conn.fetchval("SHOW statement_timeout")
            await conn.execute("SET statement_timeout = '123s'")
            await conn.execute("SELECT pg_advisory_lock(4242)")
        # The release did not wait for the reset: the one connection is not back yet.
        assert pool.get_idle_size() == 0
        # The next caller waits for it and gets it reset: no setting, no lock left behind.
        async with pool.acquire() as conn:
            assert await conn.fetchval("SHOW statement_timeout") == default
            held = await conn.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242"
            )
            assert held == 0
        await until(lambda: _idle(pool), lambda idle: idle == 1, "the connection back")
    finally:
        await pool.close()


async def test_closing_the_pool_waits_for_a_release_under_way(database_dsn: str) -> None:
    pool = await create_pool(database_dsn, min_size=1, max_size=2)
    assert await pool.fetchval("SELECT 1") == 1  # released in the background
    await pool.close()  # waits for that release: no error, nothing left running
    assert pool.is_closing()
