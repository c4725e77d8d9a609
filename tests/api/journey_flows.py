"""Driving an inmate's journey over HTTP: custody events as SDP reports them, release, and
the receivers' side of the handover."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from domain.identity import Ministry, Role
from tests.api import flows
from tests.api.conftest import ApiStack
from tests.temporal_support import SETTLE_SECONDS, until

HOME_BAPAS = "BP-JAKBAR"


def sdp(api: ApiStack) -> dict[str, str]:
    """The corrections database's integration, as a system client."""
    return api.headers("sdp-gateway", Role.SDP_SYSTEM)


def pk(api: ApiStack, subject: str = "pk-1", bapas: str = HOME_BAPAS) -> dict[str, str]:
    return api.headers(subject, Role.BAPAS_OFFICER, bapas=bapas)


def placement_officer(api: ApiStack, subject: str = "kn-1") -> dict[str, str]:
    return api.headers(subject, Role.KEMNAKER_OFFICER, ministry=Ministry.KEMNAKER)


def event(sdp_no: str, kind: str, **fields: Any) -> dict[str, Any]:
    """A custody event as SDP sends it, with a fresh source event id."""
    return {
        "event_id": f"SDP-{uuid.uuid4().hex[:10]}",
        "inmate_sdp_no": sdp_no,
        "kind": kind,
        "occurred_at": datetime.now(UTC).isoformat(),
        **fields,
    }


async def report(
    api: ApiStack, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return await api.http.post("/custody-events", json=body, headers=headers or sdp(api))


async def release(
    api: ApiStack, sdp_no: str, kind: str = "pb", bapas: str | None = HOME_BAPAS
) -> Any:
    fields = {"release_kind": kind} | ({"bapas_code": bapas} if bapas else {})
    return await flows.ok(await report(api, event(sdp_no, "release", **fields)))


async def journey(api: ApiStack, sdp_no: str) -> Any:
    return await flows.ok(await api.http.get(f"/journeys/{sdp_no}", headers=api.auditor()))


async def settled(api: ApiStack, sdp_no: str) -> Any:
    """The journey once its read model holds every event the workflow emitted."""

    def caught_up(view: Any) -> bool:
        live = view["live"]
        return bool(
            view["journey"]["status"] == "ended"
            or (live is not None and len(view["events"]) == live["event_seq"])
        )

    return await until(
        lambda: journey(api, sdp_no), caught_up, f"the journey of {sdp_no}", SETTLE_SECONDS
    )


async def handovers_of(api: ApiStack, sdp_no: str, count: int) -> list[dict[str, Any]]:
    """The journey's handovers once `count` of them are out (the enrolments stop first).

    No waiting for the journey to settle after: a receiver may acknowledge at once, even
    while the journey is still sending the other handover.
    """
    view = await until(
        lambda: journey(api, sdp_no),
        lambda v: len(v["handovers"]) == count,
        f"{count} handovers of {sdp_no}",
        SETTLE_SECONDS,
    )
    return list(view["handovers"])


async def snapshot(api: ApiStack, sdp_no: str) -> tuple[object, ...]:
    """Everything stored about an inmate's journey, to prove a refused input changed nothing."""
    await settled(api, sdp_no)
    tables = ("journeys", "journey_events", "custody_events", "handovers")
    stored = [
        [dict(r) for r in await api.pool.fetch(f"SELECT * FROM {t} ORDER BY 1")] for t in tables
    ]
    enrolments = await api.pool.fetch(
        "SELECT enrolment_id, upt_code, stage, outcome FROM enrolments ORDER BY 1"
    )
    return (*[tuple(map(str, s)) for s in stored], tuple(map(tuple, enrolments)))


async def reaches(api: ApiStack, enrolment_id: str, stage: str) -> Any:
    """The case's state once it has applied the notices the journey passed down (it does so
    at its next wait) and reached `stage`, with its read model caught up."""

    async def read() -> tuple[Any, int]:
        response = await api.http.get(f"/enrolments/{enrolment_id}/state", headers=api.auditor())
        stored = await api.pool.fetchval(
            "SELECT count(*) FROM enrolment_events WHERE enrolment_id = $1", enrolment_id
        )
        return await flows.ok(response), stored

    # A held case may wait on nobody (an open-ended sanction): caught up is enough.
    state, _ = await until(
        read,
        lambda seen: seen[0]["stage"] == stage and seen[1] == seen[0]["event_count"],
        f"enrolment {enrolment_id} at {stage}",
        SETTLE_SECONDS,
    )
    return state
