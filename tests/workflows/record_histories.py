"""Record the enrolment histories the replay tests read, as fixture files in tests/histories.

    .venv/bin/python -m tests.workflows.record_histories

The test suite never runs this: a replay test is only worth something when it replays a
history recorded by *earlier* code. Record once per workflow version and keep the files; an
existing file is never overwritten. When the workflow changes on purpose, record the new
behaviour under a new version (`..._v2.json`) next to the old one, and keep the old one
replaying for as long as cases started on it may still be running.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from domain.clock import local_date
from domain.custody import HoldChoice, HoldReviewInput, ReleaseKind
from domain.enrolment import AppealOutcome, Outcome, Stage, enrolment_workflow_id
from domain.identity import Actor, Role, Scope
from domain.journey import HandoverReceiver, JourneyStatus
from domain.policy import JourneyPolicy
from tests.conftest import start_time_skipping_server
from tests.histories_support import RecordedFile, write_history
from tests.workflows.journey_support import (
    JourneyCase,
    acknowledgement,
    cohort_row,
    release,
    sanction,
    transfer,
)
from tests.workflows.support import (
    NO_PROGRAMME_UPT,
    OTHER_UPT,
    UNITS,
    UPT,
    Case,
    Harness,
    appeal_decision,
    attendance,
    enrolment_request,
    placement,
    running_harness,
)
from workflows import journey_case
from workflows.enrolment import EnrolmentWorkflow
from workflows.journey import InmateJourneyWorkflow


@dataclass(frozen=True)
class RecordedHistory(RecordedFile):
    enrolment_id: str
    outcome: Outcome

    @property
    def workflow_id(self) -> str:
        return enrolment_workflow_id(self.enrolment_id)


CERTIFIED_V1 = RecordedHistory(
    "enrolment_certified_v1.json", "history-certified-v1", Outcome.CERTIFIED
)
APPEAL_REASSESS_V1 = RecordedHistory(
    "enrolment_appeal_reassess_v1.json", "history-appeal-reassess-v1", Outcome.CERTIFIED
)
# v2: every wait on a person opens an inbox task (patch "inbox-tasks-v1").
CERTIFIED_V2 = RecordedHistory(
    "enrolment_certified_v2_tasks.json", "history-certified-v2", Outcome.CERTIFIED
)
ESCALATED_V2 = RecordedHistory(
    "enrolment_escalated_v2_tasks.json", "history-escalated-v2", Outcome.CERTIFIED
)
# v3: custody notices from the inmate's journey (patch "custody-events-v1"): a transfer to a
# UPT without the programme (suspended, resumed), a dated sanction, then release.
RELEASED_V3 = RecordedHistory(
    "enrolment_released_v3_custody.json", "history-released-v3", Outcome.UNFINISHED_AT_RELEASE
)
# v4: no change of behaviour; recorded after the workflows came to hold their case and its
# plumbing (`workflows/case_events.py`) instead of inheriting them, as proof that the same
# commands come out: the v3 custody scenario and a straight certificate.
RELEASED_V4 = RecordedHistory(
    "enrolment_released_v4_held_case.json", "history-released-v4", Outcome.UNFINISHED_AT_RELEASE
)
CERTIFIED_V4 = RecordedHistory(
    "enrolment_certified_v4_held_case.json", "history-certified-v4", Outcome.CERTIFIED
)
# v5: the case's projections and inbox-task writes run as local activities (patch
# "enrolment-local-projections-v1", issue 18): a straight certificate, an overdue placement
# (the task's escalation), an appeal that orders a reassessment, and the custody scenario.
CERTIFIED_V5 = RecordedHistory(
    "enrolment_certified_v5_local.json", "history-certified-v5", Outcome.CERTIFIED
)
ESCALATED_V5 = RecordedHistory(
    "enrolment_escalated_v5_local.json", "history-escalated-v5", Outcome.CERTIFIED
)
APPEAL_REASSESS_V5 = RecordedHistory(
    "enrolment_appeal_reassess_v5_local.json", "history-appeal-reassess-v5", Outcome.CERTIFIED
)
RELEASED_V5 = RecordedHistory(
    "enrolment_released_v5_local.json", "history-released-v5", Outcome.UNFINISHED_AT_RELEASE
)
# RELEASED_V5's scenario again, under a journey that projects locally (JOURNEY_RELEASED_V4).
RELEASED_V5_JOURNEY = RecordedHistory(
    "enrolment_released_v5_local_journey.json",
    "history-released-v5-journey",
    Outcome.UNFINISHED_AT_RELEASE,
)
# v6: one local activity per stage change (patch "enrolment-stage-write-v1", issue 18): the
# ended wait's task closed, the decision that ended it, the change and the next task (with its
# due date) written together; the request with the first change, the certificate with the
# close. A straight certificate, an appeal that orders a reassessment, an overdue placement.
CERTIFIED_V6 = RecordedHistory(
    "enrolment_certified_v6_stage_write.json", "history-certified-v6", Outcome.CERTIFIED
)
APPEAL_REASSESS_V6 = RecordedHistory(
    "enrolment_appeal_reassess_v6_stage_write.json",
    "history-appeal-reassess-v6",
    Outcome.CERTIFIED,
)
ESCALATED_V6 = RecordedHistory(
    "enrolment_escalated_v6_stage_write.json", "history-escalated-v6", Outcome.CERTIFIED
)
# v7: a local write Postgres refuses goes on as a regular activity (patch
# "local-projection-incident-v1"): the placement decided with a NUL in its reason (past the
# API's text rule), its stage write refused once locally, then as an activity until the
# case is repaired; then straight to the certificate. No other case records the patch.
POISONED_REPAIRED_V7 = RecordedHistory(
    "enrolment_poisoned_repaired_v7_local_incident.json",
    "history-poisoned-repaired-v7",
    Outcome.CERTIFIED,
)
# v8: a decision that reaches the case in its first workflow task waits for the flow's first
# wait on a person (patch "enrolment-decision-after-first-wait-v1"): the placement approved
# with the start (update with start, the shape of a retried first task), then training, every
# unit K, certificate at the first lookup. A decision sent later records no marker of it.
DECIDED_FIRST_TASK_V8 = RecordedHistory(
    "enrolment_decided_first_task_v8.json", "history-decided-first-task-v8", Outcome.CERTIFIED
)
RECORDED = (
    CERTIFIED_V1,
    APPEAL_REASSESS_V1,
    CERTIFIED_V2,
    ESCALATED_V2,
    RELEASED_V3,
    RELEASED_V4,
    CERTIFIED_V4,
    CERTIFIED_V5,
    ESCALATED_V5,
    APPEAL_REASSESS_V5,
    RELEASED_V5,
    RELEASED_V5_JOURNEY,
    CERTIFIED_V6,
    APPEAL_REASSESS_V6,
    ESCALATED_V6,
    POISONED_REPAIRED_V7,
    DECIDED_FIRST_TASK_V8,
)


@dataclass(frozen=True)
class RecordedJourney(RecordedFile):
    """A journey history: one run, ending completed or continued as new."""

    workflow_id: str
    continued_as_new: bool


# The journey of RELEASED_V3's enrolment, to its end after both handovers were acknowledged.
JOURNEY_RELEASED_V1 = RecordedJourney(
    "journey_released_v1.json", "journey-history-released-v1", continued_as_new=False
)
# The first run of a journey that continued as new after many custody events.
JOURNEY_CONTINUED_V1 = RecordedJourney(
    "journey_continued_v1.json", "journey-history-continued-v1", continued_as_new=True
)
# RELEASED_V4's journey (see RELEASED_V4).
JOURNEY_RELEASED_V2 = RecordedJourney(
    "journey_released_v2_held_case.json", "journey-history-released-v2", continued_as_new=False
)
# v2: job placement's acknowledgement (with consent) starts the placement follow-up (patch
# "placement-follow-up-v1"); recorded by `record_placement_histories.py`.
JOURNEY_PLACEMENT_V2 = RecordedJourney(
    "journey_placement_v2.json", "journey-history-placement-v2", continued_as_new=False
)
# RELEASED_V5's journey: unchanged itself, its enrolment child projects locally.
JOURNEY_RELEASED_V3 = RecordedJourney(
    "journey_released_v3_local_child.json", "journey-history-released-v3", continued_as_new=False
)
# v4: the journey's own projections run as local activities (patch
# "journey-local-projections-v1"), RELEASED_V5_JOURNEY's journey; and a first run
# that continued as new on that code.
JOURNEY_RELEASED_V4 = RecordedJourney(
    "journey_released_v4_local.json", "journey-history-released-v4", continued_as_new=False
)
JOURNEY_CONTINUED_V2 = RecordedJourney(
    "journey_continued_v2_local.json", "journey-history-continued-v2", continued_as_new=True
)
# v5: cohort rows queued by a signal-with-start and applied by the flow (patch
# "journey-cohort-queue-v1"): one started, one refused as a second active enrolment, one
# refused after a transfer, one refused after release (in its handler), then both handovers.
JOURNEY_COHORT_V5 = RecordedJourney(
    "journey_cohort_queue_v5.json", "journey-history-cohort-v5", continued_as_new=False
)
# v6: a cohort row handed over again (patch "journey-cohort-redelivery-v1"): one started
# (sent with the start, then again: skipped as before), one refused as a second active
# enrolment and then sent again (skipped, the patch's marker), then release and handovers.
JOURNEY_REDELIVERY_V6 = RecordedJourney(
    "journey_cohort_redelivery_v6.json", "journey-history-redelivery-v6", continued_as_new=False
)
JOURNEYS = (
    JOURNEY_REDELIVERY_V6,
    JOURNEY_COHORT_V5,
    JOURNEY_RELEASED_V1,
    JOURNEY_CONTINUED_V1,
    JOURNEY_RELEASED_V2,
    JOURNEY_PLACEMENT_V2,
    JOURNEY_RELEASED_V3,
    JOURNEY_RELEASED_V4,
    JOURNEY_CONTINUED_V2,
)


async def _straight_to_certificate(harness: Harness, case: Case) -> None:
    """Approve, train, every unit K, certificate at the first lookup."""
    await case.to_assessment()
    await case.assess_due()


async def _appeal_then_reassessment(harness: Harness, case: Case) -> None:
    """One unit BK, the appeal panel orders a reassessment, then every unit K."""
    await case.to_assessment()
    await case.assess_due(bk=(UNITS[1],))
    await case.file_appeal()
    await case.decide_appeal(appeal_decision(AppealOutcome.REASSESS))
    await case.at(Stage.ASSESSMENT)
    await case.assess_due()


async def _placement_overdue_then_certified(harness: Harness, case: Case) -> None:
    """The placement review sits past its SLA (escalated to the supervisor), then proceeds."""
    await case.settled()
    [task] = harness.tasks.open_now()
    assert task.due_at is not None
    await harness.skip_to(task.due_at + timedelta(hours=1))
    await case.until(lambda _: len(harness.tasks.escalated) == 1, "the task escalation")
    await case.to_assessment()
    await case.assess_due()


async def _poisoned_placement_repaired(harness: Harness, case: Case) -> None:
    """The placement's stage write refused (a NUL), retried as an activity, repaired; then
    train, every unit K, certificate at the first lookup."""
    await case.settled()
    update = await case.place_poisoned()
    await case.refused_as_activity()
    await update.result()
    await case.at(Stage.TRAINING)
    await case.settled()
    await case.train()
    await case.complete_training()
    await case.at(Stage.ASSESSMENT)
    await case.assess_due()


async def _trained_then_certified(harness: Harness, case: Case) -> None:
    """From training (the placement already approved): train, every unit K, certificate."""
    await case.settled()
    await case.train()
    await case.complete_training()
    await case.at(Stage.ASSESSMENT)
    await case.assess_due()


SCENARIOS: dict[RecordedHistory, Callable[[Harness, Case], Awaitable[None]]] = {
    CERTIFIED_V1: _straight_to_certificate,
    APPEAL_REASSESS_V1: _appeal_then_reassessment,
    CERTIFIED_V2: _straight_to_certificate,
    ESCALATED_V2: _placement_overdue_then_certified,
    CERTIFIED_V4: _straight_to_certificate,
    CERTIFIED_V5: _straight_to_certificate,
    ESCALATED_V5: _placement_overdue_then_certified,
    APPEAL_REASSESS_V5: _appeal_then_reassessment,
    CERTIFIED_V6: _straight_to_certificate,
    APPEAL_REASSESS_V6: _appeal_then_reassessment,
    ESCALATED_V6: _placement_overdue_then_certified,
    POISONED_REPAIRED_V7: _poisoned_placement_repaired,
    DECIDED_FIRST_TASK_V8: _trained_then_certified,
}
# Started with their placement decision in the first workflow task.
STARTED_DECIDED = frozenset({DECIDED_FIRST_TASK_V8})


async def _release_journey(
    harness: Harness, enrolment: RecordedHistory, journey_file: RecordedJourney
) -> None:
    """An enrolment and its journey (RELEASED_V3 and JOURNEY_RELEASED_V1, ...), recorded
    from one journey: transfer, suspension resumed, sanction, release, both handovers."""
    journey = await JourneyCase.start(harness, workflow_id=journey_file.workflow_id)
    request = enrolment_request(await harness.now(), enrolment_id=enrolment.enrolment_id)
    case = await journey.enrol(request)
    await case.approve()
    await case.attend(attendance(1))
    await journey.report(transfer(NO_PROGRAMME_UPT))
    await case.at(Stage.SUSPENDED)
    await case.settled()
    tpp = Actor(subject="tpp-tng-1", role=Role.TPP_MEMBER, scope=Scope(upt=NO_PROGRAMME_UPT))
    await case.handle.execute_update(
        EnrolmentWorkflow.review_hold,
        HoldReviewInput(actor=tpp, decision=HoldChoice.RESUME, reason="BLK instructor visits"),
    )
    await case.at(Stage.TRAINING)
    until = local_date(await harness.now()) + timedelta(days=5)
    await journey.report(sanction("F-REC-1", until=until))
    await case.at(Stage.PAUSED)
    await harness.skip(timedelta(days=6))
    await case.at(Stage.TRAINING)
    await case.settled()
    await journey.report(release(ReleaseKind.PB))
    result = await case.result()
    assert result.outcome is enrolment.outcome, result
    await write_history(enrolment.path, case.handle)
    await journey.until(lambda s: s.status is JourneyStatus.HANDOVER, "the handover")
    await _handed_over_and_ended(journey, journey_file.path)


async def _handed_over_and_ended(journey: JourneyCase, path: Path) -> None:
    """Both receivers acknowledge the handover; the journey ends and its history is kept."""
    await journey.quiet()
    await journey.acknowledge(acknowledgement(HandoverReceiver.BAPAS))
    await journey.acknowledge(acknowledgement(HandoverReceiver.JOB_PLACEMENT))
    await journey.handle.result()
    await write_history(path, journey.handle)


async def _cohort_journey(harness: Harness, recorded: RecordedJourney) -> None:
    first = cohort_row(await harness.request(), recorded.workflow_id)
    journey = await JourneyCase.start(harness, workflow_id=recorded.workflow_id, queued=first)
    case = await journey.started_case(first)
    await journey.outcome(await journey.queue(await harness.request()))  # already active
    await journey.report(transfer(NO_PROGRAMME_UPT))
    await case.at(Stage.SUSPENDED)
    await journey.outcome(await journey.queue(await harness.request()))  # held elsewhere
    await journey.report(release(ReleaseKind.PB))
    result = await case.result()
    assert result.outcome is Outcome.UNFINISHED_AT_RELEASE, result
    await journey.until(lambda s: s.status is JourneyStatus.HANDOVER, "the handover")
    await journey.outcome(await journey.queue(await harness.request()))  # released
    await _handed_over_and_ended(journey, recorded.path)


async def _redelivered_journey(harness: Harness, recorded: RecordedJourney) -> None:
    first = cohort_row(await harness.request(), recorded.workflow_id)
    journey = await JourneyCase.start(harness, workflow_id=recorded.workflow_id, queued=first)
    case = await journey.started_case(first)
    await journey.handle.signal(InmateJourneyWorkflow.queue_enrolment, first)  # again
    second = await journey.queue(await harness.request())
    await journey.outcome(second)  # refused: already active
    await journey.handle.signal(InmateJourneyWorkflow.queue_enrolment, second)  # again
    await journey.quiet()
    await journey.report(release(ReleaseKind.PB))
    result = await case.result()
    assert result.outcome is Outcome.UNFINISHED_AT_RELEASE, result
    await journey.until(lambda s: s.status is JourneyStatus.HANDOVER, "the handover")
    await _handed_over_and_ended(journey, recorded.path)


async def _continued_journey(harness: Harness, recorded: RecordedJourney) -> None:
    policy = JourneyPolicy(continue_as_new_after_events=50)
    workflow_id = recorded.workflow_id
    journey = await JourneyCase.start(harness, policy, workflow_id=workflow_id)
    first_run = (await journey.handle.describe()).run_id
    await journey.enrol()
    here, there = UPT, OTHER_UPT
    while (await journey.state()).runs == 1:
        await journey.report(transfer(there))
        here, there = there, here
    first = harness.env.client.get_workflow_handle(workflow_id, run_id=first_run)
    await write_history(recorded.path, first)


async def record(env: WorkflowEnvironment) -> list[Path]:
    written: list[Path] = []
    async with running_harness(env) as harness:
        for enrolment, journey in (
            (RELEASED_V3, JOURNEY_RELEASED_V1),
            (RELEASED_V4, JOURNEY_RELEASED_V2),
            (RELEASED_V5, JOURNEY_RELEASED_V3),
            (RELEASED_V5_JOURNEY, JOURNEY_RELEASED_V4),
        ):
            if not (enrolment.path.exists() or journey.path.exists()):
                # JOURNEY_RELEASED_V3 is the journey from before its own local projections.
                before = journey is JOURNEY_RELEASED_V3
                saved = journey_case.LOCAL_PROJECTIONS_PATCH
                journey_case.LOCAL_PROJECTIONS_PATCH = None if before else saved  # type: ignore[assignment]
                try:
                    await _release_journey(harness, enrolment, journey)
                finally:
                    journey_case.LOCAL_PROJECTIONS_PATCH = saved
                written += [enrolment.path, journey.path]
        if not JOURNEY_COHORT_V5.path.exists():
            await _cohort_journey(harness, JOURNEY_COHORT_V5)
            written.append(JOURNEY_COHORT_V5.path)
        if not JOURNEY_REDELIVERY_V6.path.exists():
            await _redelivered_journey(harness, JOURNEY_REDELIVERY_V6)
            written.append(JOURNEY_REDELIVERY_V6.path)
        for continued in (JOURNEY_CONTINUED_V1, JOURNEY_CONTINUED_V2):
            if not continued.path.exists():
                await _continued_journey(harness, continued)
                written.append(continued.path)
        for history, drive in SCENARIOS.items():
            if history.path.exists():
                print(f"keeping {history.path}: recorded histories are never overwritten")
                continue
            request = enrolment_request(await harness.now(), enrolment_id=history.enrolment_id)
            if history in STARTED_DECIDED:
                case = await harness.start_decided(placement(), request)
            else:
                case = await harness.start(request)
            await drive(harness, case)
            result = await case.result()
            assert result.outcome is history.outcome, result
            await write_history(history.path, case.handle)
            written.append(history.path)
    return written


async def main() -> int:
    env = await start_time_skipping_server()
    try:
        await record(env)
    finally:
        await env.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
