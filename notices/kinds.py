"""The notices Sinergi sends, and how an outbox row becomes one.

An outbox row carries ids, kinds and dates only (never an inmate's NIK, passport or name);
`notice_of` reads the notice kind, the case it is about (by reference) and the date by which
to act from it, and the link into the workspace.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

# Outbox topics.
TASK_ESCALATED = "task.escalated"  # db/tasks.py (existing)
PERMIT_REMINDER = "permit.reminder"  # db/permits.py (existing) and db/notices.py
CASE_ESCALATED = "case.escalated"  # an escalation with no task of its own (BNSP silence)
TASK_ASSIGNED = "task.assigned"  # a supervisor gave a task to a person
DAILY_DIGEST = "digest.daily"  # a person's open and overdue tasks, once a day


class NoticeKind(StrEnum):
    ESCALATION = "escalation"
    BNSP_SILENCE = "bnsp_silence"
    REVISION_REQUESTED = "revision_requested"
    PAYMENT_DUE = "payment_due"
    ANNUAL_REPORT = "annual_report"
    EXTENSION = "extension"
    PERMIT_EXPIRING = "permit_expiring"
    TASK_ASSIGNED = "task_assigned"
    DAILY_DIGEST = "daily_digest"


_REMINDERS = {
    "annual_report": NoticeKind.ANNUAL_REPORT,
    "extension": NoticeKind.EXTENSION,
    "revision_requested": NoticeKind.REVISION_REQUESTED,
    "payment_due": NoticeKind.PAYMENT_DUE,
    "permit_expiring": NoticeKind.PERMIT_EXPIRING,
}


class DigestLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_kind: str
    case_ref: str
    due_at: datetime | None
    overdue: bool


class Notice(BaseModel):
    """What a template needs: no personal data, only references, kinds and dates."""

    model_config = ConfigDict(frozen=True)

    kind: NoticeKind
    case_kind: str | None = None  # "enrolment", "tka_permit", "journey"
    case_ref: str | None = None  # ENR-..., TKA-..., a handover's id
    task_kind: str | None = None  # "placement_review", "document_verification", ...
    due_at: datetime | None = None
    due_on: date | None = None
    link_path: str = "/"
    open_count: int = 0
    overdue_count: int = 0
    lines: tuple[DigestLine, ...] = ()


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def notice_of(topic: str, payload: dict[str, Any]) -> Notice:
    """The notice an outbox row announces. Raises ValueError for a topic it does not know."""
    if topic == TASK_ESCALATED or topic == TASK_ASSIGNED:
        return Notice(
            kind=NoticeKind.ESCALATION if topic == TASK_ESCALATED else NoticeKind.TASK_ASSIGNED,
            case_kind=payload.get("case_kind"),
            case_ref=payload.get("case_id"),
            task_kind=payload.get("kind"),
            due_at=_when(payload.get("due_at")),
            link_path=f"/tasks/{payload['task_id']}",
        )
    if topic == CASE_ESCALATED:
        return Notice(
            kind=NoticeKind.BNSP_SILENCE,
            case_kind=payload.get("case_kind"),
            case_ref=payload.get("case_id"),
            due_at=_when(payload.get("raised_at")),
            link_path=f"/enrolments/{payload['case_id']}",
        )
    if topic == PERMIT_REMINDER:
        return Notice(
            kind=_REMINDERS[payload["kind"]],
            case_kind="tka_permit",
            case_ref=payload["application_id"],
            due_at=_when(payload.get("due_at")),
            due_on=_day(payload.get("due_on")),
            link_path=f"/permits/{payload['application_id']}",
        )
    if topic == DAILY_DIGEST:
        lines = tuple(DigestLine.model_validate(line) for line in payload.get("lines", []))
        return Notice(
            kind=NoticeKind.DAILY_DIGEST,
            open_count=int(payload.get("open_count", len(lines))),
            overdue_count=int(payload.get("overdue_count", 0)),
            lines=lines,
            link_path="/inbox",
        )
    raise ValueError(f"no notice is known for outbox topic {topic!r}")
