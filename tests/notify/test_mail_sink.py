"""The local mail sink `sinergi up` runs in development: a real SMTP server process that
keeps each message as a file, listed by GET /dev/mail for the operator."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from config.settings import PROJECT_ROOT, Environment, Settings
from db.deliveries import EmailJob
from domain.identity import Role
from tests.api import flows
from tests.api.conftest import ApiStack
from tests.e2e.ports import free_port
from tests.temporal_support import until
from workers import smtp


def _start_sink(state_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, SINERGI_STATE_DIR=str(state_dir), SINERGI_SMTP_PORT=str(port))
    return subprocess.Popen(
        [sys.executable, "-m", "workers.mail_sink"], env=env, cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


async def test_the_sink_keeps_each_message_and_the_operator_lists_them(
    api: ApiStack, tmp_path: Path
) -> None:
    settings = Settings(environment=Environment.DEVELOPMENT, state_dir=tmp_path,
                        smtp_port=free_port())  # fmt: skip
    sink = _start_sink(tmp_path, settings.smtp_port)
    try:
        job = EmailJob(delivery_id="escalation:ENR-1:1|sup-ani|email", message_id="m",
                       address="ani@kemenimipas.go.id", language="id",
                       title="[Sinergi] Eskalasi", body="Isi pesan\n", attempts=1)  # fmt: skip

        async def send() -> smtp.SendFailure | None:
            failure = await smtp.send(settings, smtp.build_message(job, settings))
            if failure is not None:
                await asyncio.sleep(0.05)  # the sink is still starting: ask again
            return failure

        await until(send, lambda failure: failure is None, "the sink to accept", within=20)
        stored = await until(
            lambda: asyncio.sleep(0, list((tmp_path / "mail").glob("*.eml"))),
            lambda files: len(files) == 1, "the message file",
        )  # fmt: skip
        assert b"Subject: [Sinergi] Eskalasi" in stored[0].read_bytes()
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait(timeout=10)
    assert api.app is not None
    before = api.app.state.settings
    api.app.state.settings = before.model_copy(update={"state_dir": tmp_path})
    try:
        operator = api.headers("ops-1", Role.OPERATOR)
        page = await flows.ok(await api.http.get("/dev/mail", headers=operator))
    finally:
        api.app.state.settings = before
    [listed] = page["items"]
    assert listed["subject"] == "[Sinergi] Eskalasi"
    assert listed["message_id"] == smtp.message_id_header(job.delivery_id, settings.smtp_from)
