"""Running cases must survive new deployments: recorded histories replay on today's code.

A failure here means the workflow would no longer make the same decisions for a case that
is already running (nondeterminism). Change the workflow behind `workflow.patched(...)`, or
record a new history version as described in `record_histories.py`: never re-record the
existing files to make this pass.
"""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowHistory

from domain.enrolment import EnrolmentState
from tests.histories_support import assert_replays, completed_result
from tests.workflows.record_histories import RECORDED, RecordedHistory
from workflows.enrolment import EnrolmentWorkflow


@pytest.mark.parametrize("recorded", RECORDED, ids=lambda r: r.file)
async def test_recorded_enrolment_history_replays_deterministically(
    recorded: RecordedHistory,
) -> None:
    history = WorkflowHistory.from_json(recorded.workflow_id, recorded.path.read_text())
    # The fixture is what it claims: a whole case that ended with the recorded outcome.
    final = await completed_result(history, EnrolmentState)
    assert final.outcome is recorded.outcome

    await assert_replays(history, EnrolmentWorkflow)
