"""Process A, programme enrolment: the case an `EnrolmentWorkflow` holds.

Everything the flow (`enrolment.py`), the decisions (`enrolment_decisions.py`) and the
custody events (`enrolment_custody.py`) share lives here, in one object: the state the query
answers, the decisions received and not yet acted on, the custody notices, and the two
components every case workflow holds: its event recorder (`CaseEvents`) and its inbox tasks
(`ReviewerTasks`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
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
    from workflows.case_events import CaseEvents
    from workflows.reviewer_tasks import ReviewerTasks, Settlement


# The case's projections and inbox-task writes run as local activities (one marker each,
# no extra workflow task): issue 18. Cases started before it keep activities to their end.
LOCAL_PROJECTIONS_PATCH = "enrolment-local-projections-v1"


class EnrolmentCase:
    def __init__(self, request: EnrolmentRequest) -> None:
        self.programme = request.programme
        self.policy = request.policy
        self.state = EnrolmentState(
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
        self.state.event_count = 1
        self.events = CaseEvents(
            activity=RECORD_ENROLMENT_EVENT,
            event_type=EnrolmentEvent,
            case_field="enrolment_id",
            case_id=request.enrolment_id,
            recorded=1,
            counted=self._counted,
            snapshot=lambda: {"summary": self._summary()},
            local_patch=LOCAL_PROJECTIONS_PATCH,
        )
        self.tasks = ReviewerTasks(
            WORKFLOW_KIND,
            request.enrolment_id,
            request.policy.sla_working_days,
            events_seen=lambda: self.events.seq,
            local_patch=LOCAL_PROJECTIONS_PATCH,
        )
        # Decisions received, for the flow to act on (set by `enrolment_decisions.py`).
        self.placement: PlacementDecision | None = None
        self.training_done = False
        self.assessment_recorded = False
        self.next_attempt_counted = True
        self.appeal_filed = False
        self.appeal_decided: AppealDecisionInput | None = None
        self.withdrawal: WithdrawalInput | None = None
        self.settled_by: Settlement | None = None  # who settled the current wait on a person
        self.task_id: str | None = None  # the inbox task of the current wait, if any
        # Custody (enrolment_custody.py): notices not yet applied, the release, and a counter
        # that moves whenever a hold changes (what a hold's wait wakes on).
        self.journey_id = request.journey_workflow_id
        self.custody_inbox: list[CustodyNotice] = []
        self.release: CustodyEvent | None = None
        self.hold_version = 0
        self.held_total = timedelta(0)  # how long the case has stood still, all holds

    def _counted(self, seq: int) -> None:
        self.state.event_count = seq

    def work(self, kind: str, role: Role, scope: Scope, due: datetime | None = None) -> AwaitedWork:
        return AwaitedWork(kind=kind, role=role, scope=scope, since=workflow.now(), due=due)

    async def record(self, kind: EventKind, seq: int | None = None, **detail: object) -> None:
        await self.events.record(kind, seq, **detail)

    async def escalate(self, escalation: Escalation) -> None:
        self.state.escalations.append(escalation)
        await self.record(EventKind.ESCALATED, escalation=escalation)

    async def enter(self, stage: Stage, work: AwaitedWork | None = None) -> None:
        # State changes happen before the first await so update handlers answer with them.
        self.state.stage = stage
        self.state.awaiting = work
        kind = EventKind.CLOSED if stage is Stage.CLOSED else EventKind.STAGE_CHANGED
        await self.events.change_stage(stage.value, kind, reason=self.state.closed_reason)

    async def drop_task(self, why: str) -> None:
        """Cancel the open inbox task, if any: nobody is awaited for it any more."""
        if self.task_id is not None:
            await self.tasks.close(self.task_id, None, why)
            self.task_id = None

    def _summary(self) -> EnrolmentSummary:
        s = self.state
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
