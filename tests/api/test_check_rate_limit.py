"""The public check's rate limit holds across API processes: two app instances, each with its
own connection pool (as two replicas have), take from one bucket per client in Postgres, also
when their requests race; another client is not held back; no address is stored, and one
client's key changes every hour."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import asyncpg
import httpx
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.rate_limit import KEY_PERIOD_SECONDS, SharedBuckets
from config.settings import Environment, Settings
from registries.sdp import SdpSimulator
from tests.api.test_certificate_check import BORN, VALID, _check, _seed

ADDRESS, OTHER = "203.0.113.7", "198.51.100.20"
BURST = 3
# One token back every 100 minutes: nothing refills while the test runs.
PER_MINUTE = 0.01


@asynccontextmanager
async def instance(dsn: str, dev_env: WorkflowEnvironment) -> AsyncIterator[FastAPI]:
    """One API process: its own app (its own state) and its own pool."""
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    assert pool is not None
    settings = Settings(
        environment=Environment.TEST, public_check_burst=BURST,
        public_check_per_minute=PER_MINUTE,
    )  # fmt: skip
    app = create_app(settings, pool=pool, temporal=dev_env.client, sdp=SdpSimulator.default())
    try:
        async with app.router.lifespan_context(app):
            yield app
    finally:
        await pool.close()


def _from(app: FastAPI, address: str) -> httpx.AsyncClient:
    """A caller of `app` from `address`."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)),
        base_url="http://sinergi.test",
    )


async def _ask(http: httpx.AsyncClient) -> httpx.Response:
    return await http.post("/public/certificate-check", json=_check(VALID, BORN))


async def test_two_api_instances_share_one_bucket_per_client(
    pool: asyncpg.Pool, database_dsn: str, dev_env: WorkflowEnvironment
) -> None:
    await _seed(pool)
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(instance(database_dsn, dev_env))
        two = await stack.enter_async_context(instance(database_dsn, dev_env))
        a1, a2 = _from(one, ADDRESS), _from(two, ADDRESS)
        # Alternating between the instances: the burst is the client's, not each process's.
        answers = [await _ask(http) for http in (a1, a2, a1, a2, a1)]
        other = await _ask(_from(two, OTHER))  # a different client has its own bucket
        # A third client's requests racing on both instances at once: still the one burst.
        racing = [_from(one, "192.0.2.1"), _from(two, "192.0.2.1")] * 4
        raced = await asyncio.gather(*(_ask(http) for http in racing))

    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert int(answers[3].headers["Retry-After"]) > 60 * 60  # 1 token per 100 minutes
    assert other.status_code == 200
    assert sorted(a.status_code for a in raced) == [200] * BURST + [429] * (8 - BURST)
    counted = await pool.fetchval(
        "SELECT lookups FROM certificate_check_counts WHERE outcome = 'rate_limited'"
    )
    assert counted == 2 + 8 - BURST  # counted, whichever instance answered
    rows = await pool.fetch("SELECT * FROM public_check_buckets")
    assert len(rows) == 3  # three clients held in buckets now
    for row in rows:
        assert set(row.keys()) == {"client_key", "tokens", "taken_at", "allowed"}
        key = bytes(row["client_key"])
        for address in (ADDRESS, OTHER, "192.0.2.1"):
            assert address.encode() not in key
            assert key != hashlib.sha256(address.encode()).digest(), "an unkeyed hash"


def test_a_clients_key_is_keyed_and_changes_every_hour() -> None:
    now = [10 * KEY_PERIOD_SECONDS + 5.0]
    buckets = SharedBuckets(10, 5, "secret-one", clock=lambda: now[0])
    first = buckets.client_key(ADDRESS)
    assert buckets.client_key(ADDRESS) == first and len(first) == 32
    assert buckets.client_key(OTHER) != first
    assert SharedBuckets(10, 5, "secret-two", clock=lambda: now[0]).client_key(ADDRESS) != first
    now[0] += KEY_PERIOD_SECONDS
    assert buckets.client_key(ADDRESS) != first, "two hours' rows of one client link up"
