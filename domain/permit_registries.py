"""The ministries' systems Process B talks to, as the rest of the code sees them.

SIMPONI (Kemenkeu's state-revenue billing) is called from Kemnaker's side; SIMKIM
(Imigrasi's information system) only from Imigrasi's. Adapters (an in-process simulator and
an HTTP client each) are in `registries/simponi.py` and `registries/simkim.py`.
"""

from __future__ import annotations

from typing import Protocol

from domain.permit import (
    BillingCode,
    BillingRequest,
    ChecksRequest,
    DocumentNumber,
    DocumentRequest,
    ImmigrationChecks,
    KemnakerNotification,
    SimkimReceipt,
)


class SimponiRegistry(Protocol):
    """Creates DKPTKA bills; the same idempotency key always answers the same code."""

    async def create_billing(self, request: BillingRequest) -> BillingCode: ...

    async def aclose(self) -> None: ...


class SimkimRegistry(Protocol):
    """Imigrasi's SIMKIM: receives Kemnaker's notification, checks, numbers documents."""

    async def notify(self, notification: KemnakerNotification) -> SimkimReceipt: ...

    async def run_checks(self, request: ChecksRequest) -> ImmigrationChecks: ...

    async def issue_visa(self, request: DocumentRequest) -> DocumentNumber: ...

    async def issue_itas(self, request: DocumentRequest) -> DocumentNumber: ...

    async def issue_epo(self, request: DocumentRequest) -> DocumentNumber: ...

    async def aclose(self) -> None: ...
