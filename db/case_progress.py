"""How far a case's read model has caught up: the events its projection has written.

A decision's answer waits until the read model holds every event the workflow emitted
(`api/final_answers.py`), so a read right after the answer shows the same state.
"""

from __future__ import annotations

import asyncpg

from db.connect import Connection


async def enrolment_events(conn: Connection | asyncpg.Pool, enrolment_id: str) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM enrolment_events WHERE enrolment_id = $1", enrolment_id
    )
    return count


async def permit_events(conn: Connection | asyncpg.Pool, application_id: str) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM permit_events WHERE application_id = $1", application_id
    )
    return count
