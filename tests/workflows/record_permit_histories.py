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

from domain.permit import Outcome, VerificationChoice, permit_workflow_id
from tests.conftest import start_time_skipping_server
from tests.histories_support import RecordedFile, write_history
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
RECORDED = (TERMINATED_V1, LAPSED_V1, TERMINATED_V2)


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


SCENARIOS: dict[RecordedHistory, Callable[[PermitHarness, PermitCase], Awaitable[None]]] = {
    TERMINATED_V1: _revision_payment_visa_active_terminated,
    LAPSED_V1: _revision_lapsed,
    TERMINATED_V2: _revision_payment_visa_active_terminated,
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
