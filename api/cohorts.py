"""Cohort enrolment: a caseworker enrols many inmates of their UPT in one call, and follows
the cohort as its rows settle.

`POST /cohorts/enrolments` takes up to `MAX_ROWS` rows and answers 200 with one result per
row, in order: `accepted` (the request is durably queued in the inmate's journey),
`already_enrolled` (an active enrolment exists, or the same request is queued: a repeated
batch is reported, never duplicated) or `rejected` with the reason. A bad row never stops the
good ones. Batches of one cohort (a file sent in chunks) name the same `cohort_id`;
`GET /cohorts/{cohort_id}` shows the cohort: rows settling, settled (enrolment row and
placement task written), refused later by the journey (with the reason), already enrolled,
rejected. `sinergi cohort enrol FILE.csv` and the workspace's upload send through here.

Each row passes the same rules as `POST /enrolments` (`services/enrolment_requests.py`,
`checked_request`); what differs is the cost per row, which is what lets a 10,000-row cohort
be accepted near the rate of bare workflow starts (issue 18):
- reference data (programmes, the UPT's offerings) is read once per batch, and the active
  and in-flight enrolments of every row in one query each;
- a row is answered once its request is in the journey (a signal-with-start,
  `queue_in_journey`), not once the journey has started the child: the journey applies
  queued rows under its lock by the rule of its `enrol` update, and projects each row's
  outcome to the cohort-row table (V23, `db/cohort_rows.py`);
- the row is claimed in that table before it is signalled, so a copy sent at the same
  moment (a client retrying a request it thinks lost) is answered already enrolled; a copy
  sent while the first settles is found there too. The journey refuses a second active
  enrolment whatever reaches it, so a row is never enrolled twice;
- the signals run concurrently, bounded by `START_CONCURRENCY`.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated, Any

import asyncpg
import structlog
from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field, ValidationError
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.auth import CurrentPrincipal
from api.deps import PoolDep, SdpDep, SettingsDep, TemporalDep, acting_as
from api.paging import Offset
from config.settings import Settings
from db import cohort_rows as cohort_db
from db import enrolments as enrolment_db
from db import reference as reference_db
from domain.cohort import COHORT_ID_PATTERN, CohortEnrolment, RowAnswer, RowState
from domain.enrolment import EnrolmentRequest
from domain.enrolment_rules import check_no_active_enrolment
from domain.errors import DomainError, Refusal, forbidden, not_found
from domain.identity import Actor, Principal, Role
from domain.reference import Offering, Programme
from domain.registries import InmateRecord, SdpRegistry
from domain.text import sanitise
from services.enrolment_requests import EnrolmentCreate, checked_request, queue_in_journey

router = APIRouter(prefix="/cohorts", tags=["cohorts"])
log = structlog.get_logger(__name__)

MAX_ROWS = 500
# Concurrent signal-with-start calls per batch; the CLI runs a few batches at once.
START_CONCURRENCY = 32
# A row's names are stored with its answer when they are this short (a malformed row's may
# be anything); longer ones are answered in the batch only.
_STORED_NAME_MAX = 100


UNANSWERED = (
    "the inmate's journey did not take the request in time (the system is busy): send this "
    "row again; if it was enrolled meanwhile it is reported as already enrolled"
)

RowStatus = RowAnswer  # the answer to a row, as this endpoint has always called it

CohortId = Annotated[str, Path(pattern=COHORT_ID_PATTERN, description="the cohort's id")]


class CohortBatch(BaseModel):
    # Rows stay loose here so that one malformed row is reported, not the whole batch.
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_ROWS)
    cohort_id: str | None = Field(
        default=None,
        pattern=COHORT_ID_PATTERN,
        description="the cohort these rows belong to (one file sent in several batches names "
        "one id; 8-64 letters, digits, '-' or '_'); a new cohort when left out",
    )


class RowResult(BaseModel):
    row: int = Field(description="the row's position in the batch, from 1")
    inmate_sdp_no: str | None
    programme_code: str | None
    status: RowStatus
    reason: str | None = Field(default=None, description="why, for every status but accepted")
    enrolment_id: str | None = None


class CohortResult(BaseModel):
    cohort_id: str = Field(description="follow its rows settling at GET /cohorts/{cohort_id}")
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

    def __init__(self, cohort_id: str, rows: list[dict[str, Any]]) -> None:
        self.cohort_id = cohort_id
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

    def answered_here(self) -> list[tuple[str, str, str | None, RowAnswer, str | None]]:
        """The rows answered without a request to the journey, to store with the cohort."""
        return [
            (r.inmate_sdp_no, r.programme_code, r.enrolment_id, r.status, r.reason)
            for r in self.results.values()
            if r.status is not RowStatus.ACCEPTED
            and r.inmate_sdp_no
            and r.programme_code
            and len(r.inmate_sdp_no) <= _STORED_NAME_MAX
            and len(r.programme_code) <= _STORED_NAME_MAX
        ]

    def answer(self) -> CohortResult:
        ordered = [self.results[i] for i in range(len(self.rows))]
        count = {s: sum(r.status is s for r in ordered) for s in RowStatus}
        return CohortResult(
            cohort_id=self.cohort_id,
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
    cohort_id = body.cohort_id or new_cohort_id()
    upt = principal.scope.upt or "-"
    if not await cohort_db.open_cohort(pool, cohort_id, upt, principal.subject):
        raise not_found(f"there is no cohort {cohort_id} of your UPT: leave cohort_id out")
    batch = _Batch(cohort_id, body.rows)
    parsed = _parse(batch)
    programmes = {p.code: p for p in await reference_db.list_programmes(pool)}
    offerings = {o.programme_code: o for o in await reference_db.list_offerings(pool, upt)}
    inmates = await _lookup(sdp, {row.inmate_sdp_no for row in parsed.values()})
    pairs = [(row.inmate_sdp_no, row.programme_code) for row in parsed.values()]
    # Active in the read model, or accepted and still on its way there.
    active = await cohort_db.in_flight(pool, pairs)
    active |= await enrolment_db.active_enrolments(pool, pairs)
    to_start: dict[int, tuple[EnrolmentRequest, InmateRecord]] = {}
    for index, row in parsed.items():
        checked = _check(
            batch, index, row, principal, settings, actor, programmes, offerings, inmates, active
        )
        if checked is not None:
            to_start[index] = checked
    await _claim(batch, to_start, pool)
    gate = asyncio.Semaphore(START_CONCURRENCY)
    await asyncio.gather(
        *(
            _queue(batch, index, request, inmate, settings, pool, temporal, gate)
            for index, (request, inmate) in to_start.items()
        )
    )
    await cohort_db.record_answers(pool, cohort_id, batch.answered_here())
    answer = batch.answer()
    log.info(
        "cohort_batch",
        cohort_id=cohort_id,
        rows=len(body.rows),
        accepted=answer.accepted,
        already_enrolled=answer.already_enrolled,
        rejected=answer.rejected,
    )
    return answer


def new_cohort_id() -> str:
    return "COH-" + secrets.token_hex(8).upper()


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


async def _claim(
    batch: _Batch, to_start: dict[int, tuple[EnrolmentRequest, InmateRecord]], pool: asyncpg.Pool
) -> None:
    """Claim the rows about to be queued; a row whose inmate and programme another request
    holds (queued a moment ago by a copy of this batch) is settled already enrolled."""
    wanted = {
        index: (request.inmate_sdp_no, request.programme.code, request.enrolment_id)
        for index, (request, _) in to_start.items()
    }
    async with pool.acquire() as conn:
        claimed = await cohort_db.claim(conn, batch.cohort_id, list(wanted.values()))
    lost = {index: row[:2] for index, row in wanted.items() if row[:2] not in claimed}
    if not lost:
        return
    holders = await cohort_db.in_flight(pool, list(lost.values()))
    holders |= await enrolment_db.active_enrolments(pool, list(lost.values()))
    for index, pair in lost.items():
        del to_start[index]
        try:
            check_no_active_enrolment(*pair, holders.get(pair, "(being started)"))
        except DomainError as refusal:
            batch.settle(index, RowStatus.ALREADY_ENROLLED, refusal.message, holders.get(pair))


async def _queue(
    batch: _Batch,
    index: int,
    request: EnrolmentRequest,
    inmate: InmateRecord,
    settings: Settings,
    pool: asyncpg.Pool,
    temporal: Client,
    gate: asyncio.Semaphore,
) -> None:
    row = CohortEnrolment(cohort_id=batch.cohort_id, request=request)
    async with gate:
        try:
            await queue_in_journey(temporal, settings, inmate, row)
        except BaseException as error:
            # Release the claim, or the row would hold its inmate and programme as queued.
            await asyncio.shield(
                cohort_db.unclaim(pool, batch.cohort_id, request.enrolment_id, UNANSWERED)
            )
            if isinstance(error, RPCError) and error.status is RPCStatusCode.DEADLINE_EXCEEDED:
                # Whether the journey has the request is unknown here (most likely not): the
                # row is rejected, to send again; should the journey have it after all, its
                # outcome puts the row back as accepted.
                batch.reject(index, UNANSWERED)
                return
            raise  # Temporal away (503), the request's deadline, the process stopping
    batch.settle(index, RowStatus.ACCEPTED, None, request.enrolment_id)


# ---------------------------------------------------------------- status


class CohortStatus(cohort_db.CohortCounts):
    cohort_id: str
    upt_code: str
    rows: list[cohort_db.CohortRowRecord] = Field(
        description="the rows (filtered by `state`), in the order they were answered"
    )


@router.get("/{cohort_id}", response_model=CohortStatus)
async def cohort_status(
    cohort_id: CohortId,
    principal: CurrentPrincipal,
    _: Annotated[Actor, Depends(acting_as(Role.CASEWORKER))],
    pool: PoolDep,
    state: Annotated[RowState | None, Query(description="only rows in this state")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> CohortStatus:
    """A cohort of the caller's UPT: its counts (accepted, settling, settled, refused later,
    already enrolled, rejected) and its rows with their state and reason."""
    return await read_status(pool, principal, cohort_id, state, limit, offset)


async def read_status(
    pool: asyncpg.Pool,
    principal: Principal,
    cohort_id: str,
    state: RowState | None = None,
    limit: int = 100,
    offset: int = 0,
) -> CohortStatus:
    """The cohort's status, for a caseworker of its UPT."""
    upt = await cohort_db.cohort_upt(pool, cohort_id)
    if upt is None:
        raise not_found(f"there is no cohort {cohort_id}")
    if upt != principal.scope.upt or not principal.has_role(Role.CASEWORKER):
        raise forbidden(
            f"cohort {cohort_id} is of UPT {upt}; its caseworkers follow it, you are of "
            f"UPT {principal.scope.upt or '-'}"
        )
    counts = await cohort_db.counts(pool, cohort_id)
    rows = await cohort_db.rows(pool, cohort_id, state, limit, offset) if limit else []
    return CohortStatus(cohort_id=cohort_id, upt_code=upt, rows=rows, **counts.model_dump())
