"""Driving an enrolment through its stages over HTTP, as the people involved would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from domain.clock import jakarta_today
from tests.api.conftest import ApiStack
from tests.temporal_support import SETTLE_SECONDS, until


async def ok(response: httpx.Response) -> Any:
    """The JSON body of a successful answer (fails the test with the body otherwise)."""
    assert response.status_code in (200, 201), response.text
    return response.json()


async def request(api: ApiStack, sdp_no: str, programme: str = "BARISTA") -> str:
    body = {"inmate_sdp_no": sdp_no, "programme_code": programme, "reason": "wants to work"}
    created = await ok(await api.http.post("/enrolments", json=body, headers=api.caseworker()))
    return str(created["enrolment_id"])


async def approve(api: ApiStack, enrolment_id: str) -> Any:
    decision = {"decision": "approve", "reason": "motivated and eligible"}
    return await ok(
        await api.http.post(
            f"/enrolments/{enrolment_id}/placement", json=decision, headers=api.tpp()
        )
    )


async def closed(api: ApiStack, enrolment_id: str) -> Any:
    """The case's live state once it has an outcome (e.g. BNSP answered)."""

    async def state() -> Any:
        return await ok(
            await api.http.get(f"/enrolments/{enrolment_id}/state", headers=api.auditor())
        )

    return await until(
        state, lambda s: s["outcome"] is not None, f"{enrolment_id} closed", SETTLE_SECONDS
    )


def session_date(n: int, sessions: int) -> str:
    """Session `n` of `sessions`, one a day, the last one today (Jakarta): never in the
    future, and after the seeded offerings' start (db/seed: 45 days before seeding)."""
    return str(jakarta_today() - timedelta(days=sessions - n))


async def train(api: ApiStack, enrolment_id: str, programme_code: str = "BARISTA") -> Any:
    programme = await ok(await api.http.get(f"/programmes/{programme_code}", headers=api.tpp()))
    sessions = programme["session_count"]
    for n in range(1, sessions + 1):
        entry = {"session_no": n, "session_date": session_date(n, sessions), "present": True}
        await ok(
            await api.http.post(
                f"/enrolments/{enrolment_id}/attendance", json=entry, headers=api.caseworker()
            )
        )
    for module in programme["modules"]:
        await ok(
            await api.http.post(
                f"/enrolments/{enrolment_id}/modules",
                json={"module_code": module},
                headers=api.instructor(),
            )
        )
    return await ok(
        await api.http.post(
            f"/enrolments/{enrolment_id}/training-completion",
            json={"reason": "all sessions and modules done"},
            headers=api.instructor(),
        )
    )


async def assess(api: ApiStack, enrolment_id: str, results: dict[str, str]) -> Any:
    body = {"tuk_code": "TUK-LAPAS-CIPINANG", "results": results, "reason": "observed practice"}
    return await ok(
        await api.http.post(
            f"/enrolments/{enrolment_id}/assessments", json=body, headers=api.assessor()
        )
    )
