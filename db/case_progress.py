"""How far a case's read model has caught up: the events its projection has written, and
the inbox tasks open on it.

A decision's answer waits until the read model holds every event the workflow emitted and
the awaited person's task is open (`api/final_answers.py`), so a read right after the answer
shows the same state. Both are read in one round trip (issue 18: a decision's latency).
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from db.connect import Connection
from domain.tasks import OPEN_STATES


@dataclass(frozen=True)
class CaseProgress:
    events: int  # the case's events in the read model
    open_task_kinds: frozenset[str]  # the kinds of its inbox tasks that are open


_OPEN_STATES = sorted(s.value for s in OPEN_STATES)
_OPEN_TASK_KINDS = "ARRAY(SELECT kind FROM tasks WHERE case_id = $1 AND state = ANY($2::text[]))"


async def enrolment_progress(conn: Connection | asyncpg.Pool, enrolment_id: str) -> CaseProgress:
    return await _progress(
        conn,
        "SELECT count(*) FROM enrolment_events WHERE enrolment_id = $1",
        enrolment_id,
    )


async def permit_progress(conn: Connection | asyncpg.Pool, application_id: str) -> CaseProgress:
    return await _progress(
        conn,
        "SELECT count(*) FROM permit_events WHERE application_id = $1",
        application_id,
    )


async def _progress(
    conn: Connection | asyncpg.Pool, count_events: str, case_id: str
) -> CaseProgress:
    row = await conn.fetchrow(
        f"SELECT ({count_events}) AS events, {_OPEN_TASK_KINDS} AS open_task_kinds",
        case_id,
        _OPEN_STATES,
    )
    if row is None:  # a SELECT without FROM always has its one row
        raise RuntimeError("case progress: no row")
    return CaseProgress(row["events"], frozenset(row["open_task_kinds"]))
