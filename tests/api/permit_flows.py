"""Driving a TKA permit application over HTTP, as the people (and SIMPONI) involved would."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from domain.clock import local_date
from domain.identity import Ministry, Role
from registries.simponi import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_callback
from tests.api.conftest import ApiStack
from tests.api.flows import ok

NIB = "9120001234567"
OTHER_NIB = "9120007654321"


def submission(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "position_title": "Mining engineer",
        "position_kind": "professional",
        "tka_name": "Jane Doe",
        "passport_no": "E1234567",
        "nationality": "AU",
        "duration_months": 12,
        "work_location": "Morowali, Sulawesi Tengah",
        "province": "72",
        "sector": "B",
        "in_kek": False,
        "pendamping": {"name": "Budi Santoso", "position": "Junior mining engineer"},
        "employer_category": "company",
    }
    body.update(changes)
    return body


def employer(api: ApiStack, nib: str = NIB) -> dict[str, str]:
    return api.headers(f"hrd-{nib}", Role.EMPLOYER, employer_nib=nib)


def verifier(api: ApiStack) -> dict[str, str]:
    return api.headers("verif-1", Role.KEMNAKER_VERIFIER, ministry=Ministry.KEMNAKER)


def director(api: ApiStack) -> dict[str, str]:
    return api.headers("dir-1", Role.KEMNAKER_DIRECTOR, ministry=Ministry.KEMNAKER)


def officer(api: ApiStack) -> dict[str, str]:
    return api.headers("imi-1", Role.IMIGRASI_OFFICER, ministry=Ministry.IMIGRASI)


def auditor(api: ApiStack) -> dict[str, str]:
    return api.headers("aud-1", Role.AUDITOR)


async def submit(api: ApiStack, nib: str = NIB, **changes: Any) -> str:
    created = await ok(
        await api.http.post("/permits", json=submission(**changes), headers=employer(api, nib))
    )
    return str(created["application_id"])


async def decide(
    api: ApiStack, application_id: str, path: str, body: dict[str, Any], headers: dict[str, str]
) -> Any:
    return await ok(
        await api.http.post(f"/permits/{application_id}/{path}", json=body, headers=headers)
    )


async def state(api: ApiStack, application_id: str) -> Any:
    return await ok(await api.http.get(f"/permits/{application_id}/state", headers=auditor(api)))


async def settled(api: ApiStack, application_id: str, within: float = 20.0) -> Any:
    """The workflow waits on someone (or closed) and the read model holds every event."""
    deadline = time.monotonic() + within
    while True:
        live = await state(api, application_id)
        stored = await api.pool.fetchval(
            "SELECT count(*) FROM permit_events WHERE application_id = $1", application_id
        )
        # The active permit waits on its calendar, not on one person.
        waiting = live["awaiting"] is not None or live["outcome"] is not None
        waiting = waiting or live["stage"] == "active"
        if waiting and stored == live["event_count"]:
            return live
        if time.monotonic() > deadline:
            raise AssertionError(f"{application_id} did not settle: {live}")
        await asyncio.sleep(0.05)


async def at_stage(api: ApiStack, application_id: str, stage: str, within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        live = await state(api, application_id)
        if live["stage"] == stage:
            return await settled(api, application_id)
        if time.monotonic() > deadline:
            raise AssertionError(f"{application_id} never reached {stage}: {live}")
        await asyncio.sleep(0.05)


REASON = "checked the file"


async def to_payment(api: ApiStack, application_id: str) -> Any:
    await settled(api, application_id)
    await decide(api, application_id, "verification",
                 {"decision": "approve", "reason": REASON}, verifier(api))  # fmt: skip
    await decide(api, application_id, "feasibility",
                 {"decision": "feasible", "reason": REASON}, verifier(api))  # fmt: skip
    return await settled(api, application_id)


def signed(secret: str | None, body: bytes, at: int | None = None) -> dict[str, str]:
    assert secret is not None, "the test settings have a SIMPONI secret"
    timestamp = str(int(time.time()) if at is None else at)
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign_callback(secret, timestamp, body),
        "Content-Type": "application/json",
    }


def confirmation(live: Any, payment_id: str = "SIMPONI-PAY-1", **changes: Any) -> bytes:
    body = {
        "payment_id": payment_id,
        "billing_code": live["billing"]["billing_code"],
        "amount_usd": live["billing"]["amount_usd"],
        "paid_at": "2026-11-20T10:00:00+07:00",
    }
    body.update(changes)
    return json.dumps(body).encode()


async def pay(
    api: ApiStack, live: Any, payment_id: str = "SIMPONI-PAY-1", **changes: Any
) -> httpx.Response:
    body = confirmation(live, payment_id, **changes)
    return await api.http.post(
        "/payments/simponi/callback",
        content=body,
        headers=signed(api.settings.simponi_secret, body),
    )


async def to_active(api: ApiStack, application_id: str) -> Any:
    """Every step by the person (or system) who owns it, to the active permit."""
    live = await to_payment(api, application_id)
    (await pay(api, live)).raise_for_status()
    await at_stage(api, application_id, "rptka_approval")
    await decide(api, application_id, "rptka",
                 {"decision": "approve", "reason": REASON}, director(api))  # fmt: skip
    await at_stage(api, application_id, "visa_decision")
    await decide(api, application_id, "visa",
                 {"decision": "approve", "reason": REASON}, officer(api))  # fmt: skip
    await at_stage(api, application_id, "awaiting_arrival")
    # The Jakarta date, as the visa's issue date is (after 17:00 UTC it is tomorrow's).
    arrival = {"arrived_on": str(local_date(datetime.now(UTC))), "port_of_entry": "CGK"}
    await decide(api, application_id, "arrival", arrival, officer(api))
    return await at_stage(api, application_id, "active")
