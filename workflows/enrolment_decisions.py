"""Process A, programme enrolment: every human decision, as an Update with its validator,
and the custody notices the journey signals.

Each validator runs the matching rule of `domain/enrolment_rules.py`, so a refused decision
never enters history; each handler records who decided, in which role and why, and answers
with the case's new state once the flow (`enrolment.py`) has acted on it. Temporal finds
handlers on the workflow class, so `EnrolmentWorkflow` takes them from this one class; they
act only on the case the workflow holds (`enrolment_case.py`).
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import enrolment_rules as rules
    from domain.clock import local_date
    from domain.custody import CustodyNotice, HoldChoice, HoldKind, HoldReviewInput
    from domain.enrolment import (
        Appeal,
        AppealDecisionInput,
        AppealFiling,
        AssessmentAttempt,
        AssessmentInput,
        AttendanceEntry,
        AttendanceInput,
        EnrolmentState,
        EventKind,
        ModuleCompletionInput,
        PlacementDecision,
        Stage,
        TrainingCompletionInput,
        WithdrawalInput,
    )
    from domain.errors import conflict
    from domain.journey import CUSTODY_NOTICE_SIGNAL


with workflow.unsafe.imports_passed_through():
    from workflows.enrolment_case import EnrolmentCase
    from workflows.enrolment_custody import REVIEW_KINDS
    from workflows.refusals import check
    from workflows.reviewer_tasks import Settlement


class EnrolmentDecisions:
    _case: EnrolmentCase  # set by the workflow's `__init__`

    @workflow.query
    def state(self) -> EnrolmentState:
        return self._case.state

    async def _answer_once_past(self, *stages: Stage) -> EnrolmentState:
        """Answer a decision with the case's new state: once the flow has left `stages`."""
        await workflow.wait_condition(lambda: self._case.state.stage not in stages)
        return self._case.state

    @workflow.update
    async def decide_placement(self, decision: PlacementDecision) -> EnrolmentState:
        await self._case.after_first_wait()
        self.validate_placement(decision)  # two updates may pass validation in one task
        self._case.placement = decision
        self._case.settled_by = Settlement(decision.decision.value, decision.actor, decision.reason)
        await self._case.record_with_next_stage(  # the flow moves on at once
            EventKind.PLACEMENT_DECIDED,
            actor=decision.actor,
            reason=decision.reason,
            decision=decision.decision.value,
        )
        return await self._answer_once_past(Stage.PLACEMENT_REVIEW)

    @decide_placement.validator
    def validate_placement(self, decision: PlacementDecision) -> None:
        def rule() -> None:
            rules.check_placement(self._case.state, decision, local_date(workflow.now()))
            if self._case.placement is not None:
                raise conflict("the placement review was already decided")

        check(rule)

    @workflow.update
    async def record_attendance(self, entry: AttendanceInput) -> EnrolmentState:
        await self._case.after_first_wait()
        self.validate_attendance(entry)
        record = AttendanceEntry(
            session_no=entry.session_no,
            session_date=entry.session_date,
            present=entry.present,
            recorded_by=entry.actor.subject,
        )
        self._case.state.attendance.append(record)
        await self._case.record(
            EventKind.ATTENDANCE_RECORDED, actor=entry.actor, reason=entry.note, attendance=record
        )
        return self._case.state

    @record_attendance.validator
    def validate_attendance(self, entry: AttendanceInput) -> None:
        check(lambda: rules.check_attendance(self._case.state, self._case.programme, entry))

    @workflow.update
    async def complete_module(self, entry: ModuleCompletionInput) -> EnrolmentState:
        await self._case.after_first_wait()
        self.validate_module(entry)
        self._case.state.modules_completed.append(entry.module_code)
        await self._case.record(
            EventKind.MODULE_COMPLETED,
            actor=entry.actor,
            reason=entry.note,
            module_code=entry.module_code,
        )
        return self._case.state

    @complete_module.validator
    def validate_module(self, entry: ModuleCompletionInput) -> None:
        check(lambda: rules.check_module(self._case.state, self._case.programme, entry))

    @workflow.update
    async def complete_training(self, entry: TrainingCompletionInput) -> EnrolmentState:
        await self._case.after_first_wait()
        self.validate_training_completion(entry)
        self._case.training_done = True
        self._case.settled_by = Settlement("complete_training", entry.actor, entry.reason)
        self._case.state.training_completed_at = workflow.now()
        await self._case.record_with_next_stage(  # the flow moves on at once
            EventKind.TRAINING_COMPLETED,
            actor=entry.actor,
            reason=entry.reason,
            decision="complete_training",
        )
        return await self._answer_once_past(Stage.TRAINING)

    @complete_training.validator
    def validate_training_completion(self, entry: TrainingCompletionInput) -> None:
        def rule() -> None:
            rules.check_training_completion(
                self._case.state, self._case.programme, self._case.policy, entry
            )
            if self._case.training_done:
                raise conflict("training was already completed")

        check(rule)

    @workflow.update
    async def record_assessment(self, entry: AssessmentInput) -> EnrolmentState:
        await self._case.after_first_wait()
        self.validate_assessment(entry)
        attempt = AssessmentAttempt(
            attempt=len(self._case.state.attempts) + 1,
            counted=self._case.next_attempt_counted,
            results=dict(entry.results),
            assessor=entry.actor.subject,
            tuk_code=entry.tuk_code,
            decided_at=workflow.now(),
        )
        self._case.state.attempts.append(attempt)
        self._case.assessment_recorded = True
        verdict = "competent" if not attempt.failed_units else "not_yet_competent"
        self._case.settled_by = Settlement(verdict, entry.actor, entry.reason)
        await self._case.record_with_next_stage(  # the flow moves on at once
            EventKind.ASSESSMENT_RECORDED,
            actor=entry.actor,
            reason=entry.reason,
            decision=verdict,
            attempt=attempt,
        )
        return await self._answer_once_past(Stage.ASSESSMENT)

    @record_assessment.validator
    def validate_assessment(self, entry: AssessmentInput) -> None:
        def rule() -> None:
            rules.check_assessment(self._case.state, entry)
            if self._case.assessment_recorded:
                raise conflict("this assessment was already recorded")

        check(rule)

    @workflow.update
    async def file_appeal(self, entry: AppealFiling) -> EnrolmentState:
        await self._case.after_first_wait()
        self.validate_appeal_filing(entry)
        appeal = Appeal(
            against_attempt=self._case.state.attempts[-1].attempt,
            filed_by=entry.actor.subject,
            filed_at=workflow.now(),
            reason=entry.reason,
        )
        self._case.state.appeals.append(appeal)
        self._case.appeal_filed = True
        await self._case.record(
            EventKind.APPEAL_FILED,
            actor=entry.actor,
            reason=entry.reason,
            decision="file_appeal",
            appeal=appeal,
        )
        return await self._answer_once_past(Stage.REMEDIAL, Stage.AWAITING_APPEAL)

    @file_appeal.validator
    def validate_appeal_filing(self, entry: AppealFiling) -> None:
        check(lambda: rules.check_appeal_filing(self._case.state, entry, workflow.now()))

    @workflow.update
    async def decide_appeal(self, entry: AppealDecisionInput) -> EnrolmentState:
        await self._case.after_first_wait()
        self.validate_appeal_decision(entry)
        appeal = self._case.state.appeals[-1]
        appeal.outcome = entry.outcome
        appeal.panel = entry.panel
        appeal.decided_at = workflow.now()
        self._case.appeal_decided = entry
        self._case.settled_by = Settlement(entry.outcome.value, entry.actor, entry.reason)
        await self._case.record_with_next_stage(  # the flow moves on at once
            EventKind.APPEAL_DECIDED,
            actor=entry.actor,
            reason=entry.reason,
            decision=entry.outcome.value,
            appeal=appeal,
        )
        return await self._answer_once_past(Stage.APPEAL_REVIEW)

    @decide_appeal.validator
    def validate_appeal_decision(self, entry: AppealDecisionInput) -> None:
        def rule() -> None:
            rules.check_appeal_decision(self._case.state, entry, self._case.policy)
            if self._case.appeal_decided is not None:
                raise conflict("the appeal was already decided")

        check(rule)

    @workflow.update
    async def withdraw(self, entry: WithdrawalInput) -> EnrolmentState:
        await self._case.after_first_wait()
        self.validate_withdrawal(entry)
        self._case.withdrawal = entry
        await self._case.record(
            EventKind.WITHDRAWN, actor=entry.actor, reason=entry.reason, decision="withdraw"
        )
        await workflow.wait_condition(lambda: self._case.state.outcome is not None)
        return self._case.state

    @withdraw.validator
    def validate_withdrawal(self, entry: WithdrawalInput) -> None:
        def rule() -> None:
            rules.check_withdrawal(self._case.state, entry)
            if self._case.withdrawal is not None:
                raise conflict("the enrolment is already being withdrawn")

        check(rule)

    # ------------------------------------------------------------ custody, from the journey

    @workflow.signal(name=CUSTODY_NOTICE_SIGNAL)
    def custody_notice(self, notice: CustodyNotice) -> None:
        event_id = notice.event.event_id
        known = event_id in self._case.state.custody_event_ids or any(
            n.event.event_id == event_id for n in self._case.custody_inbox
        )
        if not known and self._case.state.outcome is None:  # a redelivery changes nothing
            self._case.custody_inbox.append(notice)

    @workflow.update
    async def review_hold(self, entry: HoldReviewInput) -> EnrolmentState:
        await self._case.after_first_wait()
        self.validate_hold_review(entry)
        hold = rules.hold_awaiting_review(self._case.state, workflow.now())
        assert hold is not None
        self._case.settled_by = Settlement(entry.decision.value, entry.actor, entry.reason)
        if entry.decision is HoldChoice.WITHDRAW:
            self._case.withdrawal = WithdrawalInput(actor=entry.actor, reason=entry.reason)
        elif hold.kind is HoldKind.TRANSFER:
            self._case.state.holds.remove(hold)  # resumed at the destination
        else:
            hold.reviewed_by, hold.review_reason = entry.actor, entry.reason  # sit it out
        self._case.hold_version += 1
        await self._case.record(
            EventKind.HOLD_REVIEWED,
            actor=entry.actor,
            reason=entry.reason,
            decision=entry.decision.value,
            hold=hold,
        )
        await workflow.wait_condition(
            lambda: (
                self._case.state.outcome is not None
                or self._case.state.awaiting is None
                or self._case.state.awaiting.kind not in REVIEW_KINDS.values()
            )
        )
        return self._case.state

    @review_hold.validator
    def validate_hold_review(self, entry: HoldReviewInput) -> None:
        check(lambda: rules.check_hold_review(self._case.state, entry, workflow.now()))
