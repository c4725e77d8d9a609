"""Keyset paging of the inbox: a page starts right after (or ends right before) a task's place
in the order (due date, undated last; opened; task id), reads only from there through the
indexes of V22, and keeps every filter."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from db import inbox
from db import tasks as task_db
from db.inbox import Grant, InboxKey, InboxQuery
from domain.identity import Actor, Role, Scope
from tests.tasks.support import (
    ANI,
    LSP,
    SUPERVISOR_A,
    T0,
    UPT_A,
    decided,
    escalation,
    open_tasks,
    opening,
)

# The order of test_inbox.py's sort test, with three more undated tasks and a second tie.
ORDERED = [
    "S-SOON:1", "S-TIE-OLDER:1", "S-TIE-NEWER:1", "S-TIE-SAME-A:1", "S-TIE-SAME-B:1",
    "S-LATE:1", "S-NONE-1:1", "S-NONE-2:1", "S-NONE-3:1",
]  # fmt: skip


def _query(actor: Actor, **filters: object) -> InboxQuery:
    return InboxQuery.model_validate(
        {"subject": actor.subject, "grants": [Grant(role=actor.role, scope=actor.scope)], **filters}
    )


async def _walk(pool: asyncpg.Pool, actor: Actor, limit: int, **filters: object) -> list[str]:
    """Every task, page by page, each page after the last task of the one before."""
    seen: list[str] = []
    after: InboxKey | None = None
    while True:
        page = await inbox.list_inbox(pool, _query(actor, limit=limit, after=after, **filters))
        seen += [t.task_id for t in page]
        if len(page) < limit:
            return seen
        after = InboxKey.of(page[-1])


@pytest.fixture
async def sorted_tasks(pool: asyncpg.Pool) -> asyncpg.Pool:
    await open_tasks(
        pool,
        opening("S-LATE:1", due_in=timedelta(days=9)),
        opening("S-NONE-2:1", opened_at=T0 + timedelta(hours=1), due_in=None),
        opening("S-NONE-1:1", due_in=None),
        opening("S-NONE-3:1", opened_at=T0 + timedelta(hours=1), due_in=None),
        opening("S-SOON:1", due_in=timedelta(days=1)),
        opening("S-TIE-NEWER:1", opened_at=T0 + timedelta(hours=2),
                due_in=timedelta(days=3, hours=-1)),
        opening("S-TIE-OLDER:1", opened_at=T0 + timedelta(hours=1), due_in=timedelta(days=3)),
        # Due and opened at the same instants: the task id decides, so no place is shared.
        opening("S-TIE-SAME-B:1", opened_at=T0 + timedelta(hours=3), due_in=timedelta(days=4)),
        opening("S-TIE-SAME-A:1", opened_at=T0 + timedelta(hours=3), due_in=timedelta(days=4)),
    )  # fmt: skip
    return pool


@pytest.mark.parametrize("limit", [1, 2, 4, 9])
async def test_pages_after_a_key_walk_the_whole_inbox_in_order_once(
    sorted_tasks: asyncpg.Pool, limit: int
) -> None:
    assert [t.task_id for t in await inbox.list_inbox(sorted_tasks, _query(ANI))] == ORDERED
    assert await _walk(sorted_tasks, ANI, limit) == ORDERED


async def test_a_page_before_a_key_is_the_page_before_it_in_the_same_order(
    sorted_tasks: asyncpg.Pool,
) -> None:
    async def before(task_id: str, limit: int) -> list[str]:
        everything = await inbox.list_inbox(sorted_tasks, _query(ANI))
        key = InboxKey.of(next(t for t in everything if t.task_id == task_id))
        page = await inbox.list_inbox(sorted_tasks, _query(ANI, limit=limit, before=key))
        return [t.task_id for t in page]

    assert await before("S-NONE-2:1", 3) == ORDERED[4:7]  # across dated and undated
    assert await before("S-TIE-SAME-B:1", 2) == ORDERED[2:4]  # inside a tie
    assert await before("S-TIE-OLDER:1", 3) == ORDERED[:1]  # the start: what there is
    assert await before("S-SOON:1", 3) == []


async def test_a_task_decided_meanwhile_shifts_nothing(sorted_tasks: asyncpg.Pool) -> None:
    """Offset paging skips a task when one before it closes; the key does not."""
    first = await inbox.list_inbox(sorted_tasks, _query(ANI, limit=3))
    async with sorted_tasks.acquire() as conn:
        await task_db.close_task(conn, decided(first[0].task_id))
    after = InboxKey.of(first[-1])
    second = await inbox.list_inbox(sorted_tasks, _query(ANI, limit=3, after=after))
    assert [t.task_id for t in second] == ORDERED[3:6]
    by_offset = await inbox.list_inbox(sorted_tasks, _query(ANI, limit=3, offset=3))
    assert [t.task_id for t in by_offset] == ORDERED[4:7]  # what offset paging would show


async def test_every_filter_holds_on_every_page(sorted_tasks: asyncpg.Pool) -> None:
    async with sorted_tasks.acquire() as conn:
        for task_id in ("S-TIE-OLDER:1", "S-LATE:1", "S-NONE-3:1"):
            await inbox.claim(conn, task_id, ANI)
    mine = ["S-TIE-OLDER:1", "S-LATE:1", "S-NONE-3:1"]
    assert await _walk(sorted_tasks, ANI, 1, assigned_to_me=True) == mine
    assert await _walk(sorted_tasks, ANI, 2, unclaimed=True) == [
        t for t in ORDERED if t not in mine
    ]
    now = T0 + timedelta(days=3, hours=2)  # past SOON and both ties of day 3, not day 4
    assert await _walk(sorted_tasks, ANI, 1, overdue=True, now=now) == ORDERED[:3]
    await open_tasks(
        sorted_tasks,
        opening("K-1:1", kind="sanction_review", stage="training", due_in=timedelta(days=2)),
        opening("K-2:1", kind="sanction_review", stage="training", due_in=None),
    )
    assert await _walk(sorted_tasks, ANI, 1, kind="sanction_review") == ["K-1:1", "K-2:1"]
    assert await _walk(sorted_tasks, ANI, 1, stage="training") == ["K-1:1", "K-2:1"]
    assert await _walk(sorted_tasks, ANI, 1, upt="LP-SALEMBA") == []


async def test_a_supervisor_pages_through_what_was_escalated_to_it(
    sorted_tasks: asyncpg.Pool,
) -> None:
    """The routed branch (escalated to the supervisor of the scope) pages by key too."""
    escalated = ["S-TIE-NEWER:1", "S-LATE:1", "S-NONE-2:1"]
    async with sorted_tasks.acquire() as conn:
        for task_id in escalated:
            await task_db.escalate_task(conn, escalation(task_id))
    assert await _walk(sorted_tasks, SUPERVISOR_A, 1) == escalated
    assert await _walk(sorted_tasks, SUPERVISOR_A, 2) == escalated


async def test_a_task_several_ways_yours_is_listed_once(pool: asyncpg.Pool) -> None:
    """A supervisor's own task on its UPT and its LSP, escalated to supervisors too: three
    branches match it, the inbox shows it once, on every page size and by offset."""
    spv = Actor(subject="sri", role=Role.SUPERVISOR, scope=Scope(upt=UPT_A, lsp=LSP))
    await open_tasks(
        pool,
        opening("D-1:1", role=Role.SUPERVISOR),
        opening("D-2:1", role=Role.SUPERVISOR, due_in=timedelta(days=4)),
        opening("D-3:1", role=Role.SUPERVISOR, due_in=None),
    )
    async with pool.acquire() as conn:
        await task_db.escalate_task(conn, escalation("D-2:1"))
    ordered = ["D-1:1", "D-2:1", "D-3:1"]
    assert [t.task_id for t in await inbox.list_inbox(pool, _query(spv))] == ordered
    assert await _walk(pool, spv, 1) == ordered
    by_offset = await inbox.list_inbox(pool, _query(spv, limit=1, offset=1))
    assert [t.task_id for t in by_offset] == ["D-2:1"]


def test_after_and_before_together_or_with_an_offset_are_refused() -> None:
    key = InboxKey(due_at=None, opened_at=T0, task_id="X:1")
    with pytest.raises(ValueError, match="not both"):
        _query(ANI, after=key, before=key)
    with pytest.raises(ValueError, match="not both"):
        _query(ANI, after=key, offset=5)


# ---------------------------------------------------------------- the plan


async def _fill(pool: asyncpg.Pool, n: int) -> None:
    """`n` open tasks of ANI's UPT (one a minute, every seventh undated, every fifth ANI's)
    and a few escalated ones, then fresh statistics, as a busy UPT's inbox would be."""
    await open_tasks(pool, opening("BULK-0:1"))
    await pool.execute(
        """INSERT INTO tasks (task_id, case_kind, case_id, workflow_id, kind, stage,
                              required_role, scope_upt, scope_lsp, state, assignee, claimed_at,
                              opened_at, due_at, escalated_at, routed_to_role)
           SELECT 'BULK-' || g || ':1', case_kind, 'BULK-' || g, workflow_id || g, kind, stage,
                  required_role, scope_upt, scope_lsp,
                  CASE WHEN g % 50 = 0 THEN 'escalated' WHEN g % 5 = 0 THEN 'claimed'
                       ELSE 'open' END,
                  CASE WHEN g % 5 = 0 AND g % 50 <> 0 THEN 'ani' END,
                  CASE WHEN g % 5 = 0 AND g % 50 <> 0 THEN opened_at END,
                  opened_at + make_interval(mins => g),
                  CASE WHEN g % 7 <> 0 THEN due_at + make_interval(mins => g) END,
                  CASE WHEN g % 50 = 0 THEN due_at END,
                  CASE WHEN g % 50 = 0 THEN 'supervisor' END
             FROM tasks, generate_series(1, $1) g WHERE task_id = 'BULK-0:1'""",
        n,
    )
    await pool.execute("ANALYZE tasks")


async def _plan(pool: asyncpg.Pool, query: InboxQuery) -> dict[str, Any]:
    built = inbox.inbox_sql(query)
    assert built is not None
    sql, args = built
    explained = await pool.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
    plan: dict[str, Any] = json.loads(explained)[0]["Plan"]
    return plan


def _scans(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's scans of tables; fails on a table read in full."""
    assert node["Node Type"] != "Seq Scan", f"{node.get('Relation Name')} read in full"
    found = [node] if "Relation Name" in node else []
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


DEEP = 3000


@pytest.mark.parametrize(
    "filters",
    [{}, {"unclaimed": True}, {"assigned_to_me": True}, {"kind": "placement_review"},
     {"overdue": True}, {"stage": "placement_review", "upt": "LP-CIPINANG"}],
    ids=["no filter", "unclaimed", "mine", "kind", "overdue", "stage and upt"],
)  # fmt: skip
async def test_a_deep_page_reads_about_a_page_through_the_indexes(
    pool: asyncpg.Pool, filters: dict[str, Any]
) -> None:
    """A page nine tenths down the list: the plan reads the task rows through V22's indexes in the
    inbox's order, starting at the key, so the rows it reads do not grow with the depth."""
    await _fill(pool, DEEP)
    now = T0 + timedelta(days=3, minutes=DEEP)  # past every dated task: all are overdue
    listed = await _walk(pool, ANI, 200, now=now, **filters)
    deep = len(listed) * 9 // 10  # nine tenths down the list
    everything = await inbox.list_inbox(
        pool, _query(ANI, limit=27, offset=deep, now=now, **filters)
    )
    key = InboxKey.of(everything[0])
    page_query = _query(ANI, limit=26, after=key, now=now, **filters)
    plan = await _plan(pool, page_query)
    scans = _scans(plan)
    assert {s["Index Name"] for s in scans} == {"tasks_inbox_by_upt", "tasks_inbox_routed"}
    assert all(s["Node Type"] == "Index Scan" for s in scans), [s["Node Type"] for s in scans]
    mine = [s for s in scans if s["Index Name"] == "tasks_inbox_by_upt"]
    # Bounded by the page (26), not the thousands before it; "mine" passes over the
    # others' tasks between ANI's own (every fifth, less the escalated): not the depth.
    bound = 26 * 6 if filters.get("assigned_to_me") or filters.get("unclaimed") else 26
    read = [s["Actual Rows"] + s.get("Rows Removed by Filter", 0) for s in mine]
    assert all(rows <= bound for rows in read), (read, deep)
    # And the page is the one offset paging would show.
    page = await inbox.list_inbox(pool, page_query)
    assert [t.task_id for t in page] == [t.task_id for t in everything[1:27]]
