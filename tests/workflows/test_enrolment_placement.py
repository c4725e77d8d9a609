"""Stage 2, placement review: the TPP of the inmate's UPT approves, rejects or defers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from pydantic import ValidationError

from domain.clock import local_date, start_of
from domain.enrolment import EventKind, Outcome, PlacementChoice, Stage
from domain.identity import Role
from tests.temporal_support import until
from tests.workflows.support import (
    CASEWORKER,
    TPP,
    TPP_OTHER_UPT,
    Case,
    Harness,
    placement,
)
from workflows import enrolment_case
from workflows.enrolment import EnrolmentWorkflow


async def test_tpp_approval_starts_training(harness: Harness) -> None:
    case = await harness.start()
    await case.place(placement(PlacementChoice.APPROVE, reason="fits the sentence plan"))

    state = await case.at(Stage.TRAINING)
    assert state.outcome is None
    assert state.awaiting is not None
    assert state.awaiting.kind == "training_completion"
    assert state.awaiting.role is Role.KEMNAKER_INSTRUCTOR
    await case.settled()
    [decided] = case.events_of(EventKind.PLACEMENT_DECIDED)
    assert decided.decision == "approve"
    assert decided.actor == TPP
    assert decided.reason == "fits the sentence plan"
    # The placement is decided once: a second decision finds the case in training.
    assert await case.refused(EnrolmentWorkflow.decide_placement, placement()) == "Conflict"


async def test_tpp_rejection_closes_the_case_with_its_reason(harness: Harness) -> None:
    case = await harness.start()
    await case.place(placement(PlacementChoice.REJECT, reason="programme clashes with work duty"))

    result = await case.result()
    assert result.stage is Stage.CLOSED
    assert result.outcome is Outcome.REJECTED
    assert result.closed_reason == "programme clashes with work duty"
    [decided] = case.events_of(EventKind.PLACEMENT_DECIDED)
    assert (decided.decision, decided.actor) == ("reject", TPP)
    [closed] = case.events_of(EventKind.CLOSED)
    assert closed.summary.outcome is Outcome.REJECTED
    assert closed.reason == "programme clashes with work duty"


async def test_deferral_returns_to_placement_review_on_the_chosen_date(harness: Harness) -> None:
    case = await harness.start()
    today = local_date(await harness.now())
    until = today + timedelta(days=7)
    await case.place(placement(PlacementChoice.DEFER, reason="wait for Litmas", defer_until=until))

    state = await case.at(Stage.PLACEMENT_DEFERRED)
    assert state.deferred_until == until
    # Nobody decides on a deferred case until the date comes.
    assert await case.refused(EnrolmentWorkflow.decide_placement, placement()) == "Conflict"

    await harness.skip_to(start_of(until) - timedelta(hours=1))
    await case.settled()
    assert (await case.state()).stage is Stage.PLACEMENT_DEFERRED

    await harness.skip(timedelta(hours=2))
    state = await case.at(Stage.PLACEMENT_REVIEW)
    assert state.deferred_until is None
    assert state.awaiting is not None and state.awaiting.kind == "placement_review"
    await case.approve()


async def test_deferral_needs_a_future_date(harness: Harness) -> None:
    case = await harness.start()
    today = local_date(await harness.now())
    for defer_until in (None, today, today - timedelta(days=1)):
        decision = placement(PlacementChoice.DEFER, defer_until=defer_until)
        assert await case.refused(EnrolmentWorkflow.decide_placement, decision) == "Invalid"
    # A date belongs to a deferral only.
    approve_with_date = placement(defer_until=today + timedelta(days=3))
    assert await case.refused(EnrolmentWorkflow.decide_placement, approve_with_date) == "Invalid"


async def test_release_flagged_approval_needs_an_explicit_tpp_exception(harness: Harness) -> None:
    case = await harness.start(await harness.request(release_flagged=True))
    assert (await case.state()).release_flagged

    plain = placement()
    assert await case.refused(EnrolmentWorkflow.decide_placement, plain) == "Invalid"
    rejection_with_exception = placement(PlacementChoice.REJECT, exception_granted=True)
    assert (
        await case.refused(EnrolmentWorkflow.decide_placement, rejection_with_exception)
        == "Invalid"
    )

    await case.place(placement(exception_granted=True, reason="release date may move; TPP accepts"))
    state = await case.at(Stage.TRAINING)
    assert state.exception_granted
    await case.settled()
    [decided] = case.events_of(EventKind.PLACEMENT_DECIDED)
    assert decided.reason == "release date may move; TPP accepts"
    assert decided.actor == TPP
    assert case.events()[-1].summary.exception_granted


async def test_exception_is_refused_when_the_request_was_not_flagged(harness: Harness) -> None:
    case = await harness.start()
    decision = placement(exception_granted=True)
    assert await case.refused(EnrolmentWorkflow.decide_placement, decision) == "Invalid"


async def test_only_a_tpp_member_decides_placement(harness: Harness) -> None:
    case = await harness.start()
    decision = placement(actor=CASEWORKER)
    assert await case.refused(EnrolmentWorkflow.decide_placement, decision) == "Forbidden"


async def test_tpp_of_another_upt_cannot_decide_placement(harness: Harness) -> None:
    case = await harness.start()
    decision = placement(actor=TPP_OTHER_UPT)
    assert await case.refused(EnrolmentWorkflow.decide_placement, decision) == "Forbidden"


async def test_placement_decision_needs_a_reason(harness: Harness) -> None:
    with pytest.raises(ValidationError):
        placement(PlacementChoice.REJECT, reason="no")
    # A client that skips the model is refused by the workflow before anything is recorded.
    case = await harness.start()
    raw = {"actor": TPP.model_dump(mode="json"), "decision": "reject", "reason": "no"}
    await case.refused("decide_placement", raw)
    assert (await case.state()).stage is Stage.PLACEMENT_REVIEW


async def _update_accepted(case: Case) -> bool:
    history = await case.handle.fetch_history()
    return any(e.HasField("workflow_execution_update_accepted_event_attributes")
               for e in history.events)  # fmt: skip


@pytest.mark.parametrize("stage_writes", [True, False], ids=["stage-write", "before-it"])
async def test_decision_arriving_while_the_request_is_projected_is_not_lost(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, stage_writes: bool
) -> None:
    if not stage_writes:  # a case started before the stage-write patch (and so before
        # decisions in the first task waited for its first wait: test_enrolment_first_task.py)
        monkeypatch.setattr(enrolment_case, "STAGE_WRITE_PATCH", None)
        monkeypatch.setattr(enrolment_case, "DECISION_AFTER_FIRST_WAIT_PATCH", None)
    harness.projection.hold = EventKind.REQUESTED
    case = await harness.start()
    await asyncio.wait_for(harness.projection.holding.wait(), timeout=10)

    deciding = asyncio.create_task(case.place())
    if stage_writes:
        # The decision's event waits for the flow's next write (the stage change it causes),
        # which waits for the held request: the update is accepted, nothing written yet.
        await until(
            lambda: _update_accepted(case), bool, "the decision", within=30, called="accepted"
        )
        assert not case.events_of(EventKind.PLACEMENT_DECIDED)
    else:
        await case.until(
            lambda _: bool(case.events_of(EventKind.PLACEMENT_DECIDED)), "the decision"
        )
    harness.projection.release.set()
    await deciding

    state = await case.at(Stage.TRAINING)
    assert state.outcome is None
    await case.settled()
    # The request, the decision, and the stage changes to placement review and training, by
    # their keys (the held write was retried: the real projection lands it once by its key).
    kinds = sorted({e.event_id: e.kind.value for e in case.events()}.values())
    assert kinds == ["placement_decided", "requested", "stage_changed", "stage_changed"], kinds
