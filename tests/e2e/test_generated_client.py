"""Both processes driven end to end by a client generated from the served `/openapi.json`,
as an integrator would, with no hand-written HTTP: Process A from finding an eligible inmate
to a BNSP certificate, Process B from submission to an active permit.

Every write answers with its final state, so the flows poll nothing and each step is one
call. The same flows with the answer wait at ~0 (the server answering before the state is
readable, as it did before answers were final) poll, and count what that costs; the counts
are in benchmarks/results/integrator-calls.md.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from temporalio.testing import WorkflowEnvironment

from api import final_answers
from api.auth import mint_dev_token
from api.openapi_docs import REQUEST_BODIES
from domain.clock import jakarta_today
from domain.identity import Ministry, Role, Scope
from domain.permit import PermitApplicationFields
from registries.sdp_seed import DEMO_ELIGIBLE
from registries.simponi import sign_callback
from tests.api.conftest import Wiring, end_journeys, wire
from tests.api.flows import session_date
from tests.e2e.generated_client import Calls, generate
from tests.e2e.ports import free_port


class Integrator:
    """The generated client, one authenticated client per role (each with its own token)."""

    def __init__(self, client: ModuleType, base_url: str, wired: Wiring, calls: Calls) -> None:
        self.c, self.base_url, self.wired, self.calls = client, base_url, wired, calls
        self.m = importlib.import_module(f"{client.__name__}.models")

    def op(self, tag: str, name: str) -> Any:
        return importlib.import_module(f"{self.c.__name__}.api.{tag}.{name}")

    def as_(self, subject: str, role: Role, scope: Scope) -> Any:
        token = mint_dev_token(self.wired.settings, subject, [role], scope)
        return self.c.AuthenticatedClient(
            base_url=self.base_url,
            token=token,
            timeout=httpx.Timeout(60),
            httpx_args=self.calls.httpx_args(),
        )

    def anonymous(self) -> Any:
        return self.c.Client(
            base_url=self.base_url, timeout=httpx.Timeout(60), httpx_args=self.calls.httpx_args()
        )

    async def call(self, step: str, operation: Awaitable[Any], *ok: int) -> Any:
        """One call of the flow; a 202 is followed to its final state (`follow`)."""
        self.calls.step = step
        response = await operation
        assert response.status_code in (*ok, 202), (step, response.status_code, response.content)
        return response.parsed  # a `Pending` for a 202: where to poll, until when

    def pending(self, answer: Any) -> bool:
        return isinstance(answer, self.m.Pending)

    async def follow(
        self, step: str, read: Callable[[], Awaitable[Any]], done: Callable[[Any], bool]
    ) -> Any:
        """What a client must do when an answer is not final: poll until it shows the state."""
        deadline = time.monotonic() + 60
        while True:
            self.calls.step, self.calls.polls = step, self.calls.polls + 1
            found = (await read()).parsed
            if done(found):
                return found
            assert time.monotonic() < deadline, f"{step} never settled: {found}"
            await asyncio.sleep(0.05)


# ---------------------------------------------------------------- Process A


async def process_a(i: Integrator) -> Any:
    m = i.m
    cipinang = Scope(upt="LP-CIPINANG")
    caseworker = i.as_("cw-1", Role.CASEWORKER, cipinang)
    tpp = i.as_("tpp-1", Role.TPP_MEMBER, cipinang)
    instructor = i.as_("instr-1", Role.KEMNAKER_INSTRUCTOR, Scope(ministry=Ministry.KEMNAKER))
    assessor = i.as_("asr-1", Role.LSP_ASSESSOR, Scope(lsp="LSP-PARIWISATA"))
    enrolments, inmates = "enrolments", "inmates"

    inmate = await i.call(
        "look up the inmate",
        i.op(inmates, "get_inmate_inmates_inmate_sdp_no_get").asyncio_detailed(
            DEMO_ELIGIBLE, client=caseworker
        ),
        200,
    )
    barista = next(p for p in inmate.programmes if p.programme_code == "BARISTA")
    assert barista.eligible and not barista.reasons
    programme = await i.call(
        "read the programme",
        i.op("reference_data", "get_programme_programmes_code_get").asyncio_detailed(
            "BARISTA", client=caseworker
        ),
        200,
    )

    request = m.EnrolmentCreate(
        inmate_sdp_no=DEMO_ELIGIBLE,
        programme_code="BARISTA",
        reason="motivated, attendance record clean",
    )
    case = await i.call(
        "request the enrolment",
        i.op(enrolments, "request_enrolment_enrolments_post").asyncio_detailed(
            client=caseworker, body=request
        ),
        201,
    )
    # A 202 names the case to poll: /enrolments/{enrolment_id}.
    enrolment_id = case.poll.rsplit("/", 1)[-1] if i.pending(case) else case.enrolment_id
    state_of = i.op(enrolments, "get_live_state_enrolments_enrolment_id_state_get")

    async def read() -> Any:
        return await state_of.asyncio_detailed(enrolment_id, client=tpp)

    if i.pending(case):
        await i.follow("request the enrolment", read, lambda s: s.awaiting is not None)

    async def decide(step: str, path: str, who: Any, body: Any, done: Callable[[Any], bool]) -> Any:
        answer = await i.call(
            step, i.op(enrolments, path).asyncio_detailed(enrolment_id, client=who, body=body), 200
        )
        return await i.follow(step, read, done) if i.pending(answer) else answer

    approve = m.PlacementDecisionFields(decision=m.PlacementChoice.APPROVE, reason="TPP session")
    await decide(
        "placement",
        "placement_enrolments_enrolment_id_placement_post",
        tpp,
        approve,
        lambda s: s.stage == "training" and s.awaiting is not None,
    )
    for n in range(1, programme.session_count + 1):
        day = date.fromisoformat(session_date(n, programme.session_count))
        entry = m.AttendanceFields(session_no=n, session_date=day, present=True)
        await decide(
            "attendance",
            "attendance_enrolments_enrolment_id_attendance_post",
            instructor,
            entry,
            _attended(n),
        )
    for module in programme.modules:
        await decide(
            "modules",
            "modules_enrolments_enrolment_id_modules_post",
            instructor,
            m.ModuleCompletionFields(module_code=module),
            _completed(module),
        )
    trained = await decide(
        "training completion",
        "training_completion_enrolments_enrolment_id_training_completion_post",
        instructor,
        m.ReasonFields(reason="all sessions and modules done"),
        lambda s: s.stage == "assessment" and s.awaiting is not None,
    )
    results = m.AssessmentFieldsResults.from_dict({u: "K" for u in trained.units_due})
    assessment = m.AssessmentFields(
        tuk_code="TUK-LAPAS-CIPINANG", results=results, reason="observed practice"
    )
    return await decide(
        "assessment to certificate",
        "assessments_enrolments_enrolment_id_assessments_post",
        assessor,
        assessment,
        lambda s: s.outcome is not None,
    )


def _attended(n: int) -> Callable[[Any], bool]:
    return lambda s: len(s.attendance) >= n


def _completed(module: str) -> Callable[[Any], bool]:
    return lambda s: module in s.modules_completed


# ---------------------------------------------------------------- Process B


async def process_b(i: Integrator) -> Any:
    m = i.m
    kemnaker, imigrasi = Scope(ministry=Ministry.KEMNAKER), Scope(ministry=Ministry.IMIGRASI)
    employer = i.as_("pt-maju", Role.EMPLOYER, Scope(employer_nib="9120001234567"))
    verifier = i.as_("ver-1", Role.KEMNAKER_VERIFIER, kemnaker)
    director = i.as_("dir-1", Role.KEMNAKER_DIRECTOR, kemnaker)
    officer = i.as_("imi-1", Role.IMIGRASI_OFFICER, imigrasi)
    permits = "tka_permits"

    # The example the OpenAPI publishes for the body, as an integrator would start from.
    published = REQUEST_BODIES[PermitApplicationFields].example
    application = m.PermitApplicationFields.from_dict(published)
    record = await i.call(
        "submit",
        i.op(permits, "submit_application_permits_post").asyncio_detailed(
            client=employer, body=application
        ),
        201,
    )
    application_id = record.poll.rsplit("/", 1)[-1] if i.pending(record) else record.application_id
    state_of = i.op(permits, "get_live_state_permits_application_id_state_get")

    async def read() -> Any:
        return await state_of.asyncio_detailed(application_id, client=verifier)

    async def decide(step: str, path: str, who: Any, body: Any, stage: str) -> Any:
        answer = await i.call(
            step, i.op(permits, path).asyncio_detailed(application_id, client=who, body=body), 200
        )
        if i.pending(answer) or answer.stage != stage:  # not final: the client must poll
            answer = await i.follow(
                step,
                read,
                lambda s: s.stage == stage and (s.awaiting is not None or stage == "active"),
            )
        return answer

    if i.pending(record) or record.awaiting_kind is None:
        await i.follow("submit", read, lambda s: s.awaiting is not None)
    await decide(
        "verification",
        "permit_verification_permits_application_id_verification_post",
        verifier,
        m.VerificationFields(decision=m.VerificationChoice.APPROVE, reason="documents complete"),
        "feasibility",
    )
    billed = await decide(
        "feasibility",
        "permit_feasibility_permits_application_id_feasibility_post",
        verifier,
        m.FeasibilityFields(decision=m.FeasibilityChoice.FEASIBLE, reason="needed"),
        "payment",
    )
    # SIMPONI confirms the payment (its signature, not a token), with the billing code the
    # feasibility answer carried.
    payment = m.PaymentConfirmation(
        payment_id="SIMPONI-PAY-1",
        billing_code=billed.billing.billing_code,
        amount_usd=billed.billing.amount_usd,
        paid_at=datetime.now(UTC),
    )
    raw = json.dumps(payment.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()
    at = str(int(time.time()))
    secret = i.wired.settings.simponi_secret
    assert secret is not None
    paid = await i.call(
        "payment (SIMPONI)",
        i.op("payments", "simponi_callback_payments_simponi_callback_post").asyncio_detailed(
            client=i.anonymous(),
            body=payment,
            x_simponi_timestamp=at,
            x_simponi_signature=sign_callback(secret, at, raw),
        ),
        200,
    )
    if i.pending(paid):
        await i.follow(
            "payment (SIMPONI)",
            read,
            lambda s: s.stage == "rptka_approval" and s.awaiting is not None,
        )
    await decide(
        "rptka",
        "permit_rptka_permits_application_id_rptka_post",
        director,
        m.RptkaFields(decision=m.ApprovalChoice.APPROVE, reason="pengesahan RPTKA"),
        "visa_decision",
    )
    await decide(
        "visa",
        "permit_visa_permits_application_id_visa_post",
        officer,
        m.VisaFields(decision=m.VisaChoice.APPROVE, reason="checks clear"),
        "awaiting_arrival",
    )
    return await decide(
        "arrival",
        "permit_arrival_permits_application_id_arrival_post",
        officer,
        m.ArrivalFields(arrived_on=jakarta_today(), port_of_entry="CGK"),
        "active",
    )


# ---------------------------------------------------------------- the runs


@pytest.fixture
async def served(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> AsyncIterator[tuple[str, Wiring]]:
    wired = wire(pool, dev_env.client)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(wired.app, host="127.0.0.1", port=port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.02)
        async with wired.worker, wired.kemnaker, wired.imigrasi:
            yield f"http://127.0.0.1:{port}", wired
            await end_journeys(dev_env.client, pool, wired.settings.enrolment_task_queue)
    finally:
        server.should_exit = True
        await serving


async def _run(served: tuple[str, Wiring], tmp_path: Path) -> tuple[Calls, Any, Calls, Any]:
    base_url, wired = served
    client = await asyncio.to_thread(generate, f"{base_url}/openapi.json", tmp_path)
    a_calls, b_calls = Calls(), Calls()
    certified = await process_a(Integrator(client, base_url, wired, a_calls))
    active = await process_b(Integrator(client, base_url, wired, b_calls))
    for name, calls in (("A", a_calls), ("B", b_calls)):
        print(
            f"Process {name}: {calls.count} calls ({calls.polls} polls), "
            f"{len(calls.tokens)} tokens; by step {calls.by_step}"
        )
    return a_calls, certified, b_calls, active


async def test_both_processes_with_the_generated_client_one_call_per_step(
    served: tuple[str, Wiring], tmp_path: Path
) -> None:
    a, certified, b, active = await _run(served, tmp_path)
    assert certified.outcome == "certified" and certified.certificate.number.startswith("BNSP/")
    assert active.stage == "active" and active.permit.itas_number.startswith("ITAS-")
    # Each step is one call; nothing polled. A: look-up, programme, request, placement,
    # 20 sessions, 4 modules, closing, assessment (answered with the certificate).
    assert (a.polls, b.polls) == (0, 0)
    assert a.count == 1 + 1 + 1 + 1 + 20 + 4 + 1 + 1 and len(a.tokens) == 4
    # B: submission, verification, feasibility, SIMPONI's payment, RPTKA, visa, arrival.
    assert b.count == 7 and len(b.tokens) == 4


async def test_the_same_flows_when_answers_are_not_final_must_poll(
    served: tuple[str, Wiring], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server answering at once, before the state is readable (as before answers were
    final): the flows still finish, but only by polling."""
    monkeypatch.setattr(final_answers, "wait_bound", lambda: 0.001)
    monkeypatch.setattr(served[1].settings, "answer_wait_seconds", 0.001)
    a, certified, b, active = await _run(served, tmp_path)
    assert certified.outcome == "certified" and active.stage == "active"
    assert a.polls > 0 and b.polls > 0
