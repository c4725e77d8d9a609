"""Record the enrolment histories the replay tests read, as fixture files in tests/histories.

    .venv/bin/python -m tests.workflows.record_histories

The test suite never runs this: a replay test is only worth something when it replays a
history recorded by *earlier* code. Record once per workflow version and keep the files; an
existing file is never overwritten. When the workflow changes on purpose, record the new
behaviour under a new version (`..._v2.json`) next to the old one, and keep the old one
replaying for as long as cases started on it may still be running.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from domain.enrolment import AppealOutcome, Outcome, Stage, enrolment_workflow_id
from tests.conftest import start_time_skipping_server
from tests.workflows.support import (
    UNITS,
    Case,
    Harness,
    appeal_decision,
    enrolment_request,
    running_harness,
)

HISTORIES = Path(__file__).resolve().parents[1] / "histories"


@dataclass(frozen=True)
class RecordedHistory:
    file: str
    enrolment_id: str
    outcome: Outcome

    @property
    def path(self) -> Path:
        return HISTORIES / self.file

    @property
    def workflow_id(self) -> str:
        return enrolment_workflow_id(self.enrolment_id)


CERTIFIED_V1 = RecordedHistory(
    "enrolment_certified_v1.json", "history-certified-v1", Outcome.CERTIFIED
)
APPEAL_REASSESS_V1 = RecordedHistory(
    "enrolment_appeal_reassess_v1.json", "history-appeal-reassess-v1", Outcome.CERTIFIED
)
# v2: every wait on a person opens an inbox task (patch "inbox-tasks-v1").
CERTIFIED_V2 = RecordedHistory(
    "enrolment_certified_v2_tasks.json", "history-certified-v2", Outcome.CERTIFIED
)
ESCALATED_V2 = RecordedHistory(
    "enrolment_escalated_v2_tasks.json", "history-escalated-v2", Outcome.CERTIFIED
)
RECORDED = (CERTIFIED_V1, APPEAL_REASSESS_V1, CERTIFIED_V2, ESCALATED_V2)


async def _straight_to_certificate(harness: Harness, case: Case) -> None:
    """Approve, train, every unit K, certificate at the first lookup."""
    await case.to_assessment()
    await case.assess_due()


async def _appeal_then_reassessment(harness: Harness, case: Case) -> None:
    """One unit BK, the appeal panel orders a reassessment, then every unit K."""
    await case.to_assessment()
    await case.assess_due(bk=(UNITS[1],))
    await case.file_appeal()
    await case.decide_appeal(appeal_decision(AppealOutcome.REASSESS))
    await case.at(Stage.ASSESSMENT)
    await case.assess_due()


async def _placement_overdue_then_certified(harness: Harness, case: Case) -> None:
    """The placement review sits past its SLA (escalated to the supervisor), then proceeds."""
    await case.settled()
    [task] = harness.tasks.open_now()
    assert task.due_at is not None
    await harness.skip_to(task.due_at + timedelta(hours=1))
    await case.until(lambda _: len(harness.tasks.escalated) == 1, "the task escalation")
    await case.to_assessment()
    await case.assess_due()


SCENARIOS: dict[RecordedHistory, Callable[[Harness, Case], Awaitable[None]]] = {
    CERTIFIED_V1: _straight_to_certificate,
    APPEAL_REASSESS_V1: _appeal_then_reassessment,
    CERTIFIED_V2: _straight_to_certificate,
    ESCALATED_V2: _placement_overdue_then_certified,
}


async def record(env: WorkflowEnvironment) -> list[Path]:
    written: list[Path] = []
    async with running_harness(env) as harness:
        for history, drive in SCENARIOS.items():
            if history.path.exists():
                print(f"keeping {history.path}: recorded histories are never overwritten")
                continue
            request = enrolment_request(await harness.now(), enrolment_id=history.enrolment_id)
            case = await harness.start(request)
            await drive(harness, case)
            result = await case.result()
            assert result.outcome is history.outcome, result
            history.path.parent.mkdir(parents=True, exist_ok=True)
            history.path.write_text((await case.handle.fetch_history()).to_json() + "\n")
            written.append(history.path)
            print(f"recorded {history.path}")
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
