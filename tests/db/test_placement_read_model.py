"""The placement read model on a real Postgres: idempotent projection with its audit row in
the same transaction, the first placement date kept, and events landing out of order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from temporalio.testing import ActivityEnvironment

from activities.placement_projection import PlacementProjection
from db import audit_trail
from db import placements as placement_db
from domain.audit_chain import chain_id
from domain.custody import ReleaseKind
from domain.identity import Actor, Ministry, Role, Scope
from domain.journey import CertificateEntry
from domain.placement import (
    CloseReason,
    Outcome,
    OutcomeKind,
    PlacementEvent,
    PlacementEventKind,
    PlacementStart,
    PlacementStatus,
)

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
OFFICER = Actor(subject="kn-1", role=Role.KEMNAKER_OFFICER, scope=Scope(ministry=Ministry.KEMNAKER))
START = PlacementStart(
    placement_id="PLC-JRN-1",
    journey_id="JRN-1",
    journey_workflow_id="journey-CPN-1",
    inmate_sdp_no="CPN-1",
    release_kind=ReleaseKind.PB,
    released_at=T0 - timedelta(days=3),
    last_upt="LP-CIPINANG",
    programme_codes=["BARISTA-2025"],
    certificates=[
        CertificateEntry(
            programme_code="BARISTA-2025",
            number="CERT-1",
            issued_on=date(2026, 6, 1),
            valid_until=date(2029, 6, 1),
        )
    ],
    contact_consent=True,
    acknowledged_by=OFFICER,
    acknowledged_at=T0,
)


def _event(seq: int, kind: PlacementEventKind, **fields: Any) -> PlacementEvent:
    return PlacementEvent(
        event_id=f"PLC-JRN-1:{seq}",
        placement_id="PLC-JRN-1",
        workflow_id="placement-PLC-JRN-1",
        journey_id="JRN-1",
        inmate_sdp_no="CPN-1",
        seq=seq,
        kind=kind,
        at=T0 + timedelta(days=seq),
        status=fields.pop("status", PlacementStatus.FOLLOWING_UP),
        **fields,
    )


def _outcome(kind: OutcomeKind, day: int, start_date: date | None = None) -> Outcome:
    extra: dict[str, Any] = {}
    if kind is OutcomeKind.EMPLOYED:
        extra = {"employer": "PT Kopi", "sector": "F&B", "start_date": start_date}
    return Outcome(
        actor=OFFICER, at=T0 + timedelta(days=day), reason="phoned", outcome=kind, **extra
    )


async def test_projection_is_idempotent_and_chained(pool: asyncpg.Pool) -> None:
    projection = PlacementProjection(pool)
    env = ActivityEnvironment()
    started = _event(1, PlacementEventKind.STARTED, actor=OFFICER, start=START)
    employed = _event(
        2,
        PlacementEventKind.OUTCOME_RECORDED,
        actor=OFFICER,
        reason="phoned",
        outcome=_outcome(OutcomeKind.EMPLOYED, 2, start_date=date(2026, 12, 2)),
    )
    for event in (started, employed, employed, started):  # retried writes land once
        await env.run(projection.record_event, event)
    record = await placement_db.get_placement(pool, "PLC-JRN-1")
    assert record is not None and record.outcome is OutcomeKind.EMPLOYED
    assert record.placed_on == date(2026, 12, 2)
    assert record.certificates == START.certificates and record.last_upt == "LP-CIPINANG"
    events = await placement_db.list_placement_events(pool, "PLC-JRN-1")
    assert [e.seq for e in events] == [1, 2]
    assert events[1].record is not None and events[1].record["employer"] == "PT Kopi"
    rows = await pool.fetch(
        "SELECT kind, decision FROM audit_entries WHERE chain_id = $1 ORDER BY seq",
        chain_id("placement", "PLC-JRN-1"),
    )
    assert [(r["kind"], r["decision"]) for r in rows] == [
        ("started", None),
        ("outcome_recorded", "employed"),
    ]
    verdict = await audit_trail.verify(pool, chain=chain_id("placement", "PLC-JRN-1"))
    assert verdict.ok and verdict.entries_checked == 2


async def test_a_later_outcome_replaces_it_but_the_first_placement_date_stays(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        # an event landing before the start cannot be projected yet (the activity retries)
        early = _event(
            3, PlacementEventKind.OUTCOME_RECORDED, outcome=_outcome(OutcomeKind.SELF_EMPLOYED, 3)
        )
        try:
            await placement_db.apply_event(conn, early)
        except RuntimeError:
            pass
        else:
            raise AssertionError("an event before the start was projected")
        await placement_db.apply_event(conn, _event(1, PlacementEventKind.STARTED, start=START))
        await placement_db.apply_event(conn, early)
        later = _event(
            4, PlacementEventKind.OUTCOME_RECORDED, outcome=_outcome(OutcomeKind.NOT_REACHED, 4)
        )
        await placement_db.apply_event(conn, later)
        closed = _event(
            5,
            PlacementEventKind.CLOSED,
            status=PlacementStatus.CLOSED,
            close_reason=CloseReason.FOLLOW_UP_ENDED,
        )
        await placement_db.apply_event(conn, closed)
    record = await placement_db.get_placement(pool, "PLC-JRN-1")
    assert record is not None
    assert record.outcome is OutcomeKind.NOT_REACHED
    assert record.placed_on == (T0 + timedelta(days=3)).date()
    assert record.status is PlacementStatus.CLOSED
    assert record.close_reason is CloseReason.FOLLOW_UP_ENDED
