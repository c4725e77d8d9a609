"""Process A, programme enrolment: the case a workflow carries, and how it is projected.

The base of `EnrolmentWorkflow`: its state (what the query answers), the stage it is in
and whom it awaits, and the events it sends to the Postgres read model. The decisions that
change it are in `enrolment_decisions.py`; the flow that drives it in `enrolment.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain import search
    from domain.custody import CustodyEvent, CustodyNotice
    from domain.enrolment import (
        RECORD_ENROLMENT_EVENT,
        WORKFLOW_KIND,
        AppealDecisionInput,
        AwaitedWork,
        EnrolmentEvent,
        EnrolmentRequest,
        EnrolmentState,
        EnrolmentSummary,
        Escalation,
        EventKind,
        PlacementDecision,
        Stage,
        WithdrawalInput,
    )
    from domain.identity import Role, Scope


with workflow.unsafe.imports_passed_through():
    from workflows.reviewer_tasks import ReviewerTasks, Settlement

# Projection writes are cheap and idempotent: retry them for as long as Postgres is away.
_PROJECTION_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))


class EnrolmentCase:
    @workflow.init
    def __init__(self, request: EnrolmentRequest) -> None:
        self._programme = request.programme
        self._policy = request.policy
        self._state = EnrolmentState(
            enrolment_id=request.enrolment_id,
            inmate_sdp_no=request.inmate_sdp_no,
            programme_code=request.programme.code,
            upt_code=request.upt_code,
            lsp_code=request.lsp_code,
            stage=Stage.PLACEMENT_REVIEW,
            release_flagged=request.release_flagged,
            planned_end=request.planned_end,
            units_due=list(request.programme.unit_codes),
        )
        # Seq 1 is the request's: an update delivered with the start runs before `run` does.
        self._seq = 1
        self._state.event_count = 1
        self._placement: PlacementDecision | None = None
        self._training_done = False
        self._assessment_recorded = False
        self._next_attempt_counted = True
        self._appeal_filed = False
        self._appeal_decided: AppealDecisionInput | None = None
        self._withdrawal: WithdrawalInput | None = None
        self._settled_by: Settlement | None = None  # who settled the current wait on a person
        self._task_id: str | None = None  # the inbox task of the current wait, if any
        # Custody (enrolment_custody.py): notices not yet applied, the release, and a counter
        # that moves whenever a hold changes (what a hold's wait wakes on).
        self._journey_id = request.journey_workflow_id
        self._custody_inbox: list[CustodyNotice] = []
        self._release: CustodyEvent | None = None
        self._hold_version = 0
        self._held_total = timedelta(0)  # how long the case has stood still, all holds
        self._tasks = ReviewerTasks(
            WORKFLOW_KIND, request.enrolment_id, request.policy.sla_working_days
        )

    def _work(
        self, kind: str, role: Role, scope: Scope, due: datetime | None = None
    ) -> AwaitedWork:
        return AwaitedWork(kind=kind, role=role, scope=scope, since=workflow.now(), due=due)

    async def _escalate(self, escalation: Escalation) -> None:
        self._state.escalations.append(escalation)
        await self._emit(EventKind.ESCALATED, escalation=escalation)

    # ------------------------------------------------------------ read model

    async def _enter(self, stage: Stage, work: AwaitedWork | None = None) -> None:
        # State changes happen before the first await so update handlers answer with them.
        self._state.stage = stage
        self._state.awaiting = work
        workflow.upsert_search_attributes([search.STAGE.value_set(stage.value)])
        kind = EventKind.CLOSED if stage is Stage.CLOSED else EventKind.STAGE_CHANGED
        await self._emit(kind, reason=self._state.closed_reason)

    def _summary(self) -> EnrolmentSummary:
        s = self._state
        return EnrolmentSummary(
            stage=s.stage,
            outcome=s.outcome,
            attendance_present=s.attendance_present,
            attendance_recorded=len(s.attendance),
            modules_completed=len(s.modules_completed),
            reassessments_used=s.reassessments_used,
            exception_granted=s.exception_granted,
            awaiting_kind=s.awaiting.kind if s.awaiting else None,
            awaiting_role=s.awaiting.role if s.awaiting else None,
            awaiting_due=s.awaiting.due if s.awaiting else None,
            upt_code=s.upt_code,
        )

    async def _emit(self, kind: EventKind, seq: int | None = None, **detail: object) -> None:
        """Project one change to Postgres. The event id is deterministic: retries write once."""
        if seq is None:
            self._seq += 1
            self._state.event_count = seq = self._seq
        event = EnrolmentEvent.model_validate(
            {
                "event_id": f"{self._state.enrolment_id}:{seq}",
                "enrolment_id": self._state.enrolment_id,
                "workflow_id": workflow.info().workflow_id,
                "seq": seq,
                "kind": kind,
                "at": workflow.now(),
                "summary": self._summary(),
                **detail,
            }
        )
        await workflow.execute_activity(
            RECORD_ENROLMENT_EVENT,
            event,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_PROJECTION_RETRY,
        )

    # ------------------------------------------------------------ query

    @workflow.query
    def state(self) -> EnrolmentState:
        return self._state
