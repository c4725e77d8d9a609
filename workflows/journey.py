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

from temporalio import workflow
from temporalio.exceptions import FailureError

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
    from domain.journey import (
        CUSTODY_NOTICE_SIGNAL,
        JOURNEY_KIND,
        PROGRAMMES_OFFERED,
        CustodyEntry,
        EnrolmentLink,
        JourneyEventKind,
        JourneyStart,
        JourneyState,
        JourneyStatus,
        ProgrammesOffered,
        ProgrammesOfferedQuery,
        Release,
        Sanction,
    )


with workflow.unsafe.imports_passed_through():
    from workflows.journey_case import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, JourneyCase
    from workflows.journey_decisions import Inapplicable, JourneyDecisions
    from workflows.journey_handover import JourneyHandover


@workflow.defn
class InmateJourneyWorkflow(JourneyDecisions):
    @workflow.init
    def __init__(self, start: JourneyStart) -> None:
        self._case = JourneyCase(start)
        self._handover = JourneyHandover(self._case)

    # ------------------------------------------------------------ main flow

    @workflow.run
    async def run(self, start: JourneyStart) -> JourneyState:
        workflow.upsert_search_attributes(
            [
                search.KIND.value_set(JOURNEY_KIND),
                search.STAGE.value_set(self._case.state.status.value),
                search.UPT.value_set(self._case.state.upt_code),
            ]
        )
        if start.carried is None:
            await self._case.record(JourneyEventKind.STARTED)
        else:
            await self._case.record(
                JourneyEventKind.CONTINUED_AS_NEW,
                reason=f"run {self._case.state.runs} of the journey",
            )
        while self._case.state.release is None:
            await workflow.wait_condition(
                lambda: self._has_work() or self._time_to_continue_as_new()
            )
            async with self._case.lock:
                await self._apply_pending()
                # Cohort rows after the custody events that came with them: a row is
                # checked against where the inmate is now.
                await self.apply_queued()
            if self._case.state.release is None and self._time_to_continue_as_new():
                # Custody handlers wait for `run` to apply their event: wait for the handlers
                # or for new work, whichever comes first.
                await workflow.wait_condition(
                    lambda: workflow.all_handlers_finished() or self._has_work()
                )
                if not self._has_work():
                    self._continue_as_new()  # no await in between: no handler can slip in
        await self._handover.hand_over()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._case.state

    def _has_work(self) -> bool:
        return bool(self._case.pending) or bool(self._case.queued)

    def _time_to_continue_as_new(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self._case.policy.continue_as_new_after_events
        )

    def _continue_as_new(self) -> None:
        self._case.state.task_seq = self._case.tasks.opened
        self._case.state.runs += 1
        workflow.continue_as_new(
            JourneyStart(
                journey_id=self._case.state.journey_id,
                inmate_sdp_no=self._case.state.inmate_sdp_no,
                upt_code=self._case.state.upt_code,
                policy=self._case.policy,
                carried=self._case.state,
            )
        )

    # ------------------------------------------------------------ custody events

    async def _apply_pending(self) -> None:
        while self._case.pending:
            event = self._case.pending[0]
            try:
                affected = await self._apply(event)
            except Inapplicable as error:  # nothing changed: a corrected event may follow
                self._case.inapplicable[event.event_id] = str(error)
                self._case.pending.pop(0)
                continue
            self._case.state.custody_events.append(
                CustodyEntry(
                    event_id=event.event_id,
                    kind=event.kind,
                    occurred_at=event.occurred_at,
                    applied_at=workflow.now(),
                    fingerprint=event.fingerprint(),
                )
            )
            summary = self._describe(event, affected)
            await self._case.record(
                JourneyEventKind.CUSTODY_EVENT, actor=event.actor, reason=summary, custody=event
            )
            self._case.pending.pop(0)
            self._case.outcomes[event.event_id] = CustodyEventOutcome(
                event_id=event.event_id, duplicate=False, summary=summary, enrolments=affected
            )

    async def _apply(self, event: CustodyEvent) -> list[EnrolmentAffected]:
        active = self._case.state.active_enrolments()
        offered: set[str] = set()
        if event.kind is CustodyEventKind.TRANSFER:
            assert event.to_upt is not None
            answer: ProgrammesOffered = await workflow.execute_activity(
                PROGRAMMES_OFFERED,
                ProgrammesOfferedQuery(
                    upt_code=event.to_upt, programme_codes=[e.programme_code for e in active]
                ),
                result_type=ProgrammesOffered,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            if not answer.upt_known:
                raise Inapplicable(f"{event.to_upt} is not a UPT that holds inmates")
            offered = set(answer.offered)
            self._case.state.upt_code = event.to_upt
            workflow.upsert_search_attributes([search.UPT.value_set(event.to_upt)])
        elif event.kind is CustodyEventKind.SANCTION:
            assert event.sanction_ref is not None
            in_force = rules.sanctions_in_force(self._case.state, workflow.now())
            self._case.state.sanctions = [
                s for s in self._case.state.sanctions if s.ref in in_force
            ]
            sanction = Sanction(ref=event.sanction_ref, until=event.sanction_until)
            self._case.state.sanctions.append(sanction)
        elif event.kind is CustodyEventKind.SANCTION_LIFTED:
            self._case.state.sanctions = [
                s for s in self._case.state.sanctions if s.ref != event.sanction_ref
            ]
        else:
            assert event.release_kind is not None
            self._case.state.release = Release(
                event_id=event.event_id,
                kind=event.release_kind,
                at=workflow.now(),
                bapas_code=event.bapas_code,
            )
            await self._case.set_status(JourneyStatus.RELEASING)
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


def _effect(kind: CustodyEventKind, offered: bool | None) -> EnrolmentEffect:
    if kind is CustodyEventKind.TRANSFER:
        return EnrolmentEffect.CONTINUES if offered else EnrolmentEffect.SUSPENDED
    return {
        CustodyEventKind.SANCTION: EnrolmentEffect.PAUSED,
        CustodyEventKind.SANCTION_LIFTED: EnrolmentEffect.RESUMED,
        CustodyEventKind.RELEASE: EnrolmentEffect.STOPPED,
    }[kind]
