"""Running journeys must survive new deployments: recorded journey histories, a whole one to
its end and a first run that continued as new, replay on today's code."""

from __future__ import annotations

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from domain.cohort import COHORT_ENROLMENT_SIGNAL
from domain.journey import RECORD_JOURNEY_EVENT, JourneyState, JourneyStatus
from domain.tasks import CLOSE_TASK, ESCALATE_TASK, OPEN_TASK
from tests.histories_support import assert_replays, completed_result
from tests.workflows.record_histories import (
    JOURNEY_COHORT_V5,
    JOURNEY_CONTINUED_V2,
    JOURNEY_REDELIVERY_V6,
    JOURNEY_RELEASED_V4,
    JOURNEYS,
    RecordedJourney,
)
from workflows.enrolment import EnrolmentWorkflow
from workflows.journey import InmateJourneyWorkflow
from workflows.journey_decisions import COHORT_QUEUE_PATCH, COHORT_REDELIVERY_PATCH


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


def _cohort_fixture(
    recorded: RecordedJourney,
) -> tuple[WorkflowHistory, list[str], list[str], list[bytes]]:
    """A cohort fixture's history, its signals' names, its children's types and the data
    of its patch markers."""
    history = WorkflowHistory.from_json(recorded.workflow_id, recorded.path.read_text())
    signals = [
        e.workflow_execution_signaled_event_attributes.signal_name
        for e in history.events
        if e.HasField("workflow_execution_signaled_event_attributes")
    ]
    children = [
        e.start_child_workflow_execution_initiated_event_attributes.workflow_type.name
        for e in history.events
        if e.HasField("start_child_workflow_execution_initiated_event_attributes")
    ]
    patched = [
        e.marker_recorded_event_attributes.details["patch-data"].payloads[0].data
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
        and e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]
    return history, signals, children, patched


async def test_the_cohort_queue_fixture_holds_its_signals_outcomes_and_patch() -> None:
    """JOURNEY_COHORT_V5 is what it claims: four cohort rows signalled (one with the start),
    the patch's marker, one enrolment started and three refused (else its replay would prove
    nothing about the new branch)."""
    _, signals, children, patched = _cohort_fixture(JOURNEY_COHORT_V5)
    assert signals.count(COHORT_ENROLMENT_SIGNAL) == 4, signals
    assert children.count("EnrolmentWorkflow") == 1, children
    assert any(COHORT_QUEUE_PATCH.encode() in data for data in patched), patched


async def test_the_redelivery_fixture_holds_its_copies_one_start_one_refusal_and_patch() -> None:
    """JOURNEY_REDELIVERY_V6 is what it claims: four cohort signals (the start's row, sent
    again, and a second row, sent again), one enrolment started, one refusal recorded (the
    copy of the refused row skipped, not refused again) and the redelivery patch's marker."""
    history, signals, children, patched = _cohort_fixture(JOURNEY_REDELIVERY_V6)
    assert signals.count(COHORT_ENROLMENT_SIGNAL) == 4, signals  # one sent with the start
    assert children.count("EnrolmentWorkflow") == 1, children
    final = await completed_result(history, JourneyState)
    assert len(final.refused_rows) == 1  # the copy was skipped, not refused a second time
    assert any(COHORT_REDELIVERY_PATCH.encode() in data for data in patched), patched
