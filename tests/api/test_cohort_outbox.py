"""The cohort outbox: a row answered accepted is durable in Postgres, and the cohort
dispatcher hands it to the inmate's journey later, whatever happens on the way: Temporal
away, a dispatcher dying between a signal and its mark, two dispatchers at once, a row no
attempt can hand over (refused later, with the reason)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from config.settings import Environment, Settings
from db import cohort_outbox
from domain.cohort import COHORT_ENROLMENT_SIGNAL, CohortEnrolment
from domain.journey import journey_workflow_id
from services.enrolment_requests import queue_in_journey
from tests.api.conftest import ApiStack, Wiring, dispatching, end_journeys, wire
from tests.api.test_cohort_enrolment import new_inmates, row
from tests.api.test_cohort_status import settled, status
from tests.e2e.ports import free_port
from tests.temporal_support import SETTLE_SECONDS, until
from workers import cohort_dispatch
from workers.cohort_dispatch import CohortDispatcher

# Failures retried at once (a test waits on attempts, not on backoff).
QUICK_RETRIES: dict[str, Any] = {
    "cohort_dispatch_backoff_base_seconds": 0.05,
    "cohort_dispatch_backoff_max_seconds": 0.2,
    "cohort_dispatch_sweep_seconds": 0.2,
}


@contextlib.asynccontextmanager
async def api_without_dispatcher(
    pool: asyncpg.Pool,
    temporal: Client,
    app_temporal: Client | None = None,
    *,
    worker: bool = True,
    **settings: Any,
) -> AsyncIterator[tuple[ApiStack, Wiring]]:
    """The API and the enrolment worker (unless not `worker`: the test runs it), no
    dispatcher running (each test runs its own); the app given `app_temporal` as its
    Temporal client when set."""
    wired = wire(pool, temporal, **settings)
    app = create_app(wired.settings, pool=pool, temporal=app_temporal or temporal, sdp=wired.sdp)
    async with (
        wired.worker if worker else contextlib.nullcontext(),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield ApiStack(http, wired.settings, pool, wired.sdp, wired.bnsp, app), wired
        await end_journeys(temporal, pool, wired.settings.enrolment_task_queue)


async def unreachable_temporal() -> Client:
    """A client of a Temporal that is not there: every call fails as when the server is down."""
    converter = Settings(environment=Environment.TEST).data_converter
    return await Client.connect(f"127.0.0.1:{free_port()}", data_converter=converter, lazy=True)


async def accepted(api: ApiStack, inmates: list[str]) -> dict[str, Any]:
    response = await api.http.post(
        "/cohorts/enrolments", json={"rows": [row(n) for n in inmates]}, headers=api.caseworker()
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["accepted"] == len(inmates), answer
    return answer


async def queue_rows(pool: asyncpg.Pool, cohort_id: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        """SELECT enrolment_id, attempts, last_error, signalled_at, outcome, request IS NULL
                  AS unsealed_dropped
             FROM cohort_rows WHERE cohort_id = $1 ORDER BY enrolment_id""",
        cohort_id,
    )


async def enrolments_of(pool: asyncpg.Pool, inmates: list[str]) -> Counter[str]:
    found = await pool.fetch(
        "SELECT inmate_sdp_no FROM enrolments WHERE inmate_sdp_no = ANY($1)", inmates
    )
    return Counter(r["inmate_sdp_no"] for r in found)


async def test_rows_are_accepted_while_temporal_is_away_and_settle_once_it_is_back(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> None:
    away = await unreachable_temporal()
    async with api_without_dispatcher(
        pool, dev_env.client, app_temporal=away, cohort_dispatch_max_attempts=1000, **QUICK_RETRIES
    ) as (api, wired):
        inmates = new_inmates(api, 3)
        down = CohortDispatcher(pool, away, api.settings, owner="while-temporal-is-away")
        async with dispatching(down):
            answer = await accepted(api, inmates)
            cohort_id = answer["cohort_id"]
            tried = await until(
                lambda: queue_rows(pool, cohort_id),
                lambda rows: all(r["attempts"] >= 2 for r in rows),
                "the rows tried while Temporal is away",
            )
        assert all(r["last_error"] and r["signalled_at"] is None for r in tried), tried
        waiting = await status(api, cohort_id)
        assert (waiting["accepted"], waiting["settling"], waiting["queued"]) == (3, 3, 3)
        assert waiting["refused_later"] == 0
        # Temporal is back (a dispatcher that reaches it): every row settles, once.
        async with wired.dispatching():
            final = await settled(api, cohort_id)
        assert (final["settled"], final["refused_later"], final["queued"]) == (3, 0, 0)
        assert await enrolments_of(pool, inmates) == Counter(inmates)
        assert all(r["unsealed_dropped"] for r in await queue_rows(pool, cohort_id))


class DiedBeforeMarking(Exception):
    """The dispatcher's process ended between its signals and their mark."""


async def test_a_dispatcher_dying_after_its_signals_sends_again_and_nothing_twice(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows it signalled stay leased; once the lease runs out another dispatcher sends
    them again, and each journey skips the copy: one enrolment per row, none refused. (The
    journeys wait for their worker meanwhile, so both copies reach them before either is
    applied: a row whose outcome was projected first is the journey's, and not sent again.)"""
    quick_lease: dict[str, Any] = {
        "cohort_dispatch_lease_seconds": 4.0,
        "cohort_dispatch_signal_timeout_seconds": 1.0,
    }
    async with api_without_dispatcher(
        pool, dev_env.client, worker=False, **quick_lease, **QUICK_RETRIES
    ) as (api, wired):
        inmates = new_inmates(api, 4)
        cohort_id = (await accepted(api, inmates))["cohort_id"]

        async def die(*_: object) -> int:
            raise DiedBeforeMarking

        dying = CohortDispatcher(pool, dev_env.client, api.settings, owner="dies")
        with monkeypatch.context() as patched:
            patched.setattr(cohort_outbox, "mark_signalled", die)
            with pytest.raises(DiedBeforeMarking):
                await dying.dispatch_once()
        assert all(r["signalled_at"] is None for r in await queue_rows(pool, cohort_id))
        async with wired.dispatching():
            resent = await until(
                lambda: queue_rows(pool, cohort_id),
                lambda rows: all(r["signalled_at"] is not None for r in rows),
                "the rows sent again once the lease ran out, and marked",
            )
            assert [r["attempts"] for r in resent] == [2] * 4
            async with wired.worker:
                final = await settled(api, cohort_id)
        assert (final["settled"], final["refused_later"]) == (4, 0)
        assert await enrolments_of(pool, inmates) == Counter(inmates)
        kinds = await pool.fetch(
            """SELECT e.kind, count(*) AS n FROM journey_events e JOIN journeys j USING
                      (journey_id)
                WHERE j.inmate_sdp_no = ANY($1) AND e.kind LIKE 'enrolment_%' GROUP BY e.kind""",
            inmates,
        )
        assert {r["kind"]: r["n"] for r in kinds} == {"enrolment_started": 4}
        for number in inmates:  # each journey did receive both copies
            history = await dev_env.client.get_workflow_handle(
                journey_workflow_id(number)
            ).fetch_history()
            signals = [
                e.workflow_execution_signaled_event_attributes.signal_name
                for e in history.events
                if e.HasField("workflow_execution_signaled_event_attributes")
            ]
            assert signals.count(COHORT_ENROLMENT_SIGNAL) == 2, signals


async def test_a_row_that_can_never_be_handed_over_is_refused_later_with_its_reason(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> None:
    away = await unreachable_temporal()
    async with api_without_dispatcher(
        pool, dev_env.client, cohort_dispatch_max_attempts=3, **QUICK_RETRIES
    ) as (api, wired):
        unreachable, unreadable = new_inmates(api, 2)
        first = await accepted(api, [unreachable])
        second = await accepted(api, [unreadable])
        # A row whose sealed request no key opens any more (say, a key retired too early).
        await pool.execute(
            "UPDATE cohort_rows SET request = '\\x00ff'::bytea WHERE cohort_id = $1",
            second["cohort_id"],
        )
        async with dispatching(CohortDispatcher(pool, away, api.settings, owner="never")):
            gave_up = await until(
                lambda: status(api, first["cohort_id"]),
                lambda s: s["refused_later"] == 1,
                "the unreachable row refused later",
            )
            unread = await until(
                lambda: status(api, second["cohort_id"]),
                lambda s: s["refused_later"] == 1,
                "the unreadable row refused later",
            )
        [refused] = gave_up["rows"]
        assert refused["state"] == "refused_later"
        assert "could not be reached in 3 attempts" in refused["reason"]
        assert refused["reason"].endswith("send this row again")
        [bad] = unread["rows"]
        assert "its stored request cannot be read" in bad["reason"]
        assert [r["attempts"] for r in await queue_rows(pool, second["cohort_id"])] == [1]
        assert await enrolments_of(pool, [unreachable, unreadable]) == Counter()
        # Sent again, as the reason says, the row is accepted and settles.
        again = await accepted(api, [unreachable])
        async with wired.dispatching():
            final = await settled(api, again["cohort_id"])
        assert final["settled"] == 1


async def test_two_dispatchers_never_send_the_same_row_at_once(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    sends: Counter[str] = Counter()
    in_flight: set[str] = set()
    overlaps: list[str] = []
    real = queue_in_journey

    async def counted(client: Client, settings: Any, upt: str, row: CohortEnrolment,
                      rpc_timeout: Any = None) -> None:  # fmt: skip
        enrolment_id = row.request.enrolment_id
        if enrolment_id in in_flight:
            overlaps.append(enrolment_id)
        in_flight.add(enrolment_id)
        sends[enrolment_id] += 1
        try:
            await asyncio.sleep(0.01)  # long enough for the other to take it, were it free
            await real(client, settings, upt, row, rpc_timeout)
        finally:
            in_flight.discard(enrolment_id)

    taken: dict[str, set[str]] = {}
    real_take = cohort_outbox.take_due

    async def recorded(conn: Any, owner: str, limit: int, lease: float) -> list[Any]:
        rows = await real_take(conn, owner, limit, lease)
        taken.setdefault(owner, set()).update(r.enrolment_id for r in rows)
        return rows

    monkeypatch.setattr(cohort_dispatch, "queue_in_journey", counted)
    monkeypatch.setattr(cohort_outbox, "take_due", recorded)
    small_batches: dict[str, Any] = {
        "cohort_dispatch_batch_size": 5,
        "cohort_dispatch_concurrency": 4,
    }
    async with api_without_dispatcher(pool, dev_env.client, **small_batches) as (api, _):
        inmates = new_inmates(api, 30)
        cohort_id = (await accepted(api, inmates))["cohort_id"]
        one = CohortDispatcher(pool, dev_env.client, api.settings, owner="one")
        other = CohortDispatcher(pool, dev_env.client, api.settings, owner="other")
        async with dispatching(one), dispatching(other):
            final = await until(
                lambda: status(api, cohort_id),
                lambda s: s["settling"] == 0,
                "the cohort settled",
                within=SETTLE_SECONDS,
            )
        assert final["settled"] == 30
        assert overlaps == []
        assert sorted(sends.values()) == [1] * 30
        # Both took rows, never the same one.
        assert set(taken) == {"one", "other"} and all(taken.values()), taken
        assert taken["one"].isdisjoint(taken["other"])
        assert len(taken["one"] | taken["other"]) == 30


async def test_the_dispatcher_keeps_at_most_its_window_with_the_journeys(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows handed over and not yet applied fill the window; the rest wait queued in Postgres
    until the journeys apply some, or until the oldest have waited too long to count."""
    sends: list[str] = []

    async def held(client: Any, settings: Any, upt: str, row: CohortEnrolment,
                   rpc_timeout: Any = None) -> None:  # fmt: skip
        sends.append(row.request.enrolment_id)  # handed over; no journey applies it

    passes = 0
    real_count = cohort_outbox.with_journeys

    async def counted(conn: Any, within: float) -> int:
        nonlocal passes
        passes += 1
        return await real_count(conn, within)

    async def sent() -> int:
        return len(sends)

    async def passed() -> int:
        return passes

    monkeypatch.setattr(cohort_dispatch, "queue_in_journey", held)
    monkeypatch.setattr(cohort_outbox, "with_journeys", counted)
    window: dict[str, Any] = {
        "cohort_dispatch_window": 4,
        "cohort_dispatch_window_poll_seconds": 0.05,
        "cohort_dispatch_batch_size": 3,
        **QUICK_RETRIES,
    }
    async with api_without_dispatcher(pool, dev_env.client, worker=False, **window) as (api, _):
        inmates = new_inmates(api, 10)
        cohort_id = (await accepted(api, inmates))["cohort_id"]
        dispatcher = CohortDispatcher(pool, dev_env.client, api.settings, owner="paced")
        async with dispatching(dispatcher):
            await until(sent, lambda n: n >= 4, "the window filled")
            seen = passes
            await until(passed, lambda n: n >= seen + 5, "five more passes")
            assert len(sends) == 4, sends
            waiting = await status(api, cohort_id)
            assert waiting["queued"] == 6, waiting
            # The journeys apply two: two more go.
            await pool.execute(
                "UPDATE cohort_rows SET outcome = 'started', applied_at = now() "
                "WHERE enrolment_id = ANY($1)",
                sends[:2],
            )
            await until(sent, lambda n: n >= 6, "two more handed over")
            seen = passes
            await until(passed, lambda n: n >= seen + 5, "five more passes")
            assert len(sends) == 6, sends
            # Rows handed over long ago and never applied no longer hold the window shut.
            await pool.execute(
                "UPDATE cohort_rows SET signalled_at = now() - interval '11 minutes' "
                "WHERE cohort_id = $1 AND signalled_at IS NOT NULL AND outcome IS NULL",
                cohort_id,
            )
            await until(sent, lambda n: n >= 10, "the rest handed over")
        assert sorted(sends) == sorted(set(sends)), "a row sent twice"
