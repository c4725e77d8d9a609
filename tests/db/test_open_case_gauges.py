"""The open-cases gauge counts every kind of case still open, placements included, stage by
stage, as the read model holds them."""

from __future__ import annotations

import asyncpg

from db.operations import gauges
from tests.db.audit_data import ENROLMENT_STAGES, PERMIT_STAGES, fill


async def test_open_cases_count_each_kind_by_stage(pool: asyncpg.Pool) -> None:
    await fill(pool, enrolments=50, journeys=30, permits=20, placements=9)
    counted = {(c.kind, c.stage): c.count for c in (await gauges(pool)).open_cases}

    enrolments: dict[tuple[str, str], int] = {}
    for n in range(1, 51):  # n%5 == 4 is withdrawn (outcome set), so not open
        if n % 5 != 4:
            key = ("enrolment", ENROLMENT_STAGES[n % 5])
            enrolments[key] = enrolments.get(key, 0) + 1
    permits: dict[tuple[str, str], int] = {}
    for n in range(1, 21):
        key = ("tka_permit", PERMIT_STAGES[n % 5])
        permits[key] = permits.get(key, 0) + 1
    journeys = {("journey", "in_custody"): sum(1 for n in range(1, 31) if n % 3 != 0)}
    placements = {("placement", "following_up"): sum(1 for n in range(1, 10) if n % 2 == 1)}

    assert counted == enrolments | permits | journeys | placements
