"""Builders and a driver for the inmate-journey workflow tests (on top of `support.py`)."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.cohort import COHORT_ENROLMENT_SIGNAL, CohortEnrolment
from domain.custody import CustodyEvent, CustodyEventKind, CustodyEventOutcome, ReleaseKind
from domain.enrolment import EnrolmentRequest, enrolment_workflow_id
from domain.identity import Actor, Ministry, Role, Scope
from domain.journey import (
    EnrolmentStarted,
    HandoverAcknowledgement,
    HandoverReceiver,
    JourneyEvent,
    JourneyStart,
    JourneyState,
    journey_workflow_id,
)
from domain.policy import JourneyPolicy
from tests.temporal_support import quiet, until
from tests.workflows.support import INMATE_SDP_NO, UPT, Case, EnrolmentHandle, Harness
from workflows.enrolment import EnrolmentWorkflow
from workflows.journey import InmateJourneyWorkflow

SDP = Actor(subject="sdp-integration", role=Role.SDP_SYSTEM)
BAPAS = "BP-JAKBAR"
BAPAS_OFFICER = Actor(subject="pk-jakbar-1", role=Role.BAPAS_OFFICER, scope=Scope(bapas=BAPAS))
OTHER_BAPAS_OFFICER = Actor(
    subject="pk-jaktim-1", role=Role.BAPAS_OFFICER, scope=Scope(bapas="BP-JAKTIM")
)
PLACEMENT_OFFICER = Actor(
    subject="placement-1", role=Role.KEMNAKER_OFFICER, scope=Scope(ministry=Ministry.KEMNAKER)
)

_ids = itertools.count(1)


def custody(
    kind: CustodyEventKind, *, event_id: str | None = None, **fields: object
) -> CustodyEvent:
    return CustodyEvent.model_validate(
        {
            "actor": SDP,
            "event_id": event_id or f"SDP-EV-{next(_ids)}-{uuid.uuid4().hex[:6]}",
            "inmate_sdp_no": INMATE_SDP_NO,
            "kind": kind,
            "occurred_at": datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
            **fields,
        }
    )


def transfer(to_upt: str, event_id: str | None = None) -> CustodyEvent:
    return custody(CustodyEventKind.TRANSFER, event_id=event_id, to_upt=to_upt)


def sanction(ref: str, until: date | None = None, event_id: str | None = None) -> CustodyEvent:
    return custody(
        CustodyEventKind.SANCTION, event_id=event_id, sanction_ref=ref, sanction_until=until
    )


def lifted(ref: str, event_id: str | None = None) -> CustodyEvent:
    return custody(CustodyEventKind.SANCTION_LIFTED, event_id=event_id, sanction_ref=ref)


def release(kind: ReleaseKind = ReleaseKind.PB, bapas: str | None = BAPAS) -> CustodyEvent:
    supervised = kind is not ReleaseKind.FREE
    return custody(
        CustodyEventKind.RELEASE, release_kind=kind, bapas_code=bapas if supervised else None
    )


def acknowledgement(
    receiver: HandoverReceiver, actor: Actor | None = None, *, consent: bool = False
) -> HandoverAcknowledgement:
    """Job placement records the released person's consent to be contacted (default: none,
    so the placement case it starts closes at once)."""
    bapas = receiver is HandoverReceiver.BAPAS
    return HandoverAcknowledgement(
        actor=actor or (BAPAS_OFFICER if bapas else PLACEMENT_OFFICER),
        receiver=receiver,
        reason="registered as Klien; file opened",
        contact_consent=None if bapas else consent,
    )


def new_journey_workflow_id() -> str:
    return f"{journey_workflow_id(INMATE_SDP_NO)}-{uuid.uuid4().hex[:6]}"


def cohort_row(
    request: EnrolmentRequest, journey_workflow: str, cohort_id: str = "COH-TEST-1"
) -> CohortEnrolment:
    """A checked cohort row for the journey `journey_workflow`."""
    return CohortEnrolment(
        cohort_id=cohort_id,
        request=request.model_copy(update={"journey_workflow_id": journey_workflow}),
    )


JourneyHandle = WorkflowHandle[InmateJourneyWorkflow, JourneyState]


class JourneyCase:
    """One running journey and the steps tests drive it through."""

    def __init__(self, harness: Harness, handle: JourneyHandle, journey_id: str) -> None:
        self.harness = harness
        self.handle = handle
        self.journey_id = journey_id

    @classmethod
    async def start(
        cls,
        harness: Harness,
        policy: JourneyPolicy | None = None,
        upt: str = UPT,
        workflow_id: str | None = None,
        journey_id: str | None = None,
        queued: CohortEnrolment | None = None,
    ) -> JourneyCase:
        """Start a journey; with `queued`, by a signal-with-start carrying that cohort row
        (its request must name `workflow_id` as its journey)."""
        journey_id = journey_id or f"JRN-{uuid.uuid4().hex[:10]}"
        handle = await harness.env.client.start_workflow(
            InmateJourneyWorkflow.run,
            JourneyStart(
                journey_id=journey_id,
                inmate_sdp_no=INMATE_SDP_NO,
                upt_code=upt,
                # Job placement's follow-up runs on this test's worker too.
                policy=(policy or JourneyPolicy()).model_copy(
                    update={"placement_task_queue": harness.task_queue}
                ),
            ),
            id=workflow_id or new_journey_workflow_id(),
            task_queue=harness.task_queue,
            start_signal=COHORT_ENROLMENT_SIGNAL if queued is not None else None,
            start_signal_args=[queued] if queued is not None else [],
        )
        harness.others.append(handle)  # type: ignore[arg-type]
        return cls(harness, handle, journey_id)

    async def state(self) -> JourneyState:
        return await self.handle.query(InmateJourneyWorkflow.state)

    def events(self) -> list[JourneyEvent]:
        return self.harness.journey_projection.events(self.journey_id)

    async def enrol(self, request: EnrolmentRequest | None = None) -> Case:
        request = request or await self.harness.request()
        request = request.model_copy(update={"journey_workflow_id": self.handle.id})
        started: EnrolmentStarted = await self.handle.execute_update(
            InmateJourneyWorkflow.enrol, request
        )
        handle: EnrolmentHandle = self.harness.env.client.get_workflow_handle_for(
            EnrolmentWorkflow.run, started.workflow_id
        )
        case = Case(self.harness, request, handle)
        self.harness.cases.append(case)
        await case.settled()
        return case

    async def queue(self, request: EnrolmentRequest) -> CohortEnrolment:
        """Send a cohort row (a signal: the journey applies it in its own time)."""
        row = cohort_row(request, self.handle.id)
        await self.handle.signal(InmateJourneyWorkflow.queue_enrolment, row)
        return row

    async def outcome(self, row: CohortEnrolment) -> JourneyEvent:
        """The journey event that settled the cohort row (started or refused)."""

        def settling(events: list[JourneyEvent]) -> JourneyEvent | None:
            return next(
                (
                    e
                    for e in events
                    if e.cohort_row is not None
                    and e.cohort_row.enrolment_id == row.request.enrolment_id
                ),
                None,
            )

        await until(
            lambda: asyncio.sleep(0, self.events()),
            lambda events: settling(events) is not None,
            f"the outcome of cohort row {row.request.enrolment_id}",
            called="journey projection",
        )
        found = settling(self.events())
        assert found is not None
        return found

    async def started_case(self, row: CohortEnrolment) -> Case:
        """The enrolment a cohort row started, as a case the test drives (and tears down)."""
        await self.outcome(row)
        handle: EnrolmentHandle = self.harness.env.client.get_workflow_handle_for(
            EnrolmentWorkflow.run, enrolment_workflow_id(row.request.enrolment_id)
        )
        case = Case(self.harness, row.request, handle)
        self.harness.cases.append(case)
        await case.settled()
        return case

    async def report(self, event: CustodyEvent) -> CustodyEventOutcome:
        return await self.handle.execute_update(
            InmateJourneyWorkflow.record_custody_event, event, id=f"custody-{event.event_id}"
        )

    async def acknowledge(self, ack: HandoverAcknowledgement) -> JourneyState:
        return await self.handle.execute_update(InmateJourneyWorkflow.acknowledge_handover, ack)

    async def until(
        self, ready: Callable[[JourneyState], bool], what: str, within: float = 10.0
    ) -> JourneyState:
        return await until(self.state, ready, what, within, called="journey")

    async def refused(self, update: Any, arg: Any) -> str:
        """Send an update that must be refused; prove nothing changed; return the refusal."""
        await self.quiet()
        before, recorded = await self.state(), len(self.events())
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            async with asyncio.timeout(10):
                await self.handle.execute_update(update, arg)
        cause = refused.value.cause
        assert isinstance(cause, ApplicationError) and cause.type is not None, cause
        await self.quiet()
        assert await self.state() == before, "a refused input changed the journey"
        assert len(self.events()) == recorded, "a refused input was projected"
        return cause.type

    async def quiet(self) -> None:
        await quiet(self.handle)
