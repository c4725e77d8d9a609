"""End to end on the dev server, over real HTTP, with Kemnaker's and Imigrasi's workers as
separate OS processes (`python -m workers.kemnaker`, `python -m workers.imigrasi`): a TKA
application from submission to an active permit and its early termination, with Imigrasi's
worker stopped at the hand-off and started again; nothing is lost while it is away."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from temporalio.testing import WorkflowEnvironment

from api import final_answers
from api.main import create_app
from config.settings import PROJECT_ROOT, Environment, Settings
from domain.clock import local_date
from domain.permit import permit_workflow_id
from tests.api import permit_flows as flows
from tests.api.conftest import ApiStack
from tests.api.flows import ok
from tests.api.permit_flows import employer, officer, verifier
from tests.e2e.ports import free_port
from tests.temporal_support import SETTLE_SECONDS, until


@dataclass
class WorkerProcess:
    """One ministry's worker, run as its own process, its output in a log file."""

    module: str
    env: dict[str, str]
    log: Path
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        starts = self.log.read_text().count("worker_started") if self.log.exists() else 0
        handle = self.log.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", self.module, env=self.env, cwd=PROJECT_ROOT,
            stdout=handle, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        handle.close()
        # Generous: on a machine shared by many test runs, imports alone can take half a minute.
        deadline = time.monotonic() + 90
        while self.log.read_text().count("worker_started") == starts:
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(f"{self.module} did not start:\n{self.log.read_text()}")
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # the process this test started, by its pid
        try:
            async with asyncio.timeout(20):
                await self.process.wait()
        except TimeoutError:
            # Never leave a worker behind polling the queue for the next test: kill it.
            self.process.kill()
            await self.process.wait()
            raise AssertionError(
                f"{self.module} ignored SIGTERM for 20s and was killed:\n{self.log.read_text()}"
            ) from None
        assert "worker_stopped" in self.log.read_text()


@pytest.fixture
async def stack(
    pool: asyncpg.Pool,
    database_dsn: str,
    dev_env: WorkflowEnvironment,
    tmp_path: Path,
) -> AsyncIterator[tuple[ApiStack, WorkerProcess, WorkerProcess]]:
    suffix = uuid.uuid4().hex[:8]
    settings = Settings(
        environment=Environment.TEST,
        kemnaker_task_queue=f"kemnaker-e2e-{suffix}",
        imigrasi_task_queue=f"imigrasi-e2e-{suffix}",
    )
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_dsn,
        TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        SINERGI_ENVIRONMENT="test",
        SINERGI_KEMNAKER_TASK_QUEUE=settings.kemnaker_task_queue,
        SINERGI_IMIGRASI_TASK_QUEUE=settings.imigrasi_task_queue,
        SINERGI_LOG_JSON="true",
        PYTHONUNBUFFERED="1",
    )
    kemnaker = WorkerProcess("workers.kemnaker", env, tmp_path / "kemnaker.log")
    imigrasi = WorkerProcess("workers.imigrasi", env, tmp_path / "imigrasi.log")
    app = create_app(settings, pool=pool, temporal=dev_env.client)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    try:
        # Both starts run to the end (a failed one must not leave the other starting a
        # process after the teardown below has looked).
        for failure in await asyncio.gather(
            kemnaker.start(), imigrasi.start(), return_exceptions=True
        ):
            if failure is not None:
                raise failure
        deadline = time.monotonic() + 30
        while not server.started:  # uvicorn offers no event to wait on
            if serving.done() or time.monotonic() > deadline:
                raise AssertionError(f"the API did not start on port {server.config.port}")
            await asyncio.sleep(0.02)
        base = f"http://127.0.0.1:{server.config.port}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            yield ApiStack(http, settings, pool, None, None, app), kemnaker, imigrasi  # type: ignore[arg-type]
    finally:
        server.should_exit = True
        # Both workers are stopped (or killed) even when one of them misbehaves.
        stopped = await asyncio.gather(kemnaker.stop(), imigrasi.stop(), return_exceptions=True)
        await serving
        for failure in stopped:
            if failure is not None:
                raise failure


async def _inbox_task(api: ApiStack, headers: dict[str, str], case_id: str) -> Any:
    """The case's task in this reviewer's inbox, once the workflow's activity opened it."""

    async def mine() -> list[Any]:
        inbox = await ok(await api.http.get("/inbox", headers=headers))
        return [t for t in inbox["items"] if t["case_id"] == case_id]

    return (await until(mine, bool, f"a task of {case_id} in the inbox", SETTLE_SECONDS))[0]


async def _parked_at(dev_env: WorkflowEnvironment, application_id: str, activity: str) -> None:
    """The workflow has scheduled `activity` and it waits, unstarted, for a worker."""
    handle = dev_env.client.get_workflow_handle(permit_workflow_id(application_id))

    async def pending() -> list[Any]:
        return list((await handle.describe()).raw_description.pending_activities)

    await until(
        pending,
        lambda found: any(a.activity_type.name == activity and a.attempt <= 1 for a in found),
        f"{application_id} scheduling {activity}",
        SETTLE_SECONDS,
    )


async def test_a_permit_crosses_the_ministries_and_survives_imigrasi_stopping_at_the_hand_off(
    stack: tuple[ApiStack, WorkerProcess, WorkerProcess],
    dev_env: WorkflowEnvironment,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api, kemnaker, imigrasi = stack
    application_id = await flows.submit(api, duration_months=12)
    live = await flows.to_payment(api, application_id)
    paid = await flows.pay(api, live)
    assert paid.status_code == 200, paid.text
    await flows.at_stage(api, application_id, "rptka_approval")

    await imigrasi.stop()
    monkeypatch.setattr(final_answers, "wait_bound", lambda: 1.0)
    approved = await api.http.post(f"/permits/{application_id}/rptka",
                                   json={"decision": "approve", "reason": "pengesahan"},
                                   headers=flows.director(api))  # fmt: skip
    # Taken, but Imigrasi's checks cannot run: a 202 saying where to poll, not a hang.
    assert approved.status_code == 202, approved.text
    assert approved.headers["Location"] == f"/permits/{application_id}"
    monkeypatch.undo()
    # Kemnaker's side is up; Imigrasi's is not: the SIMKIM notification waits for it.
    await _parked_at(dev_env, application_id, "simkim_notify")
    waiting = await flows.state(api, application_id)
    assert waiting["stage"] == "immigration_checks" and waiting["checks"] is None
    record = await ok(await api.http.get(f"/permits/{application_id}", headers=employer(api)))
    assert record["stage"] == "immigration_checks"  # the read model shows where it waits

    await imigrasi.start()
    at_visa = await flows.at_stage(api, application_id, "visa_decision")
    assert at_visa["checks"]["travel_ban"] is False
    task = await _inbox_task(api, officer(api), application_id)
    assert task["kind"] == "visa_decision"
    assert not [
        t
        for t in (await ok(await api.http.get("/inbox", headers=verifier(api))))["items"]
        if t["case_id"] == application_id
    ], "Kemnaker's reviewers do not see Imigrasi's task"
    decided = await ok(
        await api.http.post(
            f"/tasks/{task['task_id']}/decide",
            json={"decision": "approve", "reason": "checks clear"},
            headers=officer(api),
        )
    )
    assert decided["case"]["permit"]["visa_number"].startswith("C312-")
    await flows.at_stage(api, application_id, "awaiting_arrival")
    arrival = {"arrived_on": str(local_date(datetime.now(UTC))), "port_of_entry": "CGK"}
    active = await flows.decide(api, application_id, "arrival", arrival, officer(api))
    assert active["stage"] == "active"
    assert active["permit"]["itas_number"].startswith("ITAS-")

    ended = await flows.decide(api, application_id, "termination",
                               {"reason": "project finished early"}, employer(api))  # fmt: skip
    assert ended["outcome"] == "terminated"
    assert ended["permit"]["epo_number"].startswith("EPO-")
    final = await flows.settled(api, application_id)
    record = await ok(await api.http.get(f"/permits/{application_id}", headers=employer(api)))
    assert record["outcome"] == final["outcome"] == "terminated"
    assert record["epo_number"] == final["permit"]["epo_number"]
    assert record["rptka_number"] == final["rptka_number"]
    log = await ok(
        await api.http.get(f"/permits/{application_id}/decisions", headers=employer(api))
    )
    assert [e["seq"] for e in log] == list(range(1, final["event_count"] + 1))
    # Each ministry's work ran on its own worker process.
    assert "simkim_notified" in imigrasi.log.read_text()
    assert "simkim_notified" not in kemnaker.log.read_text()
    assert "dkptka_billed" in kemnaker.log.read_text()
    assert "E1234567" not in kemnaker.log.read_text() + imigrasi.log.read_text()
