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
from typing import Any, Literal, TypeVar

import asyncpg
import structlog
from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError

from config.settings import get_settings
from db import enrolments as enrolment_db
from db import inbox as inbox_db
from db import journeys as journey_db
from db import permits as permit_db
from db.enrolments import EnrolmentRecord
from db.journeys import HandoverFilter, HandoverRecord, HandoverSort
from db.permits import PermitRecord
from domain.custody import CustodyEventOutcome
from domain.permit import Stage as PermitStage

log = structlog.get_logger(__name__)
T = TypeVar("T")

# The first look comes at once; later ones back off to this, so a slow case costs few reads.
_LONGEST_PAUSE = 0.25


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


async def enrolment_waiting_on_placement(
    pool: asyncpg.Pool, enrolment_id: str, within: float
) -> EnrolmentRecord:
    """The case once its read model shows it waiting on the TPP, with the TPP's inbox task
    open (or closed)."""

    async def read() -> EnrolmentRecord | None:
        record = await enrolment_db.get_enrolment(pool, enrolment_id)
        if record is None:
            return None
        if record.outcome is not None:
            return record
        # Waiting means both: the case says whom it waits on, and that person's inbox task
        # is open (the workflow projects the stage, then opens the task).
        tasks = await inbox_db.open_tasks_of_case(pool, enrolment_id)
        if record.awaiting_kind is None or record.awaiting_kind not in {t.kind for t in tasks}:
            return None
        return record

    return await settle_or_pending(
        read,
        within,
        f"enrolment {enrolment_id} was started; its placement review is not open yet",
        f"/enrolments/{enrolment_id}",
    )


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
        handovers = await journey_db.list_handovers(pool, where)
        return handovers if len(handovers) >= expected else None

    handovers = await settle_or_pending(
        read,
        within,
        f"inmate {inmate_sdp_no} was released; the handovers are not all sent yet",
        f"/handovers?inmate_sdp_no={inmate_sdp_no}",
    )
    return CustodyEventAnswer(**outcome.model_dump(), handovers=handovers)


# ---------------------------------------------------------------- an arrival


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


async def permit_active(pool: asyncpg.Pool, application_id: str, within: float) -> PermitRecord:
    """The application once its read model shows the permit active (or closed)."""

    async def read() -> PermitRecord | None:
        record = await permit_db.get_application(pool, application_id)
        if record is None or (record.stage is not PermitStage.ACTIVE and record.outcome is None):
            return None
        return record

    found = await settle(read, within)
    if found is None:
        raise TimeoutError  # the caller's bound (`bounded`) answers 202
    return found
