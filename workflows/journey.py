"""Process A, the inmate journey: one workflow per inmate while in custody.

It holds the inmate's UPT and custody status, starts each programme enrolment as a child
workflow, and passes custody events down to the active ones (as signals: the enrolment
applies them at its next wait). At release it waits for the active enrolments to stop,
packages their certificates and training records, hands the package to each receiver and
ends once every receiver has acknowledged. Custody lasts years: the journey continues as
new when Temporal suggests it, carrying its state. The rules are `domain/journey_rules.py`.

Children are started with parent-close policy ABANDON: a continue-as-new closes the run
that started them, and they must live on; the link is kept by workflow id both ways.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError, FailureError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from domain import journey_rules as rules
    from domain import search
    from domain.custody import (
        CustodyEvent,
        CustodyEventKind,
        CustodyEventOutcome,
        CustodyNotice,
        EnrolmentAffected,
        EnrolmentEffect,
    )
    from domain.enrolment import AwaitedWork, EnrolmentRequest, enrolment_workflow_id
    from domain.errors import Refusal
    from domain.identity import Ministry, Role, Scope
    from domain.journey import (
        CUSTODY_NOTICE_SIGNAL,
        ENROLMENT_CLOSED_SIGNAL,
        JOURNEY_KIND,
        PROGRAMMES_OFFERED,
        RECORD_JOURNEY_EVENT,
        Acknowledgement,
        CustodyEntry,
        EnrolmentLink,
        EnrolmentStarted,
        Handover,
        HandoverAcknowledgement,
        HandoverReceiver,
        JourneyEvent,
        JourneyEventKind,
        JourneyStart,
        JourneyState,
        JourneyStatus,
        ProgrammesOffered,
        ProgrammesOfferedQuery,
        Release,
        Sanction,
        TrainingRecord,
    )


with workflow.unsafe.imports_passed_through():
    from workflows.enrolment import EnrolmentWorkflow
    from workflows.refusals import check
    from workflows.reviewer_tasks import ReviewerTasks, Settlement

_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
_TIMEOUT = timedelta(seconds=30)
# How long the journey waits at release for its enrolments to report that they stopped
# (they stop at their next wait; longer means a worker or Postgres is down). Past it the
# handover goes out with the records it has; a late report still lands in the state.
_STOP_GRACE = timedelta(days=1)

_RECEIVER_WORK = {
    HandoverReceiver.BAPAS: Role.BAPAS_OFFICER,
    HandoverReceiver.JOB_PLACEMENT: Role.KEMNAKER_OFFICER,
}


class _Inapplicable(Exception):
    """A custody event that passed validation but cannot apply (found out by an activity)."""


@workflow.defn
class InmateJourneyWorkflow:
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

    # ------------------------------------------------------------ main flow

    @workflow.run
    async def run(self, start: JourneyStart) -> JourneyState:
        workflow.upsert_search_attributes(
            [
                search.KIND.value_set(JOURNEY_KIND),
                search.STAGE.value_set(self._state.status.value),
                search.UPT.value_set(self._state.upt_code),
            ]
        )
        if start.carried is None:
            await self._emit(JourneyEventKind.STARTED)
        else:
            await self._emit(
                JourneyEventKind.CONTINUED_AS_NEW, reason=f"run {self._state.runs} of the journey"
            )
        while self._state.release is None:
            await workflow.wait_condition(
                lambda: bool(self._pending) or self._time_to_continue_as_new()
            )
            async with self._lock:
                await self._apply_pending()
            if self._state.release is None and self._time_to_continue_as_new():
                # Custody handlers wait for `run` to apply their event: wait for the handlers
                # or for new work, whichever comes first.
                await workflow.wait_condition(
                    lambda: workflow.all_handlers_finished() or bool(self._pending)
                )
                if not self._pending:
                    self._continue_as_new()  # no await in between: no handler can slip in
        await self._handover()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    def _time_to_continue_as_new(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self._policy.continue_as_new_after_events
        )

    def _continue_as_new(self) -> None:
        self._state.task_seq = self._tasks.opened
        self._state.runs += 1
        workflow.continue_as_new(
            JourneyStart(
                journey_id=self._state.journey_id,
                inmate_sdp_no=self._state.inmate_sdp_no,
                upt_code=self._state.upt_code,
                policy=self._policy,
                carried=self._state,
            )
        )

    # ------------------------------------------------------------ enrolments

    @workflow.update
    async def enrol(self, request: EnrolmentRequest) -> EnrolmentStarted:
        async with self._lock:
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
            self._state.enrolments.append(link)
            await self._emit(
                JourneyEventKind.ENROLMENT_STARTED,
                actor=request.requested_by,
                reason=request.reason,
                enrolment=link,
            )
        return EnrolmentStarted(
            enrolment_id=request.enrolment_id,
            workflow_id=workflow_id,
            journey_id=self._state.journey_id,
        )

    @enrol.validator
    def validate_enrol(self, request: EnrolmentRequest) -> None:
        check(
            lambda: rules.check_enrolment_start(self._state, request, workflow.info().workflow_id)
        )

    @workflow.signal(name=ENROLMENT_CLOSED_SIGNAL)
    async def enrolment_closed(self, record: TrainingRecord) -> None:
        link = next(
            (e for e in self._state.enrolments if e.enrolment_id == record.enrolment_id), None
        )
        if link is None or link.record is not None:
            return  # not ours, or a redelivery
        link.record = record
        await self._emit(
            JourneyEventKind.ENROLMENT_CLOSED,
            reason=f"{record.programme_code}: {record.outcome.value}",
            enrolment=link,
        )

    # ------------------------------------------------------------ custody events

    @workflow.update
    async def record_custody_event(self, event: CustodyEvent) -> CustodyEventOutcome:
        self.validate_custody_event(event)
        if rules.applied_entry(self._state, event.event_id) is not None:
            return CustodyEventOutcome(
                event_id=event.event_id,
                duplicate=True,
                summary=f"event {event.event_id} was already applied; nothing changed",
            )
        if any(p.event_id == event.event_id for p in self._pending):
            await workflow.wait_condition(lambda: event.event_id in self._outcomes)
            first = self._outcomes[event.event_id]
            return first.model_copy(update={"duplicate": True, "enrolments": []})
        self._pending.append(event)
        await workflow.wait_condition(
            lambda: event.event_id in self._outcomes or event.event_id in self._inapplicable
        )
        if event.event_id in self._inapplicable:
            why = self._inapplicable.pop(event.event_id)
            raise ApplicationError(why, type=Refusal.INVALID.value, non_retryable=True)
        return self._outcomes[event.event_id]

    @record_custody_event.validator
    def validate_custody_event(self, event: CustodyEvent) -> None:
        check(lambda: rules.check_custody_event(self._state, event, self._pending, workflow.now()))

    async def _apply_pending(self) -> None:
        while self._pending:
            event = self._pending[0]
            try:
                affected = await self._apply(event)
            except _Inapplicable as error:  # nothing changed: a corrected event may follow
                self._inapplicable[event.event_id] = str(error)
                self._pending.pop(0)
                continue
            self._state.custody_events.append(
                CustodyEntry(
                    event_id=event.event_id,
                    kind=event.kind,
                    occurred_at=event.occurred_at,
                    applied_at=workflow.now(),
                    fingerprint=event.fingerprint(),
                )
            )
            summary = self._describe(event, affected)
            await self._emit(
                JourneyEventKind.CUSTODY_EVENT, actor=event.actor, reason=summary, custody=event
            )
            self._pending.pop(0)
            self._outcomes[event.event_id] = CustodyEventOutcome(
                event_id=event.event_id, duplicate=False, summary=summary, enrolments=affected
            )

    async def _apply(self, event: CustodyEvent) -> list[EnrolmentAffected]:
        active = self._state.active_enrolments()
        offered: set[str] = set()
        if event.kind is CustodyEventKind.TRANSFER:
            assert event.to_upt is not None
            answer: ProgrammesOffered = await workflow.execute_activity(
                PROGRAMMES_OFFERED,
                ProgrammesOfferedQuery(
                    upt_code=event.to_upt, programme_codes=[e.programme_code for e in active]
                ),
                result_type=ProgrammesOffered,
                start_to_close_timeout=_TIMEOUT,
                retry_policy=_RETRY,
            )
            if not answer.upt_known:
                raise _Inapplicable(f"{event.to_upt} is not a UPT that holds inmates")
            offered = set(answer.offered)
            self._state.upt_code = event.to_upt
            workflow.upsert_search_attributes([search.UPT.value_set(event.to_upt)])
        elif event.kind is CustodyEventKind.SANCTION:
            assert event.sanction_ref is not None
            in_force = rules.sanctions_in_force(self._state, workflow.now())
            self._state.sanctions = [s for s in self._state.sanctions if s.ref in in_force]
            sanction = Sanction(ref=event.sanction_ref, until=event.sanction_until)
            self._state.sanctions.append(sanction)
        elif event.kind is CustodyEventKind.SANCTION_LIFTED:
            self._state.sanctions = [
                s for s in self._state.sanctions if s.ref != event.sanction_ref
            ]
        else:
            assert event.release_kind is not None
            self._state.release = Release(
                event_id=event.event_id,
                kind=event.release_kind,
                at=workflow.now(),
                bapas_code=event.bapas_code,
            )
            await self._set_status(JourneyStatus.RELEASING)
        affected = []
        for link in active:
            notice = CustodyNotice(
                event=event,
                offered_at_destination=(
                    link.programme_code in offered
                    if event.kind is CustodyEventKind.TRANSFER
                    else None
                ),
            )
            await self._notify(link, notice)
            affected.append(
                EnrolmentAffected(
                    enrolment_id=link.enrolment_id,
                    programme_code=link.programme_code,
                    effect=_effect(event.kind, notice.offered_at_destination),
                )
            )
        return affected

    async def _notify(self, link: EnrolmentLink, notice: CustodyNotice) -> None:
        enrolment = workflow.get_external_workflow_handle(link.workflow_id)
        try:
            await enrolment.signal(CUSTODY_NOTICE_SIGNAL, notice)
        except FailureError as error:
            # It closed meanwhile; its closing report is on its way and says how it ended.
            workflow.logger.warning("enrolment did not take the custody notice: %s", error)

    def _describe(self, event: CustodyEvent, affected: list[EnrolmentAffected]) -> str:
        what = {
            CustodyEventKind.TRANSFER: f"transferred to {event.to_upt}",
            CustodyEventKind.SANCTION: f"sanction {event.sanction_ref}",
            CustodyEventKind.SANCTION_LIFTED: f"sanction {event.sanction_ref} lifted",
            CustodyEventKind.RELEASE: f"released ({event.release_kind})",
        }[event.kind]
        effects = ", ".join(f"{a.programme_code} {a.effect.value}" for a in affected)
        return f"{what}; " + (effects or "no active enrolment")

    # ------------------------------------------------------------ release handover

    async def _handover(self) -> None:
        await workflow.wait_condition(
            lambda: not self._state.active_enrolments(), timeout=_STOP_GRACE
        )
        self._state.package = rules.handover_package(self._state)
        now = workflow.now()
        due = now + timedelta(days=self._policy.handover_ack_days)
        self._state.handovers = [
            Handover(
                handover_id=f"{self._state.journey_id}:{receiver.value}",
                receiver=receiver,
                bapas_code=bapas_code,
                sent_at=now,
                due_at=due,
            )
            for receiver, bapas_code in rules.receivers(self._state)
        ]
        await self._set_status(JourneyStatus.HANDOVER)
        for handover in self._state.handovers:
            await self._send(handover)
        while (
            any(h.acknowledged is None for h in self._state.handovers)
            or self._unclosed_acknowledgements()
        ):
            await self._await_acknowledgements()
        await self._set_status(JourneyStatus.ENDED)
        await self._emit(JourneyEventKind.ENDED, reason="every handover was acknowledged")

    async def _send(self, handover: Handover) -> None:
        """Open the receiver's inbox task and project the handover with its package."""
        if handover.bapas_code is not None:
            scope = Scope(bapas=handover.bapas_code)
        else:
            scope = Scope(ministry=Ministry.KEMNAKER)
        work = AwaitedWork(
            kind=f"handover_{handover.receiver.value}",
            role=_RECEIVER_WORK[handover.receiver],
            scope=scope,
            since=handover.sent_at,
            due=handover.due_at,
        )
        handover.task_id = await self._tasks.open(work, JourneyStatus.HANDOVER.value)
        await self._emit(
            JourneyEventKind.HANDOVER_SENT, handover=handover, package=self._state.package
        )

    def _unclosed_acknowledgements(self) -> list[Handover]:
        """Acknowledged handovers whose inbox task is still open."""
        return [
            h
            for h in self._state.handovers
            if h.handover_id in self._acks and h.handover_id not in self._closed_handovers
        ]

    async def _await_acknowledgements(self) -> None:
        """Wait for the next acknowledgement (escalating what falls due), then close the
        inbox task of every acknowledged handover. An acknowledgement may already have
        arrived while the handovers were being sent: then there is nothing to wait for."""
        if not self._unclosed_acknowledgements():
            unescalated = [
                h.due_at
                for h in self._state.handovers
                if h.acknowledged is None and h.escalated_at is None
            ]
            next_due = min(unescalated, default=None)
            try:
                await workflow.wait_condition(
                    lambda: bool(self._unclosed_acknowledgements()),
                    timeout=None
                    if next_due is None
                    else max(next_due - workflow.now(), timedelta(seconds=1)),
                )
            except TimeoutError:
                for handover in self._state.handovers:
                    overdue = handover.due_at <= workflow.now()
                    if overdue and handover.acknowledged is None and not handover.escalated_at:
                        await self._escalate(handover)
        for handover in self._unclosed_acknowledgements():
            assert handover.task_id is not None
            await self._tasks.close(handover.task_id, self._acks[handover.handover_id], "")
            self._closed_handovers.add(handover.handover_id)

    async def _escalate(self, handover: Handover) -> None:
        handover.escalated_at = workflow.now()
        assert handover.task_id is not None
        await self._tasks.escalate(
            handover.task_id,
            Role.SUPERVISOR,
            f"the {handover.receiver.value} handover of inmate {self._state.inmate_sdp_no} "
            f"was not acknowledged within {self._policy.handover_ack_days} days",
        )
        await self._emit(JourneyEventKind.HANDOVER_ESCALATED, handover=handover)

    @workflow.update
    async def acknowledge_handover(self, ack: HandoverAcknowledgement) -> JourneyState:
        self.validate_acknowledgement(ack)
        handover = rules.open_handover(self._state, ack.receiver)
        assert handover is not None
        handover.acknowledged = Acknowledgement(
            actor=ack.actor, at=workflow.now(), reason=ack.reason
        )
        self._acks[handover.handover_id] = Settlement("acknowledge", ack.actor, ack.reason)
        await self._emit(
            JourneyEventKind.HANDOVER_ACKNOWLEDGED,
            actor=ack.actor,
            reason=ack.reason,
            handover=handover,
        )
        # Answer once its inbox task is closed (and, for the last one, the journey ended).
        await workflow.wait_condition(
            lambda: (
                handover.handover_id in self._closed_handovers
                and (
                    self._state.status is JourneyStatus.ENDED
                    or any(h.acknowledged is None for h in self._state.handovers)
                )
            )
        )
        return self._state

    @acknowledge_handover.validator
    def validate_acknowledgement(self, ack: HandoverAcknowledgement) -> None:
        check(lambda: rules.check_acknowledgement(self._state, ack))

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
            RECORD_JOURNEY_EVENT, event, start_to_close_timeout=_TIMEOUT, retry_policy=_RETRY
        )

    @workflow.query
    def state(self) -> JourneyState:
        return self._state


def _effect(kind: CustodyEventKind, offered: bool | None) -> EnrolmentEffect:
    if kind is CustodyEventKind.TRANSFER:
        return EnrolmentEffect.CONTINUES if offered else EnrolmentEffect.SUSPENDED
    return {
        CustodyEventKind.SANCTION: EnrolmentEffect.PAUSED,
        CustodyEventKind.SANCTION_LIFTED: EnrolmentEffect.RESUMED,
        CustodyEventKind.RELEASE: EnrolmentEffect.STOPPED,
    }[kind]
