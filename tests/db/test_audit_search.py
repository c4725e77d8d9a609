"""The auditors' case search on a real Postgres with a few thousand cases: each filter gives
exactly the cases it names, pages follow one another, and the plans use V7's indexes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from db.audit_search import AuditCase, CaseKind, CaseSearch, search_cases, search_sql
from tests.db.audit_data import (
    ENROLMENT_STAGES,
    NIBS,
    NOW,
    PROGRAMMES,
    T0,
    UPTS,
    breached,
    fill,
)

ENROLMENTS, JOURNEYS, PERMITS, PLACEMENTS = 3000, 1000, 1000, 500
ALL = frozenset(CaseKind)


@pytest.fixture
async def cases(pool: asyncpg.Pool) -> asyncpg.Pool:
    await fill(pool, ENROLMENTS, JOURNEYS, PERMITS, PLACEMENTS)
    return pool


def _n(case: AuditCase) -> int:
    return int(case.case_id.split("-")[1])


async def _everything(pool: asyncpg.Pool, **filters: Any) -> list[AuditCase]:
    """Every page of a search, one after the other."""
    found: list[AuditCase] = []
    while True:
        page = await search_cases(
            pool, CaseSearch(now=NOW, limit=200, offset=len(found), **{"kinds": ALL, **filters})
        )
        found += page
        if len(page) < 200:
            return found


async def test_each_filter_finds_exactly_the_cases_it_names(cases: asyncpg.Pool) -> None:
    by_upt = await _everything(cases, upt=UPTS[1])
    # n % 4 == 1: enrolments, journeys and placements (released from) of that UPT; permits
    # have no UPT.
    assert {(c.case_kind, _n(c)) for c in by_upt} == {
        (kind, n)
        for kind, count in (
            (CaseKind.ENROLMENT, ENROLMENTS),
            (CaseKind.JOURNEY, JOURNEYS),
            (CaseKind.PLACEMENT, PLACEMENTS),
        )
        for n in range(1, count + 1)
        if n % 4 == 1
    }
    by_programme = await _everything(cases, programme=PROGRAMMES[2], stage=ENROLMENT_STAGES[1])
    assert {_n(c) for c in by_programme} == {
        n for n in range(1, ENROLMENTS + 1) if n % 3 == 2 and n % 5 == 1
    }
    assert {c.case_kind for c in by_programme} == {CaseKind.ENROLMENT}
    by_employer = await _everything(cases, employer_nib=NIBS[0])
    assert {(c.case_kind, _n(c)) for c in by_employer} == {
        (CaseKind.TKA_PERMIT, n) for n in range(1, PERMITS + 1) if n % 3 == 0
    }
    window = await _everything(
        cases, opened_from=T0 + timedelta(hours=100), opened_until=T0 + timedelta(hours=110)
    )
    assert sorted(_n(c) for c in window) == sorted(list(range(100, 110)) * 4)
    following = await _everything(cases, kinds=frozenset({CaseKind.PLACEMENT}),
                                  stage="following_up")  # fmt: skip
    assert {_n(c) for c in following} == {n for n in range(1, PLACEMENTS + 1) if n % 2 == 1}


async def test_sla_breach_filter_and_flag_follow_the_tasks(cases: asyncpg.Pool) -> None:
    breaches = await _everything(cases, kinds=frozenset({CaseKind.TKA_PERMIT}), sla_breached=True)
    assert {_n(c) for c in breaches} == {n for n in range(1, PERMITS + 1) if breached(n)}
    assert all(c.sla_breached for c in breaches)
    kept = await _everything(cases, kinds=frozenset({CaseKind.JOURNEY}), sla_breached=False)
    assert {_n(c) for c in kept} == {n for n in range(1, JOURNEYS + 1) if not breached(n)}
    assert not any(c.sla_breached for c in kept)


async def test_pages_are_newest_first_and_follow_one_another(cases: asyncpg.Pool) -> None:
    every = await _everything(cases)
    assert len(every) == ENROLMENTS + JOURNEYS + PERMITS + PLACEMENTS
    assert len({(c.case_kind, c.case_id) for c in every}) == len(every)
    keys = [c.opened_at for c in every]
    assert keys == sorted(keys, reverse=True)
    second = await search_cases(cases, CaseSearch(kinds=ALL, now=NOW, limit=50, offset=50))
    assert second == every[50:100]


async def test_a_filter_a_kind_has_no_column_for_leaves_that_kind_out(
    cases: asyncpg.Pool,
) -> None:
    found = await search_cases(
        cases,
        CaseSearch(kinds=frozenset({CaseKind.TKA_PERMIT}), programme="BARISTA", now=NOW),
    )
    assert found == []


async def _indexes_used(pool: asyncpg.Pool, where: CaseSearch) -> set[str]:
    """The indexes the plan reads; fails if any table is read sequentially."""
    sql, args = search_sql(where)
    plan = json.loads((await pool.fetch(f"EXPLAIN (FORMAT JSON) {sql}", *args))[0][0])
    used: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        assert node["Node Type"] != "Seq Scan", f"{node.get('Relation Name')} read in full"
        if "Index Name" in node:
            used.add(node["Index Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return used


# Per filter: for each table read, the indexes that serve it (the planner picks the one its
# statistics favour: with 4 UPTs an ordered scan of all cases finds a page as fast).
@pytest.mark.parametrize(
    ("filters", "choices"),
    [
        ({}, [{"enrolments_by_requested_at"}, {"journeys_by_started_at"},
              {"permit_applications_by_submitted_at"}, {"placements_by_started_at"}]),
        ({"upt": "LP-SALEMBA"},
         [{"enrolments_by_upt_requested_at", "enrolments_by_requested_at"},
          {"journeys_by_upt_started_at", "journeys_by_started_at"},
          {"placements_by_upt", "placements_by_started_at"}]),
        ({"programme": "WELDING", "stage": "training"},
         [{"enrolments_by_programme_requested_at", "enrolments_by_stage_requested_at",
           "enrolments_by_requested_at"}]),
        ({"employer_nib": NIBS[1]},
         [{"permit_applications_by_employer", "permit_applications_by_submitted_at"}]),
        ({"opened_from": T0 + timedelta(days=30), "opened_until": T0 + timedelta(days=31)},
         [{"enrolments_by_requested_at"}, {"journeys_by_started_at"},
          {"permit_applications_by_submitted_at"}, {"placements_by_started_at"}]),
        ({"sla_breached": True, "kinds": frozenset({CaseKind.ENROLMENT})},
         [{"tasks_breached_by_case"}, {"tasks_open_due_by_case"}]),
    ],
)  # fmt: skip
async def test_the_search_reads_through_indexes_not_whole_tables(
    cases: asyncpg.Pool, filters: dict[str, Any], choices: list[set[str]]
) -> None:
    used = await _indexes_used(cases, CaseSearch(now=NOW, **{"kinds": ALL, **filters}))
    for serving in choices:
        assert used & serving, f"none of {sorted(serving)} used; the plan reads {sorted(used)}"
