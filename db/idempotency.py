"""Idempotency keys: the first request with a key claims it (one atomic INSERT), its answer is
kept, and every retry with the same key and request gets that answer."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Claim:
    subject: str
    key: str
    method: str
    path: str
    request_hash: str


@dataclass(frozen=True)
class Stored:
    request_hash: str
    done: bool
    status: int | None
    body: bytes | None


async def claim(pool: asyncpg.Pool, claim: Claim, stale_after_seconds: float) -> bool:
    """True: this request is the first with the key (it must answer, then `complete`). A
    pending claim older than `stale_after_seconds` was abandoned (its process died, past any
    request deadline): the same request takes it over."""
    claimed = await pool.fetchval(
        """
        INSERT INTO idempotency_keys (subject, idempotency_key, method, path, request_hash,
                                      state)
        VALUES ($1, $2, $3, $4, $5, 'pending')
        ON CONFLICT (subject, idempotency_key) DO UPDATE SET created_at = now()
         WHERE idempotency_keys.state = 'pending'
           AND idempotency_keys.request_hash = EXCLUDED.request_hash
           AND idempotency_keys.created_at < now() - make_interval(secs => $6)
        RETURNING true
        """,
        claim.subject,
        claim.key,
        claim.method,
        claim.path,
        claim.request_hash,
        stale_after_seconds,
    )
    return bool(claimed)


async def stored(pool: asyncpg.Pool, subject: str, key: str) -> Stored | None:
    row = await pool.fetchrow(
        """
        SELECT request_hash, state, response_status, response_body FROM idempotency_keys
         WHERE subject = $1 AND idempotency_key = $2
        """,
        subject,
        key,
    )
    if row is None:
        return None
    return Stored(
        row["request_hash"], row["state"] == "done", row["response_status"], row["response_body"]
    )


async def complete(pool: asyncpg.Pool, subject: str, key: str, status: int, body: bytes) -> None:
    await pool.execute(
        """
        UPDATE idempotency_keys
           SET state = 'done', response_status = $3, response_body = $4, completed_at = now()
         WHERE subject = $1 AND idempotency_key = $2
        """,
        subject,
        key,
        status,
        body,
    )


async def release(pool: asyncpg.Pool, subject: str, key: str) -> None:
    """The first request ended without an answer worth keeping (a 5xx, a dropped request):
    the next retry runs again (a decision under the same Temporal update id)."""
    await pool.execute(
        "DELETE FROM idempotency_keys WHERE subject = $1 AND idempotency_key = $2 "
        "AND state = 'pending'",
        subject,
        key,
    )
