"""Running cases must survive new deployments: recorded histories replay on today's code.

A failure here means the workflow would no longer make the same decisions for a case that
is already running (nondeterminism). Change the workflow behind `workflow.patched(...)`, or
record a new history version as described in `record_histories.py`: never re-record the
existing files to make this pass.
"""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from domain.enrolment import RECORD_ENROLMENT_EVENT, EnrolmentState, Outcome, Stage
from domain.tasks import CLOSE_TASK, COMPUTE_DUE_DATE, ESCALATE_TASK, OPEN_TASK
from tests.histories_support import assert_replays, completed_result
from tests.workflows.record_histories import (
    CERTIFIED_V4,
    CERTIFIED_V5,
    RECORDED,
    RecordedHistory,
)
from tests.workflows.support import Harness, harness_worker
from workflows import enrolment_case
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


# ---------------------------------------------------------------- local projections (issue 18)

_PROJECTIONS = {RECORD_ENROLMENT_EVENT, OPEN_TASK, CLOSE_TASK, ESCALATE_TASK, COMPUTE_DUE_DATE}


def _scheduled(history: WorkflowHistory) -> list[str]:
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]


def _local(history: WorkflowHistory) -> int:
    return sum(
        e.marker_recorded_event_attributes.marker_name == "core_local_activity"
        for e in history.events
    )


@pytest.mark.parametrize("recorded", [CERTIFIED_V4, CERTIFIED_V5], ids=lambda r: r.file)
async def test_a_local_projection_leaves_one_marker_where_an_activity_left_three_events(
    recorded: RecordedHistory,
) -> None:
    """The same straight path before and after the patch: the v5 fixture really holds local
    projections (it would prove nothing if it still scheduled them), and is the lighter."""
    history = WorkflowHistory.from_json(recorded.workflow_id, recorded.path.read_text())
    projections = [name for name in _scheduled(history) if name in _PROJECTIONS]
    if recorded is CERTIFIED_V4:
        assert projections and _local(history) == 0
        return
    assert projections == [] and _local(history) > 0
    v4 = WorkflowHistory.from_json(CERTIFIED_V4.workflow_id, CERTIFIED_V4.path.read_text())
    # 3 events (scheduled, started, completed) and a workflow task became one marker each.
    assert len(history.events) < len(v4.events) * 0.6, (len(history.events), len(v4.events))


async def test_a_case_started_before_local_projections_keeps_activities_to_its_end(
    time_skipping_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment in the middle of a case: the case started on the code before the patch
    (its projections were activities); the new code replays it (no worker cache: every task
    replays the whole history, as the first one after a deployment does) and carries it on
    with activities, since the patch is decided once per run; the whole history replays."""
    harness = Harness(time_skipping_env, f"enrolment-test-{uuid.uuid4().hex}")
    async with harness_worker(harness, max_cached_workflows=0):
        monkeypatch.setattr(enrolment_case, "LOCAL_PROJECTIONS_PATCH", None)  # the code before
        case = await harness.start()
        await case.approve()
        monkeypatch.undo()  # deployed
        await case.train()
        await case.complete_training()
        await case.at(Stage.ASSESSMENT)
        await case.assess_due()
        final = await case.result()
    assert final.outcome is Outcome.CERTIFIED
    history = await case.handle.fetch_history()
    assert _local(history) == 0
    assert _scheduled(history).count(RECORD_ENROLMENT_EVENT) == len(case.events())
    await assert_replays(history, EnrolmentWorkflow)
