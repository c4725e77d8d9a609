"""Cohort enrolment: a caseworker enrols many inmates of their UPT in one call, and follows
the cohort as its rows settle.

`POST /cohorts/enrolments` takes up to `MAX_ROWS` rows and answers 200 with one result per
row, in order: `accepted` (the request is durably queued in Postgres, to be handed to the
inmate's journey), `already_enrolled` (an active enrolment exists, or the same request is
queued: a repeated batch is reported, never duplicated) or `rejected` with the reason. A bad
row never stops the good ones. Batches of one cohort (a file sent in chunks) name the same
`cohort_id`; `GET /cohorts/{cohort_id}` shows the cohort: rows settling (queued, or handed to
the journey and not yet written), settled (enrolment row and placement task written), refused
later (by the journey, or never handed to it: with the reason), already enrolled, rejected.
`sinergi cohort enrol FILE.csv` and the workspace's upload send through here.

Each row passes the same rules as `POST /enrolments` (`services/enrolment_requests.py`,
`checked_request`); what differs is the cost per row, which is what lets a 10,000-row cohort
be accepted faster than bare workflow starts (issue 18):
- reference data (programmes, the UPT's offerings) is read once per batch, and the active
  and in-flight enrolments of every row in one query each;
- the batch's accepted rows are claimed in the cohort-row table (V23, V24,
  `db/cohort_rows.py`) with their requests, sealed by the payload codec, and the batch's
  other answers stored, in ONE transaction, and answered once it commits: no call to
  Temporal on the way, so a batch is accepted while Temporal is away too;
- the cohort dispatcher (`workers/cohort_dispatch.py`, woken by the commit) hands each
  queued row to the inmate's journey with a signal-with-start, retries a failure with
  backoff and refuses the row later, with the reason, once out of attempts. The journey
  applies queued rows under its lock by the rule of its `enrol` update, skips a row handed
  over twice, and projects each row's outcome to the cohort-row table;
- the claim lets one queued request per inmate and programme exist, so a copy sent at the
  same moment (a client retrying a request it thinks lost) is answered already enrolled; a
  copy sent while the first settles is found there too. The journey refuses a second active
  enrolment whatever reaches it, so a row is never enrolled twice.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated, Any

import asyncpg
import structlog
from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field, ValidationError

from api.auth import CurrentPrincipal
from api.deps import PoolDep, SdpDep, SettingsDep, acting_as
from api.paging import Offset
from config.settings import Settings
from db import cohort_rows as cohort_db
from db import enrolments as enrolment_db
from db import reference as reference_db
from db.connect import Connection
from domain.cohort import COHORT_ID_PATTERN, CohortEnrolment, RowAnswer, RowState
from domain.enrolment import EnrolmentRequest
from domain.enrolment_rules import check_no_active_enrolment
from domain.errors import DomainError, Refusal, forbidden, not_found
from domain.identity import Actor, Principal, Role
from domain.reference import Offering, Programme
from domain.registries import InmateRecord, SdpRegistry
from domain.text import sanitise
from services.enrolment_requests import EnrolmentCreate, checked_request

router = APIRouter(prefix="/cohorts", tags=["cohorts"])
log = structlog.get_logger(__name__)

MAX_ROWS = 500
# Concurrent SDP look-ups per batch (SDP over HTTP); the CLI runs a few batches at once.
LOOKUP_CONCURRENCY = 32
# A row's names are stored with its answer when they are this short (a malformed row's may
# be anything); longer ones are answered in the batch only.
_STORED_NAME_MAX = 100

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
        """The rows answered without a queued request, to store with the cohort."""
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
    to_queue: dict[int, EnrolmentRequest] = {}
    for index, row in parsed.items():
        checked = _check(
            batch, index, row, principal, settings, actor, programmes, offerings, inmates, active
        )
        if checked is not None:
            to_queue[index] = checked
    sealed = await _seal(settings, cohort_id, to_queue)
    async with pool.acquire() as conn, conn.transaction():
        await _claim(batch, to_queue, sealed, conn)
        await cohort_db.record_answers(conn, cohort_id, batch.answered_here())
        if to_queue:
            await cohort_db.wake_dispatchers(conn)
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
    gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)

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
) -> EnrolmentRequest | None:
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
    return request


async def _seal(
    settings: Settings, cohort_id: str, to_queue: dict[int, EnrolmentRequest]
) -> dict[int, bytes]:
    """Each row's request as the dispatcher will signal it, sealed by the payload codec (it
    names the requester and holds the caseworker's reason): a Temporal payload, stored."""
    if not to_queue:
        return {}
    rows = [CohortEnrolment(cohort_id=cohort_id, request=r) for r in to_queue.values()]
    payloads = await settings.data_converter.encode(rows)
    return {i: p.SerializeToString() for i, p in zip(to_queue, payloads, strict=True)}


async def _claim(
    batch: _Batch,
    to_queue: dict[int, EnrolmentRequest],
    sealed: dict[int, bytes],
    conn: Connection,
) -> None:
    """Claim the rows to queue, in the batch's transaction, and answer them accepted; a row
    whose inmate and programme another request holds (queued a moment ago by a copy of this
    batch) is settled already enrolled."""
    wanted = {
        index: (request.inmate_sdp_no, request.programme.code, request.enrolment_id)
        for index, request in to_queue.items()
    }
    claimed = await cohort_db.claim(
        conn, batch.cohort_id, [(*row, sealed[index]) for index, row in wanted.items()]
    )
    lost = {index: row[:2] for index, row in wanted.items() if row[:2] not in claimed}
    for index, row in wanted.items():
        if index not in lost:
            batch.settle(index, RowStatus.ACCEPTED, None, row[2])
    if not lost:
        return
    holders = await cohort_db.in_flight(conn, list(lost.values()))
    holders |= await enrolment_db.active_enrolments(conn, list(lost.values()))
    for index, pair in lost.items():
        del to_queue[index]
        try:
            check_no_active_enrolment(*pair, holders.get(pair, "(being started)"))
        except DomainError as refusal:
            batch.settle(index, RowStatus.ALREADY_ENROLLED, refusal.message, holders.get(pair))


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
