"""The active permit's life, by time skipping: annual reports over a 5-year KEK permit (one
overdue and escalated to the Kemnaker officer), an extension granted and one refused, a late
and an undecided one, termination with an EPO while an extension is open, and a change of
position or location refused as needing a new application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from domain.clock import start_of
from domain.errors import Refusal
from domain.identity import Role
from domain.permit import Outcome, PermitState, Stage
from domain.permit_life import ExtensionChoice, ExtensionStep
from domain.permit_life_rules import extended_until
from domain.permit_rules import add_months
from domain.tasks import TaskState
from tests.workflows.life_support import (
    annual_report,
    change,
    extension_approval,
    extension_decision,
    extension_request,
)
from tests.workflows.permit_support import (
    EMPLOYER,
    OTHER_EMPLOYER,
    PermitCase,
    PermitHarness,
    termination,
)
from workflows.permit import PermitWorkflow

FORBIDDEN, CONFLICT, INVALID = (
    r.value for r in (Refusal.FORBIDDEN, Refusal.CONFLICT, Refusal.INVALID)
)


@pytest.fixture
def harness(permit_harness: PermitHarness) -> PermitHarness:
    """The permit harness under this module's name for it."""
    return permit_harness


def _reports(count: int) -> Callable[[PermitState], bool]:
    return lambda s: len(s.annual_reports) == count


def _task(harness: PermitHarness, task_id: str) -> tuple[bool, TaskState | None]:
    """(opened, how it closed) of one task in the recorder."""
    opened = any(o.task_id == task_id for o in harness.tasks.opened)
    closed = [c.state for c in harness.tasks.closed if c.task_id == task_id]
    return opened, closed[0] if closed else None


async def test_annual_reports_over_a_five_year_kek_permit(harness: PermitHarness) -> None:
    case = await harness.start(duration_months=60, in_kek=True)
    active = await case.to_active()
    valid_from, valid_until = active.permit.valid_from, active.permit.valid_until
    assert valid_from is not None and valid_until is not None
    assert await case.refused(PermitWorkflow.submit_annual_report, annual_report(1)) == CONFLICT

    for year in (1, 2, 3, 4):
        anniversary = add_months(valid_from, 12 * year)
        await harness.skip_to(start_of(anniversary) + timedelta(hours=1))
        state = await case.until(_reports(year), f"report {year}")
        await case.settled()
        report = state.annual_reports[-1]
        assert report.period_end == anniversary
        assert report.due_at == start_of(anniversary + timedelta(days=31))
        [opening] = [o for o in harness.tasks.opened if o.task_id == report.task_id]
        assert opening.kind == "annual_report" and opening.required_role is Role.EMPLOYER
        assert opening.scope.employer_nib == case.application.employer_nib
        if year == 1:
            refused = annual_report(1, OTHER_EMPLOYER)
            assert await case.refused(PermitWorkflow.submit_annual_report, refused) == FORBIDDEN
        if year == 3:  # filed late: escalated to Kemnaker's officers first
            await harness.skip_to(report.due_at + timedelta(hours=1))
            await case.until(lambda s: s.annual_reports[2].escalated, "the escalation")
            [escalation] = harness.tasks.escalated
            assert escalation.task_id == report.task_id
            assert escalation.routed_to is Role.KEMNAKER_OFFICER
        filed = await case.decide(PermitWorkflow.submit_annual_report, annual_report(year))
        assert filed.annual_reports[-1].submitted_by == EMPLOYER
        assert _task(harness, report.task_id or "") == (True, TaskState.DECIDED)
    assert await case.refused(PermitWorkflow.submit_annual_report, annual_report(2)) == CONFLICT

    await harness.skip_to(start_of(valid_until + timedelta(days=1)) + timedelta(minutes=1))
    final = await case.result()
    assert final.outcome is Outcome.ENDED
    assert [r.year for r in final.annual_reports if r.submitted_at] == [1, 2, 3, 4]
    assert len([o for o in harness.tasks.opened if o.kind == "annual_report"]) == 4
    assert len(harness.tasks.escalated) == 1, "only the late report escalated"


async def _requested(case: PermitCase, months: int = 12) -> None:
    state = await case.decide(PermitWorkflow.request_extension, extension_request(months))
    assert state.stage is Stage.ACTIVE, "the permit continues while the extension is decided"
    assert state.extensions[-1].step is ExtensionStep.VERIFICATION


async def test_an_extension_granted_moves_the_expiry_and_the_reports(
    harness: PermitHarness,
) -> None:
    case = await harness.start(duration_months=24)
    active = await case.to_active()
    valid_until, itas = active.permit.valid_until, active.permit.itas_number
    assert valid_until is not None
    assert await case.refused(PermitWorkflow.verify_extension, extension_decision()) == CONFLICT
    await harness.skip(timedelta(days=200))
    over_limit = extension_request(months=25)
    assert await case.refused(PermitWorkflow.request_extension, over_limit) == INVALID
    await _requested(case)
    [verification] = [o for o in harness.tasks.opened if o.kind == "extension_verification"]
    assert verification.required_role is Role.KEMNAKER_VERIFIER
    assert await case.refused(PermitWorkflow.request_extension, extension_request()) == CONFLICT
    assert await case.refused(PermitWorkflow.approve_extension, extension_approval()) == CONFLICT
    wrong = extension_decision(actor=EMPLOYER)
    assert await case.refused(PermitWorkflow.verify_extension, wrong) == FORBIDDEN

    state = await case.decide(PermitWorkflow.verify_extension, extension_decision())
    assert state.extensions[-1].step is ExtensionStep.APPROVAL
    assert _task(harness, verification.task_id) == (True, TaskState.DECIDED)
    state = await case.decide(PermitWorkflow.approve_extension, extension_approval())
    billed = state.extensions[-1]
    assert billed.step is ExtensionStep.PAYMENT, "the new period's DKPTKA is billed first"
    assert billed.amount_usd == 1200 and state.billing is not None
    assert state.billing.billing_code == billed.billing_code
    assert state.permit.valid_until == valid_until, "not extended before it is paid"
    [task] = [o for o in harness.tasks.opened if o.task_id == billed.task_id]
    assert task.kind == "payment" and task.required_role is Role.EMPLOYER
    assert task.scope.employer_nib == case.application.employer_nib
    short = case.payment("PAY-EXT-1", 100, "dkptka:extension-1")
    refused = await case.refused(PermitWorkflow.confirm_payment, short)
    assert refused == INVALID, "a bill is paid in full"
    state = await case.pay("PAY-EXT-1", 1200, "dkptka:extension-1")
    state = await case.until(lambda s: s.extensions[-1].step is ExtensionStep.GRANTED, "granted")
    assert _task(harness, billed.task_id or "") == (True, TaskState.DECIDED)
    assert state.payment_id == "PAY-EXT-1"
    granted = state.extensions[-1]
    assert granted.step is ExtensionStep.GRANTED
    new_until = extended_until(valid_until, 12)
    assert new_until == add_months(valid_until + timedelta(days=1), 12) - timedelta(days=1)
    assert state.permit.valid_until == new_until and granted.new_valid_until == new_until
    assert state.permit.itas_number not in (None, itas), "SIMKIM numbered the extended ITAS"

    await harness.skip_to(start_of(valid_until + timedelta(days=2)))
    still = await case.until(lambda s: len(s.annual_reports) == 2, "the report on year 2")
    assert still.stage is Stage.ACTIVE and still.outcome is None
    await harness.skip_to(start_of(new_until + timedelta(days=1)) + timedelta(minutes=1))
    final = await case.result()
    assert final.outcome is Outcome.ENDED and str(new_until) in (final.closed_reason or "")


async def test_an_extension_unpaid_by_the_deadline_lapses_and_the_permit_ends_at_expiry(
    harness: PermitHarness,
) -> None:
    case = await harness.start(duration_months=24)
    active = await case.to_active()
    valid_until = active.permit.valid_until
    assert valid_until is not None
    await _requested(case, months=6)
    await case.decide(PermitWorkflow.verify_extension, extension_decision())
    state = await case.decide(PermitWorkflow.approve_extension, extension_approval())
    billed = state.extensions[-1]
    assert billed.step is ExtensionStep.PAYMENT and billed.payment_due is not None
    await harness.skip_to(billed.payment_due + timedelta(minutes=1))
    state = await case.until(lambda s: s.extensions[-1].step is ExtensionStep.LAPSED, "lapsed")
    assert "unpaid" in (state.extensions[-1].decided_reason or "")
    assert _task(harness, billed.task_id or "") == (True, TaskState.CANCELLED)
    late = case.payment("PAY-LATE", 600, "dkptka:extension-1")
    assert await case.refused(PermitWorkflow.confirm_payment, late) == CONFLICT
    await harness.skip_to(start_of(valid_until + timedelta(days=1)) + timedelta(minutes=1))
    final = await case.result()
    assert final.outcome is Outcome.ENDED and final.permit.valid_until == valid_until


async def test_a_refused_extension_ends_the_permit_at_expiry(harness: PermitHarness) -> None:
    case = await harness.start(duration_months=24)
    active = await case.to_active()
    valid_until = active.permit.valid_until
    assert valid_until is not None
    await _requested(case)
    refused = extension_decision(ExtensionChoice.REJECT)
    state = await case.decide(PermitWorkflow.verify_extension, refused)
    assert state.extensions[-1].step is ExtensionStep.REFUSED and state.stage is Stage.ACTIVE
    assert not [o for o in harness.tasks.opened if o.kind == "extension_approval"]
    assert await case.refused(PermitWorkflow.request_extension, extension_request()) == CONFLICT
    await harness.skip_to(start_of(valid_until + timedelta(days=1)) + timedelta(minutes=1))
    final = await case.result()
    assert final.outcome is Outcome.ENDED and final.permit.valid_until == valid_until
    assert "extension was refused" in (final.closed_reason or "")


async def test_a_late_extension_is_refused_and_an_undecided_one_lapses(
    harness: PermitHarness,
) -> None:
    late = await harness.start(duration_months=12)
    undecided = await harness.start(duration_months=12)
    for case in (late, undecided):
        await case.to_active()
    await _requested(undecided)
    await undecided.decide(PermitWorkflow.verify_extension, extension_decision())
    state = await late.state()
    assert state.extension_reminder_on is not None and state.permit.valid_until is not None
    await harness.skip_to(start_of(state.extension_reminder_on + timedelta(days=1)))
    assert await late.refused(PermitWorkflow.request_extension, extension_request()) == CONFLICT
    await harness.skip_to(start_of(state.permit.valid_until + timedelta(days=3)))
    assert (await late.result()).outcome is Outcome.ENDED
    final = await undecided.result()
    assert final.outcome is Outcome.ENDED
    assert final.extensions[-1].step is ExtensionStep.LAPSED
    assert "not decided before expiry" in (final.closed_reason or "")
    [approval] = [o for o in harness.tasks.opened if o.kind == "extension_approval"]
    assert _task(harness, approval.task_id) == (True, TaskState.CANCELLED)


async def test_termination_while_an_extension_is_open_issues_the_epo(
    harness: PermitHarness,
) -> None:
    case = await harness.start(duration_months=24)
    await case.to_active()
    await _requested(case)
    ended = await case.handle.execute_update(PermitWorkflow.terminate, termination())
    assert ended.outcome is Outcome.TERMINATED and ended.permit.epo_number is not None
    assert ended.extensions[-1].step is ExtensionStep.LAPSED
    [verification] = [o for o in harness.tasks.opened if o.kind == "extension_verification"]
    await case.until(lambda s: s.outcome is not None, "closed")
    assert _task(harness, verification.task_id) == (True, TaskState.CANCELLED)


async def test_a_change_of_position_or_location_needs_a_new_application(
    harness: PermitHarness,
) -> None:
    case = await harness.start()
    assert await case.refused(PermitWorkflow.request_change, change(location="Batam")) == CONFLICT
    await case.to_active()
    moved = change(position="Plant manager", location="Batam")
    assert await case.refused(PermitWorkflow.request_change, moved) == CONFLICT
    same = change(position=case.application.position_title)
    assert await case.refused(PermitWorkflow.request_change, same) == INVALID
