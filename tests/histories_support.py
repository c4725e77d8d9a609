"""Recorded workflow histories, for every process: where the files live, how one is written
once, and how a replay test reads one and replays it on today's code.

The files in `tests/histories/` are fixtures recorded by earlier code: never rewritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.worker import Replayer

from tests.temporal_support import CONVERTER

HISTORIES = Path(__file__).resolve().parent / "histories"

R = TypeVar("R")


@dataclass(frozen=True)
class RecordedFile:
    """One history file in `tests/histories/`; each process adds the ids it was recorded with."""

    file: str

    @property
    def path(self) -> Path:
        return HISTORIES / self.file


async def write_history(path: Path, handle: WorkflowHandle[Any, Any]) -> None:
    """Record the workflow's history as `path` (the recording scripts check it is new)."""
    _save(path, (await handle.fetch_history()).to_json())


def _save(path: Path, history_json: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(history_json + "\n")
    print(f"recorded {path}")


async def completed_result(history: WorkflowHistory, result_type: type[R]) -> R:
    """The result a recorded history ended with; it must have ended completed."""
    last = history.events[-1]
    assert last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    [payload] = last.workflow_execution_completed_event_attributes.result.payloads
    [final] = await CONVERTER.decode([payload], [result_type])
    assert isinstance(final, result_type)
    return final


async def assert_replays(history: WorkflowHistory, *workflows: type) -> None:
    """Today's code makes the same decisions the recorded history holds (no nondeterminism)."""
    replayer = Replayer(workflows=list(workflows), data_converter=CONVERTER)
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None


# ---------------------------------------------------------------- what a history holds


def scheduled_activities(history: WorkflowHistory) -> list[str]:
    """The regular activities the history scheduled, by type, in order."""
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]


def patches(history: WorkflowHistory) -> list[str]:
    """The patches the history recorded a marker of, in order."""
    return [
        json.loads(e.marker_recorded_event_attributes.details["patch-data"].payloads[0].data)["id"]
        for e in history.events
        if e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]


def local_activity_markers(history: WorkflowHistory) -> list[tuple[str, bool]]:
    """The local activities the history recorded, by type, each with whether it failed."""
    return [
        (
            json.loads(e.marker_recorded_event_attributes.details["data"].payloads[0].data)[
                "activity_type"
            ],
            e.marker_recorded_event_attributes.HasField("failure"),
        )
        for e in history.events
        if e.marker_recorded_event_attributes.marker_name == "core_local_activity"
    ]


def local_activity_types(history: WorkflowHistory) -> list[str]:
    """The local activities the history recorded, by type, in order."""
    return [kind for kind, _ in local_activity_markers(history)]
