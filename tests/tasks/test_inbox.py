"""The inbox: each reviewer sees only the open work their roles and scope allow."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest
from pydantic import ValidationError

from db import inbox
from db import tasks as task_db
from db.inbox import Grant, InboxQuery
from domain.identity import Actor, Ministry, Principal, Role, Scope
from domain.tasks import TaskState
from tests.tasks.support import (
    ANI,
    LSP,
    SUPERVISOR_A,
    T0,
    UPT_A,
    UPT_B,
    cancelled,
    decided,
    escalation,
    kemnaker,
    open_tasks,
    opening,
)

CASE_A, CASE_B = Scope(upt=UPT_A, lsp=LSP), Scope(upt=UPT_B, lsp=LSP)


def _query(actor: Actor, **filters: object) -> InboxQuery:
    return InboxQuery.model_validate(
        {"subject": actor.subject, "grants": [Grant(role=actor.role, scope=actor.scope)], **filters}
    )


async def _ids(pool: asyncpg.Pool, query: InboxQuery) -> list[str]:
    return [t.task_id for t in await inbox.list_inbox(pool, query)]


@pytest.fixture
async def mixed(pool: asyncpg.Pool) -> asyncpg.Pool:
    """Work of several roles in two UPTs, two LSPs and Kemnaker; A-TPP-2 and B-TPP-2 overdue."""
    await open_tasks(
        pool,
        opening("A-TPP:1", scope=CASE_A),
        opening("A-CW:1", kind="custody_report", role=Role.CASEWORKER, scope=CASE_A),
        opening("B-TPP:1", scope=CASE_B),
        opening("B-CW:1", kind="custody_report", role=Role.CASEWORKER, scope=CASE_B),
        opening("A-ASSESS:1", kind="assessment", role=Role.LSP_ASSESSOR, scope=CASE_A),
        opening("A-GARMENT:1", kind="assessment", role=Role.LSP_ASSESSOR,
                scope=Scope(upt=UPT_A, lsp="LSP-GARMEN")),
        opening("A-TRAIN:1", kind="training_completion", role=Role.KEMNAKER_INSTRUCTOR,
                scope=Scope(upt=UPT_A, ministry=Ministry.KEMNAKER)),
        opening("A-TPP-2:1", scope=CASE_A),
        opening("B-TPP-2:1", scope=CASE_B),
    )  # fmt: skip
    async with pool.acquire() as conn:
        await task_db.escalate_task(conn, escalation("A-TPP-2:1"))
        await task_db.escalate_task(conn, escalation("B-TPP-2:1"))
    return pool


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        (Actor(subject="cw", role=Role.CASEWORKER, scope=Scope(upt=UPT_A)), {"A-CW:1"}),
        (ANI, {"A-TPP:1", "A-TPP-2:1"}),
        (Actor(subject="tpp-b", role=Role.TPP_MEMBER, scope=Scope(upt=UPT_B)),
         {"B-TPP:1", "B-TPP-2:1"}),
        (Actor(subject="sari", role=Role.LSP_ASSESSOR, scope=Scope(lsp=LSP)), {"A-ASSESS:1"}),
        (Actor(subject="sri", role=Role.SUPERVISOR, scope=Scope(upt=UPT_A)), {"A-TPP-2:1"}),
        (kemnaker("dewi"), {"A-TRAIN:1"}),
        (kemnaker("eko", Role.KEMNAKER_OFFICER), set()),
        (Actor(subject="imi", role=Role.KEMNAKER_INSTRUCTOR,
               scope=Scope(ministry=Ministry.IMIGRASI)), set()),
        (Actor(subject="nowhere", role=Role.CASEWORKER), set()),
    ],
    ids=["caseworker-A", "tpp-A", "tpp-B", "assessor-LSP", "supervisor-A", "kemnaker-instructor",
         "kemnaker-officer", "instructor-of-another-ministry", "caseworker-without-scope"],
)  # fmt: skip
async def test_each_reviewer_sees_only_the_tasks_of_their_role_and_scope(
    mixed: asyncpg.Pool, reader: Actor, expected: set[str]
) -> None:
    assert set(await _ids(mixed, _query(reader))) == expected


async def test_a_person_with_two_roles_sees_the_work_of_both(mixed: asyncpg.Pool) -> None:
    both = Principal(
        subject="ani", roles=frozenset({Role.CASEWORKER, Role.TPP_MEMBER}), scope=Scope(upt=UPT_A)
    )
    query = InboxQuery(subject="ani", grants=inbox.grants_of(both))
    assert set(await _ids(mixed, query)) == {"A-CW:1", "A-TPP:1", "A-TPP-2:1"}


async def test_closed_tasks_never_appear_in_the_default_inbox(mixed: asyncpg.Pool) -> None:
    async with mixed.acquire() as conn:
        await task_db.close_task(conn, decided("A-TPP:1"))
        await task_db.close_task(conn, cancelled("A-TPP-2:1"))
    assert await _ids(mixed, _query(ANI)) == []
    decided_only = _query(ANI, states=frozenset({TaskState.DECIDED}))
    assert await _ids(mixed, decided_only) == ["A-TPP:1"]


async def test_filters_by_kind_stage_overdue_mine_and_upt(pool: asyncpg.Pool) -> None:
    await open_tasks(
        pool,
        opening("E-1:1", kind="placement_review", due_in=timedelta(days=1)),
        opening("E-2:1", kind="sanction_review", stage="training", due_in=timedelta(days=5)),
        opening("E-3:1", kind="placement_review", due_in=None),
    )
    async with pool.acquire() as conn:
        await inbox.claim(conn, "E-2:1", ANI)
    assert await _ids(pool, _query(ANI, kind="sanction_review")) == ["E-2:1"]
    assert await _ids(pool, _query(ANI, stage="training")) == ["E-2:1"]
    now = T0 + timedelta(days=2)
    assert await _ids(pool, _query(ANI, overdue=True, now=now)) == ["E-1:1"]
    everything = await inbox.list_inbox(pool, _query(ANI))
    assert [t.task_id for t in everything if t.is_overdue(now)] == ["E-1:1"]
    assert await _ids(pool, _query(ANI, assigned_to_me=True)) == ["E-2:1"]
    assert await _ids(pool, _query(ANI, upt=UPT_B)) == []
    assert len(await _ids(pool, _query(ANI, upt=UPT_A))) == 3


async def test_inbox_is_sorted_by_due_date_undated_last_and_paged(pool: asyncpg.Pool) -> None:
    await open_tasks(
        pool,
        opening("S-LATE:1", due_in=timedelta(days=9)),
        opening("S-NONE:1", due_in=None),
        opening("S-SOON:1", due_in=timedelta(days=1)),
        # Due at the same instant: the one waiting longer comes first.
        opening("S-TIE-NEWER:1", opened_at=T0 + timedelta(hours=2),
                due_in=timedelta(days=3, hours=-1)),
        opening("S-TIE-OLDER:1", opened_at=T0 + timedelta(hours=1), due_in=timedelta(days=3)),
    )  # fmt: skip
    ordered = ["S-SOON:1", "S-TIE-OLDER:1", "S-TIE-NEWER:1", "S-LATE:1", "S-NONE:1"]
    assert await _ids(pool, _query(ANI)) == ordered
    assert await _ids(pool, _query(ANI, limit=2)) == ordered[:2]
    assert await _ids(pool, _query(ANI, limit=2, offset=2)) == ordered[2:4]
    assert await _ids(pool, _query(ANI, limit=2, offset=4)) == ordered[4:]


def test_the_overdue_filter_needs_the_callers_clock() -> None:
    with pytest.raises(ValidationError):
        _query(ANI, overdue=True)


async def test_a_supervisor_sees_the_escalated_and_overdue_tasks_of_its_scope_only(
    mixed: asyncpg.Pool,
) -> None:
    """The Eskalasi page's list: escalated first, then overdue (not yet escalated) soonest
    due; nothing of another UPT; nothing on time; nothing closed; nobody but a supervisor."""
    async with mixed.acquire() as conn:
        await task_db.close_task(conn, decided("A-CW:1"))  # overdue too, but decided
    now = T0 + timedelta(days=4)  # past every opening's 3-day due date
    listed = await inbox.list_escalations(mixed, SUPERVISOR_A, now)
    assert [t.task_id for t in listed][:1] == ["A-TPP-2:1"]  # the escalated one first
    assert {t.task_id for t in listed} == {
        "A-TPP:1", "A-TPP-2:1", "A-ASSESS:1", "A-GARMENT:1", "A-TRAIN:1",
    }  # fmt: skip
    on_time = await inbox.list_escalations(mixed, SUPERVISOR_A, T0)
    assert [t.task_id for t in on_time] == ["A-TPP-2:1"]  # escalated, whatever the clock
    of_b = Actor(subject="spv-b", role=Role.SUPERVISOR, scope=Scope(upt=UPT_B))
    assert {t.task_id for t in await inbox.list_escalations(mixed, of_b, T0)} == {"B-TPP-2:1"}
    assert await inbox.list_escalations(mixed, ANI, now) == []  # a TPP member: not theirs
    # What it lists, the supervisor may act on: the rule of `supervises`.
    assert all(inbox.supervises(t, SUPERVISOR_A) for t in listed)
