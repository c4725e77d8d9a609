"""Stage 4, competency assessment: K/BK per unit, remedial, reassessments and appeals."""

from __future__ import annotations

from datetime import timedelta

from domain.enrolment import AppealOutcome, EnrolmentState, EventKind, Outcome, Stage
from domain.policy import EnrolmentPolicy
from tests.workflows.support import (
    ASSESSOR,
    ASSESSOR_OTHER_LSP,
    CASEWORKER,
    CASEWORKER_OTHER_UPT,
    LSP,
    PANEL,
    PANEL_CHAIR,
    TPP,
    UNITS,
    Case,
    Harness,
    appeal,
    appeal_decision,
    assessment,
)
from workflows.enrolment import EnrolmentWorkflow

FAILED = (UNITS[1],)


async def _through_remedial(harness: Harness, case: Case) -> EnrolmentState:
    """Let the remedial period after the last attempt run out."""
    state = await case.at(Stage.REMEDIAL)
    await harness.skip_to(state.attempts[-1].decided_at + timedelta(days=14, hours=1))
    return await case.at(Stage.ASSESSMENT)


async def _three_failed_attempts(harness: Harness, case: Case) -> EnrolmentState:
    await case.to_assessment()
    await case.assess_due(bk=FAILED)
    await _through_remedial(harness, case)
    await case.assess_due(bk=FAILED)
    await _through_remedial(harness, case)
    return await case.assess_due(bk=FAILED)


async def test_all_units_competent_leads_to_a_bnsp_certificate(harness: Harness) -> None:
    case = await harness.start()
    await case.to_assessment()
    await case.assess(assessment(UNITS))

    result = await case.result()
    assert result.outcome is Outcome.CERTIFIED
    assert result.certificate is not None
    assert result.certificate.number == f"CERT/BNSP-SUB-{case.enrolment_id}"
    assert result.certificate.valid_until.year == result.certificate.issued_on.year + 3
    assert result.certification_ref == f"BNSP-SUB-{case.enrolment_id}"
    [submission] = harness.bnsp.submissions
    assert submission.idempotency_key == f"{case.enrolment_id}:bnsp"
    assert (submission.lsp_code, submission.unit_codes) == (LSP, UNITS)
    stages = [e.summary.stage for e in case.events_of(EventKind.STAGE_CHANGED)]
    assert stages[-2:] == [Stage.ASSESSMENT, Stage.CERTIFICATION]
    [issued] = case.events_of(EventKind.CERTIFICATE_ISSUED)
    assert issued.certificate == result.certificate


async def test_assessment_must_decide_exactly_the_units_due(harness: Harness) -> None:
    case = await harness.start()
    await case.to_assessment()
    update = EnrolmentWorkflow.record_assessment
    assert await case.refused(update, assessment(UNITS[:2])) == "Invalid"
    assert await case.refused(update, assessment((*UNITS, "X.000.UNKNOWN"))) == "Invalid"


async def test_only_an_assessor_of_the_case_lsp_records_assessment(harness: Harness) -> None:
    case = await harness.start()
    await case.to_assessment()
    update = EnrolmentWorkflow.record_assessment
    assert await case.refused(update, assessment(actor=ASSESSOR_OTHER_LSP)) == "Forbidden"
    assert await case.refused(update, assessment(actor=CASEWORKER)) == "Forbidden"


async def test_not_yet_competent_goes_to_remedial_then_reassesses_failed_units_only(
    harness: Harness,
) -> None:
    case = await harness.start()
    await case.to_assessment()
    state = await case.assess_due(bk=FAILED)
    assert state.stage is Stage.REMEDIAL
    assert state.units_due == list(FAILED)
    # Nothing to assess during the remedial period.
    assert await case.refused(EnrolmentWorkflow.record_assessment, assessment(FAILED)) == "Conflict"

    decided_at = state.attempts[-1].decided_at
    await harness.skip_to(decided_at + timedelta(days=14) - timedelta(hours=1))
    await case.settled()
    assert (await case.state()).stage is Stage.REMEDIAL

    await harness.skip(timedelta(hours=2))
    state = await case.at(Stage.ASSESSMENT)
    assert state.units_due == list(FAILED)
    refusal = await case.refused(EnrolmentWorkflow.record_assessment, assessment(UNITS))
    assert refusal == "Invalid"

    state = await case.assess_due()
    assert [a.attempt for a in state.attempts] == [1, 2]
    assert state.attempts[1].results == {FAILED[0]: "K"}
    assert (await case.result()).outcome is Outcome.CERTIFIED


async def test_at_most_two_reassessments_then_not_competent(harness: Harness) -> None:
    case = await harness.start()
    state = await _three_failed_attempts(harness, case)
    assert state.stage is Stage.AWAITING_APPEAL
    assert state.reassessments_used == 2
    assert state.appeal_open_until is not None

    await harness.skip_to(state.appeal_open_until - timedelta(hours=1))
    await case.settled()
    assert (await case.state()).outcome is None  # the appeal window is still open

    await harness.skip(timedelta(hours=2))
    result = await case.result()
    assert result.outcome is Outcome.NOT_COMPETENT
    assert len(result.attempts) == 3
    assert harness.bnsp.submissions == []


async def test_caseworker_appeal_within_the_window_goes_to_panel_review(
    harness: Harness,
) -> None:
    case = await harness.start()
    await case.to_assessment()
    await case.assess_due(bk=FAILED)
    await harness.skip(timedelta(days=13))

    state = await case.file_appeal()
    assert state.awaiting is not None and state.awaiting.kind == "appeal_review"
    [filed] = state.appeals
    assert (filed.against_attempt, filed.filed_by) == (1, CASEWORKER.subject)
    await case.settled()
    [event] = case.events_of(EventKind.APPEAL_FILED)
    assert event.actor == CASEWORKER
    assert event.reason == appeal().reason


async def test_appeal_is_filed_by_a_caseworker_of_the_upt(harness: Harness) -> None:
    case = await harness.start()
    await case.to_assessment()
    await case.assess_due(bk=FAILED)
    assert await case.refused(EnrolmentWorkflow.file_appeal, appeal(TPP)) == "Forbidden"
    refusal = await case.refused(EnrolmentWorkflow.file_appeal, appeal(CASEWORKER_OTHER_UPT))
    assert refusal == "Forbidden"


async def test_appeal_after_the_window_is_refused(harness: Harness) -> None:
    case = await harness.start()
    await case.to_assessment()
    state = await case.assess_due(bk=FAILED)
    await harness.skip_to(state.attempts[-1].decided_at + timedelta(days=14, hours=1))
    await case.at(Stage.ASSESSMENT)
    assert await case.refused(EnrolmentWorkflow.file_appeal, appeal()) == "Conflict"


async def test_appeal_window_is_14_days_even_when_remedial_lasts_longer(
    harness: Harness,
) -> None:
    policy = EnrolmentPolicy(remedial_days=21)
    case = await harness.start(await harness.request(policy=policy))
    await case.to_assessment()
    state = await case.assess_due(bk=FAILED)
    await harness.skip_to(state.attempts[-1].decided_at + timedelta(days=15))
    await case.settled()
    assert (await case.state()).stage is Stage.REMEDIAL
    assert await case.refused(EnrolmentWorkflow.file_appeal, appeal()) == "Conflict"


async def test_panel_ordered_reassessment_does_not_count_as_an_attempt(
    harness: Harness,
) -> None:
    case = await harness.start()
    await case.to_assessment()
    await case.assess_due(bk=FAILED)
    await case.file_appeal()
    await case.decide_appeal(appeal_decision(AppealOutcome.REASSESS))

    state = await case.at(Stage.ASSESSMENT)
    assert state.units_due == list(FAILED)
    state = await case.assess_due(bk=FAILED)
    assert state.attempts[-1].counted is False
    assert state.reassessments_used == 0
    # Both counted reassessments are still there: two more BKs before the last chance.
    await _through_remedial(harness, case)
    state = await case.assess_due(bk=FAILED)
    assert (state.stage, state.reassessments_used) == (Stage.REMEDIAL, 1)
    await _through_remedial(harness, case)
    state = await case.assess_due(bk=FAILED)
    assert (state.stage, state.reassessments_used) == (Stage.AWAITING_APPEAL, 2)
    assert len(state.attempts) == 4
    await case.settled()
    [decided] = case.events_of(EventKind.APPEAL_DECIDED)
    assert decided.decision == "reassess"
    assert decided.actor == PANEL_CHAIR
    assert decided.appeal is not None and decided.appeal.panel == PANEL


async def test_upheld_appeal_finishes_the_remedial_period_then_reassesses(
    harness: Harness,
) -> None:
    case = await harness.start()
    await case.to_assessment()
    state = await case.assess_due(bk=FAILED)
    remedial_until = state.attempts[-1].decided_at + timedelta(days=14)
    await harness.skip(timedelta(days=2))
    await case.file_appeal()
    await case.decide_appeal(appeal_decision(AppealOutcome.UPHOLD))

    state = await case.at(Stage.REMEDIAL)
    assert state.appeals[-1].outcome is AppealOutcome.UPHOLD
    # The decision was appealed once: no second appeal against it.
    assert await case.refused(EnrolmentWorkflow.file_appeal, appeal()) == "Conflict"
    await harness.skip_to(remedial_until - timedelta(hours=1))
    await case.settled()
    assert (await case.state()).stage is Stage.REMEDIAL

    await harness.skip(timedelta(hours=2))
    state = await case.at(Stage.ASSESSMENT)
    assert state.units_due == list(FAILED)
    state = await case.assess_due()
    assert state.attempts[-1].counted is True
    assert (await case.result()).outcome is Outcome.CERTIFIED


async def test_upheld_appeal_after_the_last_attempt_is_not_competent(harness: Harness) -> None:
    case = await harness.start()
    await _three_failed_attempts(harness, case)
    await case.file_appeal()
    await case.decide_appeal(appeal_decision(AppealOutcome.UPHOLD))

    result = await case.result()
    assert result.outcome is Outcome.NOT_COMPETENT
    assert result.appeals[-1].outcome is AppealOutcome.UPHOLD


async def test_panel_ordered_reassessment_after_the_last_attempt_can_still_certify(
    harness: Harness,
) -> None:
    case = await harness.start()
    await _three_failed_attempts(harness, case)
    await case.file_appeal()
    await case.decide_appeal(appeal_decision(AppealOutcome.REASSESS))

    await case.at(Stage.ASSESSMENT)
    state = await case.assess_due()
    assert state.attempts[-1].counted is False
    result = await case.result()
    assert result.outcome is Outcome.CERTIFIED
    assert len(result.attempts) == 4


async def test_appeal_panel_is_three_distinct_independent_members(harness: Harness) -> None:
    case = await harness.start()
    await case.to_assessment()
    await case.assess_due(bk=FAILED)
    await case.file_appeal()
    update = EnrolmentWorkflow.decide_appeal
    reassess = AppealOutcome.REASSESS

    assert await case.refused(update, appeal_decision(reassess, panel=PANEL[:2])) == "Invalid"
    twice = (PANEL[0], PANEL[1], PANEL[1])
    assert await case.refused(update, appeal_decision(reassess, panel=twice)) == "Invalid"
    with_contested = (*PANEL[:2], ASSESSOR.subject)
    assert await case.refused(update, appeal_decision(reassess, panel=with_contested)) == "Invalid"
    # The person recording the decision sits on the panel, and works for the case's LSP.
    not_member = appeal_decision(reassess, actor=ASSESSOR)
    assert await case.refused(update, not_member) == "Forbidden"
    other_lsp = ASSESSOR_OTHER_LSP.model_copy(update={"subject": PANEL[0]})
    assert await case.refused(update, appeal_decision(reassess, actor=other_lsp)) == "Forbidden"

    await case.decide_appeal(appeal_decision(reassess))
    await case.at(Stage.ASSESSMENT)
