"""Process A, the inmate journey: its entry points, as Updates with their validators and
signals: starting an enrolment, a custody event, an enrolment's closing report, a handover's
acknowledgement.

Each validator runs the matching rule of `domain/journey_rules.py`, so a refused request
never enters history. Temporal finds handlers on the workflow class, so
`InmateJourneyWorkflow` takes them from this one class; they act only on the case the
workflow holds (`journey_case.py`). Custody events are applied by the flow (`journey.py`), in
order; their handlers wait for the outcome.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from domain import journey_rules as rules
    from domain.custody import CustodyEvent, CustodyEventOutcome
    from domain.enrolment import EnrolmentRequest, enrolment_workflow_id
    from domain.errors import Refusal
    from domain.journey import (
        ENROLMENT_CLOSED_SIGNAL,
        Acknowledgement,
        EnrolmentLink,
        EnrolmentStarted,
        HandoverAcknowledgement,
        JourneyEventKind,
        JourneyState,
        JourneyStatus,
        TrainingRecord,
    )


with workflow.unsafe.imports_passed_through():
    from workflows.enrolment import EnrolmentWorkflow
    from workflows.journey_case import JourneyCase
    from workflows.refusals import check
    from workflows.reviewer_tasks import Settlement


class Inapplicable(Exception):
    """A custody event that passed validation but cannot apply (found out by an activity)."""


class JourneyDecisions:
    _case: JourneyCase  # set by the workflow's `__init__`

    @workflow.query
    def state(self) -> JourneyState:
        return self._case.state

    # ------------------------------------------------------------ enrolments

    @workflow.update
    async def enrol(self, request: EnrolmentRequest) -> EnrolmentStarted:
        async with self._case.lock:
            self.validate_enrol(request)  # again: the state may have moved while queued
            workflow_id = enrolment_workflow_id(request.enrolment_id)
            await workflow.start_child_workflow(
                EnrolmentWorkflow.run,
                request,
                id=workflow_id,
                parent_close_policy=ParentClosePolicy.ABANDON,
            )
            link = EnrolmentLink(
                enrolment_id=request.enrolment_id,
                workflow_id=workflow_id,
                programme_code=request.programme.code,
                started_at=workflow.now(),
            )
            self._case.state.enrolments.append(link)
            await self._case.record(
                JourneyEventKind.ENROLMENT_STARTED,
                actor=request.requested_by,
                reason=request.reason,
                enrolment=link,
            )
        return EnrolmentStarted(
            enrolment_id=request.enrolment_id,
            workflow_id=workflow_id,
            journey_id=self._case.state.journey_id,
        )

    @enrol.validator
    def validate_enrol(self, request: EnrolmentRequest) -> None:
        check(
            lambda: rules.check_enrolment_start(
                self._case.state, request, workflow.info().workflow_id
            )
        )

    @workflow.signal(name=ENROLMENT_CLOSED_SIGNAL)
    async def enrolment_closed(self, record: TrainingRecord) -> None:
        link = next(
            (e for e in self._case.state.enrolments if e.enrolment_id == record.enrolment_id), None
        )
        if link is None or link.record is not None:
            return  # not ours, or a redelivery
        link.record = record
        await self._case.record(
            JourneyEventKind.ENROLMENT_CLOSED,
            reason=f"{record.programme_code}: {record.outcome.value}",
            enrolment=link,
        )

    # ------------------------------------------------------------ custody events

    @workflow.update
    async def record_custody_event(self, event: CustodyEvent) -> CustodyEventOutcome:
        self.validate_custody_event(event)
        if rules.applied_entry(self._case.state, event.event_id) is not None:
            return CustodyEventOutcome(
                event_id=event.event_id,
                duplicate=True,
                summary=f"event {event.event_id} was already applied; nothing changed",
            )
        if any(p.event_id == event.event_id for p in self._case.pending):
            await workflow.wait_condition(lambda: event.event_id in self._case.outcomes)
            first = self._case.outcomes[event.event_id]
            return first.model_copy(update={"duplicate": True, "enrolments": []})
        self._case.pending.append(event)
        await workflow.wait_condition(
            lambda: (
                event.event_id in self._case.outcomes or event.event_id in self._case.inapplicable
            )
        )
        if event.event_id in self._case.inapplicable:
            why = self._case.inapplicable.pop(event.event_id)
            raise ApplicationError(why, type=Refusal.INVALID.value, non_retryable=True)
        return self._case.outcomes[event.event_id]

    @record_custody_event.validator
    def validate_custody_event(self, event: CustodyEvent) -> None:
        check(
            lambda: rules.check_custody_event(
                self._case.state, event, self._case.pending, workflow.now()
            )
        )

    # ------------------------------------------------------------ release handover

    @workflow.update
    async def acknowledge_handover(self, ack: HandoverAcknowledgement) -> JourneyState:
        self.validate_acknowledgement(ack)
        handover = rules.open_handover(self._case.state, ack.receiver)
        assert handover is not None
        handover.acknowledged = Acknowledgement(
            actor=ack.actor, at=workflow.now(), reason=ack.reason
        )
        self._case.acks[handover.handover_id] = Settlement("acknowledge", ack.actor, ack.reason)
        await self._case.record(
            JourneyEventKind.HANDOVER_ACKNOWLEDGED,
            actor=ack.actor,
            reason=ack.reason,
            handover=handover,
        )
        # Answer once its inbox task is closed (and, for the last one, the journey ended).
        await workflow.wait_condition(
            lambda: (
                handover.handover_id in self._case.closed_handovers
                and (
                    self._case.state.status is JourneyStatus.ENDED
                    or any(h.acknowledged is None for h in self._case.state.handovers)
                )
            )
        )
        return self._case.state

    @acknowledge_handover.validator
    def validate_acknowledgement(self, ack: HandoverAcknowledgement) -> None:
        check(lambda: rules.check_acknowledgement(self._case.state, ack))
