"""Writes stored by a workflow task that never completed, and its retry, on a real Postgres.

A local activity writes before its marker is in history. When the worker dies after the
write and before its workflow task completes, the task's next attempt can carry more input
(a decision sent meanwhile) and number its events differently. Here the incident that showed
it (benchmarks/NOTES.md, "A local write's task that never completed"): the first attempt
stored the request (event 1), the stage change to placement review (event 2) and the review's
inbox task; the retry carried the TPP's decision too, which took number 2. Before, the stored
event 2 kept its place and the decision was lost from the read model and the audit trail.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from db import audit_trail, tasks
from db import enrolments as enrolment_db
from db import journeys as journey_db
from db.audit_search import CaseKind
from db.trail_decisions import trail_of
from domain.audit_chain import chain_id
from domain.custody import CustodyEventKind
from domain.enrolment import (
    AttendanceEntry,
    EnrolmentEvent,
    EnrolmentSummary,
    Escalation,
    EventKind,
    Stage,
)
from domain.identity import Actor, Ministry, Role, Scope
from domain.journey import EnrolmentLink, JourneyEventKind
from domain.tasks import TaskClosing, TaskEscalation, TaskOpening, TaskState
from tests.db import test_journey_read_model as journey_rows
from tests.enrolment_rows import CASEWORKER, UPT, barista_request, event, summary

TPP = Actor(subject="tpp-1", role=Role.TPP_MEMBER, scope=Scope(upt=UPT))
# The two attempts of one workflow task: the retry starts later (the dead one timed out).
FIRST = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
RETRY = FIRST + timedelta(seconds=10)


def _summary(stage: Stage, awaiting: str | None = None, present: int = 0) -> EnrolmentSummary:
    return summary(stage, present=present, awaiting=awaiting)


def _opening(n: int, kind: str, at: datetime, role: Role = Role.TPP_MEMBER) -> TaskOpening:
    scope = Scope(upt=UPT) if role is Role.TPP_MEMBER else Scope(ministry=Ministry.KEMNAKER)
    return TaskOpening(
        task_id=f"ENR-1:{n}",
        case_kind="enrolment",
        case_id="ENR-1",
        workflow_id="enrolment-ENR-1",
        kind=kind,
        stage=kind,
        required_role=role,
        scope=scope,
        opened_at=at,
    )


async def _requested(pool: asyncpg.Pool, at: datetime) -> EnrolmentEvent:
    request = await barista_request(pool)
    return event(
        1, EventKind.REQUESTED, _summary(Stage.PLACEMENT_REVIEW), at,
        request=request, actor=CASEWORKER, reason=request.reason,
    )  # fmt: skip


def _review(at: datetime) -> EnrolmentEvent:
    return event(
        2, EventKind.STAGE_CHANGED, _summary(Stage.PLACEMENT_REVIEW, "placement_review"), at
    )


async def _write(pool: asyncpg.Pool, *writes: EnrolmentEvent | TaskOpening | TaskClosing) -> None:
    async with pool.acquire() as conn:
        for write in writes:
            if isinstance(write, EnrolmentEvent):
                await enrolment_db.apply_event(conn, write, "run-1")
            elif isinstance(write, TaskOpening):
                await tasks.open_task(conn, write, "run-1")
            else:
                await tasks.close_task(conn, write, "run-1")


async def _events(pool: asyncpg.Pool) -> list[tuple[int, str]]:
    rows = await pool.fetch(
        "SELECT seq, kind FROM enrolment_events WHERE enrolment_id = 'ENR-1' ORDER BY seq"
    )
    return [(r["seq"], r["kind"]) for r in rows]


async def _trail_kinds(pool: asyncpg.Pool) -> list[tuple[int | None, str]]:
    trail = await audit_trail.case_trail(pool, chain_id("enrolment", "ENR-1"))
    return [(e.detail.get("event_seq"), e.kind) for e in trail]


async def _escalation_notices(pool: asyncpg.Pool) -> int:
    """The training task's escalation notification, waiting in the outbox."""
    count = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE message_id = 'escalation:ENR-1:2'"
    )
    assert isinstance(count, int)
    return count


async def _chain_intact(pool: asyncpg.Pool) -> bool:
    verdict = await audit_trail.verify(pool, chain=chain_id("enrolment", "ENR-1"))
    return verdict.ok


def _retried_placement() -> list[EnrolmentEvent]:
    """The incident's retry: the decision numbered 2, the review's stage 3, training 4."""
    return [
        event(
            2, EventKind.PLACEMENT_DECIDED, _summary(Stage.PLACEMENT_REVIEW), RETRY,
            actor=TPP, reason="fits the plan", decision="approve",
        ),
        event(3, EventKind.STAGE_CHANGED,
              _summary(Stage.PLACEMENT_REVIEW, "placement_review"), RETRY),
        event(4, EventKind.STAGE_CHANGED, _summary(Stage.TRAINING, "training"), RETRY),
    ]  # fmt: skip


async def test_a_retry_that_numbered_a_decision_differently_supersedes_the_stored_writes(
    pool: asyncpg.Pool,
) -> None:
    # The attempt that died: the request, the stage change and the review's task, stored.
    await _write(pool, await _requested(pool, FIRST), _review(FIRST),
                 _opening(1, "placement_review", FIRST))  # fmt: skip
    # The retry, as its stage writes send them: the decision took number 2.
    decided, review, training = _retried_placement()
    await _write(pool, await _requested(pool, RETRY), decided, review,
                 _opening(1, "placement_review", RETRY))  # fmt: skip
    await _write(
        pool,
        TaskClosing(
            task_id="ENR-1:1",
            state=TaskState.DECIDED,
            closed_at=RETRY,
            decision="approve",
            actor=TPP,
            reason="fits the plan",
        ),
        training,
        _opening(2, "training_completion", RETRY, Role.KEMNAKER_INSTRUCTOR),
    )

    assert await _events(pool) == [
        (1, "requested"), (2, "placement_decided"), (3, "stage_changed"), (4, "stage_changed")
    ]  # fmt: skip
    decisions = await enrolment_db.list_decisions(pool, "ENR-1")
    assert [(d.seq, d.decision) for d in decisions if d.decision] == [(2, "approve")]
    record = await enrolment_db.get_enrolment(pool, "ENR-1")
    assert record is not None
    assert record.stage is Stage.TRAINING
    review_task = await tasks.get_task(pool, "ENR-1:1")
    assert review_task is not None
    assert (review_task.state, review_task.decided_by) == (TaskState.DECIDED, "tpp-1")
    assert review_task.opened_at == RETRY
    log = await tasks.task_history(pool, "ENR-1:1")
    assert [(h.action.value, h.at) for h in log] == [("opened", RETRY), ("decided", RETRY)]
    training_task = await tasks.get_task(pool, "ENR-1:2")
    assert training_task is not None
    assert training_task.state is TaskState.OPEN
    # The trail keeps what the dead attempt stored, says it gave way, and holds the decision.
    kinds = await _trail_kinds(pool)
    assert (2, "stage_changed") in kinds
    assert kinds.index((2, "superseded")) < kinds.index((2, "placement_decided"))
    assert await _chain_intact(pool)


async def test_the_same_change_from_a_later_attempt_changes_nothing(pool: asyncpg.Pool) -> None:
    await _write(pool, await _requested(pool, FIRST), _review(FIRST),
                 _opening(1, "placement_review", FIRST))  # fmt: skip
    trail = await _trail_kinds(pool)

    # The retry got no more input: the same writes, stamped with its own start.
    await _write(pool, await _requested(pool, RETRY), _review(RETRY))

    assert await _events(pool) == [(1, "requested"), (2, "stage_changed")]
    stored = await pool.fetchval("SELECT at FROM enrolment_events WHERE event_id = 'ENR-1:2'")
    assert stored == FIRST
    assert await _trail_kinds(pool) == trail
    review_task = await tasks.get_task(pool, "ENR-1:1")
    assert review_task is not None
    assert review_task.state is TaskState.OPEN


async def test_a_late_write_of_an_earlier_attempt_gives_way_to_the_stored_one(
    pool: asyncpg.Pool,
) -> None:
    decided = event(
        2, EventKind.PLACEMENT_DECIDED, _summary(Stage.PLACEMENT_REVIEW), RETRY,
        actor=TPP, reason="fits the plan", decision="approve",
    )  # fmt: skip
    await _write(pool, await _requested(pool, RETRY), decided)
    trail = await _trail_kinds(pool)

    # The dead attempt's worker was only slow: its write lands after the retry's.
    async with pool.acquire() as conn:
        assert not await enrolment_db.apply_event(conn, _review(FIRST), "run-1")

    assert await _events(pool) == [(1, "requested"), (2, "placement_decided")]
    assert await _trail_kinds(pool) == trail


async def test_what_the_superseded_writes_projected_is_taken_back(pool: asyncpg.Pool) -> None:
    """A later workflow task: the training overrun timer fired, and the attempt stored an
    attendance decision's event, its row, and the training task's escalation; its retry ran
    an escalation first (another reading of the same input) and escalated nothing yet."""
    earlier = FIRST - timedelta(days=30)
    opening = _opening(2, "training_completion", earlier, Role.KEMNAKER_INSTRUCTOR)
    await _write(
        pool,
        await _requested(pool, earlier),
        event(2, EventKind.STAGE_CHANGED, _summary(Stage.TRAINING, "training"), earlier),
        opening,
    )
    attended = event(
        3, EventKind.ATTENDANCE_RECORDED, _summary(Stage.TRAINING, "training", present=1), FIRST,
        actor=CASEWORKER,
        attendance=AttendanceEntry(session_no=1, session_date=date(2026, 12, 8), present=True,
                                   recorded_by="cw-1"),
    )  # fmt: skip
    await _write(pool, attended)
    async with pool.acquire() as conn:
        assert await tasks.escalate_task(
            conn,
            TaskEscalation(
                task_id="ENR-1:2",
                escalated_at=FIRST,
                routed_to=Role.KEMNAKER_OFFICER,
                message="overdue",
            ),
            "run-1",
        )

    assert await _escalation_notices(pool) == 1

    overrun = Escalation(
        kind="training_overrun", routed_to=Role.KEMNAKER_OFFICER, raised_at=RETRY,
        detail="training is still open",
    )  # fmt: skip
    await _write(
        pool,
        event(
            3, EventKind.ESCALATED, _summary(Stage.TRAINING, "training"), RETRY, escalation=overrun
        ),
    )

    assert await _events(pool) == [(1, "requested"), (2, "stage_changed"), (3, "escalated")]
    assert await pool.fetchval("SELECT count(*) FROM attendance") == 0
    assert await pool.fetchval("SELECT count(*) FROM escalations") == 1
    record = await enrolment_db.get_enrolment(pool, "ENR-1")
    assert record is not None
    assert (record.stage, record.attendance_present) == (Stage.TRAINING, 0)
    training_task = await tasks.get_task(pool, "ENR-1:2")
    assert training_task is not None
    assert (training_task.state, training_task.escalated_at) == (TaskState.OPEN, None)
    log = await tasks.task_history(pool, "ENR-1:2")
    assert [h.action.value for h in log] == ["opened"]
    # Its notification had not gone out: it does not now.
    assert await _escalation_notices(pool) == 0
    assert await _chain_intact(pool)
    # The trail keeps the attendance it stored; the decision check reads it as no decision.
    assert (3, "attendance_recorded") in await _trail_kinds(pool)
    read = await trail_of(pool, CaseKind.ENROLMENT, "ENR-1")
    assert "attendance_recorded" not in [r.kind for r in read]
    assert "escalated" in [r.kind for r in read]


@pytest.mark.parametrize("opened_again", [False, True])
async def test_a_task_opened_by_a_superseded_attempt_and_not_again_is_cancelled(
    pool: asyncpg.Pool, opened_again: bool
) -> None:
    """The dead attempt's task leaves the inbox, unless the retry opens it again."""
    await _write(pool, await _requested(pool, FIRST), _review(FIRST),
                 _opening(1, "placement_review", FIRST))  # fmt: skip
    rejected = event(
        2, EventKind.PLACEMENT_DECIDED, _summary(Stage.PLACEMENT_REVIEW), RETRY,
        actor=TPP, reason="not eligible", decision="reject",
    )  # fmt: skip
    writes: list[EnrolmentEvent | TaskOpening | TaskClosing] = [
        await _requested(pool, RETRY),
        rejected,
    ]
    if opened_again:
        writes.append(_opening(1, "placement_review", RETRY))
    await _write(pool, *writes)

    review_task = await tasks.get_task(pool, "ENR-1:1")
    assert review_task is not None
    expected = TaskState.OPEN if opened_again else TaskState.CANCELLED
    assert review_task.state is expected


async def test_a_journeys_superseded_custody_event_is_taken_back(pool: asyncpg.Pool) -> None:
    """The journey's attempt that died applied a transfer (event 2); its retry started an
    enrolment under that number first (a row and the transfer came together)."""
    transfer = journey_rows._custody("SDP-EV-1", CustodyEventKind.TRANSFER, to_upt="LP-SALEMBA")
    started = journey_rows._event(1, JourneyEventKind.STARTED)
    moved = journey_rows._event(
        2, JourneyEventKind.CUSTODY_EVENT, upt="LP-SALEMBA", custody=transfer
    ).model_copy(update={"at": FIRST})
    link = EnrolmentLink(
        enrolment_id="ENR-1", workflow_id="enrolment-ENR-1", programme_code="BARISTA",
        started_at=RETRY,
    )  # fmt: skip
    enrolled = journey_rows._event(2, JourneyEventKind.ENROLMENT_STARTED, enrolment=link)
    async with pool.acquire() as conn:
        for write in (started, moved, enrolled.model_copy(update={"at": RETRY})):
            await journey_db.apply_event(conn, write, "run-1")

    log = await journey_db.list_journey_events(pool, "JRN-1")
    assert [(e.seq, e.kind) for e in log] == [
        (1, JourneyEventKind.STARTED), (2, JourneyEventKind.ENROLMENT_STARTED)
    ]  # fmt: skip
    assert await pool.fetchval("SELECT count(*) FROM custody_events") == 0
    journey = await journey_db.current_journey(pool, journey_rows.SDP)
    assert journey is not None
    assert journey.upt_code == "LP-CIPINANG"
    seen = await pool.fetchval("SELECT last_event_seq FROM journeys WHERE journey_id = 'JRN-1'")
    assert seen == 2
    assert await pool.fetchval("SELECT count(*) FROM journey_enrolments") == 1
    trail = await audit_trail.case_trail(pool, chain_id("journey", "JRN-1"))
    assert [(e.detail.get("event_seq"), e.kind) for e in trail][1:] == [
        (2, "custody_event"), (2, "superseded"), (2, "enrolment_started")
    ]  # fmt: skip
    assert (await audit_trail.verify(pool, chain=chain_id("journey", "JRN-1"))).ok


async def _converged(pool: asyncpg.Pool) -> None:
    """The read model and the trail hold the retry's history, whatever order it landed in."""
    assert await _events(pool) == [
        (1, "requested"), (2, "placement_decided"), (3, "stage_changed"), (4, "stage_changed")
    ]  # fmt: skip
    record = await enrolment_db.get_enrolment(pool, "ENR-1")
    assert record is not None
    assert (record.stage, record.awaiting_kind) == (Stage.TRAINING, "training")
    kinds = await _trail_kinds(pool)
    assert kinds.count((2, "superseded")) == 1
    assert await _chain_intact(pool)


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
async def test_the_retrys_writes_landing_in_any_order_give_its_history(
    pool: asyncpg.Pool, order: tuple[int, ...]
) -> None:
    """A retry's local writes run side by side (a decision's and the flow's): any order."""
    await _write(pool, await _requested(pool, FIRST), _review(FIRST))
    retried = _retried_placement()
    await _write(pool, await _requested(pool, RETRY), *(retried[i] for i in order))
    await _converged(pool)


async def test_the_retrys_writes_landing_at_once_give_its_history(pool: asyncpg.Pool) -> None:
    """The same, each write in its own transaction at the same moment: no deadlock, and
    the same history."""
    await _write(pool, await _requested(pool, FIRST), _review(FIRST))
    await _write(pool, await _requested(pool, RETRY))
    await asyncio.gather(*(_write(pool, retried) for retried in _retried_placement()))
    await _converged(pool)


async def test_a_third_attempt_supersedes_the_second(pool: asyncpg.Pool) -> None:
    """The retry died too: each superseded entry is named once, by its own note."""
    third = RETRY + timedelta(seconds=10)
    await _write(pool, await _requested(pool, FIRST), _review(FIRST))
    await _write(pool, _retried_placement()[0])  # the second attempt's decision, event 2
    withdrawn = event(
        2, EventKind.WITHDRAWN, _summary(Stage.PLACEMENT_REVIEW), third,
        actor=TPP, reason="inmate asked to leave", decision="withdraw",
    )  # fmt: skip
    await _write(pool, withdrawn)

    assert await _events(pool) == [(1, "requested"), (2, "withdrawn")]
    trail = await audit_trail.case_trail(pool, chain_id("enrolment", "ENR-1"))
    named = [e.detail["superseded_entry"] for e in trail if e.kind == "superseded"]
    assert named == ["ENR-1:2", f"ENR-1:2@{RETRY.isoformat(timespec='microseconds')}"]
    read = await trail_of(pool, CaseKind.ENROLMENT, "ENR-1")
    assert [r.decision for r in read if r.decision] == ["withdraw"]
    assert await _chain_intact(pool)
