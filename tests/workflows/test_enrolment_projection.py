"""What the read model and operators see: projected events and Temporal search attributes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from temporalio.common import TypedSearchAttributes

from domain import search
from domain.enrolment import AppealOutcome, EnrolmentState, EventKind, Outcome, Stage
from tests.workflows.support import (
    ASSESSOR,
    CASEWORKER,
    INMATE_SDP_NO,
    INSTRUCTOR,
    PANEL_CHAIR,
    PROGRAMME,
    TPP,
    UNITS,
    UPT,
    Case,
    Harness,
    appeal_decision,
)

FAILED = (UNITS[2],)


async def _certified_after_appeal(harness: Harness) -> tuple[Case, EnrolmentState]:
    """Every kind of decision once: placement, training, BK, appeal, reassessment, K."""
    case = await harness.start()
    await case.to_assessment()
    await case.assess_due(bk=FAILED)
    await case.file_appeal()
    await case.decide_appeal(appeal_decision(AppealOutcome.REASSESS))
    await case.at(Stage.ASSESSMENT)
    await case.assess_due()
    return case, await case.result()


async def test_every_event_has_a_unique_deterministic_id(harness: Harness) -> None:
    case, result = await _certified_after_appeal(harness)

    events = case.events()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.event_id for e in events] == [f"{case.enrolment_id}:{e.seq}" for e in events]
    sent = [e.event_id for e in harness.projection.received]
    assert len(sent) == len(set(sent)), "an event was sent twice"
    assert result.event_count == len(events)
    assert {e.workflow_id for e in events} == {case.handle.id}
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert events[0].kind is EventKind.REQUESTED
    assert events[0].request == case.request
    assert events[-1].kind is EventKind.CLOSED


async def test_decisions_record_actor_role_and_reason(harness: Harness) -> None:
    case, _ = await _certified_after_appeal(harness)

    decided = [
        (e.kind, e.actor.subject, e.actor.role, e.decision)
        for e in case.events()
        if e.decision is not None and e.actor is not None
    ]
    assert decided == [
        (EventKind.PLACEMENT_DECIDED, TPP.subject, TPP.role, "approve"),
        (EventKind.TRAINING_COMPLETED, INSTRUCTOR.subject, INSTRUCTOR.role, "complete_training"),
        (EventKind.ASSESSMENT_RECORDED, ASSESSOR.subject, ASSESSOR.role, "not_yet_competent"),
        (EventKind.APPEAL_FILED, CASEWORKER.subject, CASEWORKER.role, "file_appeal"),
        (EventKind.APPEAL_DECIDED, PANEL_CHAIR.subject, PANEL_CHAIR.role, "reassess"),
        (EventKind.ASSESSMENT_RECORDED, ASSESSOR.subject, ASSESSOR.role, "competent"),
    ]
    for event in case.events():
        if event.decision is not None:
            assert event.reason is not None and len(event.reason) >= 3, event


async def test_event_summary_follows_the_case(harness: Harness) -> None:
    case, result = await _certified_after_appeal(harness)

    last = case.events()[-1].summary
    assert (last.stage, last.outcome) == (Stage.CLOSED, Outcome.CERTIFIED)
    assert last.attendance_present == result.attendance_present == PROGRAMME.session_count
    assert last.modules_completed == len(PROGRAMME.modules)
    assert last.reassessments_used == 0  # the panel-ordered reassessment is free
    assert last.awaiting_kind is None
    stages = [e.summary.stage for e in case.events_of(EventKind.STAGE_CHANGED)]
    assert stages == [
        Stage.PLACEMENT_REVIEW,
        Stage.TRAINING,
        Stage.ASSESSMENT,
        Stage.REMEDIAL,
        Stage.APPEAL_REVIEW,
        Stage.ASSESSMENT,
        Stage.CERTIFICATION,
    ]


async def _attributes_until(
    case: Case, ready: Callable[[TypedSearchAttributes], bool]
) -> TypedSearchAttributes:
    """Poll describe() until `ready`; every answer on the way must be free of PII."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10.0
    while True:
        description = await case.handle.describe()
        # Operators filter and read these without opening the case: no inmate identifiers.
        shown = [str(v) for v in description.search_attributes.values()]
        shown += [str(v) for v in (await description.memo()).values()]
        assert not any(INMATE_SDP_NO in v for v in shown), shown
        attributes = description.typed_search_attributes
        if ready(attributes):
            return attributes
        assert loop.time() < deadline, f"search attributes never got there: {attributes}"
        await asyncio.sleep(0.02)


async def test_search_attributes_follow_the_stage_without_pii(harness: Harness) -> None:
    case = await harness.start()
    attributes = await _attributes_until(
        case, lambda a: a.get(search.STAGE) == Stage.PLACEMENT_REVIEW.value
    )
    assert attributes.get(search.KIND) == "enrolment"
    assert attributes.get(search.UPT) == UPT
    assert attributes.get(search.PROGRAMME) == PROGRAMME.code

    await case.approve()
    await _attributes_until(case, lambda a: a.get(search.STAGE) == Stage.TRAINING.value)
    await case.withdraw()
    await case.result()
    attributes = await _attributes_until(case, lambda a: a.get(search.STAGE) == Stage.CLOSED.value)
    assert attributes.get(search.KIND) == "enrolment"
