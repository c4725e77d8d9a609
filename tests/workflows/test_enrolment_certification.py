"""Stage 5, BNSP certification: submit through the LSP, poll, escalate a silent BNSP once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domain.enrolment import EventKind, Outcome, Stage
from domain.identity import Role
from tests.workflows.support import Harness


async def test_bnsp_silent_for_30_days_escalates_once_then_certifies(harness: Harness) -> None:
    harness.bnsp.answering = False
    case = await harness.start()
    await case.to_assessment()
    await case.assess_due()
    await case.at(Stage.CERTIFICATION)
    await case.until(lambda s: s.certification_ref is not None, "the BNSP submission")
    await case.settled()
    [submitted] = case.events_of(EventKind.CERTIFICATION_SUBMITTED)

    await harness.skip_to(submitted.at + timedelta(days=29))
    await case.settled()
    assert case.events_of(EventKind.ESCALATED) == []

    await harness.skip(timedelta(days=2))
    await case.until(lambda s: len(s.escalations) == 1, "the BNSP SLA escalation")
    await harness.skip(timedelta(days=10))  # still silent: no second escalation
    await case.settled()
    [escalated] = case.events_of(EventKind.ESCALATED)
    assert escalated.escalation is not None
    assert escalated.escalation.kind == "bnsp_sla"
    assert escalated.escalation.routed_to is Role.KEMNAKER_OFFICER
    state = await case.state()
    assert (state.stage, len(state.escalations), state.certificate) == (
        Stage.CERTIFICATION,
        1,
        None,
    )

    harness.bnsp.answering = True
    await harness.skip(timedelta(days=1))
    result = await case.result()
    assert result.outcome is Outcome.CERTIFIED
    assert result.certificate is not None
    assert len(harness.bnsp.submissions) == 1  # polling never resubmits
    assert len(case.events_of(EventKind.ESCALATED)) == 1


async def test_bnsp_that_lost_the_submission_gets_it_again_under_the_same_key(
    harness: Harness,
) -> None:
    harness.bnsp.forget = 1
    case = await harness.start()
    await case.to_assessment()
    await case.assess_due()
    await case.until(lambda _: len(harness.bnsp.submissions) == 2, "the resubmission")
    await harness.skip(timedelta(days=1, hours=1))

    result = await case.result()
    assert result.outcome is Outcome.CERTIFIED
    first, again = harness.bnsp.submissions
    assert again == first  # same idempotency key and content: BNSP registers it once


async def test_bnsp_that_keeps_losing_the_submission_is_asked_at_the_poll_pace(
    harness: Harness,
) -> None:
    harness.bnsp.forget = 1_000_000
    case = await harness.start()
    await case.to_assessment()
    await case.assess_due()
    await case.until(lambda _: len(harness.bnsp.submissions) == 2, "the resubmission")
    await asyncio.sleep(1.0)  # real time only: no poll interval has passed
    assert len(harness.bnsp.submissions) == 2, "the workflow resubmits in a tight loop"

    await harness.skip(timedelta(days=31))
    await case.until(lambda s: len(s.escalations) == 1, "the BNSP SLA escalation")
    assert 30 <= len(harness.bnsp.submissions) <= 34
