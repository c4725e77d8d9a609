"""Running journeys must survive new deployments: recorded journey histories, a whole one to
its end and a first run that continued as new, replay on today's code."""

from __future__ import annotations

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from domain.journey import JourneyState, JourneyStatus
from tests.histories_support import assert_replays, completed_result
from tests.workflows.record_histories import JOURNEYS, RecordedJourney
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
