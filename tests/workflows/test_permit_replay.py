"""Running permits must survive new deployments: recorded histories replay on today's code.

A failure means the workflow would no longer make the same decisions for an application
already running (nondeterminism). Change the workflow behind `workflow.patched(...)`, or
record a new version as `record_histories.py` says; never re-record the existing files.
"""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowHistory

from domain.permit import PermitState
from tests.histories_support import assert_replays, completed_result
from tests.workflows.record_permit_histories import RECORDED, RecordedHistory
from workflows.permit import PermitWorkflow


@pytest.mark.parametrize("recorded", RECORDED, ids=lambda r: r.file)
async def test_recorded_permit_history_replays_deterministically(
    recorded: RecordedHistory,
) -> None:
    history = WorkflowHistory.from_json(recorded.workflow_id, recorded.path.read_text())
    final = await completed_result(history, PermitState)
    assert final.outcome is recorded.outcome

    await assert_replays(history, PermitWorkflow)
