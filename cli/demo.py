"""The demo job: one inmate from enrolment request to BNSP certificate, then released on
parole with the release handover acknowledged by the Bapas and Kemnaker job placement; all
through the live API.

Every step is an HTTP call a real user would make, with a development token for the role
that makes it, so the demo exercises the same permissions, rules and workflow as production.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from api.auth import mint_dev_token
from config.settings import Settings
from domain.clock import jakarta_today
from domain.identity import Ministry, Role, Scope
from registries.sdp_seed import DEMO_PAROLE

UPT = "LP-CIPINANG"
PROGRAMME = "BARISTA"
LSP = "LSP-PARIWISATA"
BAPAS = "BP-JAKBAR"


class DemoFailed(Exception):
    """A step was refused: the message carries the API's own explanation."""


class _Client:
    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self._http = http
        self._settings = settings

    def _headers(self, subject: str, role: Role, scope: Scope) -> dict[str, str]:
        token = mint_dev_token(self._settings, subject, [role], scope, timedelta(minutes=30))
        return {"Authorization": f"Bearer {token}"}

    async def get_or_none(self, path: str, as_: tuple[str, Role, Scope]) -> Any:
        """A GET whose 404 means "none yet"."""
        response = await self._http.get(path, headers=self._headers(*as_))
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        if response.status_code >= 400:
            raise DemoFailed(f"GET {path} -> {response.status_code}: {response.text}")
        return response.json()

    async def call(
        self, method: str, path: str, as_: tuple[str, Role, Scope], body: dict[str, Any] | None
    ) -> Any:
        response = await self._http.request(method, path, json=body, headers=self._headers(*as_))
        if response.status_code >= 400:
            raise DemoFailed(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()


CASEWORKER = ("demo-caseworker", Role.CASEWORKER, Scope(upt=UPT))
TPP = ("demo-tpp", Role.TPP_MEMBER, Scope(upt=UPT))
INSTRUCTOR = ("demo-instructor", Role.KEMNAKER_INSTRUCTOR, Scope(ministry=Ministry.KEMNAKER))
ASSESSOR = ("demo-assessor", Role.LSP_ASSESSOR, Scope(lsp=LSP))
SDP = ("demo-sdp", Role.SDP_SYSTEM, Scope())
BAPAS_OFFICER = ("demo-pk", Role.BAPAS_OFFICER, Scope(bapas=BAPAS))
PLACEMENT = ("demo-placement", Role.KEMNAKER_OFFICER, Scope(ministry=Ministry.KEMNAKER))


async def run_demo(
    base_url: str, settings: Settings, say: Callable[[str], None], sdp_no: str = DEMO_PAROLE
) -> dict[str, Any]:
    """Drive one enrolment to its certificate and the inmate through release; returns the
    enrolment's final read-model record."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        api = _Client(http, settings)
        earlier = await _earlier_run(api, say, sdp_no)
        if earlier is not None:
            return earlier
        programme = await api.call("GET", f"/programmes/{PROGRAMME}", CASEWORKER, None)
        created = await api.call(
            "POST",
            "/enrolments",
            CASEWORKER,
            {"inmate_sdp_no": sdp_no, "programme_code": PROGRAMME, "reason": "demo enrolment"},
        )
        eid = created["enrolment_id"]
        say(f"requested {eid}: inmate {sdp_no} in {programme['name']} at {UPT}")
        decision = {"decision": "approve", "reason": "eligible; cohort has places"}
        await api.call("POST", f"/enrolments/{eid}/placement", TPP, decision)
        say("TPP approved the placement")
        # One session a day up to today: attendance is never dated in the future, nor before
        # the offering started (the seeded offerings started 45 days before seeding).
        sessions = programme["session_count"]
        for n in range(1, sessions + 1):
            entry = {
                "session_no": n,
                "session_date": str(jakarta_today() - timedelta(days=sessions - n)),
                "present": True,
            }
            await api.call("POST", f"/enrolments/{eid}/attendance", CASEWORKER, entry)
        for module in programme["modules"]:
            await api.call(
                "POST", f"/enrolments/{eid}/modules", INSTRUCTOR, {"module_code": module}
            )
        sessions, modules = programme["session_count"], len(programme["modules"])
        say(f"recorded {sessions} sessions and {modules} modules")
        state = await api.call(
            "POST",
            f"/enrolments/{eid}/training-completion",
            INSTRUCTOR,
            {"reason": "attendance and modules complete"},
        )
        results = {unit: "K" for unit in state["units_due"]}
        await api.call(
            "POST",
            f"/enrolments/{eid}/assessments",
            ASSESSOR,
            {"tuk_code": "TUK-LAPAS-CIPINANG", "results": results, "reason": "demo assessment"},
        )
        say(f"LSP assessor found the inmate competent in all {len(results)} units")
        for _ in range(600):
            record: dict[str, Any] = await api.call("GET", f"/enrolments/{eid}", TPP, None)
            if record["outcome"] is not None:
                if record["outcome"] != "certified":
                    raise DemoFailed(f"{eid} closed as {record['outcome']}: {record}")
                say(
                    f"BNSP certificate {record['certificate_number']}, valid until "
                    f"{record['certificate_valid_until']}"
                )
                await _release(api, say, sdp_no, eid)
                return record
            await asyncio.sleep(0.1)
        raise DemoFailed(f"{eid} did not close within 60 s: see the Temporal UI")


async def _earlier_run(
    api: _Client, say: Callable[[str], None], sdp_no: str
) -> dict[str, Any] | None:
    """The certified enrolment of a demo run that already happened (the state survives a
    restart), finishing its release handover if the run stopped half-way; None when the
    demo inmate has no certificate yet. Idempotent: a restart never releases them again."""
    answer = await api.get_or_none(f"/journeys/{sdp_no}", PLACEMENT)
    if answer is None:
        return None
    certified = [
        e for e in answer["enrolments"]
        if e["programme_code"] == PROGRAMME and e["outcome"] == "certified"
    ]  # fmt: skip
    if not certified:
        return None
    record: dict[str, Any] = certified[-1]
    status = answer["journey"]["status"]
    if status == "in_custody":
        await _release(api, say, sdp_no, record["enrolment_id"])
    elif status in ("releasing", "handover") and await _acknowledge(api, say, sdp_no):
        pass  # a run stopped half-way: its release is finished now
    else:  # ended, or the read model still says "handover" with nothing left open
        say(
            f"the demo already ran: inmate {sdp_no} holds BNSP certificate "
            f"{record['certificate_number']} and was released and handed over; nothing to do"
        )
    return record


async def _release(api: _Client, say: Callable[[str], None], sdp_no: str, eid: str) -> None:
    """SDP reports a parole release; both receivers acknowledge the handover."""
    event = {
        "event_id": f"DEMO-RELEASE-{eid}",
        "inmate_sdp_no": sdp_no,
        "kind": "release",
        "occurred_at": datetime.now(UTC).isoformat(),
        "release_kind": "pb",
        "bapas_code": BAPAS,
    }
    await api.call("POST", "/custody-events", SDP, event)
    say(f"SDP reported a conditional release (PB) under Bapas {BAPAS}")
    await _acknowledge(api, say, sdp_no)


async def _acknowledge(api: _Client, say: Callable[[str], None], sdp_no: str) -> int:
    """Each receiver acknowledges the inmate's handover still open (the release answered
    once its handovers were sent, so they are there to be found); how many it acknowledged."""
    acknowledged = 0
    for receiver in (BAPAS_OFFICER, PLACEMENT):
        page = await api.call(
            "GET", f"/handovers?state=open&inmate_sdp_no={sdp_no}", receiver, None
        )
        for handover in page["items"]:
            detail = await api.call("GET", f"/handovers/{handover['handover_id']}", receiver, None)
            certificates = (detail["package"] or {}).get("certificates", [])
            journey = await api.call(
                "POST",
                f"/handovers/{handover['handover_id']}/acknowledgement",
                receiver,
                {"reason": "received; the client is registered with us"}
                # job placement records the released person's consent to be contacted
                | ({"contact_consent": True} if receiver is PLACEMENT else {}),
            )
            say(
                f"{receiver[1].value} acknowledged the handover "
                f"({len(certificates)} certificate(s) in the package)"
            )
            acknowledged += 1
            say(f"the inmate's journey is {journey['status']}")
    return acknowledged
