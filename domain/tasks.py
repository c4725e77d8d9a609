"""Reviewer work: the inbox task that exists whenever a workflow waits on a person.

A task is opened by the workflow (through an activity) when it starts waiting, and closed by
it when it stops waiting: decided, cancelled (the case moved on or closed), so the inbox
never shows work that can no longer be done. People claim, unclaim, reassign and decide it
through the API; deciding sends the workflow's Update.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.identity import Actor, Role, Scope

# Activity names: workflows call them by name and never import the I/O code.
OPEN_TASK = "open_task"
CLOSE_TASK = "close_task"
ESCALATE_TASK = "escalate_task"
COMPUTE_DUE_DATE = "compute_due_date"


class TaskState(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    ESCALATED = "escalated"  # overdue: flagged and routed to the supervisor of the scope
    DECIDED = "decided"
    CANCELLED = "cancelled"


OPEN_STATES = frozenset({TaskState.OPEN, TaskState.CLAIMED, TaskState.ESCALATED})


class TaskOpening(BaseModel):
    """What the workflow knows when it starts waiting on a person."""

    model_config = ConfigDict(frozen=True)

    task_id: str = Field(min_length=1)  # deterministic: "{case_id}:{seq}"
    case_kind: str  # "enrolment", later "tka_permit", "handover"
    case_id: str
    workflow_id: str
    kind: str  # what is awaited: "placement_review", "assessment", ...
    stage: str
    required_role: Role
    scope: Scope
    opened_at: datetime
    due_at: datetime | None = None
    # The case's event seq this follows (the audit trail's reading order); None from a
    # workflow that predates it (the trail then places it after the chain's latest event).
    follows_event: int | None = None


class TaskClosing(BaseModel):
    """The workflow stopped waiting: decided (with who and why) or cancelled."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    state: TaskState  # DECIDED or CANCELLED
    closed_at: datetime
    decision: str | None = None
    actor: Actor | None = None
    reason: str | None = None
    follows_event: int | None = None  # as TaskOpening's


class TaskEscalation(BaseModel):
    """An overdue task: flagged, routed to the supervisor of the same scope, notified."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    escalated_at: datetime
    routed_to: Role
    message: str
    follows_event: int | None = None  # as TaskOpening's


class DueDateRequest(BaseModel):
    """A due date `working_days` Indonesian working days after `start` (Jakarta dates)."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    working_days: int = Field(ge=0)


class DueDate(BaseModel):
    model_config = ConfigDict(frozen=True)

    due_at: datetime
