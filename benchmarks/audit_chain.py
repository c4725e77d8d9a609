"""Audit-chain appends under concurrent load: N writers each on its own case, against all N
on one case, against one writer; and, for contrast, N writers of their own cases behind one
global lock (the design this one avoids).

`python -m benchmarks.audit_chain` runs it on the embedded Postgres (or DATABASE_URL) and
writes benchmarks/results/audit-chain.md. Each run uses a scratch database it drops after.
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from db import audit_trail
from db.connect import Connection, with_database
from db.migrate import migrate
from domain.audit_chain import AuditEntry

RESULTS = Path(__file__).parent / "results" / "audit-chain.md"
WRITERS = (1, 8, 32)
APPENDS = 1600  # per scenario, split between its writers
_GLOBAL_LOCK = 0x474C4F42  # the contrast: every append behind one lock

T0 = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Figure:
    scenario: str
    writers: int
    appends: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.appends / self.seconds


def _entry(case_id: str, n: int) -> AuditEntry:
    return AuditEntry(
        entry_key=f"{case_id}:{n}:{uuid.uuid4().hex}",
        case_kind="enrolment",
        case_id=case_id,
        workflow_id=f"enrolment-{case_id}",
        run_id="bench-run",
        kind="attendance_recorded",
        at=T0 + timedelta(seconds=n),
        stage="training",
        actor_subject="cw-1",
        actor_role="caseworker",
        reason="benchmark",
        detail={"event_seq": n},
    )


Append = Callable[[Connection, AuditEntry], Awaitable[object]]


async def _plain(conn: Connection, entry: AuditEntry) -> object:
    async with conn.transaction():
        return await audit_trail.append(conn, entry)


async def _behind_global_lock(conn: Connection, entry: AuditEntry) -> object:
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _GLOBAL_LOCK)
        return await audit_trail.append(conn, entry)


async def _scenario(
    pool: asyncpg.Pool, name: str, writers: int, own_case: bool, append: Append
) -> Figure:
    each = APPENDS // writers
    tag = uuid.uuid4().hex[:6]

    async def writer(w: int) -> None:
        case_id = f"{tag}-{w}" if own_case else f"{tag}-shared"
        async with pool.acquire() as conn:
            for n in range(each):
                await append(conn, _entry(case_id, n))

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    return Figure(name, writers, each * writers, time.perf_counter() - started)


async def measure(dsn: str) -> list[Figure]:
    pool = await asyncpg.create_pool(dsn, min_size=max(WRITERS), max_size=max(WRITERS))
    assert pool is not None
    try:
        figures: list[Figure] = []
        for n in WRITERS:
            figures.append(await _scenario(pool, "each writer its own case", n, True, _plain))
            if n > 1:
                figures.append(await _scenario(pool, "all writers one case", n, False, _plain))
                figures.append(
                    await _scenario(
                        pool, "own cases, one global lock", n, True, _behind_global_lock
                    )
                )
        verified = await audit_trail.verify(pool)
        assert verified.ok, verified.first_break  # the load left valid chains
        return figures
    finally:
        await pool.close()


def _ram_gib() -> str:
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return "unknown"
    return f"{kib / 1024 / 1024:.1f} GiB"


def report(figures: list[Figure], server_version: str) -> str:
    lines = [
        "# Audit chain: appends under concurrent load",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m benchmarks.audit_chain`.",
        f"Machine: {os.cpu_count()} CPUs, {_ram_gib()} RAM, {platform.platform()}; "
        f"Python {platform.python_version()}, asyncpg {asyncpg.__version__}, {server_version}.",
        "",
        f"Each scenario makes {APPENDS} appends (fewer when that does not split evenly), each "
        "in its own transaction, as a projection activity does; the writers share one pool, "
        "client and server on the same machine. The chains are verified afterwards.",
        "",
        "| scenario | writers | appends | seconds | appends/s |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {f.scenario} | {f.writers} | {f.appends} | {f.seconds:.2f} | {f.per_second:,.0f} |"
        for f in figures
    ]
    lines += [
        "",
        "Reading it: writers of different cases never wait on each other (each append locks "
        "only its own case's head row), so their throughput is bounded by the machine, not by "
        "a lock; writers of one case are served one at a time, as are all writers behind one "
        "global lock. The machine is shared and noisy: compare rows of one run, not runs.",
        "",
    ]
    return "\n".join(lines)


async def run(database_url: str) -> str:
    """Measure on a scratch database of the server at `database_url`; the markdown report."""
    scratch = f"audit_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{scratch}"')
        server_version = str(await admin.fetchval("SHOW server_version"))
    finally:
        await admin.close()
    dsn = with_database(database_url, scratch)
    try:
        conn = await asyncpg.connect(dsn)
        try:
            await migrate(conn)
        finally:
            await conn.close()
        figures = await measure(dsn)
    finally:
        admin = await asyncpg.connect(database_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        finally:
            await admin.close()
    return report(figures, f"PostgreSQL {server_version}")


async def _main() -> None:
    from config.settings import Settings
    from stack.postgres import sinergi_database

    async with sinergi_database(Settings()) as dsn:
        markdown = await run(dsn)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(markdown)
    print(markdown)  # noqa: T201 - a command's output


if __name__ == "__main__":
    asyncio.run(_main())
