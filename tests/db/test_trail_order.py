"""The audit trail read in the order things happened: a crash can make a projection append a
case's events to its chain out of order (a task closed before the decision that closed it);
the chain still verifies, and the reading goes by each entry's event sequence."""

from __future__ import annotations

import asyncpg

from db import audit_trail
from db.audit_search import CaseKind
from db.trail_decisions import trail_of
from tests.db.audit_support import append_all, entry


async def test_entries_appended_out_of_order_are_read_in_event_order(pool: asyncpg.Pool) -> None:
    # The crash: event 3 was projected (and chained) before event 2 was retried.
    appended = [
        entry("ENR-ORDER", 1, kind="requested"),
        entry("ENR-ORDER", 3, kind="task_closed"),
        entry("ENR-ORDER", 2, kind="placement_decided", decision="approve", reason="ok"),
    ]
    await append_all(pool, *appended)
    assert (await audit_trail.verify(pool, chain="enrolment:ENR-ORDER")).ok
    read = await trail_of(pool, CaseKind.ENROLMENT, "ENR-ORDER")
    assert [r.kind for r in read] == ["requested", "placement_decided", "task_closed"]
    assert [r.seq for r in read] == [1, 3, 2]  # the chain's own order, kept for verification
