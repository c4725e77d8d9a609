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
        WRITE_ENROLMENT_STAGE,
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
        StageWrite,
        StageWritten,
        WithdrawalInput,
    )
    from domain.identity import Role, Scope
    from domain.tasks import TaskClosing


with workflow.unsafe.imports_passed_through():
    from workflows.case_events import CaseEvents, patched_any, project
    from workflows.reviewer_tasks import ReviewerTasks, Settlement


# The case's projections and inbox-task writes run as local activities (one marker each,
# no extra workflow task): issue 18. Cases started before it keep activities to their end.
LOCAL_PROJECTIONS_PATCH = "enrolment-local-projections-v1"
# A stage change's writes (the ended wait's task closed, the change recorded, the next wait's
# task opened with its due date) run as one local activity, one marker instead of up to four;
# the request rides with the first stage change, the certificate with the close. It implies
# local projections (a case started under it records no marker of that patch): issue 18.
STAGE_WRITE_PATCH = "enrolment-stage-write-v1"
# A decision that reaches the case before the flow first waits on a person (in the first
# workflow task, as when that task is retried after a worker died with its local writes
# already stored) waits for that wait: the flow's first writes take the same event numbers in
# every attempt, and the decision's come after them, instead of taking one of theirs (a stored
# event under that number would keep it, the decision's lost). Consulted only then: a case
# whose decisions come later records nothing of it. (None: as a worker without it, for tests.)
DECISION_AFTER_FIRST_WAIT_PATCH: str | None = "enrolment-decision-after-first-wait-v1"


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
        # Asked in this order: see `case_events.patched_any`.
        self._stage_patch = STAGE_WRITE_PATCH
        local = tuple(p for p in (STAGE_WRITE_PATCH, LOCAL_PROJECTIONS_PATCH) if p is not None)
        self._local = local
        self.events = CaseEvents(
            activity=RECORD_ENROLMENT_EVENT,
            event_type=EnrolmentEvent,
            case_field="enrolment_id",
            case_id=request.enrolment_id,
            recorded=1,
            counted=self._counted,
            snapshot=lambda: {"summary": self._summary()},
            local_patch=local,
        )
        self.tasks = ReviewerTasks(
            WORKFLOW_KIND,
            request.enrolment_id,
            request.policy.sla_working_days,
            events_seen=lambda: self.events.seq,
            local_patch=local,
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
        self.waited_on_person = False  # the flow reached its first wait on a person
        # Under the stage-write patch: writes that go with the next stage change (in the same
        # workflow task): the ended wait's task closing, events recorded meanwhile.
        self.closing: TaskClosing | None = None
        self.pending: list[EnrolmentEvent] = []
        # Custody (enrolment_custody.py): notices not yet applied, the release, and a counter
        # that moves whenever a hold changes (what a hold's wait wakes on).
        self.journey_id = request.journey_workflow_id
        self.custody_inbox: list[CustodyNotice] = []
        self.release: CustodyEvent | None = None
        self.hold_version = 0
        self.held_total = timedelta(0)  # how long the case has stood still, all holds

    async def after_first_wait(self) -> None:
        """Where a decision starts: once the flow has reached its first wait on a person
        (see DECISION_AFTER_FIRST_WAIT_PATCH). At once for every decision but one that arrives
        in the case's first workflow task."""
        patch = DECISION_AFTER_FIRST_WAIT_PATCH
        if not self.waited_on_person and patch is not None and workflow.patched(patch):
            await workflow.wait_condition(lambda: self.waited_on_person)

    def _counted(self, seq: int) -> None:
        self.state.event_count = seq

    def work(self, kind: str, role: Role, scope: Scope, due: datetime | None = None) -> AwaitedWork:
        return AwaitedWork(kind=kind, role=role, scope=scope, since=workflow.now(), due=due)

    def stage_writes(self) -> bool:
        """Whether this run writes each stage change in one local activity (the patch)."""
        return self._stage_patch is not None and patched_any(self._stage_patch)

    async def record(self, kind: EventKind, seq: int | None = None, **detail: object) -> None:
        """Record a change now (with any change held for the next write, first)."""
        if not self.pending:
            await self.events.record(kind, seq, **detail)
            return
        await self._write(
            StageWrite(earlier=self._take_pending(), event=self._event(kind, seq, **detail))
        )

    async def record_with_next_stage(
        self, kind: EventKind, seq: int | None = None, **detail: object
    ) -> None:
        """Record a change the flow follows at once, in the same workflow task, with a write
        of its own (a decision that ends the wait, the request before the first stage): under
        the stage-write patch it is held for that write, else written now. Every write takes
        what is held, so nothing held outlives the workflow task; an update that answers
        once the flow has moved on answers after it (the task completes after its local
        activities)."""
        if not self.stage_writes():
            await self.record(kind, seq, **detail)
            return
        self.pending.append(self._event(kind, seq, **detail))

    def _event(self, kind: EventKind, seq: int | None = None, **detail: object) -> EnrolmentEvent:
        event = self.events.event(kind, seq, **detail)
        assert isinstance(event, EnrolmentEvent)
        return event

    def _take_pending(self) -> list[EnrolmentEvent]:
        pending, self.pending = self.pending, []
        return pending

    async def _write(self, write: StageWrite) -> StageWritten:
        written = await project(WRITE_ENROLMENT_STAGE, write, self._local, StageWritten)
        assert written is not None
        return written

    async def escalate(self, escalation: Escalation) -> None:
        self.state.escalations.append(escalation)
        await self.record(EventKind.ESCALATED, escalation=escalation)

    async def enter(
        self, stage: Stage, work: AwaitedWork | None = None, *, with_task: bool = False
    ) -> None:
        """Enter `stage`, awaiting `work`. `with_task`: the flow waits on a person next, so
        under the stage-write patch this change opens the wait's inbox task too."""
        # State changes happen before the first await so update handlers answer with them.
        self.state.stage = stage
        self.state.awaiting = work
        kind = EventKind.CLOSED if stage is Stage.CLOSED else EventKind.STAGE_CHANGED
        if not self.stage_writes():
            await self.events.change_stage(stage.value, kind, reason=self.state.closed_reason)
            return
        self.events.show_new_stage(stage.value)
        change = self._event(kind, reason=self.state.closed_reason)
        closing, self.closing = self.closing, None
        opening, due = None, None
        if with_task and work is not None:
            opening, due = self.tasks.prepare(work, stage.value)
        written = await self._write(
            StageWrite(
                earlier=self._take_pending(),
                closing=closing,
                event=change,
                due=due,
                opening=opening,
            )
        )
        if work is not None and due is not None:
            work.due = written.due_at
        if opening is not None:
            self.task_id = opening.task_id

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
