"""Answers that are final: a write answers with the state it created, readable at once.

Three writes start work that goes on after the workflow has taken them: an enrolment request
(the case opens its placement review), a release (the journey stops the enrolments, then
sends the handovers) and an arrival (SIMKIM issues the ITAS, then the permit is active).
Each answers once the read model shows that state, so a read right after the answer shows it
too: the read model is what every read serves, so it is what is waited on. Bounded by
`SINERGI_ANSWER_WAIT_SECONDS`: past it (e.g. Imigrasi's worker is down) the answer is 202 with
a `Location` to poll and the time until which to poll (`Pending`). No workflow changed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar

import asyncpg
import structlog
from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError

from config.settings import get_settings
from db import case_progress
from db import enrolments as enrolment_db
from db import handovers as handover_db
from db import inbox as inbox_db
from db import journeys as journey_db
from db import permits as permit_db
from db.case_progress import CaseProgress
from db.enrolments import EnrolmentRecord
from db.handovers import HandoverFilter, HandoverRecord, HandoverSort
from db.permits import PermitRecord
from domain.custody import CustodyEventOutcome
from domain.enrolment import EnrolmentState, Stage
from domain.permit import PermitState
from domain.permit import Stage as PermitStage

log = structlog.get_logger(__name__)
T = TypeVar("T")

# The first look comes at once; later ones back off to this, so a slow case costs few reads.
_LONGEST_PAUSE = 0.25
PAYMENT_WAIT = "payment"  # the permit's wait for SIMPONI: no inbox task


class Pending(BaseModel):
    """202: the write was taken and will take effect, but its state is not readable yet."""

    status: Literal["pending"] = "pending"
    detail: str = Field(description="what the write is waiting for")
    poll: str = Field(description="GET this (also the `Location` header) until it shows it")
    until: datetime = Field(
        description="poll until then; still not shown after it, report it to the operators"
    )


def pending_responses() -> dict[int | str, dict[str, Any]]:
    """The 202 a final-answer route may give, for its OpenAPI `responses`."""
    return {
        status.HTTP_202_ACCEPTED: {
            "model": Pending,
            "description": "Taken, but its state was not readable within the wait "
            "(`SINERGI_ANSWER_WAIT_SECONDS`): poll `Location` until `until`.",
        }
    }


async def settle(read: Callable[[], Awaitable[T | None]], within: float) -> T | None:
    """`read()` until it returns something, for at most `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    pause = 0.01
    while True:
        found = await read()
        if found is not None or loop.time() >= deadline:
            return found
        await asyncio.sleep(min(pause, max(deadline - loop.time(), 0)))
        pause = min(pause * 2, _LONGEST_PAUSE)


async def settle_or_pending(
    read: Callable[[], Awaitable[T | None]], within: float, detail: str, poll: str
) -> T:
    """`settle`, and a 202 (`StillPending`) when nothing came within the wait."""
    found = await settle(read, within)
    if found is None:
        raise StillPending(detail, poll, within)
    return found


class StillPending(Exception):
    """The write was taken; its state did not become readable within the wait: a 202."""

    def __init__(self, detail: str, poll: str, within: float) -> None:
        super().__init__(detail)
        until = datetime.now(UTC) + timedelta(seconds=max(within * 3, 30))
        self.answer = Pending(detail=detail, poll=poll, until=until)


def install_pending_handler(app: FastAPI) -> None:
    @app.exception_handler(StillPending)
    async def _pending(_: Request, error: StillPending) -> JSONResponse:
        log.warning("answer_pending", poll=error.answer.poll, detail=error.answer.detail)
        return JSONResponse(
            error.answer.model_dump(mode="json"),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Location": error.answer.poll},
        )


def wait_bound() -> float:
    return get_settings().answer_wait_seconds


# ---------------------------------------------------------------- an enrolment request


class OpenCase(Protocol):
    outcome: Any
    awaiting_kind: str | None


R = TypeVar("R", bound=OpenCase)


async def new_case_waiting(
    pool: asyncpg.Pool,
    load: Callable[[], Awaitable[R | None]],
    case_id: str,
    within: float,
    detail: str,
    poll: str,
) -> R:
    """A new case's answer: once its read model row shows whom it waits on and that
    person's inbox task is open (the workflow projects the stage, then opens the task), or
    it has closed."""

    async def read() -> R | None:
        record = await load()
        if record is None or record.outcome is not None:
            return record
        if record.awaiting_kind is None:
            return None
        return record if await _task_open(pool, case_id, record.awaiting_kind) else None

    return await settle_or_pending(read, within, detail, poll)


async def enrolment_waiting_on_placement(
    pool: asyncpg.Pool, enrolment_id: str, within: float
) -> EnrolmentRecord:
    return await new_case_waiting(
        pool,
        lambda: enrolment_db.get_enrolment(pool, enrolment_id),
        enrolment_id,
        within,
        f"enrolment {enrolment_id} was started; its placement review is not open yet",
        f"/enrolments/{enrolment_id}",
    )


async def permit_waiting_on_verification(
    pool: asyncpg.Pool, application_id: str, within: float
) -> PermitRecord:
    return await new_case_waiting(
        pool,
        lambda: permit_db.get_application(pool, application_id),
        application_id,
        within,
        f"application {application_id} was submitted; its verification is not open yet",
        f"/permits/{application_id}",
    )


class CaseState(Protocol):
    event_count: int


S = TypeVar("S", bound=CaseState)


async def once_settled(
    query: Callable[[], Awaitable[S]],
    waiting: Callable[[S], bool],
    progress: Callable[[], Awaitable[CaseProgress]],
    detail: str,
    poll: str,
    task_kind: Callable[[S], str | None] | None = None,
    answered: S | None = None,
) -> S:
    """A decision's answer: the case's state once the workflow has gone as far as it goes
    by itself (it waits on someone, or `waiting` says it is where it stays) and the read
    model holds every event of it, so a read right after shows it. A 202 past the wait.

    `task_kind`: the inbox task the state awaits (None: none), which must be open too; the
    events and the open tasks are read in one round trip (`db/case_progress.py`).
    `answered`: the state the Update answered with, looked at first (the same checks
    apply); the workflow is queried only when that one has not settled yet, which saves a
    round trip to the worker on most decisions."""
    first = [answered] if answered is not None else []

    async def read() -> S | None:
        state = first.pop() if first else await query()
        if not waiting(state):
            return None
        caught_up = await progress()
        if caught_up.events < state.event_count:
            return None
        kind = task_kind(state) if task_kind is not None else None
        if kind is not None and kind not in caught_up.open_task_kinds:
            return None
        return state

    return await settle_or_pending(read, wait_bound(), detail, poll)


async def _task_open(pool: asyncpg.Pool, case_id: str, kind: str) -> bool:
    return kind in {t.kind for t in await inbox_db.open_tasks_of_case(pool, case_id)}


# ---------------------------------------------------------------- a release


class CustodyEventAnswer(CustodyEventOutcome):
    """The journey's answer to one event; for a release, with the handovers it sent."""

    handovers: list[HandoverRecord] = Field(
        default=[],
        description="a release's handovers, sent: to the Bapas (PB, CB, CMB) and to Kemnaker "
        "job placement; empty for any other event",
    )


async def release_handed_over(
    pool: asyncpg.Pool,
    inmate_sdp_no: str,
    outcome: CustodyEventOutcome,
    supervised: bool,
    within: float,
) -> CustodyEventAnswer:
    """The release's answer once every handover it makes is in the read model."""
    expected = 2 if supervised else 1

    async def read() -> list[HandoverRecord] | None:
        journey = await journey_db.current_journey(pool, inmate_sdp_no)
        if journey is None:
            return None
        where = HandoverFilter(
            journey_id=journey.journey_id, now=datetime.now(UTC), sort=HandoverSort.NEWEST
        )
        handovers = await handover_db.list_handovers(pool, where)
        return handovers if len(handovers) >= expected else None

    handovers = await settle_or_pending(
        read,
        within,
        f"inmate {inmate_sdp_no} was released; the handovers are not all sent yet",
        f"/handovers?inmate_sdp_no={inmate_sdp_no}",
    )
    return CustodyEventAnswer(**outcome.model_dump(), handovers=handovers)


# ---------------------------------------------------------------- decisions


@contextlib.asynccontextmanager
async def bounded(detail: str, poll: str) -> AsyncIterator[Callable[[], float]]:
    """Run the block within the wait (it gets the seconds left); past it, a 202."""
    within = wait_bound()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    try:
        async with asyncio.timeout(within):
            yield lambda: max(deadline - loop.time(), 0.0)
    # An Update's result cancelled by the timeout says so in its own words.
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise StillPending(detail, poll, within) from None


_ON_A_CLOCK = (Stage.REMEDIAL, Stage.AWAITING_APPEAL)


async def enrolment_decided(
    pool: asyncpg.Pool,
    query: Callable[[], Awaitable[EnrolmentState]],
    enrolment_id: str,
    answered: EnrolmentState | None = None,
) -> EnrolmentState:
    """An enrolment decision's answer: once the case waits on someone or has closed (after
    an assessment with every unit K: once BNSP's certificate is in). After a BK the case
    rests on a clock, no one awaited: the remedial period, or the final appeal window."""
    return await once_settled(
        query,
        lambda s: s.awaiting is not None or s.outcome is not None or s.stage in _ON_A_CLOCK,
        lambda: case_progress.enrolment_progress(pool, enrolment_id),
        f"the decision on enrolment {enrolment_id} was taken; the case has not settled yet",
        f"/enrolments/{enrolment_id}",
        lambda s: s.awaiting.kind if s.awaiting is not None else None,
        answered,
    )


async def permit_decided(
    pool: asyncpg.Pool, query: Callable[[], Awaitable[PermitState]], application_id: str
) -> PermitState:
    """A permit decision's answer: once the case waits on someone, is active or has closed
    (after an RPTKA approval: once Imigrasi's checks are done and the visa is awaited; after
    an arrival: once SIMKIM issued the ITAS)."""
    return await once_settled(
        query,
        lambda s: s.awaiting is not None or s.outcome is not None or s.stage is PermitStage.ACTIVE,
        lambda: case_progress.permit_progress(pool, application_id),
        f"the decision on application {application_id} was taken; the case has not settled yet",
        f"/permits/{application_id}",
        _permit_task_kind,
    )


def _permit_task_kind(state: PermitState) -> str | None:
    """The inbox task the case's wait opens: every wait on a person but the payment (the
    employer pays at a bank; SIMPONI confirms it, no task)."""
    if state.awaiting is None or state.awaiting.kind == PAYMENT_WAIT:
        return None
    return state.awaiting.kind
