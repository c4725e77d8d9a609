"""SDP (Sistem Database Pemasyarakatan) adapters: an in-memory simulator and an HTTP client.

HTTP contract: `GET {base}/sdp/inmates/{sdp_no}` answers 200 with an InmateRecord, or 404
when SDP does not know the number (then `get_inmate` returns None); `GET
{base}/sdp/inmates/{sdp_no}/identity` likewise with the inmate's name and date of birth
(personal data: the public certificate check's, never logged).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from urllib.parse import quote

import httpx
import structlog

from domain.registries import InmateIdentity, InmateRecord
from registries._http import RegistryHttpClient
from registries.sdp_seed import demo_identities, demo_inmates, synthetic_identity, synthetic_inmate

log = structlog.get_logger(__name__)

SDP = "SDP"


def inmate_path(sdp_no: str) -> str:
    # Quoted whole, so a number can never reach another path of the registry.
    return f"/sdp/inmates/{quote(sdp_no, safe='')}"


class SdpSimulator:
    """SDP in memory: the embedded default, and the source behind the HTTP simulator."""

    def __init__(
        self, records: Iterable[InmateRecord] = (), *, synthetic: int = 0, today: date | None = None
    ) -> None:
        self._records: dict[str, InmateRecord] = {}
        self._identities: dict[str, InmateIdentity] = {}
        self._synthetic = synthetic
        self._today = today or date.today()
        for record in records:
            self.add(record)

    @classmethod
    def default(cls, today: date | None = None, *, synthetic: int = 0) -> SdpSimulator:
        """The demo inmates of `registries.sdp_seed`, dated from `today` (default: now), and
        the first `synthetic` synthetic inmates (`SYN-000000`, ...) for cohorts."""
        day = today or date.today()
        simulator = cls(demo_inmates(day), synthetic=synthetic, today=day)
        for identity in demo_identities():
            simulator.set_identity(identity)
        return simulator

    def add(self, record: InmateRecord) -> None:
        """Register a new inmate; an SDP number is registered once."""
        if record.sdp_no in self._records:
            raise ValueError(f"SDP number {record.sdp_no} is already registered")
        self._records[record.sdp_no] = record

    def set(self, record: InmateRecord) -> None:
        """Register or replace an inmate, as SDP does after a transfer or a release."""
        self._records[record.sdp_no] = record

    def set_identity(self, identity: InmateIdentity) -> None:
        self._identities[identity.sdp_no] = identity

    async def get_inmate(self, sdp_no: str) -> InmateRecord | None:
        known = self._records.get(sdp_no)
        if known is None and self._synthetic:
            return synthetic_inmate(sdp_no, self._synthetic, self._today)
        return known

    async def get_identity(self, sdp_no: str) -> InmateIdentity | None:
        known = self._identities.get(sdp_no)
        if known is None and self._synthetic:
            return synthetic_identity(sdp_no, self._synthetic)
        return known

    async def aclose(self) -> None:
        """Nothing to release; present so every adapter closes the same way."""


class SdpHttpClient(RegistryHttpClient):
    """SDP over HTTP. Raises RegistryUnavailable (retry) or RegistryRejected (don't)."""

    def __init__(
        self,
        base_url: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(SDP, base_url, timeout, transport)

    async def get_inmate(self, sdp_no: str) -> InmateRecord | None:
        response = await self._send(
            "get_inmate", "GET", inmate_path(sdp_no), not_found_is_answer=True
        )
        if response.status_code == httpx.codes.NOT_FOUND:
            log.info("sdp_inmate_not_found", sdp_no=sdp_no)
            return None
        return self._parse("get_inmate", response, InmateRecord)

    async def get_identity(self, sdp_no: str) -> InmateIdentity | None:
        response = await self._send(
            "get_identity", "GET", f"{inmate_path(sdp_no)}/identity", not_found_is_answer=True
        )
        if response.status_code == httpx.codes.NOT_FOUND:
            return None  # not logged: whose identity was asked is itself personal
        return self._parse("get_identity", response, InmateIdentity)
