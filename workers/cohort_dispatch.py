"""The cohort dispatcher: hands the cohort rows the API accepted (queued in Postgres with
their sealed requests, `db/cohort_rows.claim`) to the inmates' journeys.

It runs in the enrolment worker's process (`workers/main.py`), beside the worker whose
journeys the rows feed: every deployment that can settle a row runs it, with the Temporal
client and the pool that process already holds, and its work is a few RPCs per row against
the workflow tasks that follow from them. Several worker replicas may run it at once.

Each pass takes a batch of due rows (`db/cohort_outbox.take_due`: FOR UPDATE SKIP LOCKED and
a lease, so replicas never take the same row), unseals each request and sends it with a
signal-with-start (`services.enrolment_requests.queue_in_journey`), at most
`cohort_dispatch_concurrency` in flight (shared by the lanes, which overlap one batch's tail
with the next one's head), and marks the batch's handed-over rows signalled. A row is only
sent while its lease has longer to run than one signal may take, so a lease never runs out
under a send. A failed send is retried with exponential backoff; after
`cohort_dispatch_max_attempts` (or at once for a row no attempt can hand over: its request
does not unseal, Temporal refuses it as invalid) the row is refused later with the reason,
which the cohort's status and the workspace's bar show.

It paces itself to the journeys: at most `cohort_dispatch_window` rows are handed over and
not yet applied (counted in Postgres, plus this dispatcher's sends in flight). The rest of a
large cohort waits in Postgres, where its status shows it queued, instead of as thousands of
workflow tasks in the task queue that every reviewer's decision on an uncached case would
wait behind. While the window is full a pass is tried every
`cohort_dispatch_window_poll_seconds`.

A pass runs as soon as the API commits queued rows (it NOTIFYs `cohort_rows_queued`, which
this listens on), while the last pass found work, and every `cohort_dispatch_sweep_seconds`
whatever happens (a lost notification, a backoff run out, a dead dispatcher's lease).

At least once, not more than once in effect: a dispatcher that dies between a signal and its
mark leaves the row leased; once the lease runs out another sends it again, and the journey
skips a row it already applied or holds (same enrolment id). Nothing is enrolled twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from datetime import timedelta

import asyncpg
import structlog
from google.protobuf.message import DecodeError
from pydantic import ValidationError
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from config.payload_encryption import PayloadKeyError
from config.settings import COHORT_LEASE_MARGIN_SECONDS, Settings
from db import cohort_outbox as outbox_db
from db.cohort_outbox import QueuedRow
from db.cohort_rows import QUEUED_CHANNEL
from domain.cohort import CohortEnrolment
from services.enrolment_requests import queue_in_journey

log = structlog.get_logger(__name__)

LANES = 2
# A row handed over longer ago than this and still not applied (its journey stuck on an
# incident, say) no longer counts in the window, so it cannot hold the window shut.
WINDOW_AGE_SECONDS = 600.0
# Temporal's answers that no retry changes (a payload too large, say).
_PERMANENT = frozenset({RPCStatusCode.INVALID_ARGUMENT})


class Undeliverable(Exception):
    """A row no attempt can hand over; its message says why."""


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class CohortDispatcher:
    def __init__(
        self, pool: asyncpg.Pool, temporal: Client, settings: Settings, owner: str | None = None
    ) -> None:
        self.pool = pool
        self.temporal = temporal
        self.settings = settings
        self.owner = owner or owner_name()
        self.converter = settings.data_converter
        self.gate = asyncio.Semaphore(settings.cohort_dispatch_concurrency)
        self.wake = asyncio.Event()
        self._listening: asyncpg.pool.PoolConnectionProxy | None = None
        self._listen_lock = asyncio.Lock()  # the lanes share one listening connection
        self._sending = 0  # rows taken by this dispatcher's passes and not yet marked
        self._take_lock = asyncio.Lock()
        self._window_full = False  # the last pass found the window full

    # ------------------------------------------------------------ one pass

    async def dispatch_once(self) -> int:
        """Take one batch of due rows and hand them to their journeys: how many were taken."""
        s = self.settings
        async with self._take_lock:  # the lanes measure the room and take, one at a time
            limit = await self._room()
            self._window_full = limit == 0
            if self._window_full:
                return 0
            rows = await outbox_db.take_due(
                self.pool, self.owner, limit, s.cohort_dispatch_lease_seconds
            )
            if not rows:
                return 0
            self._sending += len(rows)
        try:
            await self._hand_over(rows)
        finally:
            self._sending -= len(rows)
        return len(rows)

    async def _room(self) -> int:
        """How many rows the next batch may take: the batch size, less what the window has
        no room for (rows with the journeys and not yet applied, and this dispatcher's sends)."""
        s = self.settings
        if not s.cohort_dispatch_window:
            return s.cohort_dispatch_batch_size
        busy = self._sending + await outbox_db.with_journeys(self.pool, WINDOW_AGE_SECONDS)
        return max(0, min(s.cohort_dispatch_batch_size, s.cohort_dispatch_window - busy))

    async def _hand_over(self, rows: list[QueuedRow]) -> None:
        s = self.settings
        send_by = (
            time.monotonic()
            + s.cohort_dispatch_lease_seconds
            - s.cohort_dispatch_signal_timeout_seconds
            - COHORT_LEASE_MARGIN_SECONDS
        )
        sent = await asyncio.gather(*(self._send(row, send_by) for row in rows))
        handed = [row for row, outcome in zip(rows, sent, strict=True) if outcome is True]
        late = [row for row, outcome in zip(rows, sent, strict=True) if outcome is None]
        await outbox_db.mark_signalled(self.pool, handed)
        if late:
            await outbox_db.release(self.pool, self.owner, late)

    async def _send(self, row: QueuedRow, send_by: float) -> bool | None:
        """Hand one row over: True once the journey has it, False if it failed (recorded),
        None if its lease has too little time left to start (given back untried)."""
        s = self.settings
        async with self.gate:
            if time.monotonic() > send_by:
                return None
            try:
                enrolment = await self._unseal(row)
                await queue_in_journey(
                    self.temporal,
                    s,
                    row.upt_code,
                    enrolment,
                    rpc_timeout=timedelta(seconds=s.cohort_dispatch_signal_timeout_seconds),
                )
            except asyncio.CancelledError:
                raise  # stopping: the lease runs out and another dispatcher sends it
            except Exception as error:  # every failure is recorded on the row, never hidden
                await self._failed(row, error)
                return False
        return True

    async def _unseal(self, row: QueuedRow) -> CohortEnrolment:
        try:
            [enrolment] = await self.converter.decode(
                [Payload.FromString(row.request)], [CohortEnrolment]
            )
        except (PayloadKeyError, DecodeError, ValidationError, ValueError) as error:
            raise Undeliverable(
                f"its stored request cannot be read ({type(error).__name__})"
            ) from error
        if not isinstance(enrolment, CohortEnrolment) or enrolment.request.enrolment_id != (
            row.enrolment_id
        ):
            raise Undeliverable("its stored request is not this row's")
        return enrolment

    async def _failed(self, row: QueuedRow, error: Exception) -> None:
        s = self.settings
        what = _describe(error)
        permanent = isinstance(error, Undeliverable) or (
            isinstance(error, RPCError) and error.status in _PERMANENT
        )
        refusal = None
        if permanent:
            refusal = f"this row could not be handed to the inmate's journey: {what}; send it again"
        elif row.attempts >= s.cohort_dispatch_max_attempts:
            refusal = (
                f"the inmate's journey could not be reached in {row.attempts} attempts (last: "
                f"{what}); send this row again"
            )
        backoff = min(
            s.cohort_dispatch_backoff_base_seconds * 2 ** (row.attempts - 1),
            s.cohort_dispatch_backoff_max_seconds,
        )
        refused = await outbox_db.mark_failed(self.pool, row, self.owner, what, refusal, backoff)
        log.warning(
            "cohort_row_refused" if refused else "cohort_row_retry_later",
            cohort_id=row.cohort_id,
            enrolment_id=row.enrolment_id,
            attempt=row.attempts,
            error_type=type(error).__name__,
            retry_in_seconds=None if refused else backoff,
        )

    # ------------------------------------------------------------ the loop

    async def run(self, stop: asyncio.Event) -> None:
        log.info("cohort_dispatcher_started", owner=self.owner)
        try:
            await asyncio.gather(*(self._lane(stop) for _ in range(LANES)))
        finally:
            await self._unlisten()
            log.info("cohort_dispatcher_stopped", owner=self.owner)

    async def _lane(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._listen()
            self.wake.clear()
            taken = 0
            try:
                taken = await self.dispatch_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                # The database went away for a moment: the rows stay queued (or leased until
                # their lease runs out), and the next pass takes them.
                log.warning("cohort_dispatch_pass_failed", error_type=type(error).__name__)
            if taken:
                continue
            s = self.settings
            waits = [asyncio.ensure_future(e.wait()) for e in (stop, self.wake)]
            await asyncio.wait(
                waits,
                timeout=(
                    s.cohort_dispatch_window_poll_seconds
                    if self._window_full
                    else s.cohort_dispatch_sweep_seconds
                ),
                return_when=asyncio.FIRST_COMPLETED,
            )
            for waiting in waits:
                waiting.cancel()

    async def _listen(self) -> None:
        """Hold a connection that LISTENs for queued rows (again, if it was lost)."""
        async with self._listen_lock:
            if self._listening is None or self._listening.is_closed():
                await self._unlisten()
                await self._hold_listening()

    async def _hold_listening(self) -> None:
        try:
            conn = await self.pool.acquire()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
            log.warning("cohort_dispatch_listen_failed", error_type=type(error).__name__)
            return  # the sweep still runs; the next pass tries again
        try:
            await conn.add_listener(QUEUED_CHANNEL, self._notified)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("cohort_dispatch_listen_failed", error_type=type(error).__name__)
            await self.pool.release(conn)
            return
        self._listening = conn

    def _notified(self, *_: object) -> None:
        self.wake.set()

    async def _unlisten(self) -> None:
        conn, self._listening = self._listening, None
        if conn is None:
            return
        with contextlib.suppress(Exception):  # a connection already lost: nothing to undo
            await conn.remove_listener(QUEUED_CHANNEL, self._notified)
        with contextlib.suppress(Exception):
            await self.pool.release(conn)


def _describe(error: Exception) -> str:
    """The failure in a few words, without the request's contents."""
    if isinstance(error, Undeliverable):
        return str(error)
    if isinstance(error, RPCError):
        return f"Temporal answered {error.status.name}: {error.message[:200]}"
    return type(error).__name__
