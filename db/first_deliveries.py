"""Which copy of a delivery is the first: decided by one atomic write, never by a read then a
write (two copies arriving at once would both read "not seen" and both say `duplicate: false`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

T = TypeVar("T")
_POLL_SECONDS = 0.05


async def claim(pool: asyncpg.Pool, source: str, delivery_id: str) -> bool:
    claimed = await pool.fetchval(
        """
        INSERT INTO first_deliveries (source, delivery_id) VALUES ($1, $2)
        ON CONFLICT (source, delivery_id) DO NOTHING
        RETURNING true
        """,
        source,
        delivery_id,
    )
    return bool(claimed)


async def release(pool: asyncpg.Pool, source: str, delivery_id: str) -> None:
    """The first copy was refused or failed: nothing was recorded, the next copy is first."""
    await pool.execute(
        "DELETE FROM first_deliveries WHERE source = $1 AND delivery_id = $2", source, delivery_id
    )


async def first_or_recorded(
    pool: asyncpg.Pool,
    source: str,
    delivery_id: str,
    recorded: Callable[[], Awaitable[T | None]],
) -> T | None:
    """None: this copy is the first (it must record, or `release` on failure). Otherwise what
    the first copy recorded, once it has (a later copy waits while the first is settling; the
    request deadline bounds the wait)."""
    while True:
        if await claim(pool, source, delivery_id):
            return None
        found = await recorded()
        if found is not None:
            return found
        await asyncio.sleep(_POLL_SECONDS)
