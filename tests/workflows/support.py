"""Fakes, builders and a worker harness for the enrolment workflow tests.

The workflow calls its activities by name, so the fakes register under the same names:
a projection recorder that keeps every event it is sent, and a BNSP that answers only when
told to. Each test gets its own worker on a unique task queue against the shared
time-skipping server; `Case` wraps one running enrolment with the steps a test drives.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from typing import TypeVar

import pytest
from temporalio import activity
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.client import (
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateHandle,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.workflow import UpdateMethodMultiParam

from activities.enrolment_stage import EnrolmentStageWrites
from activities.working_calendar import CalendarActivities, WorkingCalendar
from domain.clock import local_date
from domain.enrolment import (
    BNSP_UNKNOWN_SUBMISSION,
    LOOKUP_CERTIFICATE,
    RECORD_ENROLMENT_EVENT,
    SUBMIT_CERTIFICATION,
    AppealDecisionInput,
    AppealFiling,
    AppealOutcome,
    AssessmentInput,
    AttendanceInput,
    EnrolmentEvent,
    EnrolmentRequest,
    EnrolmentState,
    EventKind,
    ModuleCompletionInput,
    PlacementChoice,
    PlacementDecision,
    Stage,
    TrainingCompletionInput,
    UnitResult,
    WithdrawalInput,
    enrolment_workflow_id,
)
from domain.errors import POISONED_INPUT
from domain.identity import Actor, Ministry, Role, Scope
from domain.journey import (
    PROGRAMMES_OFFERED,
    RECORD_JOURNEY_EVENT,
    JourneyEvent,
    JourneyEventKind,
    ProgrammesOffered,
    ProgrammesOfferedQuery,
)
from domain.placement import RECORD_PLACEMENT_EVENT, PlacementEvent
from domain.policy import EnrolmentPolicy
from domain.reference import CompetencyUnit, EducationLevel, Programme
from domain.registries import (
    CertificateLookup,
    CertificateLookupResult,
    CertificationSubmission,
    IssuedCertificate,
    SubmissionReceipt,
)
from domain.tasks import (
    CLOSE_TASK,
    COMPUTE_DUE_DATE,
    ESCALATE_TASK,
    OPEN_TASK,
    DueDate,
    DueDateRequest,
    TaskClosing,
    TaskEscalation,
    TaskOpening,
)
from tests.temporal_support import IN_FLIGHT, history_quiet, idle, quiet, terminate, until
from workers.incidents import repaired
from workflows.enrolment import EnrolmentWorkflow
from workflows.journey import InmateJourneyWorkflow
from workflows.placement import PlacementWorkflow

# ---------------------------------------------------------------- reference data

UPT = "LP-CIPINANG"
OTHER_UPT = "LP-SUKAMISKIN"
NO_PROGRAMME_UPT = "LP-TANGERANG"  # offers nothing the tests enrol in
LSP = "LSP-PARIWISATA"
OTHER_LSP = "LSP-LOGAM"
INMATE_SDP_NO = "WBP-3175-2023-004512"  # PII-adjacent: must never reach a search attribute

PROGRAMME = Programme(
    code="BARISTA-2025",
    name="Barista dasar",
    scheme_code="SKM-BARISTA",
    min_education=EducationLevel.SMP,
    session_count=10,
    modules=("BAR-M1", "BAR-M2"),
    units=(
        CompetencyUnit(code="I.56BAR00.001.1", title="Menyiapkan peralatan kopi"),
        CompetencyUnit(code="I.56BAR00.002.1", title="Membuat espresso"),
        CompetencyUnit(code="I.56BAR00.003.1", title="Menjaga kebersihan area kerja"),
    ),
)
UNITS = PROGRAMME.unit_codes
MODULES = PROGRAMME.modules

# ---------------------------------------------------------------- who acts

CASEWORKER = Actor(
    subject="caseworker-cip-1",
    role=Role.CASEWORKER,
    scope=Scope(upt=UPT, ministry=Ministry.KEMENIMIPAS),
)
CASEWORKER_OTHER_UPT = Actor(
    subject="caseworker-skm-1",
    role=Role.CASEWORKER,
    scope=Scope(upt=OTHER_UPT, ministry=Ministry.KEMENIMIPAS),
)
TPP = Actor(subject="tpp-cip-1", role=Role.TPP_MEMBER, scope=Scope(upt=UPT))
TPP_OTHER_UPT = Actor(subject="tpp-skm-1", role=Role.TPP_MEMBER, scope=Scope(upt=OTHER_UPT))
INSTRUCTOR = Actor(
    subject="instructor-blk-1",
    role=Role.KEMNAKER_INSTRUCTOR,
    scope=Scope(ministry=Ministry.KEMNAKER),
)
INSTRUCTOR_NOT_KEMNAKER = Actor(
    subject="instructor-imipas-1",
    role=Role.KEMNAKER_INSTRUCTOR,
    scope=Scope(ministry=Ministry.KEMENIMIPAS),
)
ASSESSOR = Actor(subject="assessor-par-1", role=Role.LSP_ASSESSOR, scope=Scope(lsp=LSP))
ASSESSOR_OTHER_LSP = Actor(
    subject="assessor-log-1", role=Role.LSP_ASSESSOR, scope=Scope(lsp=OTHER_LSP)
)
PANEL = ("assessor-par-2", "assessor-par-3", "assessor-par-4")
PANEL_CHAIR = Actor(subject=PANEL[0], role=Role.LSP_ASSESSOR, scope=Scope(lsp=LSP))

# ---------------------------------------------------------------- builders


def enrolment_request(
    now: datetime,
    *,
    enrolment_id: str | None = None,
    release_flagged: bool = False,
    training_days: int = 60,
    policy: EnrolmentPolicy | None = None,
) -> EnrolmentRequest:
    """A request for PROGRAMME at UPT, planned to start today and end `training_days` later."""
    today = local_date(now)
    planned_end = today + timedelta(days=training_days)
    release = planned_end + timedelta(days=10 if release_flagged else 400)
    return EnrolmentRequest(
        enrolment_id=enrolment_id or f"test-{uuid.uuid4().hex[:12]}",
        inmate_sdp_no=INMATE_SDP_NO,
        programme=PROGRAMME,
        upt_code=UPT,
        lsp_code=LSP,
        planned_start=today,
        planned_end=planned_end,
        expected_release=release,
        release_flagged=release_flagged,
        requested_by=CASEWORKER,
        reason="inmate asked to join the barista cohort",
        policy=policy or EnrolmentPolicy(),
    )


def placement(
    choice: PlacementChoice = PlacementChoice.APPROVE,
    *,
    actor: Actor = TPP,
    reason: str = "TPP session 12: fits the inmate's plan",
    exception_granted: bool = False,
    defer_until: date | None = None,
) -> PlacementDecision:
    return PlacementDecision(
        actor=actor,
        decision=choice,
        reason=reason,
        exception_granted=exception_granted,
        defer_until=defer_until,
    )


def attendance(
    session_no: int, *, actor: Actor = CASEWORKER, present: bool = True
) -> AttendanceInput:
    return AttendanceInput(
        actor=actor,
        session_no=session_no,
        session_date=date(2025, 3, 1) + timedelta(days=session_no),
        present=present,
    )


def module(code: str, *, actor: Actor = INSTRUCTOR) -> ModuleCompletionInput:
    return ModuleCompletionInput(actor=actor, module_code=code)


def training_completion(actor: Actor = INSTRUCTOR) -> TrainingCompletionInput:
    return TrainingCompletionInput(actor=actor, reason="cohort finished its sessions")


def assessment(
    units: tuple[str, ...] | list[str] = UNITS,
    *,
    bk: tuple[str, ...] = (),
    actor: Actor = ASSESSOR,
) -> AssessmentInput:
    results = {u: UnitResult.BK if u in bk else UnitResult.K for u in units}
    return AssessmentInput(
        actor=actor, tuk_code="TUK-LP-CIPINANG", results=results, reason="observed at the TUK"
    )


def appeal(actor: Actor = CASEWORKER) -> AppealFiling:
    return AppealFiling(actor=actor, reason="the candidate contests unit 2: machine was broken")


def appeal_decision(
    outcome: AppealOutcome,
    *,
    panel: tuple[str, ...] = PANEL,
    actor: Actor = PANEL_CHAIR,
) -> AppealDecisionInput:
    return AppealDecisionInput(
        actor=actor, panel=panel, outcome=outcome, reason="panel reviewed the evidence"
    )


def withdrawal(actor: Actor = TPP, reason: str = "inmate asked to leave") -> WithdrawalInput:
    return WithdrawalInput(actor=actor, reason=reason)


# ---------------------------------------------------------------- fake activities


Recorded = TypeVar("Recorded", EnrolmentEvent, JourneyEvent, PlacementEvent)


def redelivered(event: Recorded, received: list[Recorded]) -> bool:
    """The same change again: the same event, or the same one under its id from a later
    attempt of its workflow task, which differs only in its time (the retry runs at a later
    workflow time: on the time-skipping server a task that did not complete in time is
    retried after a skip). The read model keeps the first of these and changes nothing
    (db/case_events.py, "the same change from a later attempt"); another change under the
    same id is kept here, and the tests' uniqueness checks catch it."""
    again = event.model_dump(exclude={"at"})
    return any(
        e.event_id == event.event_id and e.model_dump(exclude={"at"}) == again for e in received
    )


class ProjectionRecorder:
    """Stands in for the Postgres projection: keeps every event exactly as it arrives. An
    activity runs at least once: a local one runs again when its workflow task did not
    complete (a timeout on a loaded machine). The same change again is counted, not kept
    (`redelivered`); another event under the same id is kept, and the tests' uniqueness
    checks catch it."""

    def __init__(self) -> None:
        self.received: list[EnrolmentEvent] = []
        self.redelivered = 0  # the same event again (see the class's note)
        # A test may hold the write of one kind of event to look at the case meanwhile.
        self.hold: EventKind | None = None
        self.holding = asyncio.Event()
        self.release = asyncio.Event()
        # Postgres refuses text with a NUL: the write fails as the worker's incident
        # interceptor makes it fail (tests/api/test_incidents.py has the real one) until the
        # test repairs the case (`repaired`, by workflow id), as an operator's retry does.
        self.repaired: set[str] = set()
        self.refused: list[bool] = []  # each refused attempt: whether it was a local activity

    @activity.defn(name=RECORD_ENROLMENT_EVENT)
    async def record(self, event: EnrolmentEvent) -> None:
        with IN_FLIGHT.running():
            if "\\u0000" in event.model_dump_json():
                if event.workflow_id not in self.repaired:
                    self.refused.append(activity.info().is_local)
                    raise ApplicationError("Postgres refused a NUL", type=POISONED_INPUT)
                event = repaired(event)
            if redelivered(event, self.received):
                self.redelivered += 1
            else:
                self.received.append(event)
            if event.kind is self.hold:
                self.holding.set()
                await self.release.wait()

    def events(self, enrolment_id: str) -> list[EnrolmentEvent]:
        """One case's events in seq order."""
        return sorted(
            (e for e in self.received if e.enrolment_id == enrolment_id), key=lambda e: e.seq
        )


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class FakeBnsp:
    """BNSP: accepts every submission; issues a certificate only while `answering`."""

    def __init__(self) -> None:
        self.answering = True
        self.submissions: list[CertificationSubmission] = []
        self.lookups = 0
        # When set, a lookup waits for it: a test can act while BNSP is being asked.
        self.gate: asyncio.Event | None = None
        self.asked = asyncio.Event()
        # How many coming lookups answer "unknown submission" (BNSP lost it, e.g. a restart).
        self.forget = 0

    @activity.defn(name=SUBMIT_CERTIFICATION)
    async def submit(self, submission: CertificationSubmission) -> SubmissionReceipt:
        with IN_FLIGHT.running():
            return self._submit(submission)

    def _submit(self, submission: CertificationSubmission) -> SubmissionReceipt:
        self.submissions.append(submission)
        return SubmissionReceipt(submission_ref=f"BNSP-SUB-{submission.enrolment_id}")

    @activity.defn(name=LOOKUP_CERTIFICATE)
    async def lookup(self, lookup: CertificateLookup) -> CertificateLookupResult:
        with IN_FLIGHT.running():
            return await self._lookup(lookup)

    async def _lookup(self, lookup: CertificateLookup) -> CertificateLookupResult:
        self.lookups += 1
        self.asked.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.forget > 0:
            self.forget -= 1
            raise ApplicationError(
                f"no submission {lookup.submission_ref}",
                type=BNSP_UNKNOWN_SUBMISSION,
                non_retryable=True,
            )
        if not self.answering:
            return CertificateLookupResult()
        issued = local_date(activity.info().current_attempt_scheduled_time)
        return CertificateLookupResult(
            certificate=IssuedCertificate(
                number=f"CERT/{lookup.submission_ref}",
                issued_on=issued,
                valid_until=_years_later(issued, 3),
            )
        )


class TaskRecorder:
    """Stands in for the inbox's task table: keeps every opening, escalation and closing; the
    same one delivered again (an activity runs at least once) is what the table's keys drop."""

    def __init__(self) -> None:
        self.opened: list[TaskOpening] = []
        self.escalated: list[TaskEscalation] = []
        self.closed: list[TaskClosing] = []

    @activity.defn(name=OPEN_TASK)
    async def open_task(self, opening: TaskOpening) -> None:
        with IN_FLIGHT.running():
            if opening not in self.opened:
                self.opened.append(opening)

    @activity.defn(name=ESCALATE_TASK)
    async def escalate_task(self, escalation: TaskEscalation) -> None:
        with IN_FLIGHT.running():
            if escalation not in self.escalated:
                self.escalated.append(escalation)

    @activity.defn(name=CLOSE_TASK)
    async def close_task(self, closing: TaskClosing) -> None:
        with IN_FLIGHT.running():
            if closing not in self.closed:
                self.closed.append(closing)

    def open_now(self) -> list[TaskOpening]:
        """Tasks opened and not yet closed: what an inbox would show."""
        closed = {c.task_id for c in self.closed}
        return [o for o in self.opened if o.task_id not in closed]


class JourneyRecorder:
    """Stands in for the journeys' read model: keeps every journey event as it arrives."""

    def __init__(self) -> None:
        self.received: list[JourneyEvent] = []
        self.redelivered = 0  # the same event again, as ProjectionRecorder says
        # A test may hold one kind of event's write to act while the journey is mid-step.
        self.hold: JourneyEventKind | None = None
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    @activity.defn(name=RECORD_JOURNEY_EVENT)
    async def record(self, event: JourneyEvent) -> None:
        with IN_FLIGHT.running():
            if redelivered(event, self.received):
                self.redelivered += 1
            else:
                self.received.append(event)
            if event.kind is self.hold:
                self.hold = None  # the first one only
                self.holding.set()
                await self.release.wait()

    def events(self, journey_id: str) -> list[JourneyEvent]:
        return sorted((e for e in self.received if e.journey_id == journey_id), key=lambda e: e.seq)


class PlacementRecorder:
    """Stands in for the placement read model: keeps every placement event as it arrives."""

    def __init__(self) -> None:
        self.received: list[PlacementEvent] = []
        self.redelivered = 0  # the same event again, as ProjectionRecorder says

    @activity.defn(name=RECORD_PLACEMENT_EVENT)
    async def record(self, event: PlacementEvent) -> None:
        with IN_FLIGHT.running():
            if redelivered(event, self.received):
                self.redelivered += 1
                return
            self.received.append(event)

    def events(self, placement_id: str) -> list[PlacementEvent]:
        return sorted(
            (e for e in self.received if e.placement_id == placement_id), key=lambda e: e.seq
        )

    def workflow_ids(self) -> set[str]:
        return {e.workflow_id for e in self.received}


class FakeOfferings:
    """Reference data: which UPT offers which programme."""

    def __init__(self) -> None:
        self.offered = {UPT: {PROGRAMME.code}, OTHER_UPT: {PROGRAMME.code}, NO_PROGRAMME_UPT: set()}

    @activity.defn(name=PROGRAMMES_OFFERED)
    async def programmes_offered(self, query: ProgrammesOfferedQuery) -> ProgrammesOffered:
        with IN_FLIGHT.running():
            here = self.offered.get(query.upt_code)
            return ProgrammesOffered(
                upt_known=here is not None,
                offered=[c for c in query.programme_codes if c in (here or set())],
            )


class _CountedCalendar(CalendarActivities):
    """The real due-date activity, counted while it runs."""

    @activity.defn(name=COMPUTE_DUE_DATE)
    async def compute_due_date(self, request: DueDateRequest) -> DueDate:
        with IN_FLIGHT.running():
            return await super().compute_due_date(request)


# ---------------------------------------------------------------- harness

EnrolmentHandle = WorkflowHandle[EnrolmentWorkflow, EnrolmentState]
P = TypeVar("P")


class Harness:
    """One worker on a unique task queue, its fakes, and every case it started."""

    def __init__(self, env: WorkflowEnvironment, task_queue: str) -> None:
        self.env = env
        self.task_queue = task_queue
        self.projection = ProjectionRecorder()
        self.bnsp = FakeBnsp()
        self.tasks = TaskRecorder()
        self.journey_projection = JourneyRecorder()
        self.placements = PlacementRecorder()
        self.offerings = FakeOfferings()
        # Other running workflows (journeys) to leave behind cleanly, like `cases`.
        self.others: list[WorkflowHandle[object, object]] = []
        # The real due-date activity: pure (national holidays from a package, no I/O).
        self.calendar = WorkingCalendar()
        self.cases: list[Case] = []

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def skip(self, duration: timedelta) -> None:
        """Move the server's clock; timers due in between fire.

        With a generous deadline: the test server runs every timer and activity in between
        inside this one call, which on a loaded machine outlasts the default deadline.
        """
        request = SleepRequest()
        request.duration.FromTimedelta(duration)
        await self.env.client.test_service.unlock_time_skipping_with_sleep(
            request, timeout=timedelta(minutes=2)
        )

    async def skip_to(self, moment: datetime) -> None:
        now = await self.now()
        if moment > now:
            await self.skip(moment - now)

    async def request(self, **kwargs: object) -> EnrolmentRequest:
        return enrolment_request(await self.now(), **kwargs)  # type: ignore[arg-type]

    async def start(self, request: EnrolmentRequest | None = None) -> Case:
        request = request or await self.request()
        handle = await self.env.client.start_workflow(
            EnrolmentWorkflow.run,
            request,
            id=enrolment_workflow_id(request.enrolment_id),
            task_queue=self.task_queue,
        )
        case = Case(self, request, handle)
        self.cases.append(case)
        await case.until(lambda s: s.stage is Stage.PLACEMENT_REVIEW, "placement review")
        return case

    async def start_decided(
        self, decision: PlacementDecision, request: EnrolmentRequest | None = None
    ) -> Case:
        """Start a case with its placement decision in its first workflow task (update with
        start): what the first task's next attempt carries when a worker died after its writes
        and the decision was sent meanwhile. Returns once the case is in training."""
        request = request or await self.request()
        start = WithStartWorkflowOperation(
            EnrolmentWorkflow.run,
            request,
            id=enrolment_workflow_id(request.enrolment_id),
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            task_queue=self.task_queue,
        )
        await self.env.client.execute_update_with_start_workflow(
            EnrolmentWorkflow.decide_placement, decision, start_workflow_operation=start
        )
        case = Case(self, request, await start.workflow_handle())
        self.cases.append(case)
        await case.at(Stage.TRAINING)
        return case


@contextlib.asynccontextmanager
async def running_harness(
    env: WorkflowEnvironment, calendar: WorkingCalendar | None = None
) -> AsyncIterator[Harness]:
    harness = Harness(env, f"enrolment-test-{uuid.uuid4().hex}")
    if calendar is not None:
        harness.calendar = calendar
    async with harness_worker(harness):
        try:
            yield harness
        finally:
            # Let go of anything a failed test left held, so the worker can stop.
            harness.projection.release.set()
            harness.journey_projection.release.set()
            if harness.bnsp.gate is not None:
                harness.bnsp.gate.set()
            # Leave no running case behind: its timers would fire in later tests' time skips.
            for other in harness.others:
                await _terminate_when_quiet(other)
            # Placement cases the journeys started (they outlive their journey).
            for workflow_id in sorted(harness.placements.workflow_ids()):
                await _terminate_when_quiet(env.client.get_workflow_handle(workflow_id))
            for case in harness.cases:
                description = await case.handle.describe()
                if description.status is WorkflowExecutionStatus.RUNNING:
                    # Not mid-activity: the time-skipping server keeps time locked for good
                    # when a workflow is terminated under a running activity.
                    with contextlib.suppress(AssertionError):
                        await case.settled()
                    await terminate(case.handle)  # finished meanwhile: nothing to end


def harness_worker(harness: Harness, max_cached_workflows: int = 1000) -> Worker:
    """The harness's worker; with no cache, each workflow task replays the whole history
    first, as the first task after a deployment does."""
    return Worker(
        harness.env.client,
        max_cached_workflows=max_cached_workflows,
        task_queue=harness.task_queue,
        workflows=[EnrolmentWorkflow, InmateJourneyWorkflow, PlacementWorkflow],
        activities=[
            harness.journey_projection.record,
            harness.placements.record,
            harness.offerings.programmes_offered,
            harness.projection.record,
            harness.bnsp.submit,
            harness.bnsp.lookup,
            harness.tasks.open_task,
            harness.tasks.escalate_task,
            harness.tasks.close_task,
            _CountedCalendar(harness.calendar).compute_due_date,
            EnrolmentStageWrites(
                harness.projection.record,
                harness.tasks.close_task,
                harness.tasks.open_task,
                _CountedCalendar(harness.calendar).compute_due_date,
            ).write_stage,
        ],
    )


async def _terminate_when_quiet(handle: WorkflowHandle[object, object]) -> None:
    if (await handle.describe()).status is not WorkflowExecutionStatus.RUNNING:
        return
    with contextlib.suppress(AssertionError):
        await quiet(handle)
    await terminate(handle)


class Case:
    """One running enrolment and the steps tests drive it through."""

    def __init__(self, harness: Harness, request: EnrolmentRequest, handle: EnrolmentHandle):
        self.harness = harness
        self.request = request
        self.handle = handle

    @property
    def enrolment_id(self) -> str:
        return self.request.enrolment_id

    def events(self) -> list[EnrolmentEvent]:
        return self.harness.projection.events(self.enrolment_id)

    def events_of(self, kind: EventKind) -> list[EnrolmentEvent]:
        return [e for e in self.events() if e.kind is kind]

    async def state(self) -> EnrolmentState:
        return await self.handle.query(EnrolmentWorkflow.state)

    async def until(
        self, ready: Callable[[EnrolmentState], bool], what: str, within: float = 10.0
    ) -> EnrolmentState:
        """Poll the query until `ready` (the workflow moves on in its own tasks)."""
        return await until(self.state, ready, what, within)

    async def at(self, stage: Stage) -> EnrolmentState:
        return await self.until(lambda s: s.stage is stage, f"stage {stage.value}")

    async def settled(self) -> None:
        """Wait until no workflow task or activity is pending: every event has been recorded
        and the inbox task of the current wait is open."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10.0
        while True:
            raw = (await self.handle.describe()).raw_description
            if (
                idle(raw)
                and await history_quiet(self.handle)
                and self._task_opened_for(await self.state())
            ):
                return
            if loop.time() > deadline:
                raise AssertionError(f"case {self.enrolment_id} never settled: {raw}")
            await asyncio.sleep(0.02)

    def _task_opened_for(self, state: EnrolmentState) -> bool:
        """A wait on a person is settled once its inbox task is open (due date included)."""
        work = state.awaiting
        if work is None or state.outcome is not None:
            return True
        return any(
            t.kind == work.kind and t.case_id == self.enrolment_id
            for t in self.harness.tasks.open_now()
        )

    async def refused(
        self,
        update: UpdateMethodMultiParam[[EnrolmentWorkflow, P], EnrolmentState] | str,
        arg: P,
        *,
        settle: bool = True,
    ) -> str:
        """Send a decision that must be refused; prove nothing changed; return the refusal.

        `settle=False` when an activity is deliberately held and the case cannot settle.
        """
        if settle:
            await self.settled()
        before = await self.state()
        recorded = len(self.events())
        # Bounded: a decision wrongly accepted may wait on the flow, and must fail fast.
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            async with asyncio.timeout(10):
                if isinstance(update, str):
                    await self.handle.execute_update(update, arg)
                else:
                    await self.handle.execute_update(update, arg)
        cause = refused.value.cause
        assert isinstance(cause, ApplicationError), cause
        if settle:
            await self.settled()
        after = await self.state()
        assert after == before, f"a refused decision changed the case: {before!r} -> {after!r}"
        assert len(self.events()) == recorded, "a refused decision was projected"
        assert cause.type is not None
        return cause.type

    # ------------------------------------------------------------ steps

    async def place(self, decision: PlacementDecision | None = None) -> EnrolmentState:
        return await self.handle.execute_update(
            EnrolmentWorkflow.decide_placement, decision or placement()
        )

    async def place_poisoned(self) -> WorkflowUpdateHandle[EnrolmentState]:
        """Approve with a NUL in the reason, as a client could send it past the API's text
        rule (`model_copy` validates nothing): the write that carries it is refused until
        the test repairs the case (`ProjectionRecorder.repaired`)."""
        return await self.handle.start_update(
            EnrolmentWorkflow.decide_placement,
            placement().model_copy(update={"reason": "approved\x00 after review"}),
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )

    async def refused_as_activity(self, attempts: int = 2) -> None:
        """Wait until the poisoned write has been refused `attempts` times as a regular
        activity (retried by the server), then repair the case."""

        async def refused() -> list[bool]:
            return list(self.harness.projection.refused)

        await until(
            refused,
            lambda seen: seen.count(False) >= attempts,
            "the poisoned write refused as an activity",
            within=30,
            called="refused (is local)",
        )
        self.harness.projection.repaired.add(self.handle.id)

    async def approve(self) -> EnrolmentState:
        await self.place()
        return await self.at(Stage.TRAINING)

    async def attend(self, entry: AttendanceInput) -> EnrolmentState:
        return await self.handle.execute_update(EnrolmentWorkflow.record_attendance, entry)

    async def complete_module(self, entry: ModuleCompletionInput) -> EnrolmentState:
        return await self.handle.execute_update(EnrolmentWorkflow.complete_module, entry)

    async def complete_training(
        self, entry: TrainingCompletionInput | None = None
    ) -> EnrolmentState:
        return await self.handle.execute_update(
            EnrolmentWorkflow.complete_training, entry or training_completion()
        )

    async def train(self, present: int = 10) -> EnrolmentState:
        """Record every session (the first `present` attended) and every module."""
        for session in range(1, PROGRAMME.session_count + 1):
            await self.attend(attendance(session, present=session <= present))
        for code in MODULES:
            await self.complete_module(module(code))
        return await self.state()

    async def to_assessment(self) -> EnrolmentState:
        await self.approve()
        await self.train()
        await self.complete_training()
        return await self.at(Stage.ASSESSMENT)

    async def assess(self, entry: AssessmentInput) -> EnrolmentState:
        return await self.handle.execute_update(EnrolmentWorkflow.record_assessment, entry)

    async def assess_due(self, bk: tuple[str, ...] = ()) -> EnrolmentState:
        """Assess exactly the units due now, failing `bk`; wait until the workflow moves on."""
        state = await self.state()
        attempts = len(state.attempts)
        await self.assess(assessment(state.units_due, bk=bk))
        return await self.until(
            lambda s: len(s.attempts) == attempts + 1 and s.stage is not Stage.ASSESSMENT,
            "the workflow to act on the assessment",
        )

    async def file_appeal(self, entry: AppealFiling | None = None) -> EnrolmentState:
        await self.handle.execute_update(EnrolmentWorkflow.file_appeal, entry or appeal())
        return await self.at(Stage.APPEAL_REVIEW)

    async def decide_appeal(self, entry: AppealDecisionInput) -> EnrolmentState:
        return await self.handle.execute_update(EnrolmentWorkflow.decide_appeal, entry)

    async def withdraw(self, entry: WithdrawalInput | None = None) -> EnrolmentState:
        return await self.handle.execute_update(EnrolmentWorkflow.withdraw, entry or withdrawal())

    async def result(self) -> EnrolmentState:
        return await self.handle.result()
