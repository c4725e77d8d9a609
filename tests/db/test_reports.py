"""The auditors' reports on a real Postgres: every count follows from the rows written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from db.audit_search import CaseKind
from db.reports import ReportPeriod, certification_funnel, sla_compliance, tka_pipeline
from tests.db.audit_data import NOW, PERMIT_STAGES, breached, fill

T1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


async def _event(conn: asyncpg.Pool, enrolment_id: str, seq: int, kind: str,
                 decision: str | None = None) -> None:  # fmt: skip
    await conn.execute(
        """INSERT INTO enrolment_events (event_id, enrolment_id, seq, kind, at, stage, decision)
           VALUES ($6, $1, $2, $3, $4, 'x', $5)""",
        enrolment_id, seq, kind, T1 + timedelta(minutes=seq), decision, f"{enrolment_id}:{seq}",
    )  # fmt: skip


async def test_the_funnel_counts_each_case_at_every_stage_it_reached(pool: asyncpg.Pool) -> None:
    await fill(pool, enrolments=12, journeys=0, permits=0)
    # All three BARISTA (n%3 == 0), each alone at its UPT (n%4): ENR-3 at LP-SUKAMISKIN placed,
    # trained, assessed BK then K, certified and released; ENR-6 at LP-TANGERANG placed only;
    # ENR-9 at LP-SALEMBA rejected.
    steps = [
        ("placement_decided", "approve"),
        ("training_completed", "complete_training"),
        ("assessment_recorded", "not_yet_competent"),
        ("assessment_recorded", "competent"),
    ]
    for seq, (kind, decision) in enumerate(steps, start=1):
        await _event(pool, "ENR-3", seq, kind, decision)
    await _event(pool, "ENR-6", 1, "placement_decided", "approve")
    await _event(pool, "ENR-9", 1, "placement_decided", "reject")
    await pool.execute(
        """INSERT INTO certificates (enrolment_id, number, issued_on, valid_until, event_id)
           VALUES ('ENR-3', 'BNSP-1', DATE '2027-01-01', DATE '2030-01-01', 'ENR-3:4')"""
    )
    await pool.execute(
        """INSERT INTO journeys (journey_id, workflow_id, inmate_sdp_no, upt_code, status,
                                 started_at, released_at, release_kind, updated_at)
           VALUES ('JRN-X', 'journey-SDP-3', 'SDP-3', 'LP-SUKAMISKIN', 'ended', $1, $1, 'free', $1)
        """,
        T1,
    )
    await pool.execute(
        """INSERT INTO journey_enrolments (enrolment_id, journey_id, workflow_id, programme_code,
                                           started_at)
           VALUES ('ENR-3', 'JRN-X', 'enrolment-ENR-3', 'BARISTA', $1)""",
        T1,
    )
    rows = {(r.upt_code, r.programme_code): r for r in await certification_funnel(
        pool, ReportPeriod())}  # fmt: skip
    assert sum(r.enrolled for r in rows.values()) == 12
    three = rows[("LP-SUKAMISKIN", "BARISTA")]  # ENR-3 only (n%12 == 3)
    assert three.model_dump(exclude={"upt_code", "programme_code"}) == {
        "enrolled": 1, "placed": 1, "trained": 1, "assessed": 1, "competent": 1,
        "certified": 1, "released_with_certificate": 1,
    }  # fmt: skip
    six = rows[("LP-TANGERANG", "BARISTA")]
    assert (six.enrolled, six.placed, six.trained) == (1, 1, 0)
    nine = rows[("LP-SALEMBA", "BARISTA")]
    assert (nine.enrolled, nine.placed) == (1, 0)
    only_salemba = await certification_funnel(pool, ReportPeriod(), upt="LP-SALEMBA")
    assert {r.upt_code for r in only_salemba} == {"LP-SALEMBA"}


async def test_the_pipeline_counts_applications_per_stage(pool: asyncpg.Pool) -> None:
    await fill(pool, enrolments=0, journeys=0, permits=50)
    await pool.execute(
        """UPDATE permit_applications SET stage = 'closed', outcome = 'rejected'
            WHERE application_id IN ('TKA-1', 'TKA-2')"""
    )
    await pool.execute(
        "UPDATE permit_applications SET awaiting_due = $1 WHERE application_id = 'TKA-5'",
        NOW - timedelta(days=1),
    )
    await pool.execute(
        """INSERT INTO permit_events (event_id, application_id, seq, kind, at, stage)
           VALUES ('TKA-1:1', 'TKA-1', 1, 'submitted', $1, 'document_verification'),
                  ('TKA-1:2', 'TKA-1', 2, 'decided', $1, 'closed')""",
        NOW,
    )
    rows = {(r.stage, r.outcome): r for r in await tka_pipeline(pool, ReportPeriod(), NOW)}
    # TKA-n is at PERMIT_STAGES[n % 5]; TKA-1 and TKA-2 were closed instead.
    for i, stage in enumerate(PERMIT_STAGES):
        there = [n for n in range(3, 51) if n % 5 == i]
        assert rows[(stage, None)].current == len(there), stage
    assert rows[("feasibility", None)].overdue == 0
    assert rows[("document_verification", None)].overdue == 1  # TKA-5
    assert rows[("document_verification", None)].entered == 1  # from the events: TKA-1
    assert rows[("closed", "rejected")].current == 2


async def test_sla_compliance_sorts_every_task_by_how_it_met_its_due_date(
    pool: asyncpg.Pool,
) -> None:
    await fill(pool, enrolments=70, journeys=0, permits=35)
    [enrolments] = await sla_compliance(pool, frozenset({CaseKind.ENROLMENT}), ReportPeriod(), NOW)
    counts = {r: sum(1 for n in range(1, 71) if n % 7 == r) for r in range(7)}
    assert enrolments.ministry == "kemenimipas"  # a TPP member's step
    assert enrolments.tasks == 70
    assert enrolments.escalated == counts[0]
    assert enrolments.decided_late == counts[0] + counts[1]
    assert enrolments.open_overdue == counts[2]
    assert enrolments.open_within_sla == counts[3]
    assert enrolments.cancelled == counts[4]
    assert enrolments.decided_on_time == counts[5] + counts[6]
    judged = 70 - counts[3] - counts[4]
    assert enrolments.compliance == round((counts[5] + counts[6]) / judged, 4)
    assert sum(not breached(n) for n in range(1, 71)) == 70 - counts[0] - counts[1] - counts[2]
    both = await sla_compliance(
        pool, frozenset({CaseKind.ENROLMENT, CaseKind.TKA_PERMIT}), ReportPeriod(), NOW
    )
    assert {r.case_kind for r in both} == {CaseKind.ENROLMENT, CaseKind.TKA_PERMIT}
