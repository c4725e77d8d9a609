"""What one case leaves in Temporal: its history's events by type and their stored bytes.

The bytes are the events as the server stores them (protobuf, payloads as encoded by the
client's codec, i.e. encrypted), summed over the history: what a case costs in storage and
what a worker reads back to replay it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import History
from temporalio.client import Client, WorkflowHistory

_PREFIX = "EVENT_TYPE_"
_LOCAL_ACTIVITY_MARKER = "core_local_activity"  # the SDK core's marker name


@dataclass(frozen=True)
class HistoryCount:
    events: int
    stored_bytes: int
    by_type: dict[str, int]
    activities: dict[str, int]  # scheduled (regular) activities by activity type
    local_activities: int  # local-activity markers

    @classmethod
    def of(cls, history: WorkflowHistory) -> HistoryCount:
        by_type: Counter[str] = Counter()
        activities: Counter[str] = Counter()
        markers = 0
        for event in history.events:
            name = EventType.Name(event.event_type).removeprefix(_PREFIX)
            by_type[name] += 1
            if event.HasField("activity_task_scheduled_event_attributes"):
                attributes = event.activity_task_scheduled_event_attributes
                activities[attributes.activity_type.name] += 1
            if event.HasField("marker_recorded_event_attributes"):
                marker = event.marker_recorded_event_attributes.marker_name
                markers += marker == _LOCAL_ACTIVITY_MARKER
        stored = History(events=list(history.events)).ByteSize()
        return cls(
            events=len(history.events),
            stored_bytes=stored,
            by_type=dict(by_type.most_common()),
            activities=dict(activities.most_common()),
            local_activities=markers,
        )

    def describe(self) -> str:
        types = ", ".join(f"{name.lower()} {n}" for name, n in self.by_type.items())
        acts = ", ".join(f"{name} {n}" for name, n in self.activities.items()) or "none"
        return (
            f"{self.events} events, {self.stored_bytes / 1000:.1f} KB stored; by type: {types}; "
            f"activities: {acts}; local activities: {self.local_activities}"
        )


async def count(client: Client, workflow_id: str) -> HistoryCount:
    return HistoryCount.of(await client.get_workflow_handle(workflow_id).fetch_history())
