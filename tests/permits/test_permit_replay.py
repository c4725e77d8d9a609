"""Running permits must survive new deployments: recorded histories replay on today's code.

A failure means the workflow would no longer make the same decisions for an application
already running (nondeterminism). Change the workflow behind `workflow.patched(...)`, or
record a new version as `record_histories.py` says; never re-record the existing files.
"""

from __future__ import annotations

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from domain.permit import PermitState
from tests.permits.record_histories import RECORDED, RecordedHistory
from workflows.permit import PermitWorkflow


@pytest.mark.parametrize("recorded", RECORDED, ids=lambda r: r.file)
async def test_recorded_permit_history_replays_deterministically(
    recorded: RecordedHistory,
) -> None:
    history = WorkflowHistory.from_json(recorded.workflow_id, recorded.path.read_text())
    last = history.events[-1]
    assert last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    [payload] = last.workflow_execution_completed_event_attributes.result.payloads
    [final] = await pydantic_data_converter.decode([payload], [PermitState])
    assert isinstance(final, PermitState)
    assert final.outcome is recorded.outcome

    replayer = Replayer(workflows=[PermitWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history)

    assert result.replay_failure is None
