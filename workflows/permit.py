"""Process B, TKA permits: submission -> Kemnaker verification (with revision rounds) ->
feasibility -> DKPTKA payment -> RPTKA approval -> Imigrasi's checks and visa -> ITAS on
arrival -> the active permit, to its expiry or an early termination.

The rules live in `domain/permit_rules.py`; this file is the orchestration. It runs on
Kemnaker's task queue; every call to Imigrasi's systems goes through `permit_imigrasi.py`,
on Imigrasi's queue. The case it holds is `permit_case.py`, its decisions (Updates) are
`permit_decisions.py`.
"""

from __future__ import annotations

from datetime import date, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import permit_rules as rules
    from domain import search
    from domain.clock import start_of
    from domain.identity import Ministry, Role, Scope
    from domain.permit import (
        COMPUTE_WORKING_DAYS_BEFORE,
        ISSUE_EPO,
        ISSUE_ITAS,
        ISSUE_VISA,
        RUN_IMMIGRATION_CHECKS,
        WORKFLOW_KIND,
        WRITE_PERMIT_REMINDER,
        ApprovalChoice,
        Billing,
        CalendarDay,
        ChecksRequest,
        EventKind,
        FeasibilityChoice,
        ImmigrationChecks,
        Outcome,
        PermitReminder,
        PermitRun,
        PermitState,
        ReminderKind,
        Stage,
        VerificationChoice,
        VisaChoice,
        WorkingDaysBefore,
    )


with workflow.unsafe.imports_passed_through():
    from domain.permit_life import LIFE_PATCH, PAYMENT_TASK_PATCH
    from workflows.permit_case import SYSTEM_CALL, SYSTEM_RETRY, PermitCase
    from workflows.permit_imigrasi import ImigrasiSystems
    from workflows.permit_life import PermitLife
    from workflows.reviewer_tasks import Settlement

Ending = tuple[Outcome, str] | None  # a stage's verdict: how the application ends, or go on

KEMNAKER = Scope(ministry=Ministry.KEMNAKER)
IMIGRASI = Scope(ministry=Ministry.IMIGRASI)


@workflow.defn
class PermitWorkflow(PermitLife):
    @workflow.init
    def __init__(self, run: PermitRun) -> None:
        self._case = PermitCase(run)
        self._imigrasi = ImigrasiSystems(self._case)

    @workflow.run
    async def run(self, run: PermitRun) -> PermitState:
        application = run.application
        workflow.upsert_search_attributes(
            [
                search.KIND.value_set(WORKFLOW_KIND),
                search.STAGE.value_set(self._case.state.stage.value),
                search.EMPLOYER_NIB.value_set(application.employer_nib),
            ]
        )
        if run.resume is None:
            await self._case.record(
                EventKind.SUBMITTED,
                seq=1,
                actor=application.submitted_by,
                reason=f"{application.position_title} for {application.duration_months} months",
                application=application,
            )
        ending = await self._stages()
        if ending is None:
            ending = await self._active()
        outcome, why = ending
        self._case.state.outcome = outcome
        self._case.state.closed_reason = why
        await self._case.enter(Stage.CLOSED)
        # Handlers answer with the closed state; let them finish before the run completes.
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._case.state

    async def _stages(self) -> Ending:
        if self._case.state.stage is Stage.ACTIVE:
            return None  # resumed after continue-as-new: the permit is already active
        for stage in (
            self._verification_rounds,
            self._feasibility_assessment,
            self._dkptka_payment,
            self._rptka_approval,
            self._immigration,
            self._arrival_and_itas,
        ):
            ending = await stage()
            if ending is not None:
                return ending
        return None

    # ------------------------------------------------------------ Kemnaker

    async def _verification_rounds(self) -> Ending:
        """Step 2: approve, reject, or request a revision (repeated rounds allowed)."""
        while True:
            await self._case.enter(
                Stage.DOCUMENT_VERIFICATION,
                self._case.work("document_verification", Role.KEMNAKER_VERIFIER, KEMNAKER),
            )
            await self._case.await_person(lambda: self._case.verification is not None)
            decision, self._case.verification = self._case.verification, None
            assert decision is not None
            if decision.decision is VerificationChoice.APPROVE:
                return None
            if decision.decision is VerificationChoice.REJECT:
                return Outcome.REJECTED, f"documents rejected: {decision.reason}"
            self._case.state.revision_rounds += 1
            if not await self._await_resubmission(Stage.REVISION):
                return Outcome.LAPSED, (
                    f"no resubmission within {self._case.policy.revision_days} days of the "
                    "revision request"
                )

    async def _await_resubmission(self, stage: Stage) -> bool:
        """The employer resubmits within the revision window (calendar days). False: lapsed."""
        due = workflow.now() + timedelta(days=self._case.policy.revision_days)
        self._case.state.revision_due = due
        nib = Scope(employer_nib=self._case.state.employer_nib)
        await self._case.enter(stage, self._case.work("resubmission", Role.EMPLOYER, nib, due=due))
        done = await self._case.await_person(
            lambda: self._case.resubmission is not None, lapse_at=due
        )
        self._case.resubmission = None
        self._case.state.revision_due = None
        return done

    async def _feasibility_assessment(self) -> Ending:
        """Step 3: due in 2 working days (the task escalates when overdue)."""
        await self._case.enter(
            Stage.FEASIBILITY, self._case.work("feasibility", Role.KEMNAKER_VERIFIER, KEMNAKER)
        )
        await self._case.await_person(lambda: self._case.feasibility is not None)
        assert self._case.feasibility is not None
        if self._case.feasibility.decision is FeasibilityChoice.NOT_FEASIBLE:
            return Outcome.REJECTED, f"not feasible: {self._case.feasibility.reason}"
        return None

    async def _dkptka_payment(self) -> Ending:
        """Step 4: US$100 x months, a SIMPONI billing code, paid by the deadline; exempt
        employers skip it."""
        application = self._case.application
        if rules.is_exempt(application, self._case.policy):
            self._case.state.exempt = True
            await self._case.record(
                EventKind.BILLED,
                reason=f"DKPTKA exempt: {application.employer_category.value}",
                decision="exempt",
            )
            return None
        amount = rules.dkptka_amount(application, self._case.policy)
        due = workflow.now() + timedelta(days=self._case.policy.payment_days)
        code = await self._case.bill(f"{application.application_id}:dkptka", amount, due)
        self._case.state.billing = Billing(
            billing_code=code.billing_code, amount_usd=amount, due_at=due
        )
        await self._case.record(
            EventKind.BILLED, reason=f"US${amount}, billing code {code.billing_code}"
        )
        # The employer pays at a bank; SIMPONI's confirmation settles it.
        nib = Scope(employer_nib=application.employer_nib)
        await self._case.enter(
            Stage.PAYMENT, self._case.work("payment", Role.EMPLOYER, nib, due=due)
        )
        # Since PAYMENT_TASK_PATCH the employer has a "pay DKPTKA" task in its inbox (the
        # billing code, amount and deadline are the case's), closed by the confirmation.
        task_id = None
        awaiting = self._case.state.awaiting
        if workflow.patched(PAYMENT_TASK_PATCH) and awaiting is not None:
            task_id = await self._case.tasks.open(awaiting, Stage.PAYMENT.value)
        paid = await self._case.wait(lambda: self._case.payment is not None, due - workflow.now())
        unpaid = (
            f"DKPTKA bill {code.billing_code} unpaid within {self._case.policy.payment_days} days"
        )
        if task_id is not None:
            settled = None
            if paid:
                reason = f"SIMPONI confirmed payment {self._case.state.payment_id}"
                settled = Settlement("paid", application.submitted_by, reason)
            await self._case.tasks.close(task_id, settled, unpaid)
        if not paid:
            return Outcome.EXPIRED, unpaid
        return None

    async def _rptka_approval(self) -> Ending:
        """Step 5: the Kemnaker director, within 2 working days of payment."""
        await self._case.enter(
            Stage.RPTKA_APPROVAL,
            self._case.work("rptka_approval", Role.KEMNAKER_DIRECTOR, KEMNAKER),
        )
        await self._case.await_person(lambda: self._case.rptka is not None)
        assert self._case.rptka is not None
        if self._case.rptka.decision is ApprovalChoice.REJECT:
            return Outcome.REJECTED, f"RPTKA not approved: {self._case.rptka.reason}"
        self._case.state.rptka_number = f"RPTKA/{self._case.state.application_id}"
        return None

    # ------------------------------------------------------------ Imigrasi

    async def _immigration(self) -> Ending:
        """Step 6: notify SIMKIM, run Imigrasi's checks, then the officer's visa decision;
        a hold waits for the employer's documents (the revision window again)."""
        app = self._case.application
        await self._case.enter(Stage.IMMIGRATION_CHECKS)
        receipt = await self._imigrasi.notify_simkim()
        await self._case.record(
            EventKind.HANDED_OVER, reason=f"SIMKIM reference {receipt.simkim_ref}"
        )
        checks = await self._imigrasi.call(
            RUN_IMMIGRATION_CHECKS,
            ChecksRequest(
                simkim_ref=receipt.simkim_ref,
                passport_no=app.passport_no,
                nationality=app.nationality,
            ),
            ImmigrationChecks,
        )
        self._case.state.checks = checks
        await self._case.record(
            EventKind.CHECKED,
            reason=f"travel ban: {'hit' if checks.travel_ban else 'clear'}; background: "
            f"{'clear' if checks.background_clear else 'flagged'}",
        )
        while True:
            await self._case.enter(
                Stage.VISA_DECISION,
                self._case.work("visa_decision", Role.IMIGRASI_OFFICER, IMIGRASI),
            )
            await self._case.await_person(lambda: self._case.visa is not None)
            decision, self._case.visa = self._case.visa, None
            assert decision is not None
            if decision.decision is VisaChoice.REJECT:
                return Outcome.VISA_REJECTED, f"C312 visa rejected: {decision.reason}"
            if decision.decision is VisaChoice.APPROVE:
                visa = await self._imigrasi.document(ISSUE_VISA, "visa")
                self._case.state.permit.visa_number = visa
                await self._case.record(EventKind.VISA_ISSUED, reason=f"C312 visa {visa}")
                return None
            self._case.state.visa_holds += 1
            if not await self._await_resubmission(Stage.VISA_HOLD):
                return Outcome.LAPSED, (
                    f"documents for the visa not resubmitted within "
                    f"{self._case.policy.revision_days} days of the hold"
                )

    async def _arrival_and_itas(self) -> Ending:
        """Step 7: an Imigrasi officer records the arrival; SIMKIM issues the ITAS."""
        due = workflow.now() + timedelta(days=self._case.policy.arrival_days)
        await self._case.enter(
            Stage.AWAITING_ARRIVAL,
            self._case.work("arrival", Role.IMIGRASI_OFFICER, IMIGRASI, due=due),
        )
        if not await self._case.await_person(lambda: self._case.arrival is not None, lapse_at=due):
            return (
                Outcome.LAPSED,
                f"the TKA did not arrive within {self._case.policy.arrival_days} days",
            )
        assert self._case.arrival is not None
        valid_from = self._case.arrival.arrived_on
        valid_until = rules.permit_valid_until(valid_from, self._case.application.duration_months)
        itas = await self._imigrasi.document(
            ISSUE_ITAS, "itas", valid_from=valid_from, valid_until=valid_until
        )
        permit = self._case.state.permit
        permit.itas_number, permit.valid_from, permit.valid_until = itas, valid_from, valid_until
        await self._case.record(EventKind.ITAS_ISSUED, reason=f"ITAS {itas} until {valid_until}")
        return None

    # ------------------------------------------------------------ the active permit

    async def _active(self) -> tuple[Outcome, str]:
        """Annual-report reminders, the extension reminder 30 working days before expiry,
        early termination (EPO) or the natural end. Continues as new when the history grows."""
        permit = self._case.state.permit
        assert permit.valid_from is not None and permit.valid_until is not None
        if self._case.state.stage is not Stage.ACTIVE:
            await self._case.enter(Stage.ACTIVE)
        if self._case.state.extension_reminder_on is None:
            day: CalendarDay = await workflow.execute_activity(
                COMPUTE_WORKING_DAYS_BEFORE,
                WorkingDaysBefore(
                    day=permit.valid_until,
                    working_days=self._case.policy.extension_reminder_working_days,
                ),
                result_type=CalendarDay,
                start_to_close_timeout=SYSTEM_CALL,
                retry_policy=SYSTEM_RETRY,
            )
            self._case.state.extension_reminder_on = day.day
        if workflow.patched(LIFE_PATCH):
            return await self._life()  # reports, extensions, termination: permit_life.py
        # Before the life steps: the reminders only (no extension can have been granted).
        pending = self._pending_reminders()
        expiry = start_of(permit.valid_until + timedelta(days=1))
        for key, kind, due_on in pending:
            if await self._case.wait(self._terminated, start_of(due_on) - workflow.now()):
                return await self._terminate()
            await self._remind(key, kind, due_on)
            if self._should_continue_as_new():
                # A termination's handler waits for the outcome: never wait for it to finish.
                await workflow.wait_condition(
                    lambda: workflow.all_handlers_finished() or self._terminated()
                )
                if self._terminated():
                    return await self._terminate()
                self._case.state.continued += 1
                workflow.continue_as_new(
                    PermitRun(application=self._case.application, resume=self._case.state)
                )
        if await self._case.wait(self._terminated, expiry - workflow.now()):
            return await self._terminate()
        return Outcome.ENDED, f"the permit expired on {permit.valid_until}"

    def _terminated(self) -> bool:
        return self._case.termination is not None

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self._case.policy.continue_as_new_after_events
        )

    async def _remind(self, key: str, kind: ReminderKind, due_on: date) -> None:
        reminder = PermitReminder(
            message_id=f"permit-reminder:{self._case.state.application_id}:{key}",
            application_id=self._case.state.application_id,
            employer_nib=self._case.state.employer_nib,
            kind=kind,
            due_on=due_on,
            at=workflow.now(),
        )
        await workflow.execute_activity(
            WRITE_PERMIT_REMINDER,
            reminder,
            start_to_close_timeout=SYSTEM_CALL,
            retry_policy=SYSTEM_RETRY,
        )
        self._case.state.reminders_sent.append(key)
        await self._case.record(
            EventKind.REMINDED, decision=kind.value, reason=f"{key} due {due_on}"
        )

    async def _terminate(self) -> tuple[Outcome, str]:
        """Early termination: SIMKIM issues the exit permit only (EPO)."""
        termination = self._case.termination
        assert termination is not None
        epo = await self._imigrasi.document(ISSUE_EPO, "epo")
        self._case.state.permit.epo_number = epo
        return Outcome.TERMINATED, (
            f"terminated early by {termination.actor.role.value}: {termination.reason}; EPO {epo}"
        )
