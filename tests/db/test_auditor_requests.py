"""The auditors' request log is append-only: no one, the application included, can change or
remove a row once written; writing the same request twice lands once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from db.auditor_requests import AuditorRequest, AuditorRequestFilter, list_requests, record
from domain.identity import Ministry, Scope


def _entry(subject: str, ministry: Ministry | None) -> AuditorRequest:
    return AuditorRequest(
        request_id=uuid.uuid4(), at=datetime.now(UTC), subject=subject, role="auditor",
        scope=Scope(ministry=ministry), method="GET", path="/enrolments",
        query="stage=training", status=200,
    )  # fmt: skip


async def test_rows_cannot_be_changed_or_removed(pool: asyncpg.Pool) -> None:
    entry = _entry("aud-1", Ministry.KEMNAKER)
    await record(pool, entry)
    await record(pool, entry)  # the same request again: once
    for statement in (
        "UPDATE auditor_requests SET status = 500",
        "DELETE FROM auditor_requests",
        "TRUNCATE auditor_requests",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await pool.execute(statement)
    assert await list_requests(pool, AuditorRequestFilter()) == [entry]


async def test_a_ministry_reads_its_own_auditors_requests(pool: asyncpg.Pool) -> None:
    kemnaker, everyone = _entry("aud-k", Ministry.KEMNAKER), _entry("aud-all", None)
    await record(pool, kemnaker)
    await record(pool, everyone)
    own = await list_requests(pool, AuditorRequestFilter(scope_ministry=Ministry.KEMNAKER))
    assert own == [kemnaker]
    assert len(await list_requests(pool, AuditorRequestFilter())) == 2
