"""Record the placement histories the replay tests read (fixtures in tests/histories).

    .venv/bin/python -m tests.workflows.record_placement_histories

One journey, released free, whose job placement acknowledges with consent (the journey's v2
history: it starts the placement case), and that placement case followed to a job held 3
months. Existing files are never overwritten (see `record_histories.py`).
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass

from temporalio.testing import WorkflowEnvironment

from domain.clock import local_date
from domain.custody import ReleaseKind
from domain.journey import HandoverReceiver, JourneyStatus
from domain.placement import (
    CloseReason,
    OutcomeKind,
    PlacementState,
    placement_id_for,
    placement_workflow_id,
)
from tests.conftest import start_time_skipping_server
from tests.histories_support import RecordedFile, write_history
from tests.workflows.journey_support import JourneyCase, acknowledgement, release
from tests.workflows.placement_support import (
    PlacementCase,
    PlacementHandle,
    check_in,
    contact,
    outcome,
    referral,
)
from tests.workflows.record_histories import JOURNEY_PLACEMENT_V2
from tests.workflows.support import running_harness
from workflows.placement import PlacementWorkflow

JOURNEY_ID = "JRN-HISTORY-PLACEMENT-V2"


@dataclass(frozen=True)
class RecordedPlacement(RecordedFile):
    placement_id: str
    close_reason: CloseReason

    @property
    def workflow_id(self) -> str:
        return placement_workflow_id(self.placement_id)


PLACEMENT_JOB_HELD_V1 = RecordedPlacement(
    "placement_job_held_v1.json", placement_id_for(JOURNEY_ID), CloseReason.JOB_HELD
)
PLACEMENTS = (PLACEMENT_JOB_HELD_V1,)


async def record(env: WorkflowEnvironment) -> None:
    if JOURNEY_PLACEMENT_V2.path.exists() or PLACEMENT_JOB_HELD_V1.path.exists():
        print("keeping the recorded placement histories: never overwritten")
        return
    async with running_harness(env) as harness:
        journey = await JourneyCase.start(
            harness, workflow_id=JOURNEY_PLACEMENT_V2.workflow_id, journey_id=JOURNEY_ID
        )
        case = await journey.enrol()
        await case.to_assessment()
        await case.assess_due()
        await case.result()
        await journey.until(lambda s: not s.active_enrolments(), "the enrolment's report")
        await journey.report(release(ReleaseKind.FREE))
        await journey.until(lambda s: s.status is JourneyStatus.HANDOVER, "the handover")
        await journey.quiet()
        await journey.acknowledge(acknowledgement(HandoverReceiver.JOB_PLACEMENT, consent=True))
        await journey.handle.result()
        await write_history(JOURNEY_PLACEMENT_V2.path, journey.handle)

        handle: PlacementHandle = env.client.get_workflow_handle(
            PLACEMENT_JOB_HELD_V1.workflow_id, result_type=PlacementState
        )
        placement = PlacementCase(harness, handle, PLACEMENT_JOB_HELD_V1.placement_id)
        await placement.update(PlacementWorkflow.record_contact, contact())
        await placement.update(PlacementWorkflow.record_referral, referral())
        hired = local_date((await placement.state()).started_at)
        await placement.update(
            PlacementWorkflow.record_outcome, outcome(OutcomeKind.EMPLOYED, start_date=hired)
        )
        for month in (1, 3):
            await placement.to_check_in(month)
            await placement.record_check_in(check_in(month, job_confirmed=True))
        final = await placement.closed()
        assert final.close_reason is PLACEMENT_JOB_HELD_V1.close_reason, final
        await write_history(PLACEMENT_JOB_HELD_V1.path, handle)


async def main() -> int:
    env = await start_time_skipping_server()
    try:
        await record(env)
    finally:
        await env.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
