"""What a notice says (every kind, Indonesian and English, no personal data), the notices
written where nothing wrote one before (BNSP silence), and the daily pass (digests, permits
about to end) that several delivery workers run once a day between them."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from config.settings import Environment, Settings
from db import notices as notices_db
from db import people as people_db
from db import tasks as task_db
from domain.clock import local_date
from domain.enrolment import EnrolmentEvent, Escalation
from domain.identity import Principal, Role, Scope
from domain.people import Language
from notices import kinds
from notices.kinds import NoticeKind, notice_of
from notices.render import format_date, format_time, render
from tests.tasks.support import opening
from workers.delivery import DeliveryWorker

DUE = "2026-12-02T07:30:00+00:00"  # 14.30 WIB
# Personal data an upstream payload might carry by mistake: never printed.
PII = {"tka_name": "John Smith", "passport_no": "X1234567", "nik": "3171012345678901",
       "message": "inmate Budi Santoso (CPN-2024-00123) was released"}  # fmt: skip
IDENTIFYING = ("John", "Smith", "X1234567", "3171012345678901", "Budi", "Santoso",
               "CPN-2024-00123")  # fmt: skip
CASES: dict[NoticeKind, tuple[str, dict[str, Any]]] = {
    NoticeKind.ESCALATION: (kinds.TASK_ESCALATED, {"task_id": "TKA-9:1", "case_kind":
                            "tka_permit", "case_id": "TKA-9", "kind": "rptka_approval",
                            "due_at": DUE}),
    NoticeKind.TASK_ASSIGNED: (kinds.TASK_ASSIGNED, {"task_id": "ENR-9:4", "case_kind":
                               "enrolment", "case_id": "ENR-9", "kind": "assessment",
                               "due_at": DUE}),
    NoticeKind.BNSP_SILENCE: (kinds.CASE_ESCALATED, {"case_kind": "enrolment", "case_id":
                              "ENR-9", "kind": "bnsp_sla", "raised_at": DUE}),
    NoticeKind.REVISION_REQUESTED: (kinds.PERMIT_REMINDER, {"application_id": "TKA-9",
                                    "kind": "revision_requested", "due_at": DUE}),
    NoticeKind.PAYMENT_DUE: (kinds.PERMIT_REMINDER, {"application_id": "TKA-9",
                             "kind": "payment_due", "due_at": DUE}),
    NoticeKind.ANNUAL_REPORT: (kinds.PERMIT_REMINDER, {"application_id": "TKA-9",
                               "kind": "annual_report", "due_on": "2026-12-02"}),
    NoticeKind.EXTENSION: (kinds.PERMIT_REMINDER, {"application_id": "TKA-9",
                           "kind": "extension", "due_on": "2026-12-02"}),
    NoticeKind.PERMIT_EXPIRING: (kinds.PERMIT_REMINDER, {"application_id": "TKA-9",
                                 "kind": "permit_expiring", "due_on": "2026-12-02"}),
    NoticeKind.DAILY_DIGEST: (kinds.DAILY_DIGEST, {"open_count": 3, "overdue_count": 1,
                              "lines": [{"task_kind": "placement_review", "case_ref": "ENR-9",
                                         "due_at": DUE, "overdue": True}]}),
}  # fmt: skip


def test_dates_and_times_are_written_as_the_ministries_write_them() -> None:
    moment = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
    assert format_date(moment, Language.INDONESIAN) == "2 Desember 2026"
    assert format_date(moment, Language.ENGLISH) == "2 December 2026"
    assert format_time(moment) == "14.30 WIB"
    # A Jakarta date: 20.00 UTC is already the next day in Jakarta.
    late = datetime(2026, 8, 16, 20, 0, tzinfo=UTC)
    assert format_date(late, Language.INDONESIAN) == "17 Agustus 2026"


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_notice_says_what_which_case_by_when_and_where_in_both_languages(
    kind: NoticeKind,
) -> None:
    topic, payload = CASES[kind]
    notice = notice_of(topic, payload | PII)
    indonesian = render(notice, Language.INDONESIAN, "https://sinergi.example.go.id/")
    english = render(notice, Language.ENGLISH, "https://sinergi.example.go.id/")
    for message, date_words in ((indonesian, "2 Desember 2026"), (english, "2 December 2026")):
        text = f"{message.title}\n{message.body}"
        assert message.title.startswith("[Sinergi] ")
        assert date_words in text  # by when
        assert message.link.startswith("https://sinergi.example.go.id/")
        assert message.link in message.body  # where to act
        if notice.case_ref:
            assert notice.case_ref in message.title  # which case, by reference
        for word in IDENTIFYING:
            assert word not in text, (kind, word)
    assert "Yang perlu dilakukan" in indonesian.body and "What to do" in english.body
    assert indonesian.body != english.body


def test_an_unknown_topic_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"'task\.frobnicated'"):
        notice_of("task.frobnicated", {})


async def test_bnsp_silence_is_announced_once_and_task_escalations_are_left_to_the_task(
    pool: asyncpg.Pool,
) -> None:
    def event(kind: str) -> EnrolmentEvent:
        at = datetime(2026, 12, 2, tzinfo=UTC)
        escalation = Escalation(kind=kind, routed_to=Role.KEMNAKER_OFFICER, raised_at=at,
                                detail="x")  # fmt: skip
        # Only the escalation and the case id matter here.
        return EnrolmentEvent.model_construct(  # type: ignore[call-arg]
            enrolment_id="ENR-9", escalation=escalation
        )

    assert await notices_db.enrolment_event(pool, event("bnsp_sla")) is True
    assert await notices_db.enrolment_event(pool, event("bnsp_sla")) is False  # a retry
    assert await notices_db.enrolment_event(pool, event("training_overrun")) is False
    row = await pool.fetchrow("SELECT topic, recipient_role, scope_ministry FROM outbox")
    assert row is not None and dict(row) == {
        "topic": "case.escalated", "recipient_role": "kemnaker_officer",
        "scope_ministry": "kemnaker"}  # fmt: skip


async def _permit(pool: asyncpg.Pool, application_id: str, valid_until: date) -> None:
    await pool.execute(
        """INSERT INTO permit_applications (application_id, workflow_id, employer_nib,
               position_title, position_kind, tka_name, passport_no, nationality,
               duration_months, work_location, in_kek, employer_category, stage, valid_until,
               submitted_by, submitted_at, updated_at)
           VALUES ($1, 'permit-' || $1, '9120001234567', 'Engineer', 'technical', 'John Smith',
                   'X1234567', 'JP', 12, 'Jakarta', false, 'commercial', 'active', $2,
                   'hrd', now(), now())""",
        application_id, valid_until,
    )  # fmt: skip


async def test_the_daily_pass_runs_once_a_day_whichever_worker_gets_there_first(
    pool: asyncpg.Pool,
) -> None:
    now = datetime.now(UTC)
    today = local_date(now)  # the Jakarta date the pass is for
    async with pool.acquire() as conn:
        for subject, upt in (("tpp-a", "LP-CIPINANG"), ("tpp-b", "LP-SALEMBA")):
            await people_db.upsert_from_claims(
                conn, Principal(subject=subject, roles={Role.TPP_MEMBER}, scope=Scope(upt=upt)),
                {"email": f"{subject}@kemenimipas.go.id"},
            )  # fmt: skip
        await task_db.open_task(conn, opening("ENR-1:1", opened_at=now - timedelta(days=5)))
        await task_db.open_task(conn, opening("ENR-2:1", opened_at=now, due_in=None))
    await _permit(pool, "TKA-SOON", today + timedelta(days=10))
    await _permit(pool, "TKA-LATER", today + timedelta(days=200))
    settings = Settings(environment=Environment.TEST, digest_hour_wib=0)
    first, second = (DeliveryWorker(pool, settings, name) for name in ("w1", "w2"))
    ran = await asyncio.gather(first.daily_pass(now), second.daily_pass(now))
    assert sorted(ran) == [False, True]
    assert await first.daily_pass(now) is False  # and not again that day
    rows = await pool.fetch("SELECT message_id, recipient_subject FROM outbox ORDER BY 1")
    assert [tuple(r) for r in rows] == [
        (f"digest:tpp-a:{today}", "tpp-a"),  # tpp-b has no open task: no digest
        (f"permit-expiring:TKA-SOON:{today + timedelta(days=10)}", None),
    ]
    await first.expand_once()
    digest = await pool.fetchrow("SELECT title, body FROM deliveries WHERE channel = 'in_app' "
                                 "AND recipient_subject = 'tpp-a'")  # fmt: skip
    assert digest is not None
    assert digest["title"] == "[Sinergi] Tugas Saya hari ini: 2 terbuka, 1 terlambat"
    assert "ENR-1" in digest["body"] and "(TERLAMBAT)" in digest["body"]
