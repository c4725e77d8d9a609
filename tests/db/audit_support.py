"""Builders for the audit-trail tests: entries, appends, and a DBA's connection that can
change what the application cannot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg

from db import audit_trail
from db.connect import Connection
from domain.audit_chain import AuditEntry

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def entry(case_id: str, n: int, *, case_kind: str = "enrolment", **fields: object) -> AuditEntry:
    values: dict[str, object] = {
        "entry_key": f"{case_id}:{n}",
        "case_kind": case_kind,
        "case_id": case_id,
        "workflow_id": f"{case_kind}-{case_id}",
        "run_id": "run-1",
        "kind": "stage_changed",
        "at": T0 + timedelta(minutes=n),
        "stage": "training",
        "detail": {"event_seq": n},
    }
    return AuditEntry.model_validate(values | fields)


async def append_all(pool: asyncpg.Pool, *entries: AuditEntry) -> None:
    async with pool.acquire() as conn:
        for e in entries:
            async with conn.transaction():
                assert await audit_trail.append(conn, e)


async def append_chain(pool: asyncpg.Pool, case_id: str, length: int) -> None:
    await append_all(pool, *(entry(case_id, n) for n in range(1, length + 1)))


@asynccontextmanager
async def as_dba(pool: asyncpg.Pool) -> AsyncIterator[Connection]:
    """A superuser session with triggers off (session_replication_role = replica): what a
    DBA, not the application, can do."""
    async with pool.acquire() as conn:
        await conn.execute("SET session_replication_role = replica")
        try:
            yield conn
        finally:
            await conn.execute("RESET session_replication_role")
