"""Running cases must survive new deployments: recorded histories replay on today's code.

A failure here means the workflow would no longer make the same decisions for a case that
is already running (nondeterminism). Change the workflow behind `workflow.patched(...)`, or
record a new history version as described in `record_histories.py`: never re-record the
existing files to make this pass.
"""

from __future__ import annotations

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from domain.enrolment import EnrolmentState
from tests.workflows.record_histories import RECORDED, RecordedHistory
from workflows.enrolment import EnrolmentWorkflow


@pytest.mark.parametrize("recorded", RECORDED, ids=lambda r: r.file)
async def test_recorded_enrolment_history_replays_deterministically(
    recorded: RecordedHistory,
) -> None:
    history = WorkflowHistory.from_json(recorded.workflow_id, recorded.path.read_text())
    # The fixture is what it claims: a whole case that ended with the recorded outcome.
    last = history.events[-1]
    assert last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    [payload] = last.workflow_execution_completed_event_attributes.result.payloads
    [final] = await pydantic_data_converter.decode([payload], [EnrolmentState])
    assert isinstance(final, EnrolmentState)
    assert final.outcome is recorded.outcome

    replayer = Replayer(workflows=[EnrolmentWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history)

    assert result.replay_failure is None
