"""Process A, the inmate journey: the state it carries, and how it is projected.

The base of `InmateJourneyWorkflow` (`journey.py`): its state (what the query answers), its
status and the events it sends to the Postgres read model. The release handover is
`journey_handover.py`; the flow, enrolments and custody events are `journey.py`.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain import search
    from domain.custody import (
        CustodyEvent,
        CustodyEventOutcome,
    )
    from domain.journey import (
        JOURNEY_KIND,
        RECORD_JOURNEY_EVENT,
        JourneyEvent,
        JourneyEventKind,
        JourneyStart,
        JourneyState,
        JourneyStatus,
    )


with workflow.unsafe.imports_passed_through():
    from workflows.reviewer_tasks import ReviewerTasks, Settlement

# The journey's own activities (projection, offerings, tasks) are cheap and idempotent.
ACTIVITY_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
ACTIVITY_TIMEOUT = timedelta(seconds=30)


class JourneyCase:
    @workflow.init
    def __init__(self, start: JourneyStart) -> None:
        self._policy = start.policy
        self._state = start.carried or JourneyState(
            journey_id=start.journey_id,
            inmate_sdp_no=start.inmate_sdp_no,
            upt_code=start.upt_code,
            started_at=workflow.now(),
        )
        self._tasks = ReviewerTasks(
            JOURNEY_KIND, self._state.journey_id, {}, opened=self._state.task_seq
        )
        self._pending: list[CustodyEvent] = []  # accepted, applied in order by `run`
        self._outcomes: dict[str, CustodyEventOutcome] = {}  # answers for their handlers
        self._inapplicable: dict[str, str] = {}  # or why their event was not applied
        self._acks: dict[str, Settlement] = {}  # handover id -> who acknowledged (to close)
        self._closed_handovers: set[str] = set()
        # Starting an enrolment and applying a custody event both touch the enrolments:
        # one at a time, so a new enrolment never misses a transfer.
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------ read model

    async def _set_status(self, status: JourneyStatus) -> None:
        self._state.status = status
        workflow.upsert_search_attributes([search.STAGE.value_set(status.value)])

    async def _emit(self, kind: JourneyEventKind, **detail: object) -> None:
        """Project one change; the event id is deterministic, so retries write once."""
        self._state.event_seq += 1
        seq = self._state.event_seq
        event = JourneyEvent.model_validate(
            {
                "event_id": f"{self._state.journey_id}:{seq}",
                "journey_id": self._state.journey_id,
                "workflow_id": workflow.info().workflow_id,
                "inmate_sdp_no": self._state.inmate_sdp_no,
                "seq": seq,
                "kind": kind,
                "at": workflow.now(),
                "upt_code": self._state.upt_code,
                "status": self._state.status,
                **detail,
            }
        )
        await workflow.execute_activity(
            RECORD_JOURNEY_EVENT,
            event,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    @workflow.query
    def state(self) -> JourneyState:
        return self._state
