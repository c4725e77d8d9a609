"""Process B, TKA permits: the case a `PermitWorkflow` holds, and how it waits on people.

Everything the flow (`permit.py`) and the decisions (`permit_decisions.py`) share lives here,
in one object: the state the query answers, the stage it is in and whom it awaits (with the
inbox task of that wait), the decisions received and not yet acted on, and the two
components every case workflow holds: its event recorder (`CaseEvents`) and its inbox tasks
(`ReviewerTasks`).

Which queue runs what: the workflow and these bookkeeping activities (projection, inbox
tasks, due dates) run on Kemnaker's queue, next to the orchestration. They write Sinergi's
own database, not a ministry's system, so they need no Imigrasi worker: while Imigrasi's
worker is stopped, the read model and the inbox still show the application waiting at the
hand-off. Only Imigrasi's systems (SIMKIM) are called on Imigrasi's queue (`permit.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.enrolment import AwaitedWork, Escalation
    from domain.identity import Role, Scope
    from domain.permit import (
        CREATE_BILLING,
        RECORD_PERMIT_EVENT,
        WORKFLOW_KIND,
        ArrivalRecord,
        BillingCode,
        BillingRequest,
        EventKind,
        FeasibilityDecision,
        PaymentConfirmation,
        PermitEvent,
        PermitRun,
        PermitState,
        PermitSummary,
        Resubmission,
        RptkaDecision,
        Stage,
        Termination,
        VerificationDecision,
        VisaDecision,
    )


with workflow.unsafe.imports_passed_through():
    from workflows.case_events import CaseEvents
    from workflows.reviewer_tasks import ReviewerTasks, Settlement


# Ministry systems (SIMPONI, SIMKIM) cross an organisation's network: back off further.
SYSTEM_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=10))
SYSTEM_CALL = timedelta(minutes=1)


class PermitCase:
    def __init__(self, run: PermitRun) -> None:
        application = run.application
        self.application = application
        self.policy = application.policy
        self.state = run.resume or PermitState(
            application_id=application.application_id,
            employer_nib=application.employer_nib,
            stage=Stage.DOCUMENT_VERIFICATION,
            event_count=1,  # seq 1 is the submission's
        )
        self.events = CaseEvents(
            activity=RECORD_PERMIT_EVENT,
            event_type=PermitEvent,
            case_field="application_id",
            case_id=application.application_id,
            recorded=self.state.event_count,
            counted=self._counted,
            snapshot=lambda: {"summary": self._summary()},
        )
        self.verification: VerificationDecision | None = None
        self.resubmission: Resubmission | None = None
        self.feasibility: FeasibilityDecision | None = None
        self.payment: PaymentConfirmation | None = None
        self.rptka: RptkaDecision | None = None
        self.visa: VisaDecision | None = None
        self.arrival: ArrivalRecord | None = None
        self.termination: Termination | None = None
        self.settled_by: Settlement | None = None  # who settled the current wait on a person
        policy = application.policy
        self.tasks = ReviewerTasks(
            WORKFLOW_KIND,
            application.application_id,
            {
                "feasibility": policy.feasibility_working_days,
                "rptka_approval": policy.rptka_working_days,
                "visa_decision": policy.visa_decision_working_days,
            },
            events_seen=lambda: self.events.seq,
        )

    async def bill(self, key: str, amount_usd: int, due: datetime) -> BillingCode:
        """A SIMPONI billing code for `amount_usd`, payable until `due`; `key` makes it one
        bill however often the activity is retried."""
        application = self.application
        code: BillingCode = await workflow.execute_activity(
            CREATE_BILLING,
            BillingRequest(
                idempotency_key=key,
                application_id=application.application_id,
                employer_nib=application.employer_nib,
                amount_usd=amount_usd,
                expires_at=due,
            ),
            result_type=BillingCode,
            start_to_close_timeout=SYSTEM_CALL,
            retry_policy=SYSTEM_RETRY,
        )
        return code

    def work(self, kind: str, role: Role, scope: Scope, due: datetime | None = None) -> AwaitedWork:
        return AwaitedWork(kind=kind, role=role, scope=scope, since=workflow.now(), due=due)

    async def escalate(self, escalation: Escalation) -> None:
        self.state.escalations.append(escalation)
        await self.record(EventKind.ESCALATED, escalation=escalation)

    # ------------------------------------------------------------ waiting

    async def await_person(
        self, ready: Callable[[], bool], lapse_at: datetime | None = None
    ) -> bool:
        """The one place the workflow waits on a person, with the inbox task of the wait.

        With `lapse_at` the wait ends there (False: the person did not act in time, the task
        is cancelled). Otherwise, past the task's due date (its SLA in working days) the
        task escalates to the supervisor of its scope once, and the wait goes on: a late
        decision is still a decision.
        """
        work = self.state.awaiting
        assert work is not None
        task_id = await self.tasks.open(work, self.state.stage.value)
        done = True
        if lapse_at is not None:
            done = await self.wait(ready, lapse_at - workflow.now())
        elif work.due is not None and not await self.wait(ready, work.due - workflow.now()):
            detail = (
                f"{work.kind} for application {self.state.application_id} is overdue "
                f"(due {work.due.isoformat()})"
            )
            await self.escalate(
                Escalation(
                    kind=f"{work.kind}_overdue",
                    routed_to=Role.SUPERVISOR,
                    raised_at=workflow.now(),
                    detail=detail,
                )
            )
            await self.tasks.escalate(task_id, Role.SUPERVISOR, detail)
        if done:
            await self.wait(ready, None)
        settled, self.settled_by = self.settled_by, None  # consumed by this wait
        await self.tasks.close(task_id, settled, "the time to act ran out")
        return done

    async def wait(self, ready: Callable[[], bool], limit: timedelta | None) -> bool:
        """Wait for `ready` or until `limit` passes (False)."""
        if limit is not None and limit <= timedelta(0):
            return ready()
        try:
            await workflow.wait_condition(ready, timeout=limit)
        except TimeoutError:
            return False
        return True

    # ------------------------------------------------------------ read model

    async def enter(self, stage: Stage, work: AwaitedWork | None = None) -> None:
        # State changes happen before the first await so update handlers answer with them.
        self.state.stage = stage
        self.state.awaiting = work
        kind = EventKind.CLOSED if stage is Stage.CLOSED else EventKind.STAGE_CHANGED
        await self.events.change_stage(stage.value, kind, reason=self.state.closed_reason)

    async def record(self, kind: EventKind, seq: int | None = None, **detail: object) -> None:
        await self.events.record(kind, seq, **detail)

    def _counted(self, seq: int) -> None:
        self.state.event_count = seq

    def _summary(self) -> PermitSummary:
        s = self.state
        return PermitSummary(
            stage=s.stage,
            outcome=s.outcome,
            revision_rounds=s.revision_rounds,
            exempt=s.exempt,
            billing_code=s.billing.billing_code if s.billing else None,
            amount_usd=s.billing.amount_usd if s.billing else None,
            payment_due=s.billing.due_at if s.billing else None,
            payment_id=s.payment_id,
            rptka_number=s.rptka_number,
            travel_ban=s.checks.travel_ban if s.checks else None,
            background_clear=s.checks.background_clear if s.checks else None,
            visa_number=s.permit.visa_number,
            itas_number=s.permit.itas_number,
            valid_from=s.permit.valid_from,
            valid_until=s.permit.valid_until,
            epo_number=s.permit.epo_number,
            awaiting_kind=s.awaiting.kind if s.awaiting else None,
            awaiting_role=s.awaiting.role if s.awaiting else None,
            awaiting_due=s.awaiting.due if s.awaiting else None,
            closed_reason=s.closed_reason,
        )
