"""Process B, TKA permits: the case a workflow carries, how it waits on people, and how it is
projected.

The base of `PermitWorkflow`: its state (what the query answers), the stage it is in and
whom it awaits (with the inbox task of that wait), and the events it sends to the Postgres
read model. Decisions are in `permit_decisions.py`; the flow that drives them in `permit.py`.

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
    from domain import search
    from domain.enrolment import AwaitedWork, Escalation
    from domain.identity import Role, Scope
    from domain.permit import (
        RECORD_PERMIT_EVENT,
        WORKFLOW_KIND,
        ArrivalRecord,
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
    from workflows.reviewer_tasks import ReviewerTasks, Settlement

# Projection writes are cheap and idempotent: retry them for as long as Postgres is away.
_PROJECTION_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))


class PermitCase:
    @workflow.init
    def __init__(self, run: PermitRun) -> None:
        application = run.application
        self._application = application
        self._policy = application.policy
        self._state = run.resume or PermitState(
            application_id=application.application_id,
            employer_nib=application.employer_nib,
            stage=Stage.DOCUMENT_VERIFICATION,
            event_count=1,  # seq 1 is the submission's
        )
        self._seq = self._state.event_count
        self._verification: VerificationDecision | None = None
        self._resubmission: Resubmission | None = None
        self._feasibility: FeasibilityDecision | None = None
        self._payment: PaymentConfirmation | None = None
        self._rptka: RptkaDecision | None = None
        self._visa: VisaDecision | None = None
        self._arrival: ArrivalRecord | None = None
        self._termination: Termination | None = None
        self._settled_by: Settlement | None = None  # who settled the current wait on a person
        policy = application.policy
        self._tasks = ReviewerTasks(
            WORKFLOW_KIND,
            application.application_id,
            {
                "feasibility": policy.feasibility_working_days,
                "rptka_approval": policy.rptka_working_days,
                "visa_decision": policy.visa_decision_working_days,
            },
        )

    def _work(
        self, kind: str, role: Role, scope: Scope, due: datetime | None = None
    ) -> AwaitedWork:
        return AwaitedWork(kind=kind, role=role, scope=scope, since=workflow.now(), due=due)

    async def _escalate(self, escalation: Escalation) -> None:
        self._state.escalations.append(escalation)
        await self._emit(EventKind.ESCALATED, escalation=escalation)

    # ------------------------------------------------------------ waiting

    async def _await_person(
        self, ready: Callable[[], bool], lapse_at: datetime | None = None
    ) -> bool:
        """The one place the workflow waits on a person, with the inbox task of the wait.

        With `lapse_at` the wait ends there (False: the person did not act in time, the task
        is cancelled). Otherwise, past the task's due date (its SLA in working days) the
        task escalates to the supervisor of its scope once, and the wait goes on: a late
        decision is still a decision.
        """
        work = self._state.awaiting
        assert work is not None
        task_id = await self._tasks.open(work, self._state.stage.value)
        done = True
        if lapse_at is not None:
            done = await self._wait(ready, lapse_at - workflow.now())
        elif work.due is not None and not await self._wait(ready, work.due - workflow.now()):
            detail = (
                f"{work.kind} for application {self._state.application_id} is overdue "
                f"(due {work.due.isoformat()})"
            )
            await self._escalate(
                Escalation(
                    kind=f"{work.kind}_overdue",
                    routed_to=Role.SUPERVISOR,
                    raised_at=workflow.now(),
                    detail=detail,
                )
            )
            await self._tasks.escalate(task_id, Role.SUPERVISOR, detail)
        if done:
            await self._wait(ready, None)
        settled, self._settled_by = self._settled_by, None  # consumed by this wait
        await self._tasks.close(task_id, settled, "the time to act ran out")
        return done

    async def _wait(self, ready: Callable[[], bool], limit: timedelta | None) -> bool:
        """Wait for `ready` or until `limit` passes (False)."""
        if limit is not None and limit <= timedelta(0):
            return ready()
        try:
            await workflow.wait_condition(ready, timeout=limit)
        except TimeoutError:
            return False
        return True

    # ------------------------------------------------------------ read model

    async def _enter(self, stage: Stage, work: AwaitedWork | None = None) -> None:
        # State changes happen before the first await so update handlers answer with them.
        self._state.stage = stage
        self._state.awaiting = work
        workflow.upsert_search_attributes([search.STAGE.value_set(stage.value)])
        kind = EventKind.CLOSED if stage is Stage.CLOSED else EventKind.STAGE_CHANGED
        await self._emit(kind, reason=self._state.closed_reason)

    def _summary(self) -> PermitSummary:
        s = self._state
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

    async def _emit(self, kind: EventKind, seq: int | None = None, **detail: object) -> None:
        """Project one change to Postgres. The event id is deterministic: retries write once."""
        if seq is None:
            self._seq += 1
            self._state.event_count = seq = self._seq
        event = PermitEvent.model_validate(
            {
                "event_id": f"{self._state.application_id}:{seq}",
                "application_id": self._state.application_id,
                "workflow_id": workflow.info().workflow_id,
                "seq": seq,
                "kind": kind,
                "at": workflow.now(),
                "summary": self._summary(),
                **detail,
            }
        )
        await workflow.execute_activity(
            RECORD_PERMIT_EVENT,
            event,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_PROJECTION_RETRY,
        )

    # ------------------------------------------------------------ query

    @workflow.query
    def state(self) -> PermitState:
        return self._state
