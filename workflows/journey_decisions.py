"""Process A, the inmate journey: its entry points, as Updates with their validators and
signals: starting an enrolment, queueing a cohort row, a custody event, an enrolment's closing
report, a handover's acknowledgement.

Each validator runs the matching rule of `domain/journey_rules.py`, so a refused request
never enters history. Temporal finds handlers on the workflow class, so
`InmateJourneyWorkflow` takes them from this one class; they act only on the case the
workflow holds (`journey_case.py`). Custody events are applied by the flow (`journey.py`), in
order; their handlers wait for the outcome. Cohort rows (`queue_enrolment`) are applied by
the flow too, after the custody events, under the same lock and by the same rule as `enrol`.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from domain import journey_rules as rules
    from domain.cohort import (
        COHORT_ENROLMENT_SIGNAL,
        CohortEnrolment,
        CohortRowNote,
        RowOutcome,
    )
    from domain.custody import CustodyEvent, CustodyEventOutcome
    from domain.enrolment import EnrolmentRequest, enrolment_workflow_id
    from domain.errors import DomainError, Refusal
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


# Cohort rows queued by a signal and applied by `run` (issue 18): a history without the
# marker never had the signal handled.
COHORT_QUEUE_PATCH = "journey-cohort-queue-v1"
# A cohort row handed over again (the cohort dispatcher died between its signal and its mark)
# is skipped when the journey refused it already or is applying it at that moment; before,
# such a copy was checked again, and refused "already active" over its own start.
COHORT_REDELIVERY_PATCH = "journey-cohort-redelivery-v1"
# How many refused rows' ids a journey keeps (a copy comes within minutes of the first).
REFUSED_ROWS_KEPT = 50


def _note(row: CohortEnrolment, outcome: RowOutcome, reason: str | None = None) -> CohortRowNote:
    return CohortRowNote(
        cohort_id=row.cohort_id,
        enrolment_id=row.request.enrolment_id,
        programme_code=row.request.programme.code,
        outcome=outcome,
        reason=reason,
    )


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
            link = await self._start_enrolment(request)
        return EnrolmentStarted(
            enrolment_id=request.enrolment_id,
            workflow_id=link.workflow_id,
            journey_id=self._case.state.journey_id,
        )

    @enrol.validator
    def validate_enrol(self, request: EnrolmentRequest) -> None:
        check(
            lambda: rules.check_enrolment_start(
                self._case.state, request, workflow.info().workflow_id
            )
        )

    async def _start_enrolment(
        self, request: EnrolmentRequest, cohort_row: CohortRowNote | None = None
    ) -> EnrolmentLink:
        """Start the enrolment as a child (its rule checked, the lock held), link it and
        record it (with the cohort row it settles, if any)."""
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
            cohort_row=cohort_row,
        )
        return link

    @workflow.signal(name=COHORT_ENROLMENT_SIGNAL)
    async def queue_enrolment(self, row: CohortEnrolment) -> None:
        """A checked cohort row, sent with start: `run` starts it or refuses it (a signal has
        no answer; the row's outcome is projected to the cohort-row table)."""
        enrolment_id = row.request.enrolment_id
        if any(e.enrolment_id == enrolment_id for e in self._case.state.enrolments) or any(
            q.request.enrolment_id == enrolment_id for q in self._case.queued
        ):
            return  # a redelivery
        if (
            enrolment_id == self._case.applying or enrolment_id in self._case.state.refused_rows
        ) and workflow.patched(COHORT_REDELIVERY_PATCH):
            return  # a redelivery of the row being applied, or of one refused
        self._case.queued.append(row)
        if self._case.state.release is not None:
            # `run` applies queued rows no more once released: refuse it here.
            async with self._case.lock:
                await self.apply_queued()

    async def apply_queued(self) -> None:
        """Start or refuse the queued cohort rows, in order (the lock held): the rule of
        `enrol`, and the row's outcome projected with the event that records it."""
        if self._case.queued and not workflow.patched(COHORT_QUEUE_PATCH):
            # Only a history recorded by a worker without this handler gets here (it held
            # the signal unhandled): nothing was done with these rows then, nor is now.
            self._case.queued.clear()
        while self._case.queued:
            row = self._case.queued.pop(0)
            self._case.applying = row.request.enrolment_id
            try:
                await self._apply_row(row)
            finally:
                self._case.applying = None

    async def _apply_row(self, row: CohortEnrolment) -> None:
        request = row.request
        try:
            rules.check_enrolment_start(self._case.state, request, workflow.info().workflow_id)
        except DomainError as refusal:
            refused = self._case.state.refused_rows
            refused.append(request.enrolment_id)
            del refused[:-REFUSED_ROWS_KEPT]
            await self._case.record(
                JourneyEventKind.ENROLMENT_REFUSED,
                actor=request.requested_by,
                reason=refusal.message,
                cohort_row=_note(row, RowOutcome.REFUSED, refusal.message),
            )
            return
        await self._start_enrolment(request, _note(row, RowOutcome.STARTED))

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
            actor=ack.actor,
            at=workflow.now(),
            reason=ack.reason,
            contact_consent=ack.contact_consent,
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
