"""SIMPONI and SIMKIM: the HTTP clients against the simulators' HTTP contract, and the pure
payment rule behind the callback's refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from domain.errors import DomainError, Refusal
from domain.permit import (
    Billing,
    BillingRequest,
    ChecksRequest,
    DocumentRequest,
    KemnakerNotification,
    PaymentConfirmation,
    PermitState,
    Stage,
)
from domain.permit_rules import check_payment
from registries.bnsp import BnspSimulator
from registries.errors import RegistryRejected
from registries.sdp import SdpSimulator
from registries.simkim import SimkimHttpClient, SimkimSimulator
from registries.simponi import SimponiHttpClient, SimponiSimulator, sign_callback
from registries.simulator_server import create_simulator_app

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
def systems() -> tuple[SimponiSimulator, SimkimSimulator]:
    return SimponiSimulator(), SimkimSimulator()


@pytest.fixture
async def clients(
    systems: tuple[SimponiSimulator, SimkimSimulator],
) -> AsyncIterator[tuple[SimponiHttpClient, SimkimHttpClient]]:
    simponi, simkim = systems
    app = create_simulator_app(SdpSimulator(), BnspSimulator(), simponi, simkim)
    transport = httpx.ASGITransport(app=app)
    async with (
        SimponiHttpClient("http://sim", 5, transport) as simponi_client,
        SimkimHttpClient("http://sim", 5, transport) as simkim_client,
    ):
        yield simponi_client, simkim_client


def _notification(passport: str = "E1234567") -> KemnakerNotification:
    return KemnakerNotification(
        idempotency_key="TKA-1:notify", application_id="TKA-1", rptka_number="RPTKA/TKA-1",
        employer_nib="9120001234567", passport_no=passport, nationality="AU",
        position_title="Mining engineer", duration_months=12,
    )  # fmt: skip


async def test_a_bill_requested_twice_over_http_is_one_bill(
    clients: tuple[SimponiHttpClient, SimkimHttpClient],
    systems: tuple[SimponiSimulator, SimkimSimulator],
) -> None:
    request = BillingRequest(
        idempotency_key="TKA-1:dkptka", application_id="TKA-1", employer_nib="9120001234567",
        amount_usd=1200, expires_at=NOW + timedelta(days=7),
    )  # fmt: skip
    first = await clients[0].create_billing(request)
    again = await clients[0].create_billing(request)
    assert first == again and len(first.billing_code) == 15
    assert len(systems[0].bills) == 1


async def test_simkim_over_http_checks_and_numbers_documents_once(
    clients: tuple[SimponiHttpClient, SimkimHttpClient],
) -> None:
    simkim = clients[1]
    receipt = await simkim.notify(_notification("TB000001"))
    checks = await simkim.run_checks(
        ChecksRequest(simkim_ref=receipt.simkim_ref, passport_no="TB000001", nationality="AU")
    )
    assert checks.travel_ban and checks.background_clear
    document = DocumentRequest(idempotency_key="TKA-1:visa", simkim_ref=receipt.simkim_ref)
    visa = await simkim.issue_visa(document)
    assert visa == await simkim.issue_visa(document)
    assert visa.number.startswith("C312-")
    itas = await simkim.issue_itas(document.model_copy(update={"idempotency_key": "TKA-1:itas"}))
    assert itas.number.startswith("ITAS-")
    with pytest.raises(RegistryRejected):
        await simkim.issue_epo(DocumentRequest(idempotency_key="x", simkim_ref="SIMKIM-NONE"))


def test_the_signature_covers_the_timestamp_and_the_body() -> None:
    base = sign_callback("s", "1700000000", b"{}")
    assert base != sign_callback("s", "1700000001", b"{}")
    assert base != sign_callback("s", "1700000000", b"{ }")
    assert base != sign_callback("t", "1700000000", b"{}")


def test_a_payment_after_the_deadline_is_refused_as_expired() -> None:
    state = PermitState(
        application_id="TKA-1", employer_nib="9120001234567", stage=Stage.PAYMENT,
        billing=Billing(billing_code="812345678901234", amount_usd=1200, due_at=NOW),
    )  # fmt: skip
    payment = PaymentConfirmation(
        payment_id="P", billing_code="812345678901234", amount_usd=1200, paid_at=NOW
    )
    check_payment(state, payment, NOW - timedelta(seconds=1))
    with pytest.raises(DomainError) as late:
        check_payment(state, payment, NOW)
    assert late.value.refusal is Refusal.CONFLICT and "expired" in late.value.message
