"""Deliveries in Postgres: taking outbox rows to expand (FOR UPDATE SKIP LOCKED, so several
delivery workers share the outbox without waiting on each other), the e-mail send queue with
leases, retries and dead letters, and people's in-app notifications.

A worker's transactions are short: one takes a batch of outbox rows and writes their
deliveries; one leases a batch of due e-mails; each send is recorded in its own statement.
No transaction is open while an SMTP server is talked to.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg
from pydantic import BaseModel

from db.connect import Connection
from db.tasks import SCOPE_FIELDS
from domain.identity import Role, Scope


class Channel(StrEnum):
    EMAIL = "email"
    IN_APP = "in_app"


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


def delivery_id(message_id: str, recipient: str, channel: Channel) -> str:
    """Deterministic: the same outbox row, recipient and channel is the same delivery."""
    return f"{message_id}|{recipient}|{channel.value}"


def reference(delivery: str) -> str:
    """A short, stable reference to a delivery for logs: its id names a person."""
    return hashlib.sha256(delivery.encode()).hexdigest()[:16]


class OutboxRow(BaseModel):
    message_id: str
    topic: str
    recipient_role: Role | None
    recipient_subject: str | None
    scope: Scope
    payload: dict[str, Any]
    created_at: datetime


class NewDelivery(BaseModel):
    delivery_id: str
    message_id: str
    channel: Channel
    recipient_subject: str | None
    address: str | None
    fallback: bool = False
    topic: str
    notice_kind: str
    language: str
    title: str
    body: str
    link: str | None


class EmailJob(BaseModel):
    """A leased e-mail to send."""

    delivery_id: str
    message_id: str
    address: str
    language: str
    title: str
    body: str
    attempts: int  # including this one


class DeadLetter(BaseModel):
    """What an operator sees of a dead letter: no address, no text, and not its id (a
    fallback's id holds an address) but its `reference`."""

    reference: str
    message_id: str
    topic: str
    notice_kind: str
    channel: Channel
    fallback: bool
    attempts: int
    last_error: str | None
    created_at: datetime


class InAppNotification(BaseModel):
    notification_id: str
    topic: str
    notice_kind: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


# ---------------------------------------------------------------- expansion


async def take_outbox(conn: Connection, limit: int) -> list[OutboxRow]:
    """Outbox rows not yet expanded, oldest first, locked for the caller's transaction;
    rows another worker holds are skipped, not waited for."""
    if not conn.is_in_transaction():
        raise RuntimeError("outbox rows are taken inside the transaction that expands them")
    rows = await conn.fetch(
        """SELECT message_id, topic, recipient_role, recipient_subject, scope_upt, scope_lsp,
                  scope_bapas, scope_ministry, scope_employer_nib, payload, created_at
             FROM outbox WHERE delivered_at IS NULL
            ORDER BY created_at, message_id LIMIT $1
              FOR UPDATE SKIP LOCKED""",
        limit,
    )
    taken: list[OutboxRow] = []
    for row in rows:
        data = dict(row)
        scope = Scope(**{field: data.pop(column) for field, column in SCOPE_FIELDS.values()})
        data["payload"] = json.loads(data["payload"])
        taken.append(OutboxRow(scope=scope, **data))
    return taken


async def record_expansion(
    conn: Connection, message_id: str, deliveries: list[NewDelivery]
) -> None:
    """Write a row's deliveries (in-app ones are delivered by being written) and mark the
    row expanded, in the caller's transaction."""
    await conn.executemany(
        """INSERT INTO deliveries (delivery_id, message_id, channel, recipient_subject, address,
                                   fallback, topic, notice_kind, language, title, body, link,
                                   state, sent_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                   CASE WHEN $13 = 'sent' THEN now() END)
           ON CONFLICT (delivery_id) DO NOTHING""",
        [
            (d.delivery_id, d.message_id, d.channel.value, d.recipient_subject, d.address,
             d.fallback, d.topic, d.notice_kind, d.language, d.title, d.body, d.link,
             DeliveryState.SENT.value if d.channel is Channel.IN_APP
             else DeliveryState.PENDING.value)
            for d in deliveries
        ],
    )  # fmt: skip
    await conn.execute(
        "UPDATE outbox SET delivered_at = now() WHERE message_id = $1 AND delivered_at IS NULL",
        message_id,
    )


# ---------------------------------------------------------------- sending


async def lease_emails(
    conn: Connection | asyncpg.Pool, owner: str, limit: int, lease_seconds: float
) -> list[EmailJob]:
    """Take up to `limit` due e-mails for `lease_seconds`: pending ones whose time has come
    and that nobody holds (or whose holder's lease ran out: it died)."""
    rows = await conn.fetch(
        """UPDATE deliveries d
              SET lease_owner = $1, lease_until = now() + make_interval(secs => $3),
                  attempts = d.attempts + 1
             FROM (SELECT delivery_id FROM deliveries
                    WHERE state = 'pending' AND channel = 'email' AND next_attempt_at <= now()
                      AND (lease_until IS NULL OR lease_until < now())
                    ORDER BY next_attempt_at, delivery_id LIMIT $2
                      FOR UPDATE SKIP LOCKED) due
            WHERE d.delivery_id = due.delivery_id
        RETURNING d.delivery_id, d.message_id, d.address, d.language, d.title, d.body,
                  d.attempts""",
        owner,
        limit,
        lease_seconds,
    )
    jobs = [EmailJob(**dict(r)) for r in rows]
    return sorted(jobs, key=lambda j: j.delivery_id)


async def mark_sent(conn: Connection | asyncpg.Pool, delivery: str) -> bool:
    """Record that the SMTP server accepted it. False when it was recorded already (another
    worker re-sent it after this one's lease ran out)."""
    done = await conn.fetchval(
        """UPDATE deliveries SET state = 'sent', sent_at = now(), lease_owner = NULL,
                                 lease_until = NULL, last_error = NULL
            WHERE delivery_id = $1 AND state = 'pending' RETURNING true""",
        delivery,
    )
    return bool(done)


async def mark_failed(
    conn: Connection | asyncpg.Pool,
    delivery: str,
    owner: str,
    error: str,
    *,
    permanent: bool,
    max_attempts: int,
    backoff_base: float,
    backoff_max: float,
) -> DeliveryState:
    """Retry later (base x 2^(attempts-1) seconds, capped), or a dead letter when refused
    for good or out of attempts. Only while `owner` still holds the lease: a worker whose
    lease ran out (another has taken the e-mail) changes nothing."""
    state = await conn.fetchval(
        """UPDATE deliveries
              SET state = CASE WHEN $3 OR attempts >= $4 THEN 'dead' ELSE 'pending' END,
                  next_attempt_at = now() + make_interval(
                      secs => least($6::float8, $5::float8 * power(2, attempts - 1))),
                  lease_owner = NULL, lease_until = NULL, last_error = left($2, 500)
            WHERE delivery_id = $1 AND state = 'pending' AND lease_owner = $7
        RETURNING state""",
        delivery, error, permanent, max_attempts, backoff_base, backoff_max, owner,
    )  # fmt: skip
    return DeliveryState(state) if state else DeliveryState.PENDING


# ---------------------------------------------------------------- operators


async def dead_letters(
    conn: Connection | asyncpg.Pool, limit: int, offset: int
) -> list[DeadLetter]:
    rows = await conn.fetch(
        """SELECT delivery_id, message_id, topic, notice_kind, channel, fallback, attempts,
                  last_error, created_at
             FROM deliveries WHERE state = 'dead'
            ORDER BY created_at, delivery_id LIMIT $1 OFFSET $2""",
        limit,
        offset,
    )
    return [
        DeadLetter(reference=reference(r["delivery_id"]), **{k: v for k, v in r.items()
                                                              if k != "delivery_id"})
        for r in rows
    ]  # fmt: skip


async def dead_letter_of(conn: Connection | asyncpg.Pool, ref: str) -> str | None:
    """The dead letter whose `reference` is `ref` (what the operator's API and page show and
    send: a fallback delivery's id holds an address). Only dead rows are looked at (the
    partial index `deliveries_dead`), never the whole table."""
    found = await conn.fetchval(
        """SELECT delivery_id FROM deliveries
            WHERE state = 'dead' AND left(encode(sha256(convert_to(delivery_id, 'UTF8')), 'hex'),
                                          16) = $1""",
        ref,
    )
    return str(found) if found is not None else None


async def retry_dead(conn: Connection | asyncpg.Pool, delivery: str) -> str | None:
    """Send a dead letter again from its first attempt; the state it was in otherwise (None:
    unknown)."""
    row = await conn.fetchrow(
        """WITH revived AS (
               UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(),
                                     last_error = NULL
                WHERE delivery_id = $1 AND state = 'dead' RETURNING 'revived' AS state)
           SELECT state FROM revived
           UNION ALL SELECT state FROM deliveries WHERE delivery_id = $1
           LIMIT 1""",
        delivery,
    )
    return str(row["state"]) if row else None


async def counts(conn: Connection | asyncpg.Pool) -> dict[str, int]:
    """Deliveries by channel and state, and how many went to a fallback address."""
    rows = await conn.fetch(
        """SELECT channel || '.' || state AS key, count(*) AS n FROM deliveries GROUP BY 1
           UNION ALL
           SELECT 'fallback', count(*) FROM deliveries WHERE fallback
           UNION ALL
           SELECT 'outbox.waiting', count(*) FROM outbox WHERE delivered_at IS NULL"""
    )
    return {r["key"]: r["n"] for r in rows}


# ---------------------------------------------------------------- in-app


async def my_notifications(
    conn: Connection | asyncpg.Pool, subject: str, *, unread_only: bool, limit: int, offset: int
) -> tuple[list[InAppNotification], int]:
    """A person's in-app notifications, newest first, and how many are unread."""
    rows = await conn.fetch(
        """SELECT delivery_id AS notification_id, topic, notice_kind, title, body, link,
                  created_at, read_at
             FROM deliveries
            WHERE channel = 'in_app' AND recipient_subject = $1
              AND (NOT $2 OR read_at IS NULL)
            ORDER BY created_at DESC, delivery_id LIMIT $3 OFFSET $4""",
        subject,
        unread_only,
        limit,
        offset,
    )
    unread = await conn.fetchval(
        """SELECT count(*) FROM deliveries
            WHERE channel = 'in_app' AND recipient_subject = $1 AND read_at IS NULL""",
        subject,
    )
    return [InAppNotification(**dict(r)) for r in rows], int(unread)


async def mark_read(
    conn: Connection | asyncpg.Pool, subject: str, notification_id: str
) -> InAppNotification | None:
    """Mark one of the person's own notifications read (the first reading stays)."""
    row = await conn.fetchrow(
        """UPDATE deliveries SET read_at = COALESCE(read_at, now())
            WHERE delivery_id = $1 AND channel = 'in_app' AND recipient_subject = $2
        RETURNING delivery_id AS notification_id, topic, notice_kind, title, body, link,
                  created_at, read_at""",
        notification_id,
        subject,
    )
    return InAppNotification(**dict(row)) if row else None
