"""Record the TKA permit histories the replay test reads, as fixture files in tests/histories.

    .venv/bin/python -m tests.workflows.record_permit_histories

Same rules as `tests/workflows/record_histories.py`: the suite never runs this; an existing
file is never overwritten; a deliberate change of the workflow records a new version
(`..._v2.json`) next to the old one, which keeps replaying while cases started on it run.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from domain.clock import start_of
from domain.permit import Outcome, VerificationChoice, permit_workflow_id
from domain.permit_life import ExtensionChoice
from tests.conftest import start_time_skipping_server
from tests.histories_support import RecordedFile, write_history
from tests.workflows.life_support import (
    annual_report,
    extension_approval,
    extension_decision,
    extension_request,
)
from tests.workflows.permit_support import (
    PermitCase,
    PermitHarness,
    resubmission,
    running_permit_harness,
    termination,
    verification,
)
from workflows.permit import PermitWorkflow


@dataclass(frozen=True)
class RecordedHistory(RecordedFile):
    application_id: str
    outcome: Outcome

    @property
    def workflow_id(self) -> str:
        return permit_workflow_id(self.application_id)


TERMINATED_V1 = RecordedHistory(
    "permit_revision_to_terminated_v1.json", "history-permit-terminated-v1", Outcome.TERMINATED
)
LAPSED_V1 = RecordedHistory("permit_lapsed_v1.json", "history-permit-lapsed-v1", Outcome.LAPSED)
# v2: no change of behaviour; recorded after the workflow came to hold its case and its
# plumbing (`workflows/case_events.py`) instead of inheriting them, as proof that the same
# commands come out.
TERMINATED_V2 = RecordedHistory(
    "permit_revision_to_terminated_v2_held_case.json",
    "history-permit-terminated-v2",
    Outcome.TERMINATED,
)
# The active permit's steps (`permit-life-v1`): one history per new branch.
REPORTS_EXTENDED_V2 = RecordedHistory(
    "permit_reports_extension_granted_v2.json", "history-permit-extended-v2", Outcome.ENDED
)
EXTENSION_REFUSED_V2 = RecordedHistory(
    "permit_extension_refused_v2.json", "history-permit-ext-refused-v2", Outcome.ENDED
)
EXTENSION_UNDECIDED_V2 = RecordedHistory(
    "permit_extension_undecided_v2.json", "history-permit-ext-lapsed-v2", Outcome.ENDED
)
TERMINATED_EXTENSION_OPEN_V2 = RecordedHistory(
    "permit_terminated_extension_open_v2.json", "history-permit-terminated-v2", Outcome.TERMINATED
)
# The employer's "pay DKPTKA" task (`permit-payment-task-v1`): paid, and expired unpaid.
PAID_TASK_V3 = RecordedHistory(
    "permit_payment_task_paid_v3.json", "history-permit-paid-v3", Outcome.TERMINATED
)
EXPIRED_TASK_V3 = RecordedHistory(
    "permit_payment_task_expired_v3.json", "history-permit-expired-v3", Outcome.EXPIRED
)
# DKPTKA for an approved extension's new period (`permit-extension-billing-v1`): paid and
# granted, and unpaid (the extension lapses, the permit ends at its expiry).
EXTENSION_PAID_V4 = RecordedHistory(
    "permit_extension_billed_paid_v4.json", "history-permit-ext-paid-v4", Outcome.ENDED
)
EXTENSION_UNPAID_V4 = RecordedHistory(
    "permit_extension_billed_unpaid_v4.json", "history-permit-ext-unpaid-v4", Outcome.ENDED
)
RECORDED = (
    TERMINATED_V1,
    LAPSED_V1,
    TERMINATED_V2,
    REPORTS_EXTENDED_V2,
    EXTENSION_REFUSED_V2,
    EXTENSION_UNDECIDED_V2,
    TERMINATED_EXTENSION_OPEN_V2,
    PAID_TASK_V3,
    EXPIRED_TASK_V3,
    EXTENSION_PAID_V4,
    EXTENSION_UNPAID_V4,
)


async def _revision_payment_visa_active_terminated(
    harness: PermitHarness, case: PermitCase
) -> None:
    """One revision round, payment, Imigrasi's checks and visa, ITAS, a year active (one
    annual-report reminder), then early termination with an EPO."""
    await case.decide(
        PermitWorkflow.verify_documents, verification(VerificationChoice.REQUEST_REVISION)
    )
    await case.decide(PermitWorkflow.resubmit, resubmission())
    await case.to_active()
    await harness.skip(timedelta(days=370))
    await case.until(lambda s: len(s.reminders_sent) == 1, "the annual-report reminder")
    await case.handle.execute_update(PermitWorkflow.terminate, termination())


async def _revision_lapsed(harness: PermitHarness, case: PermitCase) -> None:
    await case.decide(
        PermitWorkflow.verify_documents, verification(VerificationChoice.REQUEST_REVISION)
    )
    await harness.skip(timedelta(days=15))


async def _active_until(harness: PermitHarness, case: PermitCase, days: int) -> None:
    await case.to_active()
    await harness.skip(timedelta(days=days))
    await case.settled()


async def _to_expiry(harness: PermitHarness, case: PermitCase) -> None:
    state = await case.state()
    assert state.permit.valid_until is not None
    await harness.skip_to(start_of(state.permit.valid_until + timedelta(days=2)))


async def _reports_and_extension_granted(harness: PermitHarness, case: PermitCase) -> None:
    """Year 1's report filed late (escalated to the Kemnaker officer), an extension of 12
    months verified and approved (ITAS extended), year 2's report on time, the new expiry."""
    await _active_until(harness, case, 366 + 32)
    await case.decide(PermitWorkflow.submit_annual_report, annual_report(1))
    await case.decide(PermitWorkflow.request_extension, extension_request(12))
    await case.decide(PermitWorkflow.verify_extension, extension_decision())
    await case.decide(PermitWorkflow.approve_extension, extension_approval())
    await harness.skip(timedelta(days=400))
    await case.until(lambda s: len(s.annual_reports) == 2, "year 2's report")
    await case.decide(PermitWorkflow.submit_annual_report, annual_report(2))
    await _to_expiry(harness, case)


async def _extension_refused(harness: PermitHarness, case: PermitCase) -> None:
    await _active_until(harness, case, 100)
    await case.decide(PermitWorkflow.request_extension, extension_request(12))
    await case.decide(PermitWorkflow.verify_extension, extension_decision(ExtensionChoice.REJECT))
    await _to_expiry(harness, case)


async def _extension_undecided(harness: PermitHarness, case: PermitCase) -> None:
    await _active_until(harness, case, 100)
    await case.decide(PermitWorkflow.request_extension, extension_request(6))
    await case.decide(PermitWorkflow.verify_extension, extension_decision())
    await _to_expiry(harness, case)


async def _terminated_with_extension_open(harness: PermitHarness, case: PermitCase) -> None:
    await _active_until(harness, case, 100)
    await case.decide(PermitWorkflow.request_extension, extension_request(12))
    await case.handle.execute_update(PermitWorkflow.terminate, termination())


async def _paid_then_terminated(harness: PermitHarness, case: PermitCase) -> None:
    await _active_until(harness, case, 30)
    await case.handle.execute_update(PermitWorkflow.terminate, termination())


async def _expired_unpaid(harness: PermitHarness, case: PermitCase) -> None:
    await case.to_payment()
    await harness.skip(timedelta(days=8))


async def _extension_billed(harness: PermitHarness, case: PermitCase, paid: bool) -> None:
    await _active_until(harness, case, 100)
    await case.decide(PermitWorkflow.request_extension, extension_request(12))
    await case.decide(PermitWorkflow.verify_extension, extension_decision())
    await case.decide(PermitWorkflow.approve_extension, extension_approval())
    if paid:
        await case.pay("PAY-EXT-1", 1200, "dkptka:extension-1")
        await case.until(lambda s: s.extensions[-1].new_valid_until is not None, "granted")
    else:
        await harness.skip(timedelta(days=8))
        await case.until(lambda s: s.extensions[-1].step.value == "lapsed", "lapsed unpaid")
    await _to_expiry(harness, case)


async def _extension_paid(harness: PermitHarness, case: PermitCase) -> None:
    await _extension_billed(harness, case, paid=True)


async def _extension_unpaid(harness: PermitHarness, case: PermitCase) -> None:
    await _extension_billed(harness, case, paid=False)


SCENARIOS: dict[RecordedHistory, Callable[[PermitHarness, PermitCase], Awaitable[None]]] = {
    TERMINATED_V1: _revision_payment_visa_active_terminated,
    LAPSED_V1: _revision_lapsed,
    TERMINATED_V2: _revision_payment_visa_active_terminated,
    REPORTS_EXTENDED_V2: _reports_and_extension_granted,
    EXTENSION_REFUSED_V2: _extension_refused,
    EXTENSION_UNDECIDED_V2: _extension_undecided,
    TERMINATED_EXTENSION_OPEN_V2: _terminated_with_extension_open,
    PAID_TASK_V3: _paid_then_terminated,
    EXPIRED_TASK_V3: _expired_unpaid,
    EXTENSION_PAID_V4: _extension_paid,
    EXTENSION_UNPAID_V4: _extension_unpaid,
}


async def record(env: WorkflowEnvironment) -> list[Path]:
    written: list[Path] = []
    async with running_permit_harness(env) as harness:
        for history, drive in SCENARIOS.items():
            if history.path.exists():
                print(f"keeping {history.path}: recorded histories are never overwritten")
                continue
            case = await harness.start(application_id=history.application_id, duration_months=24)
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
