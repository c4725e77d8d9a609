"""The enrolment read model on a real Postgres: reservation, projection, reads."""

from __future__ import annotations

from datetime import UTC, date, datetime

import asyncpg
import pytest
from temporalio.testing import ActivityEnvironment

from activities.enrolment_projection import EnrolmentProjection
from db import enrolments as enrolment_db
from db import reference as reference_db
from db.enrolments import EnrolmentFilter
from domain.enrolment import (
    AssessmentAttempt,
    AttendanceEntry,
    Certificate,
    Escalation,
    EventKind,
    Outcome,
    Stage,
    UnitResult,
)
from domain.enrolment_rules import check_no_active_enrolment
from domain.errors import DomainError, Refusal
from domain.identity import Actor, Role, Scope
from tests.enrolment_rows import CASEWORKER, barista_request, event, summary

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
ASSESSOR = Actor(subject="as-1", role=Role.LSP_ASSESSOR, scope=Scope(lsp="LSP-PARIWISATA"))


async def _count(pool: asyncpg.Pool, table: str) -> int:
    value = await pool.fetchval(f"SELECT count(*) FROM {table}")
    assert isinstance(value, int)
    return value


async def test_same_projection_activity_run_twice_writes_once(pool: asyncpg.Pool) -> None:
    activity = EnrolmentProjection(pool)
    env = ActivityEnvironment()
    request = await barista_request(pool)
    requested = event(1, EventKind.REQUESTED, summary(Stage.PLACEMENT_REVIEW),
                       request=request, actor=CASEWORKER, reason=request.reason)  # fmt: skip
    attended = event(
        2,
        EventKind.ATTENDANCE_RECORDED,
        summary(Stage.TRAINING, present=1),
        actor=CASEWORKER,
        attendance=AttendanceEntry(session_no=1, session_date=date(2026, 12, 8), present=True,
                                   recorded_by="cw-1"),
    )  # fmt: skip
    for written in (requested, attended):
        await env.run(activity.record_event, written)
        await env.run(activity.record_event, written)  # a retry after a lost reply

    assert await _count(pool, "enrolments") == 1
    assert await _count(pool, "enrolment_events") == 2
    assert await _count(pool, "attendance") == 1
    record = await enrolment_db.get_enrolment(pool, "ENR-1")
    assert record is not None
    assert record.stage is Stage.TRAINING
    assert record.attendance_present == 1


async def test_an_older_event_landing_late_does_not_overwrite_thesummary(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        await enrolment_db.record_started(conn, await barista_request(pool), "enrolment-ENR-1")
        await enrolment_db.apply_event(
            conn, event(3, EventKind.STAGE_CHANGED, summary(Stage.ASSESSMENT))
        )
        await enrolment_db.apply_event(
            conn, event(2, EventKind.STAGE_CHANGED, summary(Stage.TRAINING))
        )
    record = await enrolment_db.get_enrolment(pool, "ENR-1")
    assert record is not None
    assert record.stage is Stage.ASSESSMENT
    decisions = await enrolment_db.list_decisions(pool, "ENR-1")
    assert [d.seq for d in decisions] == [2, 3]  # both kept in the log, in order


async def test_second_active_enrolment_in_the_same_programme_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await enrolment_db.record_started(
            conn, await barista_request(pool, "ENR-1"), "enrolment-ENR-1"
        )
    pair = ("CPN-1", "BARISTA")
    active = await enrolment_db.active_enrolments(pool, [pair, ("CPN-2", "BARISTA")])
    assert active == {pair: "ENR-1"}
    # What the read model answers is what the one rule is asked with (API, cohort, journey).
    with pytest.raises(DomainError) as refused:
        check_no_active_enrolment(*pair, active.get(pair))
    assert refused.value.refusal is Refusal.CONFLICT
    assert "(ENR-1)" in refused.value.message
    # Behind the rule, the partial unique index keeps a second active row out regardless.
    async with pool.acquire() as conn:
        await enrolment_db.record_started(
            conn, await barista_request(pool, "ENR-2"), "enrolment-ENR-2"
        )
    assert await _count(pool, "enrolments") == 1


async def test_a_closed_enrolment_allows_a_new_one(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await enrolment_db.record_started(
            conn, await barista_request(pool, "ENR-1"), "enrolment-ENR-1"
        )
        await enrolment_db.apply_event(
            conn,
            event(1, EventKind.CLOSED, summary(Stage.CLOSED, Outcome.NOT_COMPETENT),
                   reason="attempts exhausted"),
        )  # fmt: skip
        await enrolment_db.record_started(
            conn, await barista_request(pool, "ENR-2"), "enrolment-ENR-2"
        )
    closed = await enrolment_db.get_enrolment(pool, "ENR-1")
    assert closed is not None and closed.outcome is Outcome.NOT_COMPETENT
    assert closed.closed_reason == "attempts exhausted"
    assert await _count(pool, "enrolments") == 2


async def test_assessment_certificate_and_escalation_rows_are_projected(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await enrolment_db.record_started(conn, await barista_request(pool), "enrolment-ENR-1")
        attempt = AssessmentAttempt(
            attempt=1, counted=True, assessor="as-1", tuk_code="TUK-CPN", decided_at=T0,
            results={"I.56BAR00.001.1": UnitResult.K, "I.56BAR00.002.1": UnitResult.BK},
        )  # fmt: skip
        await enrolment_db.apply_event(
            conn,
            event(1, EventKind.ASSESSMENT_RECORDED, summary(Stage.ASSESSMENT),
                   actor=ASSESSOR, reason="observed", decision="not_yet_competent",
                   attempt=attempt),
        )  # fmt: skip
        await enrolment_db.apply_event(
            conn,
            event(2, EventKind.ESCALATED, summary(Stage.CERTIFICATION),
                   escalation=Escalation(kind="bnsp_sla", routed_to=Role.KEMNAKER_OFFICER,
                                         raised_at=T0, detail="no answer in 30 days")),
        )  # fmt: skip
        certificate = Certificate(
            number="BNSP/1", issued_on=date(2027, 1, 5), valid_until=date(2030, 1, 5)
        )
        await enrolment_db.apply_event(
            conn,
            event(3, EventKind.CERTIFICATE_ISSUED, summary(Stage.CERTIFICATION),
                   certificate=certificate),
        )  # fmt: skip
    results = await pool.fetch(
        "SELECT unit_code, result FROM assessment_results WHERE enrolment_id = 'ENR-1' ORDER BY 1"
    )
    assert [(r["unit_code"], r["result"]) for r in results] == [
        ("I.56BAR00.001.1", "K"),
        ("I.56BAR00.002.1", "BK"),
    ]
    assert await pool.fetchval("SELECT routed_to_role FROM escalations") == "kemnaker_officer"
    record = await enrolment_db.get_enrolment(pool, "ENR-1")
    assert record is not None
    assert record.certificate_number == "BNSP/1"
    assert record.certificate_valid_until == date(2030, 1, 5)
    decision = (await enrolment_db.list_decisions(pool, "ENR-1"))[0]
    assert (decision.actor_subject, decision.actor_role, decision.reason) == (
        "as-1",
        "lsp_assessor",
        "observed",
    )


async def test_case_list_filters_by_scope_stage_and_pages(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        for n in range(3):
            await enrolment_db.record_started(
                conn, await barista_request(pool, f"ENR-{n}", sdp=f"CPN-{n}"), f"enrolment-ENR-{n}"
            )
    everything = await enrolment_db.list_enrolments(pool, EnrolmentFilter(upt_code="LP-CIPINANG"))
    assert len(everything) == 3
    other_upt = await enrolment_db.list_enrolments(pool, EnrolmentFilter(upt_code="LP-SALEMBA"))
    assert other_upt == []
    page = await enrolment_db.list_enrolments(pool, EnrolmentFilter(limit=2, offset=2))
    assert len(page) == 1
    training = await enrolment_db.list_enrolments(pool, EnrolmentFilter(stage=Stage.TRAINING))
    assert training == []


async def test_reference_reads_return_the_seeded_schemes(pool: asyncpg.Pool) -> None:
    barista = await reference_db.get_programme(pool, "BARISTA")
    assert barista is not None
    assert barista.unit_codes[0] == "I.56BAR00.001.1"
    assert len(barista.modules) == 4
    assert await reference_db.get_programme(pool, "NOPE") is None
    assert await reference_db.get_offering(pool, "LP-CIPINANG", "GARMENT") is None
    offering = await reference_db.get_offering(pool, "LP-CIPINANG", "BARISTA")
    assert offering is not None and offering.lsp_code == "LSP-PARIWISATA"
    assert {u.code for u in await reference_db.list_upts(pool)} >= {"LP-CIPINANG", "BP-JAKBAR"}
    assert len(await reference_db.list_programmes(pool)) == 6
