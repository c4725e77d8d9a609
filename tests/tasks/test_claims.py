"""What reviewers do to a task: claim, unclaim, reassign; races and refusals."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from db import inbox
from db import tasks as task_db
from db.tasks import HistoryAction, TaskRecord
from domain.errors import DomainError, Refusal
from domain.identity import Actor, Role, Scope
from domain.tasks import TaskState
from tests.tasks.support import (
    ANI,
    BUDI,
    SUPERVISOR_A,
    T0,
    UPT_A,
    UPT_B,
    cancelled,
    decided,
    escalation,
    open_tasks,
    opening,
    register,
)


async def _claim_on_own_connection(pool: asyncpg.Pool, task_id: str, actor: Actor) -> TaskRecord:
    async with pool.acquire() as conn:
        return await inbox.claim(conn, task_id, actor)


async def test_two_reviewers_claiming_at_the_same_moment_exactly_one_wins(
    pool: asyncpg.Pool,
) -> None:
    ids = [f"ENR-{n}:1" for n in range(8)]
    await open_tasks(pool, *(opening(task_id) for task_id in ids))
    for task_id in ids:
        results = await asyncio.gather(
            _claim_on_own_connection(pool, task_id, ANI),
            _claim_on_own_connection(pool, task_id, BUDI),
            return_exceptions=True,
        )
        won = [r for r in results if isinstance(r, TaskRecord)]
        lost = [r for r in results if isinstance(r, DomainError)]
        assert len(won) == 1 and len(lost) == 1, results
        winner = won[0].assignee
        assert lost[0].refusal is Refusal.CONFLICT
        assert f"is claimed by {winner} since" in lost[0].message
        task = await task_db.get_task(pool, task_id)
        assert task is not None and task.assignee == winner
        history = await task_db.task_history(pool, task_id)
        claims = [h.actor_subject for h in history if h.action is HistoryAction.CLAIMED]
        assert claims == [winner]


async def test_claiming_a_task_one_already_holds_succeeds_and_logs_once(
    pool: asyncpg.Pool,
) -> None:
    await open_tasks(pool, opening())
    async with pool.acquire() as conn:
        first = await inbox.claim(conn, "ENR-1:1", ANI, at=T0)
        again = await inbox.claim(conn, "ENR-1:1", ANI)
    assert first == again
    assert (first.state, first.assignee, first.claimed_at) == (TaskState.CLAIMED, "ani", T0)
    history = await task_db.task_history(pool, "ENR-1:1")
    assert [h.action for h in history] == [HistoryAction.OPENED, HistoryAction.CLAIMED]


async def test_claiming_a_decided_task_is_a_conflict_naming_who_decided(
    pool: asyncpg.Pool,
) -> None:
    await open_tasks(pool, opening())
    async with pool.acquire() as conn:
        await task_db.close_task(conn, decided(by=ANI))
        with pytest.raises(DomainError) as refused:
            await inbox.claim(conn, "ENR-1:1", BUDI)
    assert refused.value.refusal is Refusal.CONFLICT
    assert "already decided by ani (tpp_member) at 2026-12-06T02:00" in refused.value.message


async def test_claiming_a_cancelled_task_is_a_conflict(pool: asyncpg.Pool) -> None:
    await open_tasks(pool, opening())
    async with pool.acquire() as conn:
        await task_db.close_task(conn, cancelled(reason="enrolment withdrawn"))
        with pytest.raises(DomainError) as refused:
            await inbox.claim(conn, "ENR-1:1", ANI)
    assert refused.value.refusal is Refusal.CONFLICT
    assert refused.value.message == (
        "task ENR-1:1 was cancelled: the case moved on (enrolment withdrawn)"
    )


async def test_claiming_an_unknown_task_is_not_found(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(DomainError) as refused:
            await inbox.claim(conn, "ENR-404:1", ANI)
    assert refused.value.refusal is Refusal.NOT_FOUND
    assert refused.value.message == "task ENR-404:1 does not exist"


@pytest.mark.parametrize(
    "outsider",
    [
        Actor(subject="cw", role=Role.CASEWORKER, scope=Scope(upt=UPT_A)),  # wrong role
        Actor(subject="tpp-b", role=Role.TPP_MEMBER, scope=Scope(upt=UPT_B)),  # wrong UPT
        Actor(subject="boss", role=Role.SUPERVISOR, scope=Scope(upt=UPT_A)),  # reassigns instead
    ],
)
async def test_claiming_outside_ones_role_or_scope_is_forbidden(
    pool: asyncpg.Pool, outsider: Actor
) -> None:
    await open_tasks(pool, opening())
    async with pool.acquire() as conn:
        with pytest.raises(DomainError) as refused:
            await inbox.claim(conn, "ENR-1:1", outsider)
    assert refused.value.refusal is Refusal.FORBIDDEN
    task = await task_db.get_task(pool, "ENR-1:1")
    assert task is not None and task.assignee is None


async def test_unclaim_by_someone_other_than_the_holder_is_refused(pool: asyncpg.Pool) -> None:
    await open_tasks(pool, opening())
    async with pool.acquire() as conn:
        await inbox.claim(conn, "ENR-1:1", ANI)
        with pytest.raises(DomainError) as refused:
            await inbox.unclaim(conn, "ENR-1:1", BUDI)
    assert refused.value.refusal is Refusal.FORBIDDEN
    assert "claimed by ani" in refused.value.message
    task = await task_db.get_task(pool, "ENR-1:1")
    assert task is not None and task.assignee == "ani"


async def test_unclaim_of_a_task_nobody_holds_is_a_conflict(pool: asyncpg.Pool) -> None:
    await open_tasks(pool, opening())
    async with pool.acquire() as conn:
        with pytest.raises(DomainError) as refused:
            await inbox.unclaim(conn, "ENR-1:1", ANI)
    assert refused.value.refusal is Refusal.CONFLICT


async def test_unclaim_by_the_holder_gives_the_task_back_and_an_escalated_one_stays_flagged(
    pool: asyncpg.Pool,
) -> None:
    await open_tasks(pool, opening("ENR-1:1"), opening("ENR-2:1"))
    async with pool.acquire() as conn:
        await inbox.claim(conn, "ENR-1:1", ANI)
        released = await inbox.unclaim(conn, "ENR-1:1", ANI)
        await inbox.claim(conn, "ENR-2:1", ANI)
        await task_db.escalate_task(conn, escalation("ENR-2:1"))
        still_escalated = await inbox.unclaim(conn, "ENR-2:1", ANI)
    assert (released.state, released.assignee, released.claimed_at) == (TaskState.OPEN, None, None)
    assert (still_escalated.state, still_escalated.assignee) == (TaskState.ESCALATED, None)
    last = (await task_db.task_history(pool, "ENR-1:1"))[-1]
    assert (last.action, last.actor_subject, last.detail) == (
        HistoryAction.UNCLAIMED,
        "ani",
        "released from ani",
    )


async def test_a_supervisor_may_release_someone_elses_claim(pool: asyncpg.Pool) -> None:
    await open_tasks(pool, opening())
    async with pool.acquire() as conn:
        await inbox.claim(conn, "ENR-1:1", ANI)
        task = await task_db.get_task(conn, "ENR-1:1")
        assert task is not None and inbox.supervises(task, SUPERVISOR_A)
        released = await inbox.unclaim(conn, "ENR-1:1", SUPERVISOR_A, as_supervisor=True)
    assert released.assignee is None


async def test_reassign_moves_the_assignee_and_logs_from_whom_to_whom(pool: asyncpg.Pool) -> None:
    await open_tasks(pool, opening("ENR-1:1"), opening("ENR-2:1"))
    await register(pool, BUDI)
    async with pool.acquire() as conn:
        await inbox.claim(conn, "ENR-1:1", ANI)
        moved = await inbox.reassign(conn, "ENR-1:1", "budi", SUPERVISOR_A)
        await task_db.escalate_task(conn, escalation("ENR-2:1"))
        escalated = await inbox.reassign(conn, "ENR-2:1", "budi", SUPERVISOR_A)
    assert (moved.state, moved.assignee) == (TaskState.CLAIMED, "budi")
    assert (escalated.state, escalated.assignee) == (TaskState.ESCALATED, "budi")
    last = (await task_db.task_history(pool, "ENR-1:1"))[-1]
    assert (last.action, last.actor_subject, last.actor_role, last.detail) == (
        HistoryAction.REASSIGNED,
        "sri",
        Role.SUPERVISOR,
        "from ani to budi",
    )
    # The new holder now owns it: the former one cannot claim it back.
    async with pool.acquire() as conn:
        with pytest.raises(DomainError) as refused:
            await inbox.claim(conn, "ENR-1:1", ANI)
    assert "claimed by budi" in refused.value.message


async def test_reassigning_a_closed_task_is_a_conflict(pool: asyncpg.Pool) -> None:
    await open_tasks(pool, opening())
    async with pool.acquire() as conn:
        await task_db.close_task(conn, decided(by=ANI))
        with pytest.raises(DomainError) as refused:
            await inbox.reassign(conn, "ENR-1:1", "budi", SUPERVISOR_A)
    assert refused.value.refusal is Refusal.CONFLICT
    task = await task_db.get_task(pool, "ENR-1:1")
    assert task is not None and task.assignee is None


def test_a_supervisor_of_another_upt_does_not_supervise_the_task() -> None:
    task = TaskRecord.model_validate(
        {
            **opening().model_dump(exclude={"required_role"}),
            "required_role": Role.TPP_MEMBER,
            "state": TaskState.OPEN,
            "assignee": None,
            "claimed_at": None,
            "escalated_at": None,
            "routed_to_role": None,
            "closed_at": None,
            "decision": None,
            "decided_by": None,
            "decided_role": None,
            "reason": None,
        }
    )
    other = Actor(subject="x", role=Role.SUPERVISOR, scope=Scope(upt=UPT_B))
    assert not inbox.supervises(task, other)
    assert inbox.supervises(task, SUPERVISOR_A)
    assert not inbox.supervises(task, ANI)  # a TPP member is no supervisor


async def test_reassigning_to_someone_without_the_role_in_the_scope_is_refused(
    pool: asyncpg.Pool,
) -> None:
    """The target must hold the task's required role in its scope, and be active."""
    await open_tasks(pool, opening("ENR-1:1"))
    elsewhere = Actor(subject="dewi", role=Role.TPP_MEMBER, scope=Scope(upt=UPT_B))
    caseworker = Actor(subject="eko", role=Role.CASEWORKER, scope=Scope(upt=UPT_A))
    for who in (elsewhere, caseworker):
        await register(pool, who)
    expected = {
        "nobody": "nobody is not in the directory of people",
        "dewi": "dewi does not hold the role tpp_member for upt LP-CIPINANG",
        "eko": "eko does not hold the role tpp_member for upt LP-CIPINANG",
    }
    async with pool.acquire() as conn:
        for subject, message in expected.items():
            with pytest.raises(DomainError) as refused:
                await inbox.reassign(conn, "ENR-1:1", subject, SUPERVISOR_A)
            assert refused.value.refusal is Refusal.INVALID
            assert message in refused.value.message
    task = await task_db.get_task(pool, "ENR-1:1")
    assert task is not None and task.assignee is None  # nothing stored
