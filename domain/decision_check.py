"""Every decision in a case's Temporal history is in its audit trail, and every decision in
the trail is in the history.

A decision in history is an Update accepted and completed (not failed) whose input carries an
actor; an Update answered as a redelivery (`duplicate: true`) changed nothing and is not one.
A decision in the trail is a row of the case's events with a `decision` and an actor (the
inbox's `task_*` lines, which mirror them, are not decisions). They match when the actor
(subject and role) is the same and the row's time lies in the Update's window: the row is
written by the Update's handler, whose `workflow.now()` is the start of a workflow task
between the one that accepted the Update and the one that completed it. A history decision is
matched by any trail row of that actor in its window (attendance and module records carry an
actor but no decision name); where both name the decision (the input's own `decision` field,
and the row's), the names must agree.

Histories already fetched, payloads decoded by the caller's converter, trail rows read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from domain.case_history import Decode, event_time, human_input

# The kinds of the inbox's lines in a case's trail (db/tasks.py): task_opened, task_claimed...
TASK_LINE = "task_"


class TrailDecision(BaseModel):
    """A row of the audit trail, as far as the check reads it."""

    seq: int
    kind: str
    at: datetime
    actor_subject: str | None
    actor_role: str | None
    decision: str | None
    reason: str | None


class HistoryDecision(BaseModel):
    run_id: str
    update_id: str
    update: str  # the Update's name
    accepted_event_id: int
    accepted_at: datetime  # the workflow time of the task that accepted it
    completed_at: datetime  # ... and of the task that completed it
    actor_subject: str
    actor_role: str | None
    decision: str | None  # the input's own `decision` field, if it has one
    reason: str | None


class DecisionDiffers(BaseModel):
    history: HistoryDecision
    trail: TrailDecision


class ConsistencyReport(BaseModel):
    consistent: bool
    history_decisions: int
    trail_decisions: int  # rows with a decision and an actor
    matched: int
    in_history_not_in_trail: list[HistoryDecision]
    in_trail_not_in_history: list[TrailDecision]
    decision_differs: list[DecisionDiffers]


async def history_decisions(
    histories: Sequence[WorkflowHistory], decode: Decode
) -> list[HistoryDecision]:
    found: list[HistoryDecision] = []
    for history in histories:
        workflow_time: datetime | None = None
        accepted: dict[str, tuple[int, datetime, str, Any]] = {}
        for event in history.events:
            t = event.event_type
            if t == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                workflow_time = event_time(event)
            elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
                request = event.workflow_execution_update_accepted_event_attributes.accepted_request
                args = await decode(request.input.args) if request.input.args.payloads else []
                assert workflow_time is not None  # an update is accepted by a workflow task
                accepted[request.meta.update_id] = (
                    event.event_id,
                    workflow_time,
                    request.input.name,
                    args[0] if args else None,
                )
            elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
                completed = event.workflow_execution_update_completed_event_attributes
                update_id = completed.meta.update_id
                if update_id not in accepted or completed.outcome.HasField("failure"):
                    continue
                event_id, accepted_at, name, value = accepted[update_id]
                who = human_input(name, value)
                if who is None or await _redelivery(decode, completed.outcome.success):
                    continue
                assert workflow_time is not None
                explicit = value.get("decision") if isinstance(value, dict) else None
                found.append(
                    HistoryDecision(
                        run_id=history.run_id, update_id=update_id, update=name,
                        accepted_event_id=event_id, accepted_at=accepted_at,
                        completed_at=workflow_time, actor_subject=who.actor_subject,
                        actor_role=who.actor_role,
                        decision=explicit if isinstance(explicit, str) else None,
                        reason=who.reason,
                    )
                )  # fmt: skip
    return found


async def _redelivery(decode: Decode, result: Any) -> bool:
    values = await decode(result) if result.payloads else []
    return bool(values) and isinstance(values[0], dict) and values[0].get("duplicate") is True


def compare(
    history: Sequence[HistoryDecision], trail: Sequence[TrailDecision]
) -> ConsistencyReport:
    # The inbox's own lines (task opened, claimed, decided...) mirror the case's events: the
    # decision itself is the case's event row, so only those answer for an Update.
    unmatched = [
        row for row in trail
        if row.actor_subject is not None and not row.kind.startswith(TASK_LINE)
    ]  # fmt: skip
    missing: list[HistoryDecision] = []
    differs: list[DecisionDiffers] = []
    for decision in history:
        candidates = [r for r in unmatched if _same_act(decision, r)]
        same_name = [r for r in candidates if r.decision == decision.decision]
        row = next(iter(same_name or candidates), None)
        if row is None:
            missing.append(decision)
            continue
        unmatched.remove(row)
        if decision.decision is not None and row.decision not in (None, decision.decision):
            differs.append(DecisionDiffers(history=decision, trail=row))
    unexplained = [row for row in unmatched if row.decision is not None]
    trail_decisions = sum(
        1 for r in trail
        if r.decision is not None and r.actor_subject and not r.kind.startswith(TASK_LINE)
    )  # fmt: skip
    return ConsistencyReport(
        consistent=not (missing or unexplained or differs),
        history_decisions=len(history),
        trail_decisions=trail_decisions,
        matched=len(history) - len(missing),
        in_history_not_in_trail=missing,
        in_trail_not_in_history=unexplained,
        decision_differs=differs,
    )


# A history time is read from nanoseconds by truncating, a handler's `workflow.now()` is
# rounded to the microsecond: the same instant may read 1 µs apart (seen once a decision's row
# is written in the very task that accepted and completed it, a local projection).
_ROUNDING = timedelta(microseconds=1)


def _same_act(decision: HistoryDecision, row: TrailDecision) -> bool:
    return (
        row.actor_subject == decision.actor_subject
        and row.actor_role == decision.actor_role
        and decision.accepted_at - _ROUNDING <= row.at <= decision.completed_at + _ROUNDING
    )
