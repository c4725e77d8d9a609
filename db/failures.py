"""What a Postgres failure means: the data can never be stored (permanent), or Postgres is
not there for a moment (an outage). The worker (workers/incidents.py) and the API
(api/outages.py) both decide by these."""

from __future__ import annotations

import asyncio

import asyncpg

# Postgres (or the driver before it) refused the data itself: the same input fails forever.
PERMANENT_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.exceptions.DataError,  # class 22: characters, numeric range, invalid input, dates
    asyncpg.exceptions.NotNullViolationError,
    asyncpg.exceptions.CheckViolationError,
    UnicodeError,  # an unpaired surrogate cannot be encoded to send
)
# Postgres is not there for a moment: the same input succeeds once it is back.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    OSError,  # refused, reset, unreachable
    asyncio.TimeoutError,  # connect or pool acquire timed out
    asyncpg.exceptions.PostgresConnectionError,  # class 08
    asyncpg.exceptions.CannotConnectNowError,  # starting up
    asyncpg.exceptions.AdminShutdownError,  # shutting down
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,  # e.g. the pool is closing
)


def is_permanent(error: BaseException) -> bool:
    return isinstance(error, PERMANENT_ERRORS)


def is_outage(error: BaseException) -> bool:
    return isinstance(error, OUTAGE_ERRORS) and not is_permanent(error)
