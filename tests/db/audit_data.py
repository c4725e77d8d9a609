"""A few thousand cases of every kind written straight into the read model, for the search and
report tests: deterministic (row n always gets the same values), with tasks on time, late,
escalated and overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from db.connect import Connection

T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # case n opens at T0 + n hours
NOW = T0 + timedelta(days=400)  # every due date below lies before it
UPTS = ("LP-CIPINANG", "LP-SALEMBA", "LP-TANGERANG", "LP-SUKAMISKIN")
PROGRAMMES = ("BARISTA", "WELDING", "COMPTECH")
ENROLMENT_STAGES = ("placement_review", "training", "assessment", "certification", "closed")
PERMIT_STAGES = ("document_verification", "feasibility", "payment", "visa_decision", "active")
NIBS = ("9120001234567", "9120007654321", "9120000000001")


async def fill(
    pool: asyncpg.Pool, enrolments: int, journeys: int, permits: int, placements: int = 0
) -> None:
    """Enrolment n: UPT n%4, programme n%3, stage n%5; its task (n%7 decides how the SLA went:
    0 escalated, 1 decided late, 2 open past due, else on time or open within). Placement n:
    released from UPT n%4, still followed up when n%2, else closed."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """INSERT INTO enrolments (enrolment_id, workflow_id, inmate_sdp_no, programme_code,
                   upt_code, lsp_code, planned_end, release_flagged, stage, outcome,
                   requested_by, requested_at, updated_at)
               SELECT 'ENR-' || n, 'enrolment-ENR-' || n, 'SDP-' || n,
                      ($1::text[])[1 + n % 3], ($2::text[])[1 + n % 4], 'LSP-PARIWISATA',
                      DATE '2027-01-01', false, ($3::text[])[1 + n % 5],
                      CASE WHEN n % 5 = 4 THEN 'withdrawn' END,
                      'cw', $4::timestamptz + n * interval '1 hour',
                      $4::timestamptz + n * interval '1 hour'
                 FROM generate_series(1, $5) n""",
            list(PROGRAMMES), list(UPTS), list(ENROLMENT_STAGES), T0, enrolments,
        )  # fmt: skip
        await conn.execute(
            """INSERT INTO journeys (journey_id, workflow_id, inmate_sdp_no, upt_code, status,
                   started_at, updated_at)
               SELECT 'JRN-' || n, 'journey-SDP-' || n, 'SDP-' || n, ($1::text[])[1 + n % 4],
                      CASE WHEN n % 3 = 0 THEN 'ended' ELSE 'in_custody' END,
                      $2::timestamptz + n * interval '1 hour',
                      $2::timestamptz + n * interval '1 hour'
                 FROM generate_series(1, $3) n""",
            list(UPTS), T0, journeys,
        )  # fmt: skip
        await conn.execute(
            """INSERT INTO permit_applications (application_id, workflow_id, employer_nib,
                   position_title, position_kind, tka_name, passport_no, nationality,
                   duration_months, work_location, in_kek, employer_category, stage,
                   submitted_by, submitted_at, updated_at)
               SELECT 'TKA-' || n, 'permit-TKA-' || n, ($1::text[])[1 + n % 3], 'Engineer',
                      'professional', 'Name ' || n, 'E' || (1000000 + n), 'AU', 12, 'Jakarta',
                      false, 'company', ($2::text[])[1 + n % 5], 'hrd',
                      $3::timestamptz + n * interval '1 hour',
                      $3::timestamptz + n * interval '1 hour'
                 FROM generate_series(1, $4) n""",
            list(NIBS), list(PERMIT_STAGES), T0, permits,
        )  # fmt: skip
        await conn.execute(
            """INSERT INTO placements (placement_id, workflow_id, journey_id, inmate_sdp_no,
                   last_upt, release_kind, released_at, programme_codes, contact_consent,
                   status, started_at, updated_at)
               SELECT 'PLC-' || n, 'placement-PLC-' || n, 'JRN-P' || n, 'SDP-P' || n,
                      ($1::text[])[1 + n % 4], 'pb', $2::timestamptz + n * interval '1 hour',
                      ARRAY['BARISTA'], true,
                      CASE WHEN n % 2 = 1 THEN 'following_up' ELSE 'closed' END,
                      $2::timestamptz + n * interval '1 hour',
                      $2::timestamptz + n * interval '1 hour'
                 FROM generate_series(1, $3) n""",
            list(UPTS), T0, placements,
        )  # fmt: skip
        for kind, prefix, count in (
            ("enrolment", "ENR-", enrolments),
            ("journey", "JRN-", journeys),
            ("tka_permit", "TKA-", permits),
        ):
            await _tasks(conn, kind, prefix, count)
        await conn.execute("ANALYZE")


async def _tasks(conn: Connection, kind: str, prefix: str, count: int) -> None:
    # Opened with the case, due 10 days later. n%7: 0 escalated (then decided late),
    # 1 decided late, 2 open past due, 3 open within (due after NOW), 4 cancelled, else on time.
    await conn.execute(
        """INSERT INTO tasks (task_id, case_kind, case_id, workflow_id, kind, stage,
               required_role, scope_upt, state, assignee, claimed_at, opened_at, due_at,
               escalated_at, routed_to_role, closed_at, decision, decided_by, decided_role)
           SELECT $2 || n || ':task:1', $1, $2 || n, 'wf-' || n,
                  'review', 'review', 'tpp_member', 'LP-CIPINANG',
                  CASE n % 7 WHEN 2 THEN 'open' WHEN 3 THEN 'open' WHEN 4 THEN 'cancelled'
                             ELSE 'decided' END,
                  NULL, NULL, opened, due,
                  CASE WHEN n % 7 = 0 THEN due + interval '1 hour' END,
                  NULL,
                  CASE n % 7 WHEN 0 THEN due + interval '2 days' WHEN 1 THEN due + interval '1 day'
                             WHEN 2 THEN NULL WHEN 3 THEN NULL
                             ELSE opened + interval '1 day' END,
                  CASE WHEN n % 7 IN (0, 1, 5, 6) THEN 'approve' END,
                  CASE WHEN n % 7 IN (0, 1, 5, 6) THEN 'tpp' END,
                  CASE WHEN n % 7 IN (0, 1, 5, 6) THEN 'tpp_member' END
             FROM (SELECT n, $3::timestamptz + n * interval '1 hour' AS opened,
                          CASE WHEN n % 7 = 3 THEN $4::timestamptz + interval '30 days'
                               ELSE $3::timestamptz + n * interval '1 hour' + interval '10 days'
                          END AS due
                     FROM generate_series(1, $5) n) s""",
        kind, prefix, T0, NOW, count,
    )  # fmt: skip


def breached(n: int) -> bool:
    """Whether case n's task breached its SLA, as `fill` wrote it."""
    return n % 7 in (0, 1, 2)
