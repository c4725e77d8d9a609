"""A worker killed in the middle of decisions loses nothing and applies nothing twice.

The enrolment worker runs as its own process (`python -m workers.main`) on the dev server,
the API is served by uvicorn. Three cases take their placement decisions and every training
session's attendance at once, each request with an Idempotency-Key, while the worker is
killed with SIGKILL (no goodbye: its activities and workflow tasks die with it) as soon as
decisions are in flight, and started again; twice. The clients behave as a careful client
would: an answer that did not come (their timeout, a dropped connection, a 503) is sent
again with the same key until an answer comes.

Then: every decision is in the case exactly once (workflow state, read model, audit trail),
and every request sent once more with its key answers exactly what its client was told.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from config.settings import Environment, Settings
from domain.enrolment import enrolment_workflow_id
from registries.sdp import SdpSimulator
from registries.sdp_seed import synthetic_sdp_no
from tests.api import flows
from tests.api.conftest import ApiStack, end_journeys
from tests.e2e.ports import free_port
from tests.e2e.test_permit_across_ministries import WorkerProcess
from tests.temporal_support import until

CASES = 3
KILLS = 2
CLIENT_TIMEOUT = 8.0  # a client gives up on an answer after this and sends it again


@dataclass
class Sent:
    """One request as its client sent it, and the answer it finally got."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int | None = None
    answer: Any = None
    attempts: int = 0


@dataclass
class Clients:
    http: httpx.AsyncClient
    sent: list[Sent] = field(default_factory=list)
    lost: int = 0  # answers that did not come and were asked for again
    outstanding: int = 0  # requests sent and not yet answered

    async def send(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Sent:
        self.outstanding += 1
        try:
            return await self._send(path, body, headers)
        finally:
            self.outstanding -= 1

    async def _send(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Sent:
        request = Sent(path, body, {**headers, "Idempotency-Key": uuid.uuid4().hex})
        self.sent.append(request)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 240
        while True:
            request.attempts += 1
            try:
                answer = await self.http.post(
                    path, json=body, headers=request.headers, timeout=CLIENT_TIMEOUT
                )
            except httpx.TransportError:  # the client's timeout, a dropped connection
                answer = None
            if answer is not None and answer.status_code < 500:
                request.status, request.answer = answer.status_code, answer.json()
                return request
            assert answer is None or answer.status_code == 503, answer.text
            self.lost += 1
            assert loop.time() < deadline, f"{path}: no answer after {request.attempts} tries"
            await asyncio.sleep(0.2)  # a client's pause before it asks again


@pytest.fixture
async def killable(
    pool: asyncpg.Pool, database_dsn: str, dev_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[tuple[ApiStack, WorkerProcess]]:
    settings = Settings(
        environment=Environment.TEST, enrolment_task_queue=f"killed-{uuid.uuid4().hex[:8]}"
    )
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_dsn,
        TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        SINERGI_ENVIRONMENT="test",
        SINERGI_ENROLMENT_TASK_QUEUE=settings.enrolment_task_queue,
        SINERGI_STATE_DIR=str(tmp_path / "state"),
        SINERGI_LOG_JSON="true",
        PYTHONUNBUFFERED="1",
    )
    worker = WorkerProcess("workers.main", env, tmp_path / "worker.log")
    sdp = SdpSimulator.default(synthetic=CASES)
    app = create_app(settings, pool=pool, temporal=dev_env.client, sdp=sdp)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    try:
        await worker.start()
        await until(lambda: _started(server), bool, "the API started", within=30)
        base = f"http://127.0.0.1:{server.config.port}"
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            yield ApiStack(http, settings, pool, sdp, None, app), worker  # type: ignore[arg-type]
            await end_journeys(dev_env.client, pool, settings.enrolment_task_queue)
    finally:
        server.should_exit = True
        await worker.stop()
        await serving


async def _started(server: uvicorn.Server) -> bool:
    return bool(server.started)


async def _kill(worker: WorkerProcess) -> None:
    assert worker.process is not None and worker.process.returncode is None
    worker.process.send_signal(signal.SIGKILL)  # the process this test started, by its pid
    await worker.process.wait()


async def _decisions_in_flight(
    dev_env: WorkflowEnvironment, enrolment_ids: list[str], clients: Clients
) -> int:
    """Cases working on a decision a client still waits for: a request not yet answered and
    the case's workflow task open. (A case applies an Update and its projection, a local
    activity, in one workflow task, so the history shows no Update accepted and not yet
    completed: the open workflow task is the moment to kill the worker in.)"""
    if clients.outstanding == 0:
        return 0
    open_ = 0
    for enrolment_id in enrolment_ids:
        handle = dev_env.client.get_workflow_handle(enrolment_workflow_id(enrolment_id))
        for event in (await handle.fetch_history()).events:
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
                open_ += 1
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
                open_ -= 1
        described = await handle.describe()
        if described.raw_description.HasField("pending_workflow_task"):
            open_ += 1
    return open_


async def _decide(clients: Clients, api: ApiStack, enrolment_id: str, sessions: int) -> None:
    """The TPP approves, then each session's attendance: one case, in order."""
    await clients.send(
        f"/enrolments/{enrolment_id}/placement",
        {"decision": "approve", "reason": "motivated and eligible"},
        api.tpp(),
    )
    for n in range(1, sessions + 1):
        entry = {"session_no": n, "session_date": flows.session_date(n, sessions), "present": True}
        await clients.send(f"/enrolments/{enrolment_id}/attendance", entry, api.caseworker())


async def test_decisions_survive_a_killed_worker_once_each_with_their_answers(
    killable: tuple[ApiStack, WorkerProcess], dev_env: WorkflowEnvironment
) -> None:
    api, worker = killable
    inmates = [synthetic_sdp_no(n) for n in range(CASES)]
    enrolment_ids = [await flows.request(api, sdp_no) for sdp_no in inmates]
    programme = await flows.ok(await api.http.get("/programmes/BARISTA", headers=api.tpp()))
    sessions = programme["session_count"]
    clients = Clients(api.http)

    deciding = asyncio.gather(*(_decide(clients, api, e, sessions) for e in enrolment_ids))
    kills = 0
    while kills < KILLS and not deciding.done():
        # Killed while a decision is accepted by its case and not yet answered.
        in_flight = await until(
            lambda: _decisions_in_flight(dev_env, enrolment_ids, clients),
            lambda n: n > 0 or deciding.done(),
            "a decision in flight",
            within=120,
            called="decisions in flight",
        )
        if in_flight > 0:
            await _kill(worker)
            kills += 1
            await worker.start()
    await deciding
    assert kills >= 1, "every decision was answered before the worker could be killed"

    assert all(r.status == 200 for r in clients.sent), [(r.path, r.answer) for r in clients.sent]
    for enrolment_id in enrolment_ids:
        await api.settled(enrolment_id)
        state = await flows.ok(
            await api.http.get(f"/enrolments/{enrolment_id}/state", headers=api.auditor())
        )
        assert sorted(a["session_no"] for a in state["attendance"]) == list(range(1, sessions + 1))
        events = await api.pool.fetch(
            "SELECT kind, count(*) AS n FROM enrolment_events WHERE enrolment_id = $1 "
            "GROUP BY kind",
            enrolment_id,
        )
        counted = {r["kind"]: r["n"] for r in events}
        assert counted["attendance_recorded"] == sessions, counted
        assert counted["placement_decided"] == 1, counted
        rows = await api.pool.fetchval(
            "SELECT count(*) FROM attendance WHERE enrolment_id = $1", enrolment_id
        )
        assert rows == sessions
        trail = await api.pool.fetchval(
            "SELECT count(*) FROM audit_entries WHERE chain_id = $1 "
            "AND kind = 'attendance_recorded'",
            f"enrolment:{enrolment_id}",
        )
        assert trail == sessions

    # Every request once more with its key: the answer its client was told, replayed.
    for request in clients.sent:
        again = await api.http.post(request.path, json=request.body, headers=request.headers)
        assert again.status_code == request.status, again.text
        assert again.json() == request.answer, request.path
        assert again.headers["Idempotent-Replayed"] == "true"
    print(
        f"worker killed {kills} times during {len(clients.sent)} decisions; "
        f"{clients.lost} answers lost and asked for again"
    )
