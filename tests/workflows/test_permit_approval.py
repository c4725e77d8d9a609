"""The straight path: submission to an active permit, with each ministry's part done on its
own worker, and every decision recorded with who, in which role and why."""

from __future__ import annotations

from domain import search
from domain.clock import local_date
from domain.permit import EventKind, Outcome, Stage, VisaChoice
from domain.permit_rules import permit_valid_until
from tests.workflows.permit_support import (
    OFFICER,
    PASSPORT,
    PermitHarness,
    termination,
    visa,
)
from workflows.permit import PermitWorkflow


async def test_an_application_goes_from_submission_to_an_active_permit(
    permit_harness: PermitHarness,
) -> None:
    case = await permit_harness.start(duration_months=18)
    state = await case.state()
    assert state.stage is Stage.DOCUMENT_VERIFICATION
    # Operators find it by kind, stage and NIB (a business number); never by passport.
    attributes = (await case.handle.describe()).typed_search_attributes
    assert attributes.get(search.KIND) == "tka_permit"
    assert attributes.get(search.EMPLOYER_NIB) == case.application.employer_nib
    assert PASSPORT not in str(attributes) and "Jane" not in str(attributes)
    assert state.awaiting is not None and state.awaiting.role.value == "kemnaker_verifier"

    billed = await case.to_payment()
    assert billed.stage is Stage.PAYMENT
    assert billed.billing is not None
    assert billed.billing.amount_usd == 100 * 18  # US$100 x months
    assert permit_harness.simponi.bills[billed.billing.billing_code].amount_usd == 1800

    at_visa = await case.to_visa_decision()
    assert at_visa.rptka_number is not None
    assert at_visa.checks is not None and not at_visa.checks.travel_ban
    # Imigrasi's worker ran the hand-off: SIMKIM holds Kemnaker's notification.
    [notified] = permit_harness.simkim.notifications.values()
    assert notified.rptka_number == at_visa.rptka_number
    [task] = [t for t in permit_harness.tasks.open_now() if t.kind == "visa_decision"]
    assert task.required_role.value == "imigrasi_officer"
    assert task.scope.ministry is not None and task.scope.ministry.value == "imigrasi"

    await case.decide(PermitWorkflow.decide_visa, visa(VisaChoice.APPROVE))
    arrived = local_date(await permit_harness.now())
    active = await case.to_active_from_arrival(arrived)
    assert active.permit.visa_number is not None and active.permit.visa_number.startswith("C312-")
    assert active.permit.itas_number is not None and active.permit.itas_number.startswith("ITAS-")
    assert active.permit.valid_from == arrived
    assert active.permit.valid_until == permit_valid_until(arrived, 18)

    decided = [(e.decision, e.actor.role.value) for e in case.events(EventKind.DECIDED) if e.actor]
    assert decided == [
        ("approve", "kemnaker_verifier"),
        ("feasible", "kemnaker_verifier"),
        ("approve", "kemnaker_director"),
        ("approve", "imigrasi_officer"),
        ("arrived", "imigrasi_officer"),
    ]
    assert [e.seq for e in case.events()] == list(range(1, active.event_count + 1))
    assert not permit_harness.tasks.open_now(), "an active permit awaits nobody"


async def test_an_imigrasi_officer_terminates_an_active_permit_with_an_epo(
    permit_harness: PermitHarness,
) -> None:
    case = await permit_harness.start()
    await case.to_active()
    ended = await case.handle.execute_update(PermitWorkflow.terminate, termination(OFFICER))
    assert ended.outcome is Outcome.TERMINATED
    assert ended.permit.epo_number is not None and ended.permit.epo_number.startswith("EPO-")
    final = await case.result()
    assert final.stage is Stage.CLOSED
    assert "imigrasi_officer" in (final.closed_reason or "")
