"""Process A, programme enrolment: placement -> training -> assessment -> BNSP certification.

The rules live in `domain/enrolment_rules.py`; this file is the orchestration: which stage
follows which, what each stage waits for, and when a wait escalates. The case it carries is
`enrolment_case.py`; the human decisions, Updates whose validators run the rules so a
refused decision never enters history, are `enrolment_decisions.py`; custody events from the
journey are applied by `enrolment_custody.py`. Every wait on a person
goes through `_await_person`, which keeps the inbox task of that wait.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import search
    from domain.clock import local_date, start_of
    from domain.enrolment import (
        BNSP_UNKNOWN_SUBMISSION,
        LOOKUP_CERTIFICATE,
        SUBMIT_CERTIFICATION,
        WORKFLOW_KIND,
        AppealOutcome,
        AwaitedWork,
        Certificate,
        EnrolmentRequest,
        EnrolmentState,
        Escalation,
        EventKind,
        Outcome,
        PlacementChoice,
        Stage,
    )
    from domain.identity import Ministry, Role, Scope
    from domain.registries import (
        CertificateLookup,
        CertificateLookupResult,
        CertificationSubmission,
        SubmissionReceipt,
    )


with workflow.unsafe.imports_passed_through():
    from workflows.enrolment_case import EnrolmentCase
    from workflows.enrolment_custody import EnrolmentCustody, Released, Withdrawn
    from workflows.enrolment_decisions import EnrolmentDecisions
    from workflows.reviewer_tasks import INBOX_TASKS_PATCH

# Registry calls cross an organisation's network: back off further.
_REGISTRY_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=10))


@workflow.defn
class EnrolmentWorkflow(EnrolmentDecisions):
    @workflow.init
    def __init__(self, request: EnrolmentRequest) -> None:
        self._case = EnrolmentCase(request)
        self._custody = EnrolmentCustody(self._case)

    # ------------------------------------------------------------ main flow

    @workflow.run
    async def run(self, request: EnrolmentRequest) -> EnrolmentState:
        workflow.upsert_search_attributes(
            [
                search.KIND.value_set(WORKFLOW_KIND),
                search.STAGE.value_set(self._case.state.stage.value),
                search.UPT.value_set(request.upt_code),
                search.PROGRAMME.value_set(request.programme.code),
            ]
        )
        self._case.events.shown(self._case.state.stage.value)
        # With the first stage change (placement review), just below.
        await self._case.record_with_next_stage(
            EventKind.REQUESTED,
            seq=1,
            actor=request.requested_by,
            reason=request.reason,
            request=request,
        )
        try:
            outcome, why = await self._stages()
        except Withdrawn:
            assert self._case.withdrawal is not None
            outcome, why = Outcome.WITHDRAWN, self._case.withdrawal.reason
        except Released:
            outcome, why = self._custody.unfinished()
        if self._case.withdrawal is not None:
            # Accepted while the last step was finishing (a BNSP answer in flight, a final
            # timer firing): the update already told the TPP yes, so the withdrawal stands.
            outcome, why = Outcome.WITHDRAWN, self._case.withdrawal.reason
        stage_at_close = self._case.state.stage
        await self._close(outcome, why)
        await self._custody.report_to_journey(stage_at_close)
        # Handlers answer with the closed state; let them finish before the run completes.
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._case.state

    async def _stages(self) -> tuple[Outcome, str]:
        rejection = await self._placement_review()
        if rejection is not None:
            return Outcome.REJECTED, rejection
        await self._training()
        if not await self._assessment():
            return Outcome.NOT_COMPETENT, "not yet competent after the allowed reassessments"
        certificate = await self._certification()
        return Outcome.CERTIFIED, f"certificate {certificate.number}"

    async def _placement_review(self) -> str | None:
        """Stage 2. Returns the rejection reason, or None once approved."""
        while True:
            # No reset here: a decision may already have arrived (the stage starts as
            # placement review) while the request was still being projected.
            await self._case.enter(
                Stage.PLACEMENT_REVIEW,
                self._case.work(
                    "placement_review", Role.TPP_MEMBER, Scope(upt=self._case.state.upt_code)
                ),
                with_task=True,
            )
            await self._await_person(lambda: self._case.placement is not None)
            decision = self._case.placement
            assert decision is not None
            if decision.decision is PlacementChoice.APPROVE:
                self._case.state.exception_granted = decision.exception_granted
                return None
            if decision.decision is PlacementChoice.REJECT:
                return decision.reason
            assert decision.defer_until is not None
            self._case.placement = None  # the review reopens after the deferral
            self._case.state.deferred_until = decision.defer_until
            await self._case.enter(Stage.PLACEMENT_DEFERRED)
            await self._wait(lambda: False, start_of(decision.defer_until) - workflow.now())
            self._case.state.deferred_until = None

    async def _training(self) -> None:
        """Stage 3. Ends when the instructor closes training; overrun escalates once."""
        grace = self._case.policy.training_overrun_grace_days
        await self._case.enter(
            Stage.TRAINING,
            self._case.work(
                "training_completion",
                Role.KEMNAKER_INSTRUCTOR,
                Scope(ministry=Ministry.KEMNAKER),
                due=start_of(self._case.state.planned_end + timedelta(days=grace + 1)),
            ),
            with_task=True,
        )
        await self._await_person(
            lambda: self._case.training_done,
            overdue=(
                "training_overrun",
                Role.KEMNAKER_OFFICER,
                f"training planned to end {self._case.state.planned_end} is still open "
                f"{grace} days later",
            ),
        )

    async def _assessment(self) -> bool:
        """Stage 4, with remedial training, reassessments and appeals. True when competent."""
        policy = self._case.policy
        while True:
            self._case.assessment_recorded = False
            await self._case.enter(
                Stage.ASSESSMENT,
                self._case.work(
                    "assessment", Role.LSP_ASSESSOR, Scope(lsp=self._case.state.lsp_code)
                ),
                with_task=True,
            )
            await self._await_person(lambda: self._case.assessment_recorded)
            failed = self._case.state.attempts[-1].failed_units
            if not failed:
                return True
            attempts_left = self._case.state.reassessments_used < policy.max_reassessments
            decided_at = workflow.now()
            held_before = self._case.held_total
            self._case.state.units_due = list(failed)
            self._case.state.appeal_open_until = decided_at + timedelta(
                days=policy.appeal_window_days
            )
            remedial_until = decided_at + timedelta(days=policy.remedial_days)
            if attempts_left:
                await self._case.enter(Stage.REMEDIAL)
                appealed = await self._wait(
                    lambda: self._case.appeal_filed, remedial_until - decided_at
                )
            else:
                await self._case.enter(Stage.AWAITING_APPEAL)
                appealed = await self._wait(
                    lambda: self._case.appeal_filed, self._case.state.appeal_open_until - decided_at
                )
            self._case.state.appeal_open_until = None
            if appealed:
                if await self._appeal_review():
                    self._case.next_attempt_counted = (
                        False  # a panel-ordered retry costs no attempt
                    )
                    continue
                if not attempts_left:
                    return False
                # A hold meanwhile moved the remedial period on by as long as it lasted.
                remedial_until += self._case.held_total - held_before
                if remedial_until > workflow.now():  # upheld: finish the remedial period
                    await self._case.enter(Stage.REMEDIAL)
                    await self._wait(lambda: False, remedial_until - workflow.now())
            elif not attempts_left:
                return False
            self._case.next_attempt_counted = True

    async def _appeal_review(self) -> bool:
        """Banding before an independent panel. True when it orders a reassessment."""
        self._case.appeal_filed = False
        self._case.appeal_decided = None
        await self._case.enter(
            Stage.APPEAL_REVIEW,
            self._case.work(
                "appeal_review", Role.LSP_ASSESSOR, Scope(lsp=self._case.state.lsp_code)
            ),
            with_task=True,
        )
        await self._await_person(lambda: self._case.appeal_decided is not None)
        assert self._case.appeal_decided is not None
        return self._case.appeal_decided.outcome is AppealOutcome.REASSESS

    async def _certification(self) -> Certificate:
        """Stage 5: submit through the LSP, then poll BNSP; past the SLA, escalate once."""
        await self._case.enter(Stage.CERTIFICATION)
        last = self._case.state.attempts[-1]
        submission = CertificationSubmission(
            idempotency_key=f"{self._case.state.enrolment_id}:bnsp",
            enrolment_id=self._case.state.enrolment_id,
            scheme_code=self._case.programme.scheme_code,
            lsp_code=self._case.state.lsp_code,
            unit_codes=self._case.programme.unit_codes,
            assessed_on=local_date(last.decided_at),
        )
        receipt = await self._submit_to_bnsp(submission)
        self._case.state.certification_ref = receipt.submission_ref
        await self._case.record(EventKind.CERTIFICATION_SUBMITTED)
        sla_at = workflow.now() + timedelta(days=self._case.policy.bnsp_sla_days)
        escalated = False
        while True:
            try:
                answer = await workflow.execute_activity(
                    LOOKUP_CERTIFICATE,
                    CertificateLookup(submission_ref=receipt.submission_ref),
                    result_type=CertificateLookupResult,
                    start_to_close_timeout=timedelta(minutes=1),
                    retry_policy=_REGISTRY_RETRY,
                )
            except ActivityError as error:
                cause = error.cause
                if not (
                    isinstance(cause, ApplicationError) and cause.type == BNSP_UNKNOWN_SUBMISSION
                ):
                    raise
                # BNSP lost track of it: the same key registers it again, once.
                workflow.logger.warning("BNSP did not know the submission; resubmitting")
                receipt = await self._submit_to_bnsp(submission)
                self._case.state.certification_ref = receipt.submission_ref
                # Ask again at the usual pace (and keep the SLA clock): a BNSP that keeps
                # forgetting must not be hammered by an unbounded loop filling the history.
                answer = CertificateLookupResult()
            if answer.certificate is not None:
                issued = answer.certificate
                certificate = Certificate(
                    number=issued.number, issued_on=issued.issued_on, valid_until=issued.valid_until
                )
                self._case.state.certificate = certificate
                # With the close, just after.
                await self._case.record_with_next_stage(
                    EventKind.CERTIFICATE_ISSUED, certificate=certificate
                )
                return certificate
            if not escalated and workflow.now() >= sla_at:
                escalated = True
                await self._case.escalate(
                    Escalation(
                        kind="bnsp_sla",
                        routed_to=Role.KEMNAKER_OFFICER,
                        raised_at=workflow.now(),
                        detail=(
                            f"BNSP has not answered submission {receipt.submission_ref} "
                            f"within {self._case.policy.bnsp_sla_days} days"
                        ),
                    )
                )
            await self._wait(
                lambda: False, timedelta(hours=self._case.policy.bnsp_poll_interval_hours)
            )

    async def _submit_to_bnsp(self, submission: CertificationSubmission) -> SubmissionReceipt:
        receipt: SubmissionReceipt = await workflow.execute_activity(
            SUBMIT_CERTIFICATION,
            submission,
            result_type=SubmissionReceipt,
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=_REGISTRY_RETRY,
        )
        return receipt

    async def _close(self, outcome: Outcome, why: str) -> None:
        self._case.state.outcome = outcome
        self._case.state.closed_reason = why
        await self._case.enter(Stage.CLOSED)

    # ------------------------------------------------------------ waiting

    async def _await_person(
        self,
        ready: Callable[[], bool],
        overdue: tuple[str, Role, str] | None = None,
    ) -> None:
        """The one place the workflow waits on a person.

        The stage entered last says who is awaited and by when. While waiting, an inbox task
        exists for it. Past the due time the task escalates (to the `overdue` role, else the
        scope's supervisor), the `overdue` escalation (kind, routed-to role, detail) is raised
        once, and the wait goes on: a late decision is still a decision.
        """
        work = self._case.state.awaiting
        # Under the stage-write patch the stage change opened the task (`enter`, `with_task`).
        stage_writes = self._case.stage_writes()
        if not stage_writes:
            self._case.task_id = None
        # A lighter case has inbox tasks from its start: no need of the older patch's marker.
        if (
            not stage_writes
            and work is not None
            and (self._case.events.local() or workflow.patched(INBOX_TASKS_PATCH))
        ):
            # No reset of `_settled_by` here: the decision may already have arrived.
            self._case.task_id = await self._case.tasks.open(work, self._case.state.stage.value)
        self._case.waited_on_person = True  # decisions that came early go on now
        try:
            await self._wait_with_escalation(ready, work, overdue)
        except (Withdrawn, Released):
            # Not `finally`: an eviction from the worker's cache cancels this coroutine too,
            # and must not schedule activities.
            why = (
                f"withdrawn: {self._case.withdrawal.reason}"
                if self._case.withdrawal is not None
                else "released from custody"
            )
            await self._case.drop_task(why)
            raise
        settled, self._case.settled_by = self._case.settled_by, None  # consumed by this wait
        if self._case.task_id is not None:  # a hold or transfer may have replaced the task
            if stage_writes:  # closed by the next stage change, in this workflow task
                self._case.closing = self._case.tasks.closing(
                    self._case.task_id, settled, "the case moved on"
                )
            else:
                await self._case.tasks.close(self._case.task_id, settled, "the case moved on")
            self._case.task_id = None

    async def _wait_with_escalation(
        self,
        ready: Callable[[], bool],
        work: AwaitedWork | None,
        overdue: tuple[str, Role, str] | None,
    ) -> None:
        if work is not None and work.due is not None and (overdue or self._case.task_id):
            if await self._wait(ready, work.due - workflow.now()):
                return
            if overdue is not None:
                kind, routed_to, detail = overdue
                await self._case.escalate(
                    Escalation(
                        kind=kind, routed_to=routed_to, raised_at=workflow.now(), detail=detail
                    )
                )
            if self._case.task_id is not None:
                await self._case.tasks.escalate(
                    self._case.task_id,
                    overdue[1] if overdue is not None else Role.SUPERVISOR,
                    f"{work.kind} for enrolment {self._case.state.enrolment_id} is overdue "
                    f"(due {work.due.isoformat()})",
                )
        await self._wait(ready, None)

    async def _wait(self, ready: Callable[[], bool], limit: timedelta | None) -> bool:
        """Wait for `ready` or until `limit` passes (False). A withdrawal ends every wait.

        Custody notices are applied here, between a stage's steps; a hold they start stops
        the clock, so the limit moves on by the time the case stood still.
        """
        if limit is not None and limit <= timedelta(0):
            limit = timedelta(seconds=1)
        deadline = None if limit is None else workflow.now() + limit
        while True:
            remaining = None if deadline is None else deadline - workflow.now()
            if remaining is not None and remaining <= timedelta(0):
                return False
            try:
                await workflow.wait_condition(
                    lambda: (
                        ready()
                        or self._case.withdrawal is not None
                        or bool(self._case.custody_inbox)
                    ),
                    timeout=remaining,
                )
            except TimeoutError:
                return False
            if self._case.withdrawal is not None:
                raise Withdrawn
            if not self._case.custody_inbox:
                return True
            held = await self._custody.apply()
            if deadline is not None:
                deadline += held
