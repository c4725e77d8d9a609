"""Copies of one delivery arriving at the same moment: one goes first, the others wait for
it, so the route's own "seen before?" check answers them `duplicate: true`.

A dependency (custody events) or a context (the SIMPONI callback, whose body is read after
its signature is checked) claims the delivery with one atomic INSERT (db/first_deliveries.py). The
first copy runs the route; a later copy waits until the first has recorded its result, then
runs the route too and finds it. If the first copy records nothing (refused, failed), the
claim is released and the next copy goes first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from api.deps import PoolDep
from db import custody_events as custody_db
from db import first_deliveries as deliveries
from domain.custody import CustodyEventFields

CUSTODY = "sdp-custody-event"
SIMPONI = "simponi-payment"


@asynccontextmanager
async def one_at_a_time(
    pool: asyncpg.Pool,
    source: str,
    delivery_id: str,
    recorded: Callable[[], Awaitable[Any | None]],
) -> AsyncIterator[None]:
    first = await deliveries.first_or_recorded(pool, source, delivery_id, recorded)
    try:
        yield
    except BaseException:
        if first is None and await recorded() is None:
            await deliveries.release(pool, source, delivery_id)
        raise


async def custody_delivery(body: CustodyEventFields, pool: PoolDep) -> AsyncIterator[None]:
    async def recorded() -> Any | None:
        return await custody_db.get_custody_event(pool, body.event_id)

    async with one_at_a_time(pool, CUSTODY, body.event_id, recorded):
        yield


async def payment_recorded(pool: asyncpg.Pool, payment_id: str) -> bool | None:
    found = await pool.fetchval(
        "SELECT true FROM payment_confirmations WHERE payment_id = $1", payment_id
    )
    return True if found else None
