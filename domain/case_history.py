"""A case's Temporal event history, read for auditors: a timeline a person can follow, and
the human decisions it holds (for the check against the audit trail, domain/decision_check.py).

It reads history events already fetched (api/case_history.py fetches every run of the
case's workflow chain), decoding payloads with the caller's data converter (they are stored
encrypted). Workflow
tasks, activity starts and markers are the engine's bookkeeping and left out (a local
activity's marker is read as the activity it stands for: its type, and what it did as it
answered); everything a
case did is in: its start, every Update accepted and how it ended (the decision's name, who
made it in which role, and why, read from the Update's input), signals, what each activity
did, timers, child workflows, search attribute changes, continue-as-new and the close.
Rejected Updates never reach history (their validator refused them), so they are not here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

from domain.enrolment import RECORD_ENROLMENT_EVENT
from domain.journey import RECORD_JOURNEY_EVENT
from domain.permit import RECORD_PERMIT_EVENT
from domain.tasks import CLOSE_TASK, ESCALATE_TASK, OPEN_TASK

# Decodes one event's payloads with the client's data converter: decrypted by its codec
# (config/payload_encryption.py), then read as JSON.
Decode = Callable[[Payloads], Awaitable[list[Any]]]

# Where a human input names its author: HumanInput's `actor`, an enrolment request's
# `requested_by`, a permit application's `submitted_by` (one level down in PermitRun).
ACTOR_FIELDS = ("actor", "requested_by", "submitted_by")
# The SDK's marker of a local activity: its type in the marker's "data", its answer in "result".
LOCAL_ACTIVITY_MARKER = "core_local_activity"
PROJECTIONS = frozenset({RECORD_ENROLMENT_EVENT, RECORD_JOURNEY_EVENT, RECORD_PERMIT_EVENT})


class TimelineEntry(BaseModel):
    """One meaningful event: when, who (for human inputs), what, which decision, why."""

    run_id: str
    event_id: int
    at: datetime
    event: str  # e.g. "update_accepted", "activity_completed", "timer_fired"
    name: str | None = None  # the update, signal, activity, workflow type or timer
    update_id: str | None = None
    actor_subject: str | None = None
    actor_role: str | None = None
    decision: str | None = None
    reason: str | None = None
    detail: str | None = None  # what it did, in a few words (ids and kinds, no personal data)


class HumanInput(BaseModel):
    """Who sent an input, which decision, and why, as read from its payload."""

    actor_subject: str
    actor_role: str | None
    decision: str
    reason: str | None


def event_time(event: HistoryEvent) -> datetime:
    return event.event_time.ToDatetime(tzinfo=UTC)


def human_input(name: str, value: Any) -> HumanInput | None:
    """The author of an input that carries one (None for a system's input). The decision is
    the input's own `decision` field when it has one, else the name of what was sent."""
    if not isinstance(value, dict):
        return None
    author = _author(value)
    if author is None:
        return None
    decision = value.get("decision")
    reason = value.get("reason") or value.get("note")
    return HumanInput(
        actor_subject=str(author["subject"]),
        actor_role=str(author["role"]) if author.get("role") is not None else None,
        decision=decision if isinstance(decision, str) else name,
        reason=str(reason) if reason is not None else None,
    )


def _author(value: dict[str, Any]) -> dict[str, Any] | None:
    for candidate in (value, *(v for v in value.values() if isinstance(v, dict))):
        for field in ACTOR_FIELDS:
            author = candidate.get(field)
            if isinstance(author, dict) and author.get("subject"):
                return author
    return None


async def _first(decode: Decode, payloads: Payloads) -> Any:
    values = await decode(payloads) if payloads.payloads else []
    return values[0] if values else None


def what_it_did(name: str, argument: BaseModel) -> str | None:
    """What a bookkeeping activity did, as it answers (a local activity's answer is what its
    marker in history keeps; its input is not kept there)."""
    return _activity_detail(name, argument.model_dump(mode="json"))


def _activity_detail(name: str, value: Any) -> str | None:
    """What a bookkeeping activity did, from its input: ids and kinds only (a projection of
    a submission carries the passport: it is never copied here)."""
    if not isinstance(value, dict):
        return None
    if name in PROJECTIONS:
        stage = (value.get("summary") or {}).get("stage") or (value.get("summary") or {}).get(
            "status"
        )
        at_stage = f" at stage {stage}" if stage else ""
        return f"recorded event #{value.get('seq')} '{value.get('kind')}'{at_stage}"
    if name == OPEN_TASK:
        due = f", due {value['due_at']}" if value.get("due_at") else ""
        task = f"task {value.get('task_id')} ({value.get('kind')})"
        return f"opened {task} for {value.get('required_role')}{due}"
    if name == CLOSE_TASK:
        decision = f": {value['decision']}" if value.get("decision") else ""
        return f"closed task {value.get('task_id')} as {value.get('state')}{decision}"
    if name == ESCALATE_TASK:
        return f"escalated task {value.get('task_id')} to {value.get('routed_to')}"
    return None


async def timeline(history: WorkflowHistory, decode: Decode) -> list[TimelineEntry]:
    """The meaningful events of one run, in history order."""
    run_id = history.run_id
    scheduled: dict[int, tuple[str, Any]] = {}  # activity: scheduled event id -> (name, input)
    updates: dict[str, tuple[str, HumanInput | None]] = {}  # update id -> (name, input)
    entries: list[TimelineEntry] = []

    def add(event: HistoryEvent, kind: str, **fields: Any) -> None:
        entries.append(
            TimelineEntry(
                run_id=run_id, event_id=event.event_id, at=event_time(event), event=kind, **fields
            )
        )

    def with_input(event: HistoryEvent, kind: str, name: str, value: Any, **fields: Any) -> None:
        who = human_input(name, value)
        add(
            event, kind, name=name,
            actor_subject=who.actor_subject if who else None,
            actor_role=who.actor_role if who else None,
            decision=who.decision if who else None,
            reason=who.reason if who else None, **fields,
        )  # fmt: skip

    for event in history.events:
        t = event.event_type
        if t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            started = event.workflow_execution_started_event_attributes
            continued = started.continued_execution_run_id
            who = human_input("start", await _first(decode, started.input))
            add(
                event, "workflow_started", name=started.workflow_type.name,
                actor_subject=who.actor_subject if who else None,
                actor_role=who.actor_role if who else None,
                reason=who.reason if who else None,
                detail=f"continues run {continued}" if continued else None,
            )  # fmt: skip
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            name = request.input.name
            value = await _first(decode, request.input.args)
            update_id = request.meta.update_id
            updates[update_id] = (name, human_input(name, value))
            with_input(event, "update_accepted", name, value, update_id=update_id)
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
            c = event.workflow_execution_update_completed_event_attributes
            name, who = updates.get(c.meta.update_id, ("?", None))
            failed = c.outcome.HasField("failure")
            add(
                event, "update_failed" if failed else "update_completed", name=name,
                update_id=c.meta.update_id,
                actor_subject=who.actor_subject if who else None,
                actor_role=who.actor_role if who else None,
                decision=who.decision if who else None,
                detail=c.outcome.failure.message if failed else None,
            )  # fmt: skip
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            signal = event.workflow_execution_signaled_event_attributes
            with_input(event, "signal", signal.signal_name, await _first(decode, signal.input))
        elif t == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            activity = event.activity_task_scheduled_event_attributes
            scheduled[event.event_id] = (
                activity.activity_type.name,
                await _first(decode, activity.input),
            )
        elif t == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            name, value = scheduled.get(
                event.activity_task_completed_event_attributes.scheduled_event_id, ("?", None)
            )
            add(event, "activity_completed", name=name, detail=_activity_detail(name, value))
        elif t in _ACTIVITY_ENDS:
            attributes = getattr(event, _ACTIVITY_ENDS[t])
            name, _ = scheduled.get(attributes.scheduled_event_id, ("?", None))
            failure = attributes.failure.message if attributes.HasField("failure") else None
            add(event, _event_name(t), name=name, detail=failure)
        elif t == EventType.EVENT_TYPE_MARKER_RECORDED:
            marker = event.marker_recorded_event_attributes
            if marker.marker_name == LOCAL_ACTIVITY_MARKER:
                details = marker.details
                meta = await _first(decode, details["data"]) if "data" in details else None
                did = await _first(decode, details["result"]) if "result" in details else None
                kind = meta.get("activity_type") if isinstance(meta, dict) else None
                if isinstance(did, dict):  # a combined write's answer (domain.enrolment)
                    did = did.get("did")
                detail = did if isinstance(did, str) else None
                add(event, "activity_completed", name=kind, detail=detail)
        elif t == EventType.EVENT_TYPE_TIMER_STARTED:
            timer = event.timer_started_event_attributes
            after = timer.start_to_fire_timeout.ToTimedelta()
            add(event, "timer_started", name=timer.timer_id, detail=f"fires after {after}")
        elif t == EventType.EVENT_TYPE_TIMER_FIRED:
            add(event, "timer_fired", name=event.timer_fired_event_attributes.timer_id)
        elif t == EventType.EVENT_TYPE_TIMER_CANCELED:
            add(event, "timer_canceled", name=event.timer_canceled_event_attributes.timer_id)
        elif t == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            fields = event.upsert_workflow_search_attributes_event_attributes
            values = {
                key: (await decode(Payloads(payloads=[payload])))[0]
                for key, payload in sorted(fields.search_attributes.indexed_fields.items())
            }
            detail = ", ".join(f"{k}={v}" for k, v in values.items())
            add(event, "search_attributes", detail=detail)  # never PII (domain/search.py)
        elif t == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            child = event.start_child_workflow_execution_initiated_event_attributes
            add(event, "child_workflow_initiated", name=child.workflow_type.name,
                detail=f"workflow {child.workflow_id}")  # fmt: skip
        elif t == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
            started_child = event.child_workflow_execution_started_event_attributes
            add(event, "child_workflow_started", name=started_child.workflow_type.name,
                detail=f"workflow {started_child.workflow_execution.workflow_id}")  # fmt: skip
        elif t == EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
            sent = event.signal_external_workflow_execution_initiated_event_attributes
            add(event, "signal_sent", name=sent.signal_name,
                detail=f"to workflow {sent.workflow_execution.workflow_id}")  # fmt: skip
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            new = event.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
            add(event, "continued_as_new", detail=f"continues as run {new}")
        elif t in _CLOSES:
            add(event, _event_name(t))
    return entries


def _event_name(event_type: EventType.ValueType) -> str:
    """EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT -> activity_timed_out, and so on."""
    name = EventType.Name(event_type).removeprefix("EVENT_TYPE_").lower()
    return name.replace("activity_task_", "activity_").replace("workflow_execution_", "workflow_")


_ACTIVITY_ENDS = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity_task_failed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity_task_timed_out_event_attributes",
}
_CLOSES = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    }
)


def ending(event: HistoryEvent) -> str | None:
    """How a run ended, if `event` (its last) closed it: continued_as_new, workflow_completed..."""
    if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        return "continued_as_new"
    return _event_name(event.event_type) if event.event_type in _CLOSES else None


async def chain_timeline(
    histories: Sequence[WorkflowHistory], decode: Decode
) -> list[TimelineEntry]:
    return [entry for history in histories for entry in await timeline(history, decode)]
