"""What a notice says (every kind, Indonesian and English, no personal data), and the notices
written where nothing wrote one before (BNSP silence). The daily digests and permits about to
end: tests/notify/test_daily_notices.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from db import notices as notices_db
from domain.enrolment import EnrolmentEvent, Escalation
from domain.identity import Role
from domain.people import Language
from notices import kinds
from notices.kinds import NoticeKind, notice_of
from notices.render import format_date, format_time, render

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
