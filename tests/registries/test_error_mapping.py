"""HTTP failures become RegistryUnavailable (retry) or RegistryRejected (don't), without PII."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable

import httpx
import pytest
from structlog.testing import capture_logs

from domain.registries import CertificateLookup, CertificationSubmission
from registries.bnsp import BnspHttpClient
from registries.errors import RegistryError, RegistryRejected, RegistryUnavailable
from registries.sdp import SdpHttpClient
from tests.registries.support import TODAY

# What a registry might echo back in an error body: must never reach our messages or logs.
PII_BODY = '{"detail": "NIK 3171012345670001, Budi Santoso, not processed"}'

SUBMISSION = CertificationSubmission(
    idempotency_key="enr-9:bnsp",
    enrolment_id="enr-9",
    scheme_code="SKM-TIK-TEKNISI",
    lsp_code="LSP-TIK",
    unit_codes=("J.62TIK00.001.1",),
    assessed_on=TODAY,
)

Call = Callable[[httpx.AsyncBaseTransport | None, str], Awaitable[object]]


async def get_inmate(transport: httpx.AsyncBaseTransport | None, url: str) -> object:
    async with SdpHttpClient(url, timeout=2, transport=transport) as client:
        return await client.get_inmate("CPN-2024-00123")


async def submit(transport: httpx.AsyncBaseTransport | None, url: str) -> object:
    async with BnspHttpClient(url, timeout=2, transport=transport) as client:
        return await client.submit(SUBMISSION)


async def lookup(transport: httpx.AsyncBaseTransport | None, url: str) -> object:
    async with BnspHttpClient(url, timeout=2, transport=transport) as client:
        return await client.lookup(CertificateLookup(submission_ref="BNSP-SUB-0123456789AB"))


CALLS = pytest.mark.parametrize("call", [get_inmate, submit, lookup])


def answering(status: int, body: str = PII_BODY) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, text=body))


def raising(error: type[httpx.TransportError]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("simulated", request=request)

    return httpx.MockTransport(handler)


@CALLS
@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
async def test_5xx_and_429_are_unavailable_so_callers_retry(call: Call, status: int) -> None:
    with pytest.raises(RegistryUnavailable) as raised:
        await call(answering(status), "http://registry.test")
    assert raised.value.status_code == status


@CALLS
@pytest.mark.parametrize("status", [400, 401, 403, 409, 422])
async def test_other_4xx_are_rejected_so_callers_stop(call: Call, status: int) -> None:
    with pytest.raises(RegistryRejected) as raised:
        await call(answering(status), "http://registry.test")
    assert raised.value.status_code == status


@pytest.mark.parametrize("call", [submit, lookup])
async def test_404_from_bnsp_is_rejected(call: Call) -> None:
    with pytest.raises(RegistryRejected):
        await call(answering(404), "http://registry.test")


@CALLS
@pytest.mark.parametrize("error", [httpx.ConnectTimeout, httpx.ReadTimeout, httpx.ReadError])
async def test_timeouts_and_network_errors_are_unavailable(
    call: Call, error: type[httpx.TransportError]
) -> None:
    with pytest.raises(RegistryUnavailable):
        await call(raising(error), "http://registry.test")


@CALLS
async def test_nothing_listening_is_unavailable(call: Call) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and is closed now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RegistryUnavailable):
        await call(None, f"http://127.0.0.1:{port}")


@CALLS
async def test_a_200_outside_the_contract_is_unavailable(call: Call) -> None:
    with pytest.raises(RegistryUnavailable, match="outside the contract"):
        await call(answering(200), "http://registry.test")


@CALLS
@pytest.mark.parametrize("status", [200, 400, 503])
async def test_error_messages_and_logs_never_repeat_the_registry_body(
    call: Call, status: int
) -> None:
    with capture_logs() as logs, pytest.raises(RegistryError) as raised:
        await call(answering(status), "http://registry.test")
    for text in (str(raised.value), repr(logs)):
        assert "3171012345670001" not in text and "Budi" not in text
