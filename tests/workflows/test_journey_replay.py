"""Running journeys must survive new deployments: recorded journey histories, a whole one to
its end and a first run that continued as new, replay on today's code."""

from __future__ import annotations

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from domain.journey import RECORD_JOURNEY_EVENT, JourneyState, JourneyStatus
from domain.tasks import CLOSE_TASK, ESCALATE_TASK, OPEN_TASK
from tests.histories_support import assert_replays, completed_result
from tests.workflows.record_histories import (
    JOURNEY_CONTINUED_V2,
    JOURNEY_RELEASED_V4,
    JOURNEYS,
    RecordedJourney,
)
from workflows.enrolment import EnrolmentWorkflow
from workflows.journey import InmateJourneyWorkflow


@pytest.mark.parametrize("recorded", JOURNEYS, ids=lambda r: r.file)
async def test_recorded_journey_history_replays_deterministically(
    recorded: RecordedJourney,
) -> None:
    history = WorkflowHistory.from_json(recorded.workflow_id, recorded.path.read_text())
    last = history.events[-1]
    if recorded.continued_as_new:
        assert last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    else:
        final = await completed_result(history, JourneyState)
        assert final.status is JourneyStatus.ENDED

    await assert_replays(history, InmateJourneyWorkflow, EnrolmentWorkflow)


@pytest.mark.parametrize(
    "recorded", [JOURNEY_RELEASED_V4, JOURNEY_CONTINUED_V2], ids=lambda r: r.file
)
async def test_a_journey_on_local_projections_schedules_none_of_them(
    recorded: RecordedJourney,
) -> None:
    """The fixtures of the journey's local-projections patch are what they claim: its event
    and task writes left markers, not activities (else their replay would prove nothing)."""
    history = WorkflowHistory.from_json(recorded.workflow_id, recorded.path.read_text())
    scheduled = {
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    }
    assert scheduled.isdisjoint({RECORD_JOURNEY_EVENT, OPEN_TASK, CLOSE_TASK, ESCALATE_TASK})
    markers = [e.marker_recorded_event_attributes.marker_name for e in history.events]
    assert markers.count("core_local_activity") > 0
