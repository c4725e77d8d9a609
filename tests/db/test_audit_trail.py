"""Writing the audit trail: once per event under retry, from every projection and every task
action, one lock per case (two cases never wait on each other), anchors of moved heads."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date

import asyncpg
from temporalio.testing import ActivityEnvironment

from activities.enrolment_projection import EnrolmentProjection
from activities.tasks import TaskActivities
from db import audit_trail
from db import inbox as inbox_db
from db import reference as reference_db
from domain.enrolment import (
    EnrolmentEvent,
    EnrolmentRequest,
    EnrolmentSummary,
    EventKind,
    Stage,
)
from domain.identity import Actor, Role, Scope
from tests.db.audit_support import T0, append_all, append_chain, entry
from tests.tasks.support import ANI, decided, opening

CASEWORKER = Actor(subject="cw-1", role=Role.CASEWORKER, scope=Scope(upt="LP-CIPINANG"))
TPP = Actor(subject="tpp-1", role=Role.TPP_MEMBER, scope=Scope(upt="LP-CIPINANG"))


def _summary(stage: Stage) -> EnrolmentSummary:
    return EnrolmentSummary(
        stage=stage, outcome=None, attendance_present=0, attendance_recorded=0,
        modules_completed=0, reassessments_used=0, exception_granted=False, awaiting_kind=None,
        awaiting_role=None, awaiting_due=None,
    )  # fmt: skip


async def _request(pool: asyncpg.Pool) -> EnrolmentRequest:
    programme = await reference_db.get_programme(pool, "BARISTA")
    assert programme is not None
    return EnrolmentRequest(
        enrolment_id="ENR-1", inmate_sdp_no="CPN-1", programme=programme,
        upt_code="LP-CIPINANG", lsp_code="LSP-PARIWISATA", planned_start=date(2026, 12, 8),
        planned_end=date(2027, 3, 8), expected_release=None, release_flagged=False,
        requested_by=CASEWORKER, reason="motivated, long sentence",
    )  # fmt: skip


async def _rows(pool: asyncpg.Pool, chain: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        """SELECT seq, entry_key, kind, actor_subject, actor_role, decision, reason, run_id,
                  detail FROM audit_entries WHERE chain_id = $1 ORDER BY seq""",
        chain,
    )


async def test_a_retried_projection_writes_one_audit_row_with_its_run(pool: asyncpg.Pool) -> None:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, workflow_run_id="run-42")
    projection = EnrolmentProjection(pool)
    request = await _request(pool)
    requested = EnrolmentEvent(
        event_id="ENR-1:1", enrolment_id="ENR-1", workflow_id="enrolment-ENR-1", seq=1,
        kind=EventKind.REQUESTED, at=T0, summary=_summary(Stage.PLACEMENT_REVIEW),
        request=request, actor=CASEWORKER, reason=request.reason,
    )  # fmt: skip
    placed = EnrolmentEvent(
        event_id="ENR-1:2", enrolment_id="ENR-1", workflow_id="enrolment-ENR-1", seq=2,
        kind=EventKind.PLACEMENT_DECIDED, at=T0, summary=_summary(Stage.TRAINING),
        actor=TPP, decision="approve", reason="fits the programme",
    )  # fmt: skip
    for event in (requested, placed):
        await env.run(projection.record_event, event)
        await env.run(projection.record_event, event)  # a retry after a lost reply

    rows = await _rows(pool, "enrolment:ENR-1")
    assert [(r["seq"], r["entry_key"]) for r in rows] == [(1, "ENR-1:1"), (2, "ENR-1:2")]
    decision = rows[1]
    assert (decision["actor_subject"], decision["actor_role"], decision["decision"],
            decision["reason"], decision["run_id"]) == (
        "tpp-1", "tpp_member", "approve", "fits the programme", "run-42")  # fmt: skip
    assert (await audit_trail.verify(pool)).ok


async def test_task_actions_join_their_case_chain_once_each(pool: asyncpg.Pool) -> None:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, workflow_run_id="run-7")
    tasks = TaskActivities(pool)
    await env.run(tasks.open_task, opening("ENR-1:1"))
    await env.run(tasks.open_task, opening("ENR-1:1"))  # retried
    async with pool.acquire() as conn:
        await inbox_db.claim(conn, "ENR-1:1", ANI)
        await inbox_db.claim(conn, "ENR-1:1", ANI)  # already mine: nothing happens
    await env.run(tasks.close_task, decided("ENR-1:1", by=ANI))
    await env.run(tasks.close_task, decided("ENR-1:1", by=ANI))  # retried

    rows = await _rows(pool, "enrolment:ENR-1")
    assert [(r["kind"], r["actor_subject"], r["run_id"]) for r in rows] == [
        ("task_opened", None, "run-7"),
        ("task_claimed", "ani", None),  # a person, through the API: no workflow run
        ("task_decided", "ani", "run-7"),
    ]
    assert rows[1]["entry_key"].startswith("task-log:")
    assert (await audit_trail.verify(pool)).ok


async def test_appending_to_one_case_does_not_wait_for_another(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "A", 1)
    await append_chain(pool, "B", 1)
    holder = await pool.acquire()
    blocked_pid: int | None = None
    try:
        transaction = holder.transaction()
        await transaction.start()
        await audit_trail.append(holder, entry("A", 2))  # holds case A's head until commit

        # Case B's append completes while A's transaction is open.
        async with pool.acquire() as other, other.transaction():
            await other.execute("SET LOCAL lock_timeout = '60s'")  # a guard, never reached
            assert await audit_trail.append(other, entry("B", 2))

        # A second writer of case A does wait for it: seen waiting on a lock, then through.
        async with pool.acquire() as second:
            blocked_pid = await second.fetchval("SELECT pg_backend_pid()")

            async def second_writer() -> bool:
                async with second.transaction():
                    return await audit_trail.append(second, entry("A", 3))

            writer = asyncio.create_task(second_writer())
            while not await pool.fetchval(  # noqa: ASYNC110 - Postgres offers no event for it
                "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1",
                blocked_pid,
            ):
                await asyncio.sleep(0.01)
            assert not writer.done()
            await transaction.commit()
            assert await writer
    finally:
        await pool.release(holder)

    rows = await pool.fetch(
        "SELECT entry_key, seq FROM audit_entries WHERE chain_id = 'enrolment:A'"
    )
    assert sorted((r["seq"], r["entry_key"]) for r in rows) == [(1, "A:1"), (2, "A:2"), (3, "A:3")]
    assert (await audit_trail.verify(pool)).ok


async def test_concurrent_writers_of_one_case_make_one_contiguous_chain(
    pool: asyncpg.Pool,
) -> None:
    writers, each = 10, 6

    async def writer(w: int) -> None:
        await append_all(pool, *(entry("ENR-1", w * 100 + n) for n in range(each)))

    await asyncio.gather(*(writer(w) for w in range(writers)))

    seqs = [r["seq"] for r in await pool.fetch("SELECT seq FROM audit_entries ORDER BY seq")]
    assert seqs == list(range(1, writers * each + 1))
    result = await audit_trail.verify(pool)
    assert result.ok, result.first_break
    assert result.entries_checked == writers * each


async def test_an_anchor_records_only_the_heads_that_moved(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 2)
    await append_chain(pool, "ENR-2", 1)
    async with pool.acquire() as conn:
        first = await audit_trail.anchor(conn)
        nothing = await audit_trail.anchor(conn)
        await append_all(pool, entry("ENR-2", 2))
        second = await audit_trail.anchor(conn)

    assert first is not None and first.head_count == 2
    assert nothing is None
    assert second is not None and (second.anchor_no, second.head_count) == (2, 1)
    heads = await pool.fetch(
        "SELECT anchor_no, chain_id, seq FROM audit_anchor_heads ORDER BY anchor_no, chain_id"
    )
    assert [tuple(h) for h in heads] == [
        (1, "enrolment:ENR-1", 2),
        (1, "enrolment:ENR-2", 1),
        (2, "enrolment:ENR-2", 2),
    ]
    assert (await audit_trail.verify(pool)).anchors_checked == 2
