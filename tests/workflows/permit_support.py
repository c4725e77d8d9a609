"""Builders and a two-worker harness for the TKA permit workflow tests.

Each test gets a Kemnaker worker (the workflow, SIMPONI simulator, the real working-day
calendar, recorders standing in for the read model, reminders and inbox tasks) and an
Imigrasi worker (the real SIMKIM activities over the simulator), each on a unique task queue
of its own against the test's time-skipping server, so Imigrasi's activities can only run on
Imigrasi's worker, as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.permit_systems import ImigrasiSystems, KemnakerSystems
from activities.working_calendar import CalendarActivities, WorkingCalendar
from domain.clock import WIB, local_date
from domain.identity import Actor, Ministry, Role, Scope
from domain.permit import (
    RECORD_PERMIT_EVENT,
    WRITE_PERMIT_REMINDER,
    ApprovalChoice,
    ArrivalRecord,
    EmployerCategory,
    EventKind,
    FeasibilityChoice,
    FeasibilityDecision,
    Pendamping,
    PermitApplication,
    PermitEvent,
    PermitReminder,
    PermitRun,
    PermitState,
    PositionKind,
    Resubmission,
    RptkaDecision,
    Stage,
    Termination,
    VerificationChoice,
    VerificationDecision,
    VisaChoice,
    VisaDecision,
    payment_update_id,
    permit_workflow_id,
)
from domain.permit import PaymentConfirmation as Payment
from domain.permit_policy import PermitPolicy
from registries.simkim import SimkimSimulator
from registries.simponi import SimponiSimulator, billing_code_for
from tests.temporal_support import IN_FLIGHT, idle, terminate, until
from tests.workflows.support import TaskRecorder
from workflows.permit import PermitWorkflow

NIB = "9120001234567"
OTHER_NIB = "9120007654321"
PASSPORT = "E1234567"  # personal data: never in a search attribute

EMPLOYER = Actor(subject="hrd-pt-maju", role=Role.EMPLOYER, scope=Scope(employer_nib=NIB))
OTHER_EMPLOYER = Actor(
    subject="hrd-pt-lain", role=Role.EMPLOYER, scope=Scope(employer_nib=OTHER_NIB)
)
VERIFIER = Actor(
    subject="verif-1", role=Role.KEMNAKER_VERIFIER, scope=Scope(ministry=Ministry.KEMNAKER)
)
DIRECTOR = Actor(
    subject="dir-1", role=Role.KEMNAKER_DIRECTOR, scope=Scope(ministry=Ministry.KEMNAKER)
)
OFFICER = Actor(
    subject="imi-1", role=Role.IMIGRASI_OFFICER, scope=Scope(ministry=Ministry.IMIGRASI)
)
OFFICER_WRONG_MINISTRY = Actor(
    subject="imi-x", role=Role.IMIGRASI_OFFICER, scope=Scope(ministry=Ministry.KEMNAKER)
)


def application(
    *,
    application_id: str | None = None,
    duration_months: int = 12,
    category: EmployerCategory = EmployerCategory.COMPANY,
    passport_no: str = PASSPORT,
    policy: PermitPolicy | None = None,
    imigrasi_task_queue: str = "sinergi-imigrasi",
    in_kek: bool = False,
) -> PermitApplication:
    return PermitApplication(
        application_id=application_id or f"TKA-{uuid.uuid4().hex[:10].upper()}",
        employer_nib=NIB,
        submitted_by=EMPLOYER,
        position_title="Mining engineer",
        position_kind=PositionKind.PROFESSIONAL,
        tka_name="Jane Doe",
        passport_no=passport_no,
        nationality="AU",
        duration_months=duration_months,
        work_location="Morowali, Sulawesi Tengah",
        in_kek=in_kek,
        pendamping=Pendamping(name="Budi Santoso", position="Junior mining engineer"),
        employer_category=category,
        policy=policy or PermitPolicy(),
        imigrasi_task_queue=imigrasi_task_queue,
    )


def verification(choice: VerificationChoice, actor: Actor = VERIFIER) -> VerificationDecision:
    return VerificationDecision(actor=actor, decision=choice, reason="checked the documents")


def resubmission(actor: Actor = EMPLOYER) -> Resubmission:
    return Resubmission(actor=actor, documents=["diploma, legalised"], reason="as requested")


def feasibility(choice: FeasibilityChoice = FeasibilityChoice.FEASIBLE) -> FeasibilityDecision:
    return FeasibilityDecision(actor=VERIFIER, decision=choice, reason="penilaian kelayakan")


def rptka(choice: ApprovalChoice = ApprovalChoice.APPROVE) -> RptkaDecision:
    return RptkaDecision(actor=DIRECTOR, decision=choice, reason="pengesahan RPTKA")


def visa(choice: VisaChoice, actor: Actor = OFFICER) -> VisaDecision:
    return VisaDecision(actor=actor, decision=choice, reason="checked at the directorate")


def termination(actor: Actor = EMPLOYER) -> Termination:
    return Termination(actor=actor, reason="the project ended early")


# ---------------------------------------------------------------- recorders


class PermitRecorder:
    """Stands in for the read model and the outbox: keeps every event and reminder."""

    def __init__(self) -> None:
        self.events: list[PermitEvent] = []
        self.reminders: list[PermitReminder] = []

    @activity.defn(name=RECORD_PERMIT_EVENT)
    async def record(self, event: PermitEvent) -> None:
        with IN_FLIGHT.running():
            self.events.append(event)

    @activity.defn(name=WRITE_PERMIT_REMINDER)
    async def remind(self, reminder: PermitReminder) -> None:
        with IN_FLIGHT.running():
            self.reminders.append(reminder)


# ---------------------------------------------------------------- harness

PermitHandle = WorkflowHandle[PermitWorkflow, PermitState]


class PermitHarness:
    def __init__(self, env: WorkflowEnvironment) -> None:
        suffix = uuid.uuid4().hex[:10]
        self.env = env
        self.kemnaker_queue = f"kemnaker-test-{suffix}"
        self.imigrasi_queue = f"imigrasi-test-{suffix}"
        self.recorder = PermitRecorder()
        self.tasks = TaskRecorder()
        self.simponi = SimponiSimulator()
        self.simkim = SimkimSimulator()
        self.calendar = WorkingCalendar()
        self.cases: list[PermitCase] = []

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def skip(self, duration: timedelta) -> None:
        """Move the server's clock; timers due in between fire (generous deadline: the
        server runs everything in between inside this one call)."""
        request = SleepRequest()
        request.duration.FromTimedelta(duration)
        await self.env.client.test_service.unlock_time_skipping_with_sleep(
            request, timeout=timedelta(minutes=2)
        )

    async def skip_to(self, moment: datetime) -> None:
        now = await self.now()
        if moment > now:
            await self.skip(moment - now)

    def kemnaker_worker(self) -> Worker:
        systems = KemnakerSystems(self.simponi, self.calendar)
        return Worker(
            self.env.client,
            task_queue=self.kemnaker_queue,
            workflows=[PermitWorkflow],
            activities=[
                self.recorder.record,
                self.recorder.remind,
                systems.create_billing,
                systems.working_days_before,
                self.tasks.open_task,
                self.tasks.close_task,
                self.tasks.escalate_task,
                CalendarActivities(self.calendar).compute_due_date,
            ],
        )

    def imigrasi_worker(self) -> Worker:
        systems = ImigrasiSystems(self.simkim)
        return Worker(
            self.env.client,
            task_queue=self.imigrasi_queue,
            activities=[
                systems.notify,
                systems.run_checks,
                systems.issue_visa,
                systems.issue_itas,
                systems.issue_epo,
            ],
        )

    async def start(self, **kwargs: Any) -> PermitCase:
        app = application(imigrasi_task_queue=self.imigrasi_queue, **kwargs)
        handle = await self.env.client.start_workflow(
            PermitWorkflow.run,
            PermitRun(application=app),
            id=permit_workflow_id(app.application_id),
            task_queue=self.kemnaker_queue,
        )
        case = PermitCase(self, app, handle)
        self.cases.append(case)
        await case.until(lambda s: s.awaiting is not None, "the verification task")
        await case.settled()
        return case


@contextlib.asynccontextmanager
async def running_permit_harness(
    env: WorkflowEnvironment, *, imigrasi: bool = True
) -> AsyncIterator[PermitHarness]:
    harness = PermitHarness(env)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(harness.kemnaker_worker())
        if imigrasi:
            await stack.enter_async_context(harness.imigrasi_worker())
        try:
            yield harness
        finally:
            for case in harness.cases:
                if (await case.handle.describe()).status is WorkflowExecutionStatus.RUNNING:
                    with contextlib.suppress(AssertionError):
                        await case.settled(within=3)
                    await terminate(case.handle)


class PermitCase:
    def __init__(self, harness: PermitHarness, app: PermitApplication, handle: PermitHandle):
        self.harness = harness
        self.application = app
        self.handle = handle

    @property
    def application_id(self) -> str:
        return self.application.application_id

    def events(self, kind: EventKind | None = None) -> list[PermitEvent]:
        mine = [e for e in self.harness.recorder.events if e.application_id == self.application_id]
        return sorted((e for e in mine if kind is None or e.kind is kind), key=lambda e: e.seq)

    async def state(self) -> PermitState:
        return await self.handle.query(PermitWorkflow.state)

    async def until(
        self, ready: Callable[[PermitState], bool], what: str, within: float = 10.0
    ) -> PermitState:
        return await until(self.state, ready, what, within)

    async def at(self, stage: Stage) -> PermitState:
        return await self.until(lambda s: s.stage is stage, f"stage {stage.value}")

    async def settled(self, within: float = 10.0) -> PermitState:
        """No workflow task or activity pending, and the inbox task of the wait is open."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            raw = (await self.handle.describe()).raw_description
            state = await self.state()
            work = state.awaiting
            task_open = (
                work is None
                or state.outcome is not None
                or work.kind == "payment"  # the payment system is awaited, not a person
                or any(
                    t.kind == work.kind and t.case_id == self.application_id
                    for t in self.harness.tasks.open_now()
                )
            )
            if len(self.events()) == state.event_count and idle(raw) and task_open:
                return state
            if loop.time() > deadline:
                raise AssertionError(f"{self.application_id} never settled: {state!r}")
            await asyncio.sleep(0.02)

    async def refused(self, update: Any, arg: Any, **kwargs: Any) -> str:
        """Send a decision that must be refused; prove nothing changed; the refusal type."""
        before = await self.settled()
        recorded = len(self.events())
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            async with asyncio.timeout(10):
                await self.handle.execute_update(update, arg, **kwargs)
        cause = refused.value.cause
        assert isinstance(cause, ApplicationError), cause
        after = await self.settled()
        assert after == before, f"a refused decision changed the case: {before!r} -> {after!r}"
        assert len(self.events()) == recorded, "a refused decision was projected"
        assert cause.type is not None
        return cause.type

    # ------------------------------------------------------------ steps

    async def decide(self, update: Any, arg: Any) -> PermitState:
        await self.handle.execute_update(update, arg)
        return await self.settled()

    async def pay(
        self, payment_id: str = "PAY-1", amount: int | None = None, bill: str = "dkptka"
    ) -> PermitState:
        state = await self.state()
        assert state.billing is not None
        await self.handle.execute_update(
            PermitWorkflow.confirm_payment,
            self.payment(payment_id, amount, bill),
            id=payment_update_id(payment_id),
        )
        return await self.settled()

    def payment(
        self, payment_id: str = "PAY-1", amount: int | None = None, bill: str = "dkptka"
    ) -> Payment:
        """SIMPONI's confirmation of the bill keyed `bill` (`dkptka:extension-1` for the
        first extension's new period)."""
        return Payment(
            payment_id=payment_id,
            billing_code=billing_code_for(f"{self.application_id}:{bill}"),
            amount_usd=amount if amount is not None else 100 * self.application.duration_months,
            paid_at=datetime(2026, 1, 1, tzinfo=WIB),
        )

    async def to_payment(self) -> PermitState:
        await self.decide(PermitWorkflow.verify_documents, verification(VerificationChoice.APPROVE))
        return await self.decide(PermitWorkflow.assess_feasibility, feasibility())

    async def to_visa_decision(self) -> PermitState:
        state = await self.state()
        if state.stage is Stage.DOCUMENT_VERIFICATION:
            state = await self.to_payment()
        if state.stage is Stage.PAYMENT:
            await self.pay()
        await self.decide(PermitWorkflow.decide_rptka, rptka())
        await self.at(Stage.VISA_DECISION)
        return await self.settled()

    async def to_active(self, arrived_on: date | None = None) -> PermitState:
        await self.to_visa_decision()
        await self.decide(PermitWorkflow.decide_visa, visa(VisaChoice.APPROVE))
        return await self.to_active_from_arrival(arrived_on)

    async def to_active_from_arrival(self, arrived_on: date | None = None) -> PermitState:
        await self.at(Stage.AWAITING_ARRIVAL)
        arrival = ArrivalRecord(
            actor=OFFICER,
            arrived_on=arrived_on or local_date(await self.harness.now()),
            port_of_entry="CGK",
        )
        await self.decide(PermitWorkflow.record_arrival, arrival)
        await self.at(Stage.ACTIVE)
        return await self.settled()

    async def result(self) -> PermitState:
        return await self.handle.result()
