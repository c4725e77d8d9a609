"""SDP (Sistem Database Pemasyarakatan) adapters: an in-memory simulator and an HTTP client.

HTTP contract: `GET {base}/sdp/inmates/{sdp_no}` answers 200 with an InmateRecord, or 404
when SDP does not know the number (then `get_inmate` returns None);
`GET {base}/sdp/upts/{upt_code}/inmates?sdp_prefix=&limit=&after=` answers 200 with an
InmatePage: the inmates held there, in SDP number order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from urllib.parse import quote, urlencode

import httpx
import structlog

from domain.clock import jakarta_today
from domain.registries import CustodyStatus, InmatePage, InmateQuery, InmateRecord
from registries._http import RegistryHttpClient
from registries.sdp_seed import (
    SYNTHETIC_PREFIX,
    SYNTHETIC_UPT,
    demo_inmates,
    synthetic_inmate,
    synthetic_sdp_no,
)

log = structlog.get_logger(__name__)

SDP = "SDP"


def inmate_path(sdp_no: str) -> str:
    # Quoted whole, so a number can never reach another path of the registry.
    return f"/sdp/inmates/{quote(sdp_no, safe='')}"


def upt_inmates_path(upt_code: str) -> str:
    return f"/sdp/upts/{quote(upt_code, safe='')}/inmates"


def _held_at(record: InmateRecord, query: InmateQuery) -> bool:
    return (
        record.upt_code == query.upt_code
        and record.status is not CustodyStatus.RELEASED
        and record.sdp_no.startswith(query.sdp_prefix)
        and (query.after is None or record.sdp_no > query.after)
    )


class SdpSimulator:
    """SDP in memory: the embedded default, and the source behind the HTTP simulator."""

    def __init__(
        self, records: Iterable[InmateRecord] = (), *, synthetic: int = 0, today: date | None = None
    ) -> None:
        self._records: dict[str, InmateRecord] = {}
        self._synthetic = synthetic
        self._today = today or jakarta_today()
        for record in records:
            self.add(record)

    @classmethod
    def default(cls, today: date | None = None, *, synthetic: int = 0) -> SdpSimulator:
        """The demo inmates of `registries.sdp_seed`, dated from `today` (default: now), and
        the first `synthetic` synthetic inmates (`SYN-000000`, ...) for cohorts."""
        day = today or jakarta_today()
        return cls(demo_inmates(day), synthetic=synthetic, today=day)

    def add(self, record: InmateRecord) -> None:
        """Register a new inmate; an SDP number is registered once."""
        if record.sdp_no in self._records:
            raise ValueError(f"SDP number {record.sdp_no} is already registered")
        self._records[record.sdp_no] = record

    def set(self, record: InmateRecord) -> None:
        """Register or replace an inmate, as SDP does after a transfer or a release."""
        self._records[record.sdp_no] = record

    async def get_inmate(self, sdp_no: str) -> InmateRecord | None:
        known = self._records.get(sdp_no)
        if known is None and self._synthetic:
            return synthetic_inmate(sdp_no, self._synthetic, self._today)
        return known

    async def list_inmates(self, query: InmateQuery) -> InmatePage:
        found = [r for r in self._records.values() if _held_at(r, query)]
        found += islice(self._synthetic_matching(query), query.limit)
        found.sort(key=lambda r: r.sdp_no)
        return InmatePage(items=tuple(found[: query.limit]))

    def _synthetic_matching(self, query: InmateQuery) -> Iterator[InmateRecord]:
        """The synthetic inmates the query asks for, generated in number order."""
        prefix = query.sdp_prefix
        if query.upt_code != SYNTHETIC_UPT or not (
            prefix.startswith(SYNTHETIC_PREFIX) or SYNTHETIC_PREFIX.startswith(prefix)
        ):
            return
        for index in range(self._synthetic):
            sdp_no = synthetic_sdp_no(index)
            record = synthetic_inmate(sdp_no, self._synthetic, self._today)
            if record is not None and _held_at(record, query):
                yield record

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

    async def list_inmates(self, query: InmateQuery) -> InmatePage:
        params = {"sdp_prefix": query.sdp_prefix, "limit": str(query.limit)}
        if query.after is not None:
            params["after"] = query.after
        response = await self._send(
            "list_inmates", "GET", f"{upt_inmates_path(query.upt_code)}?{urlencode(params)}"
        )
        return self._parse("list_inmates", response, InmatePage)
