"""An API wired to a real Postgres, the Temporal dev server and a real enrolment worker."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.working_calendar import WorkingCalendar
from api.auth import mint_dev_token
from api.main import create_app
from config.settings import Environment, Settings
from documents.settings import DocumentSettings
from domain.identity import Ministry, Role, Scope
from domain.journey import journey_workflow_id
from registries.bnsp import BnspSimulator
from registries.sdp import SdpSimulator
from registries.simkim import SimkimSimulator
from registries.simponi import SimponiSimulator
from tests.temporal_support import SETTLE_SECONDS, terminate, until
from workers.cohort_dispatch import CohortDispatcher
from workers.enrolment import enrolment_worker
from workers.imigrasi import imigrasi_worker
from workers.kemnaker import kemnaker_worker


@dataclass
class ApiStack:
    http: httpx.AsyncClient
    settings: Settings
    pool: asyncpg.Pool
    sdp: SdpSimulator
    bnsp: BnspSimulator
    app: FastAPI | None = None
    worker: Worker | None = None  # the enrolment worker, for a test that stops it itself

    def headers(self, subject: str, role: Role, **scope: str | Ministry) -> dict[str, str]:
        token = mint_dev_token(self.settings, subject, [role], Scope.model_validate(scope))
        return {"Authorization": f"Bearer {token}"}

    def caseworker(self, upt: str = "LP-CIPINANG") -> dict[str, str]:
        return self.headers(f"cw-{upt}", Role.CASEWORKER, upt=upt)

    def tpp(self, upt: str = "LP-CIPINANG") -> dict[str, str]:
        return self.headers(f"tpp-{upt}", Role.TPP_MEMBER, upt=upt)

    def instructor(self) -> dict[str, str]:
        return self.headers("instr-1", Role.KEMNAKER_INSTRUCTOR, ministry=Ministry.KEMNAKER)

    def assessor(self, subject: str = "asr-1", lsp: str = "LSP-PARIWISATA") -> dict[str, str]:
        return self.headers(subject, Role.LSP_ASSESSOR, lsp=lsp)

    async def settled(self, enrolment_id: str) -> None:
        """Wait until the workflow waits on a person (or has closed) and the read model holds
        every event it emitted."""

        async def read() -> tuple[dict[str, Any], int]:
            state = await self.http.get(f"/enrolments/{enrolment_id}/state", headers=self.auditor())
            stored = await self.pool.fetchval(
                "SELECT count(*) FROM enrolment_events WHERE enrolment_id = $1", enrolment_id
            )
            return (state.json() if state.status_code == 200 else {}), stored

        def caught_up(seen: tuple[dict[str, Any], int]) -> bool:
            live, stored = seen
            waiting = live.get("awaiting") is not None or live.get("outcome") is not None
            return waiting and stored == live["event_count"]

        await until(read, caught_up, f"the read model of {enrolment_id}", within=SETTLE_SECONDS)

    def auditor(self) -> dict[str, str]:
        return self.headers("aud-1", Role.AUDITOR)

    async def snapshot(self, enrolment_id: str) -> tuple[object, ...]:
        """Everything stored about a case, to prove a refused input changed nothing."""
        await self.settled(enrolment_id)
        row = await self.pool.fetchrow(
            "SELECT * FROM enrolments WHERE enrolment_id = $1", enrolment_id
        )
        events = await self.pool.fetchval(
            "SELECT count(*) FROM enrolment_events WHERE enrolment_id = $1", enrolment_id
        )
        return (dict(row) if row else None, events)


@dataclass
class Wiring:
    """An app and an enrolment worker on a task queue of their own, with simulated registries."""

    settings: Settings
    sdp: SdpSimulator
    bnsp: BnspSimulator
    app: FastAPI
    worker: Worker
    # Process B: each ministry's worker on a task queue of its own.
    kemnaker: Worker
    imigrasi: Worker
    # Hands the accepted cohort rows to their journeys, as the worker process does.
    dispatcher: CohortDispatcher

    def stack(self, http: httpx.AsyncClient, pool: asyncpg.Pool) -> ApiStack:
        return ApiStack(http, self.settings, pool, self.sdp, self.bnsp, self.app, self.worker)

    def dispatching(self) -> contextlib.AbstractAsyncContextManager[CohortDispatcher]:
        return dispatching(self.dispatcher)


@contextlib.asynccontextmanager
async def dispatching(dispatcher: CohortDispatcher) -> AsyncIterator[CohortDispatcher]:
    """The dispatcher's loop while the block runs; a loop that failed says so at the end."""
    stop = asyncio.Event()
    loop = asyncio.create_task(dispatcher.run(stop))
    try:
        yield dispatcher
    finally:
        stop.set()
        await loop


def wire(pool: asyncpg.Pool, client: Client, **overrides: Any) -> Wiring:
    """`overrides`: settings fields to change (e.g. a production-like identity setup)."""
    suffix = uuid.uuid4().hex[:8]
    values: dict[str, Any] = {
        "environment": Environment.TEST,
        "enrolment_task_queue": f"enrolment-{suffix}",
        "kemnaker_task_queue": f"kemnaker-{suffix}",
        "imigrasi_task_queue": f"imigrasi-{suffix}",
        # Uploaded documents go to a folder of this test's, never the repository's state dir.
        "documents": DocumentSettings(
            folder=Path(tempfile.gettempdir()) / f"sinergi-documents-{suffix}"
        ),
        # A missed notification costs a test a second, not five.
        "cohort_dispatch_sweep_seconds": 1.0,
    }
    settings = Settings(**(values | overrides))
    sdp, bnsp = SdpSimulator.default(), BnspSimulator()
    calendar = WorkingCalendar.from_settings(settings)
    return Wiring(
        settings,
        sdp,
        bnsp,
        create_app(settings, pool=pool, temporal=client, sdp=sdp),
        # A poisoned activity retried every second, not every 10 s: incident tests stay short.
        enrolment_worker(
            client,
            pool,
            bnsp,
            calendar,
            settings.enrolment_task_queue,
            incident_retry=timedelta(seconds=1),
        ),
        kemnaker_worker(client, pool, SimponiSimulator(), calendar, settings.kemnaker_task_queue),
        imigrasi_worker(client, SimkimSimulator(), settings.imigrasi_task_queue),
        CohortDispatcher(pool, client, settings, owner=f"test-{suffix}"),
    )


async def end_journeys(client: Client, pool: asyncpg.Pool, task_queue: str) -> None:
    """Terminate the journeys this test started (its task queue's).

    A journey's id is its inmate's SDP number, and the tests share the dev server and the
    seeded inmates: a journey left running on a finished test's task queue, which no worker
    polls any more, would take the next test's enrolment of that inmate and never answer.
    """
    inmates = await pool.fetch(
        "SELECT inmate_sdp_no FROM enrolments UNION SELECT inmate_sdp_no FROM journeys"
    )
    for row in inmates:
        handle = client.get_workflow_handle(journey_workflow_id(row["inmate_sdp_no"]))
        try:
            description = await handle.describe()
        except RPCError:
            continue  # never started: its enrolment was refused
        if (
            description.status is WorkflowExecutionStatus.RUNNING
            and description.task_queue == task_queue
        ):
            # It may complete between describe and terminate (a released journey whose
            # handover was acknowledged): nothing left to end then.
            await terminate(handle)


@contextlib.asynccontextmanager
async def running_api(
    pool: asyncpg.Pool, client: Client, documents: DocumentSettings | None = None
) -> AsyncIterator[ApiStack]:
    """The API in-process (ASGI) with its workers and cohort dispatcher, on this test's task
    queues."""
    wired = wire(pool, client, **({"documents": documents} if documents else {}))
    transport = httpx.ASGITransport(app=wired.app)
    async with (
        wired.worker,
        wired.kemnaker,
        wired.imigrasi,
        wired.dispatching(),
        wired.app.router.lifespan_context(wired.app),
        httpx.AsyncClient(transport=transport, base_url="http://sinergi.test") as http,
    ):
        yield wired.stack(http, pool)
        await end_journeys(client, pool, wired.settings.enrolment_task_queue)


@pytest.fixture
async def api(pool: asyncpg.Pool, dev_env: WorkflowEnvironment) -> AsyncIterator[ApiStack]:
    """The API in-process (ASGI), its worker, a real Postgres and the dev server."""
    async with running_api(pool, dev_env.client) as stack:
        yield stack
