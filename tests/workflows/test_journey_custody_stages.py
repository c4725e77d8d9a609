"""Each custody event at each enrolment stage: a sanction pauses and its end resumes the same
stage, a transfer where the programme is not offered suspends until the destination's TPP
resumes it, and release stops the enrolment unfinished, with its record handed over."""

from __future__ import annotations

import pytest

from domain.custody import HoldChoice, HoldReviewInput
from domain.enrolment import EnrolmentState, EventKind, Outcome, Stage
from domain.identity import Actor, Role, Scope
from tests.workflows.journey_support import JourneyCase, lifted, release, sanction, transfer
from tests.workflows.support import NO_PROGRAMME_UPT, OTHER_UPT, Case, Harness
from tests.workflows.test_enrolment_withdrawal import SETUPS
from workflows.enrolment import EnrolmentWorkflow

TPP_AT = {
    upt: Actor(subject=f"tpp-{upt}", role=Role.TPP_MEMBER, scope=Scope(upt=upt))
    for upt in (NO_PROGRAMME_UPT, OTHER_UPT)
}


async def _back_at(case: Case, stage: Stage, progress: dict[str, object]) -> None:
    state = await case.at(stage)
    await case.settled()
    assert _progress(await case.state()) == progress, "progress must be kept across a hold"
    assert state.holds == []


def _progress(state: EnrolmentState) -> dict[str, object]:
    return {
        "attendance": len(state.attendance),
        "modules": list(state.modules_completed),
        "attempts": len(state.attempts),
        "appeals": len(state.appeals),
    }


@pytest.mark.parametrize("stage", list(SETUPS), ids=lambda s: s.value)
async def test_sanction_transfer_and_release_at_each_stage(harness: Harness, stage: Stage) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    await SETUPS[stage](harness, case)
    await case.at(stage)
    await case.settled()
    progress = _progress(await case.state())
    holds = stage is not Stage.CERTIFICATION  # results are with BNSP: nothing to pause

    # a sanction pauses the stage; its end gives the same stage back
    await journey.report(sanction("F-2026-001"))
    if holds:
        await case.at(Stage.PAUSED)
        await case.settled()
        assert [h.kind.value for h in (await case.state()).holds] == ["sanction"]
    await journey.report(lifted("F-2026-001"))
    await _back_at(case, stage, progress)

    # a transfer where the programme is not offered suspends it; the destination resumes it
    await journey.report(transfer(NO_PROGRAMME_UPT))
    if holds:
        await case.at(Stage.SUSPENDED)
        await case.settled()
        await case.handle.execute_update(
            EnrolmentWorkflow.review_hold,
            HoldReviewInput(
                actor=TPP_AT[NO_PROGRAMME_UPT], decision=HoldChoice.RESUME, reason="resume here"
            ),
        )
    await _back_at(case, stage, progress)
    assert (await case.state()).upt_code == NO_PROGRAMME_UPT

    # release stops it unfinished; its record, stage included, goes to the journey
    await journey.report(release())
    closed = await case.result()
    assert closed.outcome is Outcome.UNFINISHED_AT_RELEASE
    assert closed.referral
    state = await journey.until(lambda s: s.package is not None, "the handover package")
    assert state.package is not None
    [record] = state.package.training_records
    assert record.stage_at_close is stage
    assert record.outcome is Outcome.UNFINISHED_AT_RELEASE
    assert harness.tasks.open_now() and all(
        t.case_id == journey.journey_id for t in harness.tasks.open_now()
    ), "the enrolment's tasks are closed; only the handover's remain"
    kinds = [e.kind for e in case.events()]
    assert kinds.count(EventKind.TRANSFERRED) == 1 and EventKind.RELEASED in kinds
