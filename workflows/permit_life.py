"""The active permit's steps: annual reports, extension rounds, early termination, and the
refused change of position or location. A mixin of `PermitWorkflow`, entered from
`permit.py`'s `_active` behind `workflow.patched(LIFE_PATCH)`.

One loop owns every timer (reminders, report and extension SLAs, expiry) and every activity
of the active stage; the Update handlers change the state, close the task they settle and
wake the loop. All of it lives in `PermitState`, so a continued-as-new run picks up open
tasks where they were (their ids are keyed by year or round, not by a running count).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from types import MappingProxyType

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import permit_life_rules as life_rules
    from domain import permit_rules as rules
    from domain.clock import start_of
    from domain.enrolment import AwaitedWork, Escalation
    from domain.errors import conflict
    from domain.identity import Ministry, Role, Scope
    from domain.permit import (
        COMPUTE_WORKING_DAYS_BEFORE,
        ISSUE_ITAS,
        Billing,
        CalendarDay,
        EventKind,
        Outcome,
        PermitRun,
        PermitState,
        ReminderKind,
        WorkingDaysBefore,
    )
    from domain.permit_life import (
        ANNUAL_REPORT_TASK,
        EXTENSION_APPROVAL_TASK,
        EXTENSION_BILLING_PATCH,
        EXTENSION_VERIFICATION_TASK,
        PAYMENT_TASK,
        AnnualReport,
        AnnualReportSubmission,
        ChangeRequest,
        ExtensionChoice,
        ExtensionDecision,
        ExtensionRequest,
        ExtensionRound,
        ExtensionStep,
    )
    from domain.tasks import COMPUTE_DUE_DATE, DueDate, DueDateRequest


with workflow.unsafe.imports_passed_through():
    from workflows.permit_decisions import PermitDecisions
    from workflows.permit_imigrasi import ImigrasiSystems
    from workflows.refusals import check, refuse
    from workflows.reviewer_tasks import Settlement

_CALL = timedelta(minutes=1)
_TASK_ROLE = MappingProxyType(
    {
        ExtensionStep.VERIFICATION: (EXTENSION_VERIFICATION_TASK, Role.KEMNAKER_VERIFIER),
        ExtensionStep.APPROVAL: (EXTENSION_APPROVAL_TASK, Role.KEMNAKER_DIRECTOR),
    }
)
Reminder = tuple[str, ReminderKind, date]


class PermitLife(PermitDecisions):
    _imigrasi: ImigrasiSystems  # set by the workflow's `__init__`

    # The flow's own steps, defined in `permit.py` (`PermitWorkflow`), used here too:
    # declared, not stubbed, so nothing here can be called without them.
    _terminate: Callable[[], Awaitable[tuple[Outcome, str]]]
    _should_continue_as_new: Callable[[], bool]
    _remind: Callable[[str, ReminderKind, date], Awaitable[None]]

    # ------------------------------------------------------------ the loop

    async def _life(self) -> tuple[Outcome, str]:
        state = self._case.state
        state.life = True
        while True:
            if self._case.termination is not None:
                await self._cancel_life_tasks("the permit was terminated early")
                return await self._terminate()
            await self._advance_extension()
            for reminder in self._due_reminders():
                await self._life_reminder(*reminder)
            await self._escalate_overdue()
            valid_until = state.permit.valid_until
            assert valid_until is not None
            if workflow.now() >= self._expiry():
                return await self._expire(valid_until)
            await self._case.wait(self._wants_loop, self._next_moment() - workflow.now())
            # Between steps, never with a handler mid-way (a termination's handler waits for
            # the outcome: it is let finish by the next turn, which terminates).
            if (
                self._case.termination is None
                and self._should_continue_as_new()
                and workflow.all_handlers_finished()
            ):
                state.continued += 1
                workflow.continue_as_new(
                    PermitRun(application=self._case.application, resume=state)
                )

    def _expiry(self) -> datetime:
        valid_until = self._case.state.permit.valid_until
        assert valid_until is not None
        return start_of(valid_until + timedelta(days=1))

    def _wants_loop(self) -> bool:
        """Something only the loop can do: terminate, open a round's task, grant it."""
        if self._case.termination is not None:
            return True
        current = life_rules.current_extension(self._case.state)
        return current is not None and (
            current.step is ExtensionStep.GRANTING
            or current.task_id is None
            or (current.step is ExtensionStep.PAYMENT and current.payment_id is not None)
        )

    def _next_moment(self) -> datetime:
        moments = [self._expiry()]
        moments += [start_of(due_on) for _, _, due_on in self._pending_reminders()]
        moments += [
            r.due_at for r in self._case.state.annual_reports if r.task_open and not r.escalated
        ]
        current = life_rules.current_extension(self._case.state)
        if current is not None and current.task_due is not None and not current.escalated:
            moments.append(current.task_due)
        if current is not None and current.step is ExtensionStep.PAYMENT and current.payment_due:
            moments.append(current.payment_due)  # unpaid by then: the extension lapses
        return min(moments)

    # ------------------------------------------------------------ reminders and reports

    def _pending_reminders(self) -> list[Reminder]:
        permit = self._case.state.permit
        assert permit.valid_from is not None and permit.valid_until is not None
        reminders: list[Reminder] = [
            (f"{ReminderKind.ANNUAL_REPORT.value}:{n}", ReminderKind.ANNUAL_REPORT, due)
            for n, due in enumerate(
                rules.annual_report_due_dates(
                    permit.valid_from,
                    permit.valid_until,
                    self._case.policy.annual_report_interval_months,
                ),
                start=1,
            )
        ]
        if self._case.state.extension_reminder_on is not None:
            granted = life_rules.granted_extensions(self._case.state)
            key = ReminderKind.EXTENSION.value + (f":{granted + 1}" if granted else "")
            reminders.append((key, ReminderKind.EXTENSION, self._case.state.extension_reminder_on))
        sent = set(self._case.state.reminders_sent)
        return sorted((r for r in reminders if r[0] not in sent), key=lambda r: r[2])

    def _due_reminders(self) -> list[Reminder]:
        now = workflow.now()
        return [r for r in self._pending_reminders() if start_of(r[2]) <= now]

    async def _life_reminder(self, key: str, kind: ReminderKind, due_on: date) -> None:
        if kind is ReminderKind.EXTENSION:
            period = life_rules.granted_extensions(self._case.state)
            if any(r.period == period for r in self._case.state.extensions):
                self._case.state.reminders_sent.append(key)  # already asked for: no reminder
                return
            await self._remind(key, kind, due_on)
            return
        await self._remind(key, kind, due_on)
        year = int(key.rsplit(":", 1)[1])
        report = AnnualReport(
            year=year,
            period_end=due_on,
            due_at=start_of(due_on + timedelta(days=self._case.policy.annual_report_days + 1)),
        )
        self._case.state.annual_reports.append(report)
        work = AwaitedWork(
            kind=ANNUAL_REPORT_TASK,
            role=Role.EMPLOYER,
            # The ministry too: an overdue report is routed to Kemnaker's officers.
            scope=Scope(employer_nib=self._case.state.employer_nib, ministry=Ministry.KEMNAKER),
            since=workflow.now(),
            due=report.due_at,
        )
        report.task_open = True
        report.task_id = await self._case.tasks.open(
            work, self._case.state.stage.value, key=f"annual-report-{year}"
        )

    async def _escalate_overdue(self) -> None:
        now = workflow.now()
        for report in self._case.state.annual_reports:
            if report.task_open and not report.escalated and report.due_at <= now:
                report.escalated = True
                assert report.task_id is not None
                detail = (
                    f"the annual report on year {report.year} of application "
                    f"{self._case.state.application_id} is overdue "
                    f"(due {report.due_at.isoformat()})"
                )
                await self._case.escalate(Escalation(kind="annual_report_overdue",
                                                routed_to=Role.KEMNAKER_OFFICER,
                                                raised_at=now, detail=detail))  # fmt: skip
                await self._case.tasks.escalate(report.task_id, Role.KEMNAKER_OFFICER, detail)
        current = life_rules.current_extension(self._case.state)
        if (
            current is not None
            and current.task_id is not None
            and current.task_due is not None
            and not current.escalated
            and current.task_due <= now
        ):
            current.escalated = True
            detail = (
                f"the extension {current.step.value} of application "
                f"{self._case.state.application_id} is overdue (due {current.task_due.isoformat()})"
            )
            await self._case.escalate(Escalation(kind=f"extension_{current.step.value}_overdue",
                                            routed_to=Role.SUPERVISOR, raised_at=now,
                                            detail=detail))  # fmt: skip
            await self._case.tasks.escalate(current.task_id, Role.SUPERVISOR, detail)

    # ------------------------------------------------------------ extension rounds

    async def _advance_extension(self) -> None:
        current = life_rules.current_extension(self._case.state)
        if current is None:
            return
        if current.step is ExtensionStep.GRANTING:
            await self._grant(current)
            return
        if current.step is ExtensionStep.PAYMENT:
            await self._extension_payment(current)
            return
        if current.task_id is not None:
            return
        kind, role = _TASK_ROLE[current.step]
        days = (
            self._case.policy.extension_verification_working_days
            if current.step is ExtensionStep.VERIFICATION
            else self._case.policy.extension_approval_working_days
        )
        since = workflow.now()
        due: DueDate = await workflow.execute_activity(
            COMPUTE_DUE_DATE,
            DueDateRequest(start=since, working_days=days),
            result_type=DueDate,
            start_to_close_timeout=_CALL,
        )
        work = AwaitedWork(
            kind=kind, role=role, scope=Scope(ministry=Ministry.KEMNAKER), since=since,
            due=due.due_at,
        )  # fmt: skip
        current.task_due = due.due_at
        current.task_id = await self._case.tasks.open(
            work,
            self._case.state.stage.value,
            key=f"extension-{current.number}-{current.step.value}",
        )

    async def _extension_payment(self, current: ExtensionRound) -> None:
        """DKPTKA for the new period (EXTENSION_BILLING_PATCH): bill it and open the
        employer's "pay DKPTKA" task; once SIMPONI confirms, grant; unpaid by the deadline,
        the extension lapses and the permit ends at its expiry."""
        if current.billing_code is None:
            await self._bill_extension(current)
            return
        assert current.task_id is not None and current.payment_due is not None
        if current.payment_id is not None:
            reason = f"SIMPONI confirmed payment {current.payment_id}"
            await self._case.tasks.close(
                current.task_id, Settlement("paid", current.requested_by, reason), ""
            )
            current.step = ExtensionStep.GRANTING
            await self._grant(current)
        elif workflow.now() >= current.payment_due:
            unpaid = (
                f"DKPTKA bill {current.billing_code} of extension {current.number} unpaid "
                f"within {self._case.policy.payment_days} days: the extension lapses and the "
                "permit ends at its expiry"
            )
            await self._case.tasks.close(current.task_id, None, unpaid)
            current.step, current.decided_reason = ExtensionStep.LAPSED, unpaid
            await self._case.record(EventKind.DECIDED, reason=unpaid, decision="extension_unpaid")

    async def _bill_extension(self, current: ExtensionRound) -> None:
        application = self._case.application
        amount = self._case.policy.dkptka_usd_per_month * current.months
        due = workflow.now() + timedelta(days=self._case.policy.payment_days)
        key = f"{application.application_id}:dkptka:extension-{current.number}"
        code = await self._case.bill(key, amount, due)
        current.billing_code, current.amount_usd, current.payment_due = (
            code.billing_code, amount, due
        )  # fmt: skip
        # The case's bill is now this one: the read model, the callback's look-up by billing
        # code and the employer's page follow it.
        self._case.state.billing = Billing(billing_code=code.billing_code, amount_usd=amount,
                                           due_at=due)  # fmt: skip
        self._case.state.payment_id = None
        await self._case.record(
            EventKind.BILLED,
            reason=f"extension {current.number}: US${amount}, billing code {code.billing_code}",
        )
        work = AwaitedWork(
            kind=PAYMENT_TASK, role=Role.EMPLOYER,
            scope=Scope(employer_nib=self._case.state.employer_nib), since=workflow.now(), due=due,
        )  # fmt: skip
        current.task_id = await self._case.tasks.open(
            work, self._case.state.stage.value, key=f"extension-{current.number}-payment"
        )

    async def _grant(self, current: ExtensionRound) -> None:
        """Both approved: SIMKIM extends the ITAS from the day after expiry."""
        permit = self._case.state.permit
        assert permit.valid_until is not None
        new_until = life_rules.extended_until(permit.valid_until, current.months)
        itas = await self._imigrasi.document(
            ISSUE_ITAS,
            f"itas-extension-{current.number}",
            valid_from=permit.valid_until + timedelta(days=1),
            valid_until=new_until,
        )
        day: CalendarDay = await workflow.execute_activity(
            COMPUTE_WORKING_DAYS_BEFORE,
            WorkingDaysBefore(
                day=new_until, working_days=self._case.policy.extension_reminder_working_days
            ),
            result_type=CalendarDay,
            start_to_close_timeout=_CALL,
        )
        permit.itas_number, permit.valid_until = itas, new_until
        current.new_valid_until = new_until
        current.step = ExtensionStep.GRANTED
        self._case.state.extension_reminder_on = day.day
        await self._case.record(
            EventKind.EXTENDED,
            decision="extended",
            reason=f"extended by {current.months} months until {new_until}; ITAS {itas}",
        )

    # ------------------------------------------------------------ endings

    async def _cancel_life_tasks(self, why: str) -> None:
        for report in self._case.state.annual_reports:
            if report.task_open and report.task_id is not None:
                report.task_open = False
                await self._case.tasks.close(report.task_id, None, why)
        current = life_rules.current_extension(self._case.state)
        if current is not None:
            current.step = ExtensionStep.LAPSED
            current.decided_reason = why
            if current.task_id is not None:
                await self._case.tasks.close(current.task_id, None, why)

    async def _expire(self, valid_until: date) -> tuple[Outcome, str]:
        undecided = life_rules.current_extension(self._case.state) is not None
        await self._cancel_life_tasks(f"the permit expired on {valid_until}")
        why = f"the permit expired on {valid_until}"
        last = self._case.state.extensions[-1] if self._case.state.extensions else None
        if undecided:
            why += "; the extension was not decided before expiry"
        elif last is not None and last.step is ExtensionStep.REFUSED:
            why += f"; the extension was refused: {last.decided_reason}"
        return Outcome.ENDED, why

    # ------------------------------------------------------------ updates

    @workflow.update
    async def submit_annual_report(self, entry: AnnualReportSubmission) -> PermitState:
        self.validate_annual_report(entry)  # again: two may pass in one workflow task
        report = next(r for r in self._case.state.annual_reports if r.year == entry.year)
        report.submitted_at, report.submitted_by = workflow.now(), entry.actor
        report.summary, report.documents = entry.reason, list(entry.documents)
        was_open, report.task_open = report.task_open, False
        await self._case.record(EventKind.ANNUAL_REPORT_FILED,
                                actor=entry.actor, reason=entry.reason,
                         decision=f"annual_report:{entry.year}",
                         documents=entry.documents)  # fmt: skip
        if was_open and report.task_id is not None:
            settled = Settlement("submitted", entry.actor, entry.reason)
            await self._case.tasks.close(report.task_id, settled, "")
        return self._case.state

    @submit_annual_report.validator
    def validate_annual_report(self, entry: AnnualReportSubmission) -> None:
        def rule() -> None:
            life_rules.check_annual_report(self._case.state, entry)

        check(rule)

    @workflow.update
    async def request_extension(self, entry: ExtensionRequest) -> PermitState:
        self.validate_extension_request(entry)
        current = ExtensionRound(
            number=len(self._case.state.extensions) + 1,
            period=life_rules.granted_extensions(self._case.state),
            months=entry.months,
            requested_at=workflow.now(),
            requested_by=entry.actor,
            reason=entry.reason,
            documents=list(entry.documents),
        )
        self._case.state.extensions.append(current)
        await self._case.record(EventKind.EXTENSION_REQUESTED,
                                actor=entry.actor, reason=entry.reason,
                         decision=f"extension:{entry.months}",
                         documents=entry.documents)  # fmt: skip
        await workflow.wait_condition(
            lambda: current.task_id is not None or self._case.state.outcome is not None
        )
        return self._case.state

    @request_extension.validator
    def validate_extension_request(self, entry: ExtensionRequest) -> None:
        check(
            lambda: life_rules.check_extension_request(
                self._case.state, entry, workflow.now(), self._case.application, self._case.policy
            )
        )

    @workflow.update
    async def verify_extension(self, entry: ExtensionDecision) -> PermitState:
        return await self._decide_extension(entry, ExtensionStep.VERIFICATION)

    @verify_extension.validator
    def validate_extension_verification(self, entry: ExtensionDecision) -> None:
        check(lambda: self._extension_rule(entry, ExtensionStep.VERIFICATION))

    @workflow.update
    async def approve_extension(self, entry: ExtensionDecision) -> PermitState:
        return await self._decide_extension(entry, ExtensionStep.APPROVAL)

    @approve_extension.validator
    def validate_extension_approval(self, entry: ExtensionDecision) -> None:
        check(lambda: self._extension_rule(entry, ExtensionStep.APPROVAL))

    def _extension_rule(self, entry: ExtensionDecision, step: ExtensionStep) -> None:
        life_rules.check_extension_decision(self._case.state, entry, step)

    async def _decide_extension(self, entry: ExtensionDecision, step: ExtensionStep) -> PermitState:
        # Validators and handler run in one workflow task; check again before changing.
        check(lambda: self._extension_rule(entry, step))
        current = life_rules.check_extension_decision(self._case.state, entry, step)
        task_id = current.task_id
        assert task_id is not None
        approved = entry.decision is ExtensionChoice.APPROVE
        if not approved:
            current.step, current.decided_reason = ExtensionStep.REFUSED, entry.reason
        elif step is ExtensionStep.VERIFICATION:
            current.step, current.task_id, current.task_due = ExtensionStep.APPROVAL, None, None
            current.escalated = False
        elif workflow.patched(EXTENSION_BILLING_PATCH) and not rules.is_exempt(
            self._case.application, self._case.policy
        ):
            # The new period's DKPTKA is billed first (the loop opens the payment task).
            current.step, current.decided_reason = ExtensionStep.PAYMENT, entry.reason
            current.task_id, current.task_due, current.escalated = None, None, False
        else:
            current.step, current.decided_reason = ExtensionStep.GRANTING, entry.reason
        decision = f"extension_{step.value}:{entry.decision.value}"
        # The decision's event takes its seq before the loop can act on it (grant, next task).
        await self._case.record(EventKind.DECIDED, actor=entry.actor, reason=entry.reason,
                         decision=decision)  # fmt: skip
        await self._case.tasks.close(task_id, Settlement(decision, entry.actor, entry.reason), "")
        await workflow.wait_condition(
            lambda: (
                self._case.state.outcome is not None
                or current.step in (ExtensionStep.GRANTED, ExtensionStep.REFUSED)
                or (current.step is ExtensionStep.APPROVAL and current.task_id is not None)
                or (current.step is ExtensionStep.PAYMENT and current.task_id is not None)
            )
        )
        return self._case.state

    @workflow.update
    async def request_change(self, entry: ChangeRequest) -> PermitState:
        """Never accepted: the validator refuses every change (a new application is needed)."""
        self.validate_change(entry)
        raise refuse(conflict("a change of position or work location needs a new application"))

    @request_change.validator
    def validate_change(self, entry: ChangeRequest) -> None:
        check(lambda: life_rules.check_change(self._case.state, entry, self._case.application))
