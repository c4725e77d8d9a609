"""Builders for tests that write enrolments to a real Postgres: a request for the seeded
BARISTA programme at LP-CIPINANG, and a case summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg

from db import reference as reference_db
from domain.enrolment import (
    EnrolmentEvent,
    EnrolmentRequest,
    EnrolmentSummary,
    EventKind,
    Outcome,
    Stage,
)
from domain.identity import Actor, Role, Scope

UPT = "LP-CIPINANG"
CASEWORKER = Actor(subject="cw-1", role=Role.CASEWORKER, scope=Scope(upt=UPT))
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


async def barista_request(
    pool: asyncpg.Pool,
    enrolment_id: str = "ENR-1",
    sdp: str = "CPN-1",
    *,
    start: date = date(2026, 12, 8),
    reason: str = "motivated, long sentence",
) -> EnrolmentRequest:
    """A request for the seeded BARISTA programme, planned over 90 days from `start`."""
    programme = await reference_db.get_programme(pool, "BARISTA")
    assert programme is not None
    return EnrolmentRequest(
        enrolment_id=enrolment_id,
        inmate_sdp_no=sdp,
        programme=programme,
        upt_code=UPT,
        lsp_code="LSP-PARIWISATA",
        planned_start=start,
        planned_end=start + timedelta(days=90),
        expected_release=None,
        release_flagged=False,
        requested_by=CASEWORKER,
        reason=reason,
    )


def summary(
    stage: Stage,
    outcome: Outcome | None = None,
    present: int = 0,
    *,
    awaiting: str | None = None,
    awaiting_role: Role | None = None,
) -> EnrolmentSummary:
    """A case's summary at `stage`, nothing else done yet but `present` sessions attended."""
    return EnrolmentSummary(
        stage=stage,
        outcome=outcome,
        attendance_present=present,
        attendance_recorded=present,
        modules_completed=0,
        reassessments_used=0,
        exception_granted=False,
        awaiting_kind=awaiting,
        awaiting_role=awaiting_role,
        awaiting_due=None,
    )


def event(
    seq: int,
    kind: EventKind,
    summary: EnrolmentSummary,
    at: datetime | None = None,
    **detail: object,
) -> EnrolmentEvent:
    """Event `seq` of case ENR-1, at `at` (else `seq` minutes after T0)."""
    return EnrolmentEvent.model_validate(
        {
            "event_id": f"ENR-1:{seq}",
            "enrolment_id": "ENR-1",
            "workflow_id": "enrolment-ENR-1",
            "seq": seq,
            "kind": kind,
            "at": at if at is not None else T0 + timedelta(minutes=seq),
            "summary": summary,
            **detail,
        }
    )
