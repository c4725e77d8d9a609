"""Placement cases run for six months: a recorded one, followed to a job held 3 months,
replays on today's code (the journey's v2 history, which starts it, is in
`test_journey_replay.py`)."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowHistory

from domain.placement import PlacementState, PlacementStatus
from tests.histories_support import assert_replays, completed_result
from tests.workflows.record_placement_histories import PLACEMENTS, RecordedPlacement
from workflows.placement import PlacementWorkflow


@pytest.mark.parametrize("recorded", PLACEMENTS, ids=lambda r: r.file)
async def test_recorded_placement_history_replays_deterministically(
    recorded: RecordedPlacement,
) -> None:
    history = WorkflowHistory.from_json(recorded.workflow_id, recorded.path.read_text())
    final = await completed_result(history, PlacementState)
    assert final.status is PlacementStatus.CLOSED
    assert final.close_reason is recorded.close_reason
    await assert_replays(history, PlacementWorkflow)
