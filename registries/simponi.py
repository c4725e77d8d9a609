"""SIMPONI adapters (DKPTKA billing): an in-memory simulator and an HTTP client.

HTTP contract: `POST {base}/simponi/billings`, header `Idempotency-Key: <key>`, body a
BillingRequest: 201 with a BillingCode when created, 200 with the same code when the key was
seen before. Payment confirmations come back the other way, to Sinergi's signed callback
(`POST /payments/simponi/callback`), signed with `sign_callback`: HMAC-SHA256 over
`timestamp + "." + raw body` with the shared secret, hex, in `X-Simponi-Signature`, the
timestamp (Unix seconds) in `X-Simponi-Timestamp`.
"""

from __future__ import annotations

import hashlib
import hmac

import httpx

from domain.permit import BillingCode, BillingRequest
from registries._http import RegistryHttpClient

SIMPONI = "SIMPONI"
BILLINGS_PATH = "/simponi/billings"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TIMESTAMP_HEADER = "X-Simponi-Timestamp"
SIGNATURE_HEADER = "X-Simponi-Signature"


def sign_callback(secret: str, timestamp: str, body: bytes) -> str:
    """The signature SIMPONI puts on a confirmation it sends us."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Constant-time comparison, so the signature cannot be guessed byte by byte. Compared
    as bytes: `compare_digest` raises on a str with non-ASCII characters, and a header is
    whatever the sender put in it."""
    expected = sign_callback(secret, timestamp, body).encode()
    return hmac.compare_digest(expected, signature.encode("utf-8", "backslashreplace"))


def billing_code_for(idempotency_key: str) -> str:
    """A 15-digit billing code, a function of the key, so a retried request matches."""
    digest = int(hashlib.sha256(idempotency_key.encode()).hexdigest(), 16)
    return f"8{digest % 10**14:014d}"


class SimponiSimulator:
    """SIMPONI in memory: bills by billing code."""

    def __init__(self) -> None:
        self.bills: dict[str, BillingRequest] = {}

    async def create_billing(self, request: BillingRequest) -> BillingCode:
        code = billing_code_for(request.idempotency_key)
        self.bills.setdefault(code, request)
        return BillingCode(billing_code=code)

    async def aclose(self) -> None:
        """Nothing to release; present so every adapter closes the same way."""


class SimponiHttpClient(RegistryHttpClient):
    def __init__(
        self, base_url: str, timeout: float, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(SIMPONI, base_url, timeout, transport)

    async def create_billing(self, request: BillingRequest) -> BillingCode:
        response = await self._send(
            "create_billing",
            "POST",
            BILLINGS_PATH,
            json=request.model_dump(mode="json"),
            headers={IDEMPOTENCY_HEADER: request.idempotency_key},
        )
        return self._parse("create_billing", response, BillingCode)
