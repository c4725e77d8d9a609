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

from domain.enrolment import (
    RECORD_ENROLMENT_EVENT,
    WRITE_ENROLMENT_STAGE,
    EnrolmentState,
    Outcome,
    Stage,
)
from domain.tasks import CLOSE_TASK, COMPUTE_DUE_DATE, ESCALATE_TASK, OPEN_TASK
from tests.histories_support import (
    assert_replays,
    completed_result,
    local_activity_markers,
    local_activity_types,
    patches,
    scheduled_activities,
)
from tests.workflows.record_histories import (
    CERTIFIED_V4,
    CERTIFIED_V5,
    CERTIFIED_V6,
    DECIDED_FIRST_TASK_V8,
    POISONED_REPAIRED_V7,
    RECORDED,
    RecordedHistory,
)
from tests.workflows.support import Case, Harness, harness_worker
from workflows import enrolment_case
from workflows.case_events import LOCAL_INCIDENT_PATCH
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


@pytest.mark.parametrize("recorded", [CERTIFIED_V4, CERTIFIED_V5], ids=lambda r: r.file)
async def test_a_local_projection_leaves_one_marker_where_an_activity_left_three_events(
    recorded: RecordedHistory,
) -> None:
    """The same straight path before and after the patch: the v5 fixture really holds local
    projections (it would prove nothing if it still scheduled them), and is the lighter."""
    history = WorkflowHistory.from_json(recorded.workflow_id, recorded.path.read_text())
    projections = [name for name in scheduled_activities(history) if name in _PROJECTIONS]
    if recorded is CERTIFIED_V4:
        assert projections and len(local_activity_types(history)) == 0
        return
    assert projections == [] and len(local_activity_types(history)) > 0
    v4 = WorkflowHistory.from_json(CERTIFIED_V4.workflow_id, CERTIFIED_V4.path.read_text())
    # 3 events (scheduled, started, completed) and a workflow task became one marker each.
    assert len(history.events) < len(v4.events) * 0.6, (len(history.events), len(v4.events))


async def _deployed_mid_case(
    env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch, *patches_off: str
) -> tuple[Case, WorkflowHistory]:
    """A straight case started on the code before `patches_off` (turned off), deployed onto
    today's after the placement, certified; its whole history."""
    harness = Harness(env, f"enrolment-test-{uuid.uuid4().hex}")
    async with harness_worker(harness, max_cached_workflows=0):
        for name in patches_off:  # the code before
            monkeypatch.setattr(enrolment_case, name, None)
        case = await harness.start()
        await case.approve()
        monkeypatch.undo()  # deployed
        await case.train()
        await case.complete_training()
        await case.at(Stage.ASSESSMENT)
        await case.assess_due()
        final = await case.result()
    assert final.outcome is Outcome.CERTIFIED
    return case, await case.handle.fetch_history()


async def test_a_case_started_before_local_projections_keeps_activities_to_its_end(
    time_skipping_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment in the middle of a case: the case started on the code before the patch
    (its projections were activities); the new code replays it (no worker cache: every task
    replays the whole history, as the first one after a deployment does) and carries it on
    with activities, since the patch is decided once per run; the whole history replays."""
    case, history = await _deployed_mid_case(
        time_skipping_env, monkeypatch, "LOCAL_PROJECTIONS_PATCH", "STAGE_WRITE_PATCH"
    )
    assert len(local_activity_types(history)) == 0
    assert scheduled_activities(history).count(RECORD_ENROLMENT_EVENT) == len(case.events())
    await assert_replays(history, EnrolmentWorkflow)


# ---------------------------------------------------------------- one write per stage change

_STAGE_WRITE_PATCH = "enrolment-stage-write-v1"


async def test_a_stage_change_is_one_local_activity_where_it_was_up_to_five() -> None:
    """The same straight path before (v5) and after (v6) the stage-write patch: v6 holds the
    new patch's marker only (it implies local projections), writes each stage change and the
    decision that caused it in one local activity, and is the lighter."""
    v5 = WorkflowHistory.from_json(CERTIFIED_V5.workflow_id, CERTIFIED_V5.path.read_text())
    v6 = WorkflowHistory.from_json(CERTIFIED_V6.workflow_id, CERTIFIED_V6.path.read_text())
    assert patches(v5) == [enrolment_case.LOCAL_PROJECTIONS_PATCH]
    assert patches(v6) == [_STAGE_WRITE_PATCH]
    assert _STAGE_WRITE_PATCH == enrolment_case.STAGE_WRITE_PATCH
    assert WRITE_ENROLMENT_STAGE not in local_activity_types(v5)
    v6_types = local_activity_types(v6)
    # Placement review, training, assessment, certification, closed: one write each; only
    # the BNSP submission's event is written on its own (no stage change follows it).
    assert v6_types.count(WRITE_ENROLMENT_STAGE) == 5, v6_types
    assert set(v6_types) - {WRITE_ENROLMENT_STAGE} <= {RECORD_ENROLMENT_EVENT}
    assert not set(v6_types) & {OPEN_TASK, CLOSE_TASK, COMPUTE_DUE_DATE}
    assert len(local_activity_types(v5)) - len(v6_types) >= 12, (local_activity_types(v5), v6_types)
    assert len(v6.events) < len(v5.events)


async def test_a_case_started_before_the_stage_write_keeps_its_writes_apart_to_its_end(
    time_skipping_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment in the middle of a case that projects locally (v5): the new code replays
    it (no worker cache) and carries it on with one write per change, as it began; the
    tasks and events are all written; the whole history replays."""
    case, history = await _deployed_mid_case(time_skipping_env, monkeypatch, "STAGE_WRITE_PATCH")
    assert patches(history) == [enrolment_case.LOCAL_PROJECTIONS_PATCH]
    types = local_activity_types(history)
    assert WRITE_ENROLMENT_STAGE not in types
    assert types.count(RECORD_ENROLMENT_EVENT) == len(case.events())
    assert types.count(OPEN_TASK) == types.count(CLOSE_TASK) == 3
    await assert_replays(history, EnrolmentWorkflow)


# ---------------------------------------------------------------- a local write refused


async def test_a_refused_local_write_went_on_as_an_activity_and_replays() -> None:
    """The v7 fixture is what it claims: the placement's stage write failed once as a local
    activity (Postgres refused its NUL), the incident patch's marker follows, the same write
    was scheduled as a regular activity (retried until repaired), and the case went on to
    its certificate; it replays on today's code. (A case that meets no poison records no
    marker of the patch: test_enrolment_incidents.py.)"""
    history = WorkflowHistory.from_json(
        POISONED_REPAIRED_V7.workflow_id, POISONED_REPAIRED_V7.path.read_text()
    )
    assert LOCAL_INCIDENT_PATCH == "local-projection-incident-v1"
    assert patches(history) == [enrolment_case.STAGE_WRITE_PATCH, LOCAL_INCIDENT_PATCH]
    markers = local_activity_markers(history)
    assert [m for m in markers if m[1]] == [(WRITE_ENROLMENT_STAGE, True)]
    assert scheduled_activities(history).count(WRITE_ENROLMENT_STAGE) == 1
    assert (await completed_result(history, EnrolmentState)).outcome is Outcome.CERTIFIED
    await assert_replays(history, EnrolmentWorkflow)


# ---------------------------------------------------------------- a decision in the first task


async def test_a_decision_in_the_first_task_waited_for_the_first_wait_and_replays() -> None:
    """The v8 fixture is what it claims: the placement decision came with the start, the
    patch's marker was recorded where the decision waited, the flow's first stage write
    came first; the case went on to its certificate; it replays on today's code. A case whose
    decisions come later (v6) records no marker of the patch."""
    history = WorkflowHistory.from_json(
        DECIDED_FIRST_TASK_V8.workflow_id, DECIDED_FIRST_TASK_V8.path.read_text()
    )
    patch = enrolment_case.DECISION_AFTER_FIRST_WAIT_PATCH
    assert patch == "enrolment-decision-after-first-wait-v1"
    assert patches(history) == [patch, enrolment_case.STAGE_WRITE_PATCH]
    assert (await completed_result(history, EnrolmentState)).outcome is Outcome.CERTIFIED
    await assert_replays(history, EnrolmentWorkflow)
    later = WorkflowHistory.from_json(CERTIFIED_V6.workflow_id, CERTIFIED_V6.path.read_text())
    assert patch not in patches(later)
