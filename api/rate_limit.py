"""The public certificate check's rate limit: a token bucket per client, held in Postgres so
that every API process takes from the same bucket (with N replicas a client still gets the
one rate, not N times it).

The client is known by an HMAC of its address and the current hour under a key derived from
the session secret (every API process has the same one): no address is stored or logged, and
one client's key changes every hour, so rows of two hours cannot be linked. A new hour starts
a client with a full bucket, at most one burst more per hour than the rate. A bucket's row is
deleted once it would be full again: the table holds only the clients being held back now.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable

import asyncpg

from db import certificate_check as check_db

# How long one key names one client: rows of two periods cannot be linked.
KEY_PERIOD_SECONDS = 3600
_KEY_PURPOSE = b"sinergi public certificate check: client keys"


class SharedBuckets:
    def __init__(
        self,
        per_minute: float,
        burst: int,
        secret: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._rate = per_minute / 60.0  # tokens per second
        self._burst = float(burst)
        self._key = hmac.new(secret.encode(), _KEY_PURPOSE, hashlib.sha256).digest()
        self._clock = clock

    def client_key(self, address: str) -> bytes:
        period = int(self._clock() // KEY_PERIOD_SECONDS)
        return hmac.new(self._key, f"{period}|{address}".encode(), hashlib.sha256).digest()

    async def take(self, pool: asyncpg.Pool, address: str) -> float:
        """Take one token for the client at `address`: 0.0 when allowed, else the seconds
        until one is back."""
        taken = await check_db.take_token(pool, self.client_key(address), self._rate, self._burst)
        if taken.allowed:
            return 0.0
        return (1.0 - taken.tokens) / self._rate


def retry_after(seconds: float) -> str:
    """The Retry-After header: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
