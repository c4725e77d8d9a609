"""The permit read model on a real Postgres: events, reminders and payment confirmations
each land once, however often they are written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg

from db import permits as permit_db
from db.permits import ConfirmationResult
from domain.permit import (
    EventKind,
    PaymentConfirmation,
    PermitEvent,
    PermitReminder,
    PermitSummary,
    ReminderKind,
    Stage,
)
from tests.workflows.permit_support import EMPLOYER, application

AT = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def _summary(stage: Stage, **changes: object) -> PermitSummary:
    fields: dict[str, object] = dict.fromkeys(PermitSummary.model_fields)
    fields.update(stage=stage, revision_rounds=0, exempt=False)
    fields.update(changes)
    return PermitSummary.model_validate(fields)


def _event(app_id: str, seq: int, stage: Stage, **detail: object) -> PermitEvent:
    return PermitEvent.model_validate(
        {
            "event_id": f"{app_id}:{seq}",
            "application_id": app_id,
            "workflow_id": f"permit-{app_id}",
            "seq": seq,
            "kind": EventKind.STAGE_CHANGED,
            "at": AT + timedelta(minutes=seq),
            "summary": _summary(stage),
            **detail,
        }
    )


async def test_events_apply_once_and_an_older_event_never_overwrites_a_newer(
    pool: asyncpg.Pool,
) -> None:
    app = application()
    first = _event(app.application_id, 1, Stage.DOCUMENT_VERIFICATION, kind=EventKind.SUBMITTED,
                   application=app, actor=EMPLOYER)  # fmt: skip
    later = _event(app.application_id, 3, Stage.FEASIBILITY)
    older = _event(app.application_id, 2, Stage.DOCUMENT_VERIFICATION)
    async with pool.acquire() as conn:
        assert await permit_db.apply_event(conn, first)
        assert not await permit_db.apply_event(conn, first)  # a retried activity
        assert await permit_db.apply_event(conn, later)
        assert await permit_db.apply_event(conn, older)  # landed late
    record = await permit_db.get_application(pool, app.application_id)
    assert record is not None
    assert record.stage is Stage.FEASIBILITY
    assert record.passport_no == app.passport_no
    log = await permit_db.list_decisions(pool, app.application_id)
    assert [e.seq for e in log] == [1, 2, 3]
    assert log[0].actor_role == "employer"


async def test_a_reminder_is_written_to_the_outbox_once(pool: asyncpg.Pool) -> None:
    reminder = PermitReminder(
        message_id="permit-reminder:TKA-1:extension",
        application_id="TKA-1",
        employer_nib="9120001234567",
        kind=ReminderKind.EXTENSION,
        due_on=date(2027, 10, 1),
        at=AT,
    )
    async with pool.acquire() as conn:
        assert await permit_db.write_reminder(conn, reminder)
        assert not await permit_db.write_reminder(conn, reminder)
    [row] = await pool.fetch("SELECT recipient_role, scope_employer_nib, payload FROM outbox")
    assert (row["recipient_role"], row["scope_employer_nib"]) == ("employer", "9120001234567")
    assert "Jane" not in row["payload"] and "E1234567" not in row["payload"]


async def test_a_confirmation_keeps_its_first_result_and_counts_deliveries(
    pool: asyncpg.Pool,
) -> None:
    payment = PaymentConfirmation(
        payment_id="P-1", billing_code="812345678901234", amount_usd=1200, paid_at=AT
    )
    async with pool.acquire() as conn:
        first = await permit_db.record_confirmation(
            conn, payment, None, ConfirmationResult.REFUSED_UNKNOWN, "unknown bill"
        )
        again = await permit_db.record_confirmation(
            conn, payment, None, ConfirmationResult.ACCEPTED, None
        )
    assert first.result is again.result is ConfirmationResult.REFUSED_UNKNOWN
    assert again.deliveries == 2
    counted = await permit_db.count_delivery(pool, payment)
    assert counted is not None and counted.deliveries == 3 and counted.confirms(payment)
    # Another body under the same payment id is not a delivery of this confirmation.
    changed = payment.model_copy(update={"amount_usd": 1})
    other = await permit_db.count_delivery(pool, changed)
    assert other is not None and not other.confirms(changed) and other.deliveries == 3
    unknown = payment.model_copy(update={"payment_id": "P-unknown"})
    assert await permit_db.count_delivery(pool, unknown) is None
