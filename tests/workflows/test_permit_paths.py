"""Every way an application ends short of a permit, the loops that go back to the employer,
and the refusals that keep a decision out of history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.service import RPCError, RPCStatusCode

from domain.clock import local_date
from domain.errors import Refusal
from domain.permit import (
    ApprovalChoice,
    ArrivalRecord,
    EmployerCategory,
    EventKind,
    FeasibilityChoice,
    Outcome,
    Stage,
    VerificationChoice,
    VisaChoice,
    payment_update_id,
)
from domain.tasks import TaskState
from tests.workflows.permit_support import (
    DIRECTOR,
    EMPLOYER,
    OFFICER,
    OFFICER_WRONG_MINISTRY,
    OTHER_EMPLOYER,
    VERIFIER,
    PermitCase,
    PermitHarness,
    feasibility,
    resubmission,
    rptka,
    verification,
    visa,
)
from workflows.permit import PermitWorkflow


async def _closed(case: PermitCase, outcome: Outcome) -> str:
    final = await case.result()
    assert final.outcome is outcome, final
    assert final.stage is Stage.CLOSED
    assert not case.harness.tasks.open_now(), "a closed application left an inbox task open"
    return final.closed_reason or ""


# ---------------------------------------------------------------- Kemnaker's rejections


async def test_rejected_documents_close_the_application(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start()
    await case.handle.execute_update(
        PermitWorkflow.verify_documents, verification(VerificationChoice.REJECT)
    )
    assert "documents rejected" in await _closed(case, Outcome.REJECTED)


async def test_an_unfeasible_application_is_rejected(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start()
    await case.decide(PermitWorkflow.verify_documents, verification(VerificationChoice.APPROVE))
    await case.handle.execute_update(
        PermitWorkflow.assess_feasibility, feasibility(FeasibilityChoice.NOT_FEASIBLE)
    )
    assert "not feasible" in await _closed(case, Outcome.REJECTED)


async def test_the_director_refusing_the_rptka_rejects_it_before_imigrasi_hears(
    permit_harness: PermitHarness,
) -> None:
    case = await permit_harness.start()
    await case.to_payment()
    await case.pay()
    await case.handle.execute_update(PermitWorkflow.decide_rptka, rptka(ApprovalChoice.REJECT))
    assert "RPTKA not approved" in await _closed(case, Outcome.REJECTED)
    assert not permit_harness.simkim.notifications


# ---------------------------------------------------------------- revision rounds and lapse


async def test_revision_rounds_go_back_to_verification_until_approved(
    permit_harness: PermitHarness,
) -> None:
    case = await permit_harness.start()
    for round_no in (1, 2):
        state = await case.decide(
            PermitWorkflow.verify_documents, verification(VerificationChoice.REQUEST_REVISION)
        )
        assert state.stage is Stage.REVISION
        assert state.revision_rounds == round_no
        [task] = [t for t in permit_harness.tasks.open_now() if t.kind == "resubmission"]
        assert task.required_role.value == "employer"
        assert task.scope.employer_nib == case.application.employer_nib
        assert task.due_at == state.revision_due
        await permit_harness.skip(timedelta(days=13))  # inside the 14-day window
        state = await case.decide(PermitWorkflow.resubmit, resubmission())
        assert state.stage is Stage.DOCUMENT_VERIFICATION
    state = await case.to_payment()
    assert state.stage is Stage.PAYMENT
    assert [e.decision for e in case.events(EventKind.RESUBMITTED)] == ["resubmit", "resubmit"]


async def test_no_resubmission_within_14_days_lapses_the_application(
    permit_harness: PermitHarness,
) -> None:
    case = await permit_harness.start()
    await case.decide(
        PermitWorkflow.verify_documents, verification(VerificationChoice.REQUEST_REVISION)
    )
    await permit_harness.skip(timedelta(days=14, minutes=1))
    assert "14 days" in await _closed(case, Outcome.LAPSED)
    [cancelled] = [c for c in permit_harness.tasks.closed if c.state is TaskState.CANCELLED]
    assert cancelled.reason == "the time to act ran out"


async def test_someone_else_cannot_resubmit_for_the_employer(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start()
    await case.decide(
        PermitWorkflow.verify_documents, verification(VerificationChoice.REQUEST_REVISION)
    )
    assert (
        await case.refused(PermitWorkflow.resubmit, resubmission(OTHER_EMPLOYER))
        == Refusal.FORBIDDEN.value
    )


# ---------------------------------------------------------------- DKPTKA


async def test_an_unpaid_bill_expires_the_application_after_7_days(
    permit_harness: PermitHarness,
) -> None:
    case = await permit_harness.start()
    state = await case.to_payment()
    assert state.billing is not None
    await permit_harness.skip(timedelta(days=7, minutes=1))
    assert "unpaid within 7 days" in await _closed(case, Outcome.EXPIRED)


async def test_a_confirmation_for_an_expired_bill_is_refused(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start()
    await case.to_payment()
    await permit_harness.skip(timedelta(days=7, minutes=1))
    await _closed(case, Outcome.EXPIRED)
    with pytest.raises(RPCError) as refused:
        await case.handle.execute_update(
            PermitWorkflow.confirm_payment, case.payment(), id=payment_update_id("PAY-1")
        )
    # The workflow has completed: the callback answers this with 409 and records it
    # (tests/api/test_payment_callback.py).
    assert refused.value.status is RPCStatusCode.NOT_FOUND
    assert not case.events(EventKind.PAID)


async def test_the_same_confirmation_twice_is_applied_once(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start()
    await case.to_payment()
    first = await case.pay("PAY-42")
    again = await case.handle.execute_update(
        PermitWorkflow.confirm_payment, case.payment("PAY-42"), id=payment_update_id("PAY-42")
    )
    assert again.payment_id == first.payment_id == "PAY-42"
    assert len(case.events(EventKind.PAID)) == 1


async def test_a_wrong_amount_or_another_bill_is_refused(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start()
    await case.to_payment()
    wrong_amount = case.payment("PAY-7", amount=100)
    assert (
        await case.refused(
            PermitWorkflow.confirm_payment, wrong_amount, id=payment_update_id("PAY-7")
        )
        == Refusal.INVALID.value
    )
    other_bill = case.payment("PAY-8").model_copy(update={"billing_code": "899999999999999"})
    assert (
        await case.refused(
            PermitWorkflow.confirm_payment, other_bill, id=payment_update_id("PAY-8")
        )
        == Refusal.INVALID.value
    )


async def test_an_exempt_employer_skips_payment(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start(category=EmployerCategory.INTERNATIONAL_BODY)
    state = await case.to_payment()
    assert state.stage is Stage.RPTKA_APPROVAL
    assert state.exempt and state.billing is None
    assert not permit_harness.simponi.bills


# ---------------------------------------------------------------- Imigrasi


async def test_a_rejected_visa_closes_the_application(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start()
    await case.to_visa_decision()
    await case.handle.execute_update(PermitWorkflow.decide_visa, visa(VisaChoice.REJECT))
    assert "visa rejected" in await _closed(case, Outcome.VISA_REJECTED)


async def test_a_visa_hold_waits_for_the_employers_documents(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start()
    await case.to_visa_decision()
    held = await case.decide(PermitWorkflow.decide_visa, visa(VisaChoice.HOLD))
    assert held.stage is Stage.VISA_HOLD and held.visa_holds == 1
    back = await case.decide(PermitWorkflow.resubmit, resubmission(EMPLOYER))
    assert back.stage is Stage.VISA_DECISION
    approved = await case.decide(PermitWorkflow.decide_visa, visa(VisaChoice.APPROVE))
    assert approved.stage is Stage.AWAITING_ARRIVAL
    assert approved.permit.visa_number is not None


async def test_a_visa_hold_without_documents_lapses(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start()
    await case.to_visa_decision()
    await case.decide(PermitWorkflow.decide_visa, visa(VisaChoice.HOLD))
    await permit_harness.skip(timedelta(days=15))
    assert "hold" in await _closed(case, Outcome.LAPSED)


async def test_a_travel_ban_hit_cannot_be_approved(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start(passport_no="TB000001")
    state = await case.to_visa_decision()
    assert state.checks is not None and state.checks.travel_ban
    assert (
        await case.refused(PermitWorkflow.decide_visa, visa(VisaChoice.APPROVE))
        == Refusal.INVALID.value
    )
    await case.handle.execute_update(PermitWorkflow.decide_visa, visa(VisaChoice.REJECT))
    await _closed(case, Outcome.VISA_REJECTED)


async def test_simkim_losing_the_notification_does_not_fail_the_application(
    permit_harness: PermitHarness,
) -> None:
    """Imigrasi's worker restarted between the checks and the visa (its in-process SIMKIM
    simulator forgot everything): the visa is still issued, after one new notification."""
    case = await permit_harness.start()
    at_visa = await case.to_visa_decision()
    permit_harness.simkim.notifications.clear()
    approved = await case.decide(PermitWorkflow.decide_visa, visa(VisaChoice.APPROVE))
    assert approved.stage is Stage.AWAITING_ARRIVAL
    assert approved.permit.visa_number is not None
    assert len(permit_harness.simkim.notifications) == 1
    assert approved.checks == at_visa.checks  # same key, same reference


async def test_an_arrival_before_the_visa_was_issued_is_refused(
    permit_harness: PermitHarness,
) -> None:
    """The ITAS runs from the arrival: a date before the visa would start the permit (or,
    far enough back, end it) before the TKA could have entered."""
    case = await permit_harness.start()
    await case.to_visa_decision()
    await case.decide(PermitWorkflow.decide_visa, visa(VisaChoice.APPROVE))
    await case.at(Stage.AWAITING_ARRIVAL)
    too_early = ArrivalRecord(
        actor=OFFICER,
        arrived_on=local_date(await permit_harness.now()) - timedelta(days=400),
        port_of_entry="CGK",
    )
    assert await case.refused(PermitWorkflow.record_arrival, too_early) == Refusal.INVALID.value
    active = await case.to_active_from_arrival()
    assert active.permit.valid_from == local_date(await permit_harness.now())


async def test_no_arrival_on_the_visa_lapses_the_application(permit_harness: PermitHarness) -> None:
    case = await permit_harness.start()
    await case.to_visa_decision()
    await case.decide(PermitWorkflow.decide_visa, visa(VisaChoice.APPROVE))
    await permit_harness.skip(timedelta(days=91))
    assert "did not arrive" in await _closed(case, Outcome.LAPSED)


# ---------------------------------------------------------------- who may decide


async def test_each_decision_is_refused_to_the_wrong_role_or_ministry(
    permit_harness: PermitHarness,
) -> None:
    case = await permit_harness.start()
    # The director does not verify documents; an employer cannot approve its own.
    wrong = verification(VerificationChoice.APPROVE).model_copy(update={"actor": DIRECTOR})
    assert await case.refused(PermitWorkflow.verify_documents, wrong) == Refusal.FORBIDDEN.value
    mine = verification(VerificationChoice.APPROVE).model_copy(update={"actor": EMPLOYER})
    assert await case.refused(PermitWorkflow.verify_documents, mine) == Refusal.FORBIDDEN.value
    # Not yet at the visa: a conflict, and an officer of the wrong ministry is refused first.
    assert (
        await case.refused(PermitWorkflow.decide_visa, visa(VisaChoice.APPROVE))
        == Refusal.CONFLICT.value
    )
    assert (
        await case.refused(
            PermitWorkflow.decide_visa, visa(VisaChoice.APPROVE, OFFICER_WRONG_MINISTRY)
        )
        == Refusal.FORBIDDEN.value
    )
    # The verifier may verify: the rule above refused the person, not the decision.
    state = await case.decide(
        PermitWorkflow.verify_documents, verification(VerificationChoice.APPROVE, VERIFIER)
    )
    assert state.stage is Stage.FEASIBILITY


async def test_an_overdue_feasibility_assessment_escalates_its_task(
    permit_harness: PermitHarness,
) -> None:
    case = await permit_harness.start()
    state = await case.decide(
        PermitWorkflow.verify_documents, verification(VerificationChoice.APPROVE)
    )
    assert state.awaiting is not None and state.awaiting.due is not None
    [task] = [t for t in permit_harness.tasks.open_now() if t.kind == "feasibility"]
    assert task.due_at == state.awaiting.due
    await permit_harness.skip_to(state.awaiting.due + timedelta(hours=1))
    escalated = await case.until(lambda s: bool(s.escalations), "the escalation")
    assert escalated.escalations[0].kind == "feasibility_overdue"
    await case.until(lambda _: bool(permit_harness.tasks.escalated), "the task escalation")
    [raised] = permit_harness.tasks.escalated
    assert raised.task_id == task.task_id
    # A late decision is still a decision.
    moved = await case.decide(PermitWorkflow.assess_feasibility, feasibility())
    assert moved.stage is Stage.PAYMENT
