"""Two delivery worker processes on one outbox, one killed (SIGKILL) mid-batch: every e-mail
reaches the SMTP server, each under its own Message-ID, and is recorded sent once.

The one thing a kill can repeat is the e-mail the dead worker had handed to the server but
not yet recorded: the other worker sends it again when the lease runs out, under the same
Message-ID (the documented at-least-once boundary). So: every expected Message-ID arrives,
no other does, and at most one arrives twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from config.settings import PROJECT_ROOT, Environment, Settings
from db import notices as notices_db
from db import people as people_db
from db.deliveries import Channel, delivery_id
from domain.identity import Principal, Role, Scope
from notices.kinds import TASK_ESCALATED
from tests.notify.smtp_support import Sink, smtp_server
from tests.temporal_support import until
from workers.smtp import message_id_header

ROWS = 40
LEASE_SECONDS = 2.0


@contextmanager
def _worker(dsn: str, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = dict(
        os.environ,
        DATABASE_URL=dsn,
        SINERGI_ENVIRONMENT="test",
        SINERGI_SMTP_PORT=str(port),
        SINERGI_DELIVERY_LEASE_SECONDS=str(LEASE_SECONDS),
        SINERGI_DELIVERY_BATCH_SIZE="8",
        SINERGI_DELIVERY_POLL_SECONDS="0.1",
        SINERGI_LOG_JSON="true",
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "workers.delivery"],
            env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


async def test_two_workers_deliver_each_email_once_while_one_is_killed_mid_batch(
    pool: asyncpg.Pool, database_dsn: str, tmp_path: Path
) -> None:
    async with pool.acquire() as conn:
        await people_db.upsert_from_claims(
            conn,
            Principal(subject="sup-ani", roles={Role.SUPERVISOR}, scope=Scope(upt="LP-CIPINANG")),
            {"email": "ani@kemenimipas.go.id"},
        )
    ids = [f"escalation:ENR-{n:03d}:1" for n in range(ROWS)]
    for message_id in ids:
        payload = {"task_id": f"{message_id}", "case_kind": "enrolment",
                   "case_id": message_id.split(":")[1], "kind": "placement_review",
                   "due_at": "2026-12-02T07:30:00+00:00"}  # fmt: skip
        await notices_db.write(pool, message_id, TASK_ESCALATED, Role.SUPERVISOR,
                               Scope(upt="LP-CIPINANG"), payload)  # fmt: skip
    sender = Settings(environment=Environment.TEST).smtp_from
    expected = {message_id_header(delivery_id(m, "sup-ani", Channel.EMAIL), sender) for m in ids}

    # Each message takes the server 50 ms: a batch of 8 lasts long enough to be cut.
    with (
        smtp_server(Sink(delay=0.05)) as sink,
        _worker(database_dsn, sink.port, tmp_path / "a.log") as a,
        _worker(database_dsn, sink.port, tmp_path / "b.log") as b,
    ):
        # Kill A once it is mid-batch: it holds leased e-mails not yet sent.
        async def held_by_a() -> int:
            return int(await pool.fetchval(
                "SELECT count(*) FROM deliveries WHERE state = 'pending' AND lease_owner LIKE $1",
                f"%:{a.pid}"))  # fmt: skip

        await until(held_by_a, lambda n: n >= 2, "worker A to hold a batch", within=60)
        await until(
            lambda: asyncio.sleep(0, len(sink.message_ids())), lambda n: n >= 1,
            "the first e-mail", within=30,
        )  # fmt: skip
        os.kill(a.pid, signal.SIGKILL)
        a.wait()
        stranded = await held_by_a()

        async def sent() -> int:
            query = "SELECT count(*) FROM deliveries WHERE channel = 'email' AND state = 'sent'"
            return int(await pool.fetchval(query))

        await until(sent, lambda n: n == ROWS, "every e-mail recorded sent", within=120)
        assert b.poll() is None  # B is still running: it did A's share after the lease ran out

    received = Counter(sink.message_ids())
    assert set(received) == expected  # every e-mail arrived, none other
    repeated = {mid: n for mid, n in received.items() if n > 1}
    assert sum(n - 1 for n in repeated.values()) <= 1, repeated  # only A's last, if any
    assert stranded >= 1  # A really died holding e-mails B then sent
    rows = await pool.fetch(
        "SELECT state, count(*) AS n FROM deliveries GROUP BY state ORDER BY state"
    )
    assert [(r["state"], r["n"]) for r in rows] == [("sent", 2 * ROWS)]  # e-mail + in-app
    b_log = (tmp_path / "b.log").read_text()
    assert "ani@" not in b_log and "email_sent" in b_log  # logs name no address
