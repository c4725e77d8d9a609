"""Cohort enrolment: a caseworker enrols many inmates of their UPT in one call.

`POST /cohorts/enrolments` takes up to `MAX_ROWS` rows and answers 200 with one result per
row, in order: `accepted` (the inmate's journey took the request), `already_enrolled` (an
active enrolment exists: a repeated batch is reported, never duplicated) or `rejected` with
the reason. A bad row never stops the good ones. `sinergi cohort enrol FILE.csv` sends a
CSV through this endpoint in chunks.

Each row passes the same rules as `POST /enrolments` (`services/enrolment_requests.py`,
`checked_request`); what differs is
the cost per row, which is what lets a 10,000-row cohort start near the rate of bare
workflow starts:
- reference data (programmes, the UPT's offerings) is read once per batch, and the active
  enrolments of every row in one query;
- the starts run concurrently, bounded by `START_CONCURRENCY`, so the time each waits for
  its journey overlaps the others';
- no row is written here: the enrolment's own projection writes it (moments after the
  answer), as it does when the API dies after a single request.

Each start waits for the journey's update to *complete* (the child started), not only to be
accepted: two requests for one inmate may both pass the validator before the first has
started its child, and the handler, under the journey's lock, refuses the second; an
answer given at acceptance would call that row accepted.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, ValidationError
from temporalio.client import (
    Client,
    WorkflowQueryFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError

from api.auth import CurrentPrincipal
from api.deps import PoolDep, SdpDep, SettingsDep, TemporalDep, acting_as
from config.settings import Settings
from db import enrolments as enrolment_db
from db import reference as reference_db
from domain.enrolment import EnrolmentRequest
from domain.errors import DomainError, Refusal
from domain.identity import Actor, Principal, Role
from domain.journey import journey_workflow_id
from domain.reference import Offering, Programme
from domain.registries import InmateRecord, SdpRegistry
from domain.text import sanitise
from services.enrolment_requests import EnrolmentCreate, ask_journey, checked_request
from workflows.journey import InmateJourneyWorkflow

router = APIRouter(prefix="/cohorts", tags=["cohorts"])
log = structlog.get_logger(__name__)

MAX_ROWS = 500
# Concurrent update-with-start calls per batch; the CLI runs a few batches at once.
START_CONCURRENCY = 32


UNANSWERED = (
    "the inmate's journey did not answer in time (the system is busy): send this row again; "
    "if it was enrolled meanwhile it is reported as already enrolled"
)


class RowStatus(StrEnum):
    ACCEPTED = "accepted"
    ALREADY_ENROLLED = "already_enrolled"
    REJECTED = "rejected"


class CohortBatch(BaseModel):
    # Rows stay loose here so that one malformed row is reported, not the whole batch.
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_ROWS)


class RowResult(BaseModel):
    row: int = Field(description="the row's position in the batch, from 1")
    inmate_sdp_no: str | None
    programme_code: str | None
    status: RowStatus
    reason: str | None = Field(default=None, description="why, for every status but accepted")
    enrolment_id: str | None = None


class CohortResult(BaseModel):
    accepted: int
    already_enrolled: int
    rejected: int
    results: list[RowResult]


def _text(raw: dict[str, Any], key: str) -> str | None:
    """The row's own value echoed back, made storable and encodable (a malformed row may
    hold a NUL or an unpaired surrogate)."""
    value = raw.get(key)
    return sanitise(value, multiline=False) if isinstance(value, str) else None


def _malformed(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "row"
        parts.append(f"{where}: {problem['msg']}")
    return "malformed row: " + "; ".join(parts)


class _Batch:
    """One batch's rows on their way: each ends with exactly one result."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.results: dict[int, RowResult] = {}

    def settle(
        self, index: int, status: RowStatus, reason: str | None, enrolment_id: str | None = None
    ) -> None:
        raw = self.rows[index]
        self.results[index] = RowResult(
            row=index + 1,
            inmate_sdp_no=_text(raw, "inmate_sdp_no"),
            programme_code=_text(raw, "programme_code"),
            status=status,
            reason=reason,
            enrolment_id=enrolment_id,
        )

    def reject(self, index: int, reason: str) -> None:
        self.settle(index, RowStatus.REJECTED, reason)

    def answer(self) -> CohortResult:
        ordered = [self.results[i] for i in range(len(self.rows))]
        count = {s: sum(r.status is s for r in ordered) for s in RowStatus}
        return CohortResult(
            accepted=count[RowStatus.ACCEPTED],
            already_enrolled=count[RowStatus.ALREADY_ENROLLED],
            rejected=count[RowStatus.REJECTED],
            results=ordered,
        )


@router.post("/enrolments", response_model=CohortResult)
async def enrol_cohort(
    body: CohortBatch,
    principal: CurrentPrincipal,
    actor: Annotated[Actor, Depends(acting_as(Role.CASEWORKER))],
    settings: SettingsDep,
    pool: PoolDep,
    temporal: TemporalDep,
    sdp: SdpDep,
) -> CohortResult:
    """Enrol a cohort of the caller's UPT: one result per row, in order (see the module)."""
    batch = _Batch(body.rows)
    parsed = _parse(batch)
    programmes = {p.code: p for p in await reference_db.list_programmes(pool)}
    offerings = {
        o.programme_code: o
        for o in await reference_db.list_offerings(pool, principal.scope.upt or "-")
    }
    inmates = await _lookup(sdp, {row.inmate_sdp_no for row in parsed.values()})
    active = await enrolment_db.active_enrolments(
        pool, [(row.inmate_sdp_no, row.programme_code) for row in parsed.values()]
    )
    to_start: dict[int, tuple[EnrolmentRequest, InmateRecord]] = {}
    for index, row in parsed.items():
        checked = _check(
            batch, index, row, principal, settings, actor, programmes, offerings, inmates, active
        )
        if checked is not None:
            to_start[index] = checked
    gate = asyncio.Semaphore(START_CONCURRENCY)
    await asyncio.gather(
        *(
            _start(batch, index, request, inmate, settings, temporal, gate)
            for index, (request, inmate) in to_start.items()
        )
    )
    answer = batch.answer()
    log.info(
        "cohort_batch",
        rows=len(body.rows),
        accepted=answer.accepted,
        already_enrolled=answer.already_enrolled,
        rejected=answer.rejected,
    )
    return answer


def _parse(batch: _Batch) -> dict[int, EnrolmentCreate]:
    """The well-formed rows by position; malformed ones and repeats within the batch are
    settled as rejected."""
    parsed: dict[int, EnrolmentCreate] = {}
    first_seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(batch.rows):
        try:
            row = EnrolmentCreate.model_validate(raw)
        except ValidationError as error:
            batch.reject(index, _malformed(error))
            continue
        key = (row.inmate_sdp_no, row.programme_code)
        if key in first_seen:
            batch.reject(index, f"repeats row {first_seen[key] + 1} of this batch")
            continue
        first_seen[key] = index
        parsed[index] = row
    return parsed


async def _lookup(sdp: SdpRegistry, numbers: set[str]) -> dict[str, InmateRecord | None]:
    gate = asyncio.Semaphore(START_CONCURRENCY)  # SDP over HTTP: bounded, like the starts

    async def one(sdp_no: str) -> tuple[str, InmateRecord | None]:
        async with gate:
            return sdp_no, await sdp.get_inmate(sdp_no)

    return dict(await asyncio.gather(*(one(n) for n in sorted(numbers))))


def _check(
    batch: _Batch,
    index: int,
    row: EnrolmentCreate,
    principal: Principal,
    settings: Settings,
    actor: Actor,
    programmes: dict[str, Programme],
    offerings: dict[str, Offering],
    inmates: dict[str, InmateRecord | None],
    active: dict[tuple[str, str], str],
) -> tuple[EnrolmentRequest, InmateRecord] | None:
    """The rules of `POST /enrolments` for one row; settles the row unless it may start."""
    inmate = inmates[row.inmate_sdp_no]
    key = (row.inmate_sdp_no, row.programme_code)
    try:
        request = checked_request(
            row,
            principal,
            actor,
            settings,
            programmes.get(row.programme_code),
            inmate,
            offerings.get(row.programme_code),
            active.get(key),
        )
    except DomainError as refusal:
        if key in active and refusal.refusal is Refusal.CONFLICT:  # a repeated batch
            batch.settle(index, RowStatus.ALREADY_ENROLLED, refusal.message, active[key])
        else:
            batch.reject(index, refusal.message)
        return None
    assert inmate is not None  # checked
    return request, inmate


async def _active_in_journey(temporal: Client, sdp_no: str, programme_code: str) -> str | None:
    """The id of the inmate's active enrolment in the programme, as the journey holds it."""
    handle = temporal.get_workflow_handle(journey_workflow_id(sdp_no))
    try:
        state = await handle.query(InmateJourneyWorkflow.state)
    except (RPCError, WorkflowQueryFailedError):
        return None
    for link in state.active_enrolments():
        if link.programme_code == programme_code:
            return link.enrolment_id
    return None


async def _start(
    batch: _Batch,
    index: int,
    request: EnrolmentRequest,
    inmate: InmateRecord,
    settings: Settings,
    temporal: Client,
    gate: asyncio.Semaphore,
) -> None:
    async with gate:
        try:
            await ask_journey(temporal, settings, inmate, request)
        except DomainError as refusal:
            # The journey refused: when it is because the same row's earlier attempt (still
            # settling, not yet in the read model) started the enrolment, say so.
            existing = (
                await _active_in_journey(temporal, inmate.sdp_no, request.programme.code)
                if refusal.refusal is Refusal.CONFLICT
                else None
            )
            if existing is not None:
                batch.settle(
                    index,
                    RowStatus.ALREADY_ENROLLED,
                    f"inmate {inmate.sdp_no} already has an active enrolment in "
                    f"{request.programme.code}",
                    existing,
                )
            else:
                batch.reject(index, refusal.message)
            return
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            # The journey has not taken the request yet (the workers are behind): whether it
            # will is unknown here. Sending the row again is safe: if it was started, it is
            # reported as already enrolled.
            batch.reject(index, UNANSWERED)
            return
    batch.settle(index, RowStatus.ACCEPTED, None, request.enrolment_id)
