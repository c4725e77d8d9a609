"""SIMKIM (Imigrasi) adapters: an in-memory simulator and an HTTP client.

HTTP contract (every POST carries `Idempotency-Key`; a replay answers the same body):
- `POST {base}/simkim/notifications` KemnakerNotification -> SimkimReceipt
- `POST {base}/simkim/checks` ChecksRequest -> ImmigrationChecks
- `POST {base}/simkim/{visas|itas|epos}` DocumentRequest -> DocumentNumber
An unknown SIMKIM reference is a 404 (refused: retrying cannot help).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import httpx

from domain.permit import (
    ChecksRequest,
    DocumentNumber,
    DocumentRequest,
    ImmigrationChecks,
    KemnakerNotification,
    SimkimReceipt,
)
from registries._http import RegistryHttpClient, log
from registries.errors import RegistryRejected

SIMKIM = "SIMKIM"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# The simulator's travel-ban list and its flagged background checks: test passports only.
DEMO_TRAVEL_BANNED = ("TB000001",)
DEMO_BACKGROUND_FLAGGED = ("BG000001",)
DOCUMENT_PREFIXES = {"visas": "C312", "itas": "ITAS", "epos": "EPO"}


def _number(prefix: str, key: str) -> str:
    return f"{prefix}-{hashlib.sha256(key.encode()).hexdigest()[:10].upper()}"


class SimkimSimulator:
    """SIMKIM in memory. Numbers are functions of the idempotency key, so a retry matches."""

    def __init__(
        self,
        travel_banned: Iterable[str] = DEMO_TRAVEL_BANNED,
        background_flagged: Iterable[str] = DEMO_BACKGROUND_FLAGGED,
    ) -> None:
        self.travel_banned = set(travel_banned)
        self.background_flagged = set(background_flagged)
        self.notifications: dict[str, KemnakerNotification] = {}
        self.documents: dict[str, DocumentRequest] = {}

    async def notify(self, notification: KemnakerNotification) -> SimkimReceipt:
        ref = _number("SIMKIM", notification.idempotency_key)
        self.notifications.setdefault(ref, notification)
        return SimkimReceipt(simkim_ref=ref)

    async def run_checks(self, request: ChecksRequest) -> ImmigrationChecks:
        self._known(request.simkim_ref)
        banned = request.passport_no in self.travel_banned
        flagged = request.passport_no in self.background_flagged
        return ImmigrationChecks(
            simkim_ref=request.simkim_ref,
            travel_ban=banned,
            background_clear=not flagged,
            detail="; ".join(
                what
                for what, hit in (("travel-ban list match", banned), ("background flag", flagged))
                if hit
            ),
        )

    async def issue_visa(self, request: DocumentRequest) -> DocumentNumber:
        return self.issue("visas", request)

    async def issue_itas(self, request: DocumentRequest) -> DocumentNumber:
        return self.issue("itas", request)

    async def issue_epo(self, request: DocumentRequest) -> DocumentNumber:
        return self.issue("epos", request)

    def issue(self, kind: str, request: DocumentRequest) -> DocumentNumber:
        """Number a document of `kind` (visas, itas, epos) for a notified application."""
        self._known(request.simkim_ref)
        self.documents.setdefault(request.idempotency_key, request)
        return DocumentNumber(number=_number(DOCUMENT_PREFIXES[kind], request.idempotency_key))

    def _known(self, simkim_ref: str) -> None:
        if simkim_ref not in self.notifications:
            raise RegistryRejected(SIMKIM, f"no notification {simkim_ref}", status_code=404)

    async def aclose(self) -> None:
        """Nothing to release; present so every adapter closes the same way."""


class SimkimHttpClient(RegistryHttpClient):
    def __init__(
        self, base_url: str, timeout: float, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(SIMKIM, base_url, timeout, transport)

    async def notify(self, notification: KemnakerNotification) -> SimkimReceipt:
        response = await self._post("notify", "/simkim/notifications", notification.idempotency_key,
                                    notification.model_dump(mode="json"))  # fmt: skip
        return self._parse("notify", response, SimkimReceipt)

    async def run_checks(self, request: ChecksRequest) -> ImmigrationChecks:
        response = await self._post(
            "run_checks", "/simkim/checks", f"checks:{request.simkim_ref}",
            request.model_dump(mode="json"),
        )  # fmt: skip
        return self._parse("run_checks", response, ImmigrationChecks)

    async def issue_visa(self, request: DocumentRequest) -> DocumentNumber:
        return await self._document("visas", request)

    async def issue_itas(self, request: DocumentRequest) -> DocumentNumber:
        return await self._document("itas", request)

    async def issue_epo(self, request: DocumentRequest) -> DocumentNumber:
        return await self._document("epos", request)

    async def _document(self, kind: str, request: DocumentRequest) -> DocumentNumber:
        operation = f"issue_{kind}"
        response = await self._post(
            operation, f"/simkim/{kind}", request.idempotency_key, request.model_dump(mode="json")
        )
        return self._parse(operation, response, DocumentNumber)

    async def _post(
        self, operation: str, path: str, key: str, body: dict[str, object]
    ) -> httpx.Response:
        log.debug("simkim_call", operation=operation)  # never the body: it holds a passport
        return await self._send(
            operation, "POST", path, json=body, headers={IDEMPOTENCY_HEADER: key}
        )
