"""Process A, the inmate journey: the case an `InmateJourneyWorkflow` holds.

Everything the flow (`journey.py`), its entry points (`journey_decisions.py`) and the release
handover (`journey_handover.py`) share lives here, in one object: the state the query
answers (carried over a continue-as-new), the custody events accepted and not yet applied,
the acknowledgements received, and the two components every case workflow holds: its event
recorder (`CaseEvents`) and its inbox tasks (`ReviewerTasks`).
"""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.cohort import CohortEnrolment
    from domain.custody import CustodyEvent, CustodyEventOutcome
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
    from workflows.case_events import PROJECTION_RETRY, PROJECTION_TIMEOUT, CaseEvents
    from workflows.reviewer_tasks import ReviewerTasks, Settlement

# The journey's own activities (projection, offerings, tasks) are cheap and idempotent.
ACTIVITY_RETRY = PROJECTION_RETRY
ACTIVITY_TIMEOUT = PROJECTION_TIMEOUT


# The journey's projections and handover-task writes run as local activities (one marker
# each, no extra workflow task): issue 18. Runs started before it keep activities to their end.
LOCAL_PROJECTIONS_PATCH = "journey-local-projections-v1"


class JourneyCase:
    def __init__(self, start: JourneyStart) -> None:
        self.policy = start.policy
        self.state = start.carried or JourneyState(
            journey_id=start.journey_id,
            inmate_sdp_no=start.inmate_sdp_no,
            upt_code=start.upt_code,
            started_at=workflow.now(),
        )
        self.events = CaseEvents(
            activity=RECORD_JOURNEY_EVENT,
            event_type=JourneyEvent,
            case_field="journey_id",
            case_id=self.state.journey_id,
            recorded=self.state.event_seq,
            counted=self._counted,
            snapshot=lambda: {
                "inmate_sdp_no": self.state.inmate_sdp_no,
                "upt_code": self.state.upt_code,
                "status": self.state.status,
            },
            local_patch=LOCAL_PROJECTIONS_PATCH,
        )
        self.tasks = ReviewerTasks(
            JOURNEY_KIND,
            self.state.journey_id,
            {},
            opened=self.state.task_seq,
            events_seen=lambda: self.events.seq,
            local_patch=LOCAL_PROJECTIONS_PATCH,
        )
        self.pending: list[CustodyEvent] = []  # accepted, applied in order by `run`
        self.queued: list[CohortEnrolment] = []  # cohort rows, started or refused by `run`
        self.applying: str | None = None  # the enrolment id of the cohort row `run` applies
        self.outcomes: dict[str, CustodyEventOutcome] = {}  # answers for their handlers
        self.inapplicable: dict[str, str] = {}  # or why their event was not applied
        self.acks: dict[str, Settlement] = {}  # handover id -> who acknowledged (to close)
        self.closed_handovers: set[str] = set()
        # Starting an enrolment (an update or a queued cohort row) and applying a custody
        # event both touch the enrolments: one at a time, so a new one never misses a transfer.
        self.lock = asyncio.Lock()

    def _counted(self, seq: int) -> None:
        self.state.event_seq = seq

    async def set_status(self, status: JourneyStatus) -> None:
        self.state.status = status
        self.events.show_stage(status.value)

    async def record(self, kind: JourneyEventKind, **detail: object) -> None:
        """Project one change; the event id is deterministic, so retries write once."""
        await self.events.record(kind, None, **detail)
