"""Process A, programme enrolment: every human decision, as an Update with its validator.

Each validator runs the matching rule of `domain/enrolment_rules.py`, so a refused decision
never enters history; each handler records who decided, in which role and why, and answers
with the case's new state once the flow (`enrolment.py`) has acted on it.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import enrolment_rules as rules
    from domain.clock import jakarta_today
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


with workflow.unsafe.imports_passed_through():
    from workflows.enrolment_case import EnrolmentCase
    from workflows.refusals import check
    from workflows.reviewer_tasks import Settlement


class EnrolmentDecisions(EnrolmentCase):
    async def _answer_once_past(self, *stages: Stage) -> EnrolmentState:
        """Answer a decision with the case's new state: once the flow has left `stages`."""
        await workflow.wait_condition(lambda: self._state.stage not in stages)
        return self._state

    @workflow.update
    async def decide_placement(self, decision: PlacementDecision) -> EnrolmentState:
        self.validate_placement(decision)  # two updates may pass validation in one task
        self._placement = decision
        self._settled_by = Settlement(decision.decision.value, decision.actor, decision.reason)
        await self._emit(
            EventKind.PLACEMENT_DECIDED,
            actor=decision.actor,
            reason=decision.reason,
            decision=decision.decision.value,
        )
        return await self._answer_once_past(Stage.PLACEMENT_REVIEW)

    @decide_placement.validator
    def validate_placement(self, decision: PlacementDecision) -> None:
        def rule() -> None:
            rules.check_placement(self._state, decision, jakarta_today(workflow.now()))
            if self._placement is not None:
                raise conflict("the placement review was already decided")

        check(rule)

    @workflow.update
    async def record_attendance(self, entry: AttendanceInput) -> EnrolmentState:
        self.validate_attendance(entry)
        record = AttendanceEntry(
            session_no=entry.session_no,
            session_date=entry.session_date,
            present=entry.present,
            recorded_by=entry.actor.subject,
        )
        self._state.attendance.append(record)
        await self._emit(
            EventKind.ATTENDANCE_RECORDED, actor=entry.actor, reason=entry.note, attendance=record
        )
        return self._state

    @record_attendance.validator
    def validate_attendance(self, entry: AttendanceInput) -> None:
        check(lambda: rules.check_attendance(self._state, self._programme, entry))

    @workflow.update
    async def complete_module(self, entry: ModuleCompletionInput) -> EnrolmentState:
        self.validate_module(entry)
        self._state.modules_completed.append(entry.module_code)
        await self._emit(
            EventKind.MODULE_COMPLETED,
            actor=entry.actor,
            reason=entry.note,
            module_code=entry.module_code,
        )
        return self._state

    @complete_module.validator
    def validate_module(self, entry: ModuleCompletionInput) -> None:
        check(lambda: rules.check_module(self._state, self._programme, entry))

    @workflow.update
    async def complete_training(self, entry: TrainingCompletionInput) -> EnrolmentState:
        self.validate_training_completion(entry)
        self._training_done = True
        self._settled_by = Settlement("complete_training", entry.actor, entry.reason)
        self._state.training_completed_at = workflow.now()
        await self._emit(
            EventKind.TRAINING_COMPLETED,
            actor=entry.actor,
            reason=entry.reason,
            decision="complete_training",
        )
        return await self._answer_once_past(Stage.TRAINING)

    @complete_training.validator
    def validate_training_completion(self, entry: TrainingCompletionInput) -> None:
        def rule() -> None:
            rules.check_training_completion(self._state, self._programme, self._policy, entry)
            if self._training_done:
                raise conflict("training was already completed")

        check(rule)

    @workflow.update
    async def record_assessment(self, entry: AssessmentInput) -> EnrolmentState:
        self.validate_assessment(entry)
        attempt = AssessmentAttempt(
            attempt=len(self._state.attempts) + 1,
            counted=self._next_attempt_counted,
            results=dict(entry.results),
            assessor=entry.actor.subject,
            tuk_code=entry.tuk_code,
            decided_at=workflow.now(),
        )
        self._state.attempts.append(attempt)
        self._assessment_recorded = True
        verdict = "competent" if not attempt.failed_units else "not_yet_competent"
        self._settled_by = Settlement(verdict, entry.actor, entry.reason)
        await self._emit(
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
            rules.check_assessment(self._state, entry)
            if self._assessment_recorded:
                raise conflict("this assessment was already recorded")

        check(rule)

    @workflow.update
    async def file_appeal(self, entry: AppealFiling) -> EnrolmentState:
        self.validate_appeal_filing(entry)
        appeal = Appeal(
            against_attempt=self._state.attempts[-1].attempt,
            filed_by=entry.actor.subject,
            filed_at=workflow.now(),
            reason=entry.reason,
        )
        self._state.appeals.append(appeal)
        self._appeal_filed = True
        await self._emit(
            EventKind.APPEAL_FILED,
            actor=entry.actor,
            reason=entry.reason,
            decision="file_appeal",
            appeal=appeal,
        )
        return await self._answer_once_past(Stage.REMEDIAL, Stage.AWAITING_APPEAL)

    @file_appeal.validator
    def validate_appeal_filing(self, entry: AppealFiling) -> None:
        check(lambda: rules.check_appeal_filing(self._state, entry, workflow.now()))

    @workflow.update
    async def decide_appeal(self, entry: AppealDecisionInput) -> EnrolmentState:
        self.validate_appeal_decision(entry)
        appeal = self._state.appeals[-1]
        appeal.outcome = entry.outcome
        appeal.panel = entry.panel
        appeal.decided_at = workflow.now()
        self._appeal_decided = entry
        self._settled_by = Settlement(entry.outcome.value, entry.actor, entry.reason)
        await self._emit(
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
            rules.check_appeal_decision(self._state, entry, self._policy)
            if self._appeal_decided is not None:
                raise conflict("the appeal was already decided")

        check(rule)

    @workflow.update
    async def withdraw(self, entry: WithdrawalInput) -> EnrolmentState:
        self.validate_withdrawal(entry)
        self._withdrawal = entry
        await self._emit(
            EventKind.WITHDRAWN, actor=entry.actor, reason=entry.reason, decision="withdraw"
        )
        await workflow.wait_condition(lambda: self._state.outcome is not None)
        return self._state

    @withdraw.validator
    def validate_withdrawal(self, entry: WithdrawalInput) -> None:
        def rule() -> None:
            rules.check_withdrawal(self._state, entry)
            if self._withdrawal is not None:
                raise conflict("the enrolment is already being withdrawn")

        check(rule)
