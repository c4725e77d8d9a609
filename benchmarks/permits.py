"""TKA permits: what one application costs, through the product.

Each permit is driven over HTTP as the people (and SIMPONI) involved would: the employer
submits, Kemnaker's verifier approves the documents and the feasibility, SIMPONI's signed
callback confirms the DKPTKA payment, the director approves the RPTKA, Imigrasi's officer
approves the visa and records the arrival (SIMKIM issues the ITAS): the permit is active.
Then its life, as far as it can be lived without waiting a year: the employer asks for an
extension, the verifier and the director approve it, SIMPONI confirms its payment, the ITAS
is extended; then the employer ends the permit early and SIMKIM issues the EPO.

Measured: the application's history (events by type, stored bytes) when it became active
and when it closed, and the CPU of the Kemnaker and Imigrasi workers (and the dev server,
the API and Postgres) over the run, per permit. The annual report falls on the permit's
anniversary and is not lived here (its cost is estimated from the shape in the notes).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from benchmarks.history import HistoryCount, count
from benchmarks.measure import cpu_seconds, percentile
from benchmarks.report import Section
from benchmarks.stack import Bench
from domain.clock import jakarta_today
from domain.identity import Ministry, Role
from domain.permit import permit_workflow_id
from registries.simponi import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_callback

NIB = "9120001234567"
REASON = "checked the file"
PROCESSES = ("kemnaker-worker", "imigrasi-worker", "temporal", "api", "worker")


def submission(n: int) -> dict[str, Any]:
    return {
        "position_title": "Mining engineer",
        "position_kind": "professional",
        "tka_name": f"Bench Worker {n}",
        "passport_no": f"B{n:07d}",
        "nationality": "AU",
        "duration_months": 12,
        "work_location": "Morowali, Sulawesi Tengah",
        "province": "72",
        "sector": "B",
        "in_kek": False,
        "pendamping": {"name": "Budi Santoso", "position": "Junior mining engineer"},
        "employer_category": "company",
    }


@dataclass
class PermitPeople:
    employer: httpx.AsyncClient
    verifier: httpx.AsyncClient
    director: httpx.AsyncClient
    officer: httpx.AsyncClient
    auditor: httpx.AsyncClient
    simponi: httpx.AsyncClient
    secret: str

    @classmethod
    def of(cls, bench: Bench) -> PermitPeople:
        secret = bench.settings.simponi_secret
        if secret is None:
            raise RuntimeError("no SIMPONI secret in the bench settings")
        return cls(
            bench.http(Role.EMPLOYER, employer_nib=NIB),
            bench.http(Role.KEMNAKER_VERIFIER, ministry=Ministry.KEMNAKER),
            bench.http(Role.KEMNAKER_DIRECTOR, ministry=Ministry.KEMNAKER),
            bench.http(Role.IMIGRASI_OFFICER, ministry=Ministry.IMIGRASI),
            bench.http(Role.AUDITOR),
            httpx.AsyncClient(base_url=bench.info.api_url, timeout=120),
            secret,
        )

    async def aclose(self) -> None:
        for client in (self.employer, self.verifier, self.director, self.officer,
                       self.auditor, self.simponi):  # fmt: skip
            await client.aclose()


def _ok(response: httpx.Response) -> Any:
    if response.status_code not in (200, 201, 202):
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response.json()


class PermitDriver:
    def __init__(self, bench: Bench, pool: asyncpg.Pool, people: PermitPeople) -> None:
        self.bench, self.pool, self.people = bench, pool, people

    async def state(self, application_id: str) -> Any:
        return _ok(await self.people.auditor.get(f"/permits/{application_id}/state"))

    async def settled(self, application_id: str, within: float = 120.0) -> Any:
        """The workflow waits on someone (or closed, or is active) and the read model holds
        every event it recorded."""
        deadline = time.monotonic() + within
        while True:
            live = await self.state(application_id)
            stored = await self.pool.fetchval(
                "SELECT count(*) FROM permit_events WHERE application_id = $1", application_id
            )
            waiting = live["awaiting"] is not None or live["outcome"] is not None
            if (waiting or live["stage"] == "active") and stored == live["event_count"]:
                return live
            if time.monotonic() > deadline:
                raise TimeoutError(f"{application_id} did not settle: {live}")
            await asyncio.sleep(0.1)

    async def until(self, application_id: str, what: str, done: Any, within: float = 120.0) -> Any:
        deadline = time.monotonic() + within
        while True:
            live = await self.state(application_id)
            if done(live):
                return await self.settled(application_id)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{application_id}: never {what}: {live}")
            await asyncio.sleep(0.1)

    async def decide(
        self, client: httpx.AsyncClient, application_id: str, path: str, body: dict[str, Any]
    ) -> Any:
        return _ok(await client.post(f"/permits/{application_id}/{path}", json=body))

    async def pay(self, live: Any, payment_id: str) -> None:
        body = json.dumps({
            "payment_id": payment_id,
            "billing_code": live["billing"]["billing_code"],
            "amount_usd": live["billing"]["amount_usd"],
            "paid_at": "2026-11-20T10:00:00+07:00",
        }).encode()  # fmt: skip
        stamp = str(int(time.time()))
        headers = {
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: sign_callback(self.people.secret, stamp, body),
            "Content-Type": "application/json",
        }
        response = await self.people.simponi.post(
            "/payments/simponi/callback", content=body, headers=headers
        )
        response.raise_for_status()

    async def to_active(self, n: int) -> str:
        p = self.people
        created = _ok(await p.employer.post("/permits", json=submission(n)))
        application_id = str(created["application_id"])
        await self.settled(application_id)
        approve = {"decision": "approve", "reason": REASON}
        await self.decide(p.verifier, application_id, "verification", approve)
        await self.decide(p.verifier, application_id, "feasibility",
                          {"decision": "feasible", "reason": REASON})  # fmt: skip
        live = await self.settled(application_id)
        await self.pay(live, f"SIMPONI-BENCH-{application_id}")
        await self.until(application_id, "at rptka_approval",
                         lambda s: s["stage"] == "rptka_approval")  # fmt: skip
        await self.decide(p.director, application_id, "rptka", approve)
        await self.until(application_id, "at visa_decision",
                         lambda s: s["stage"] == "visa_decision")  # fmt: skip
        await self.decide(p.officer, application_id, "visa", approve)
        await self.until(application_id, "awaiting arrival",
                         lambda s: s["stage"] == "awaiting_arrival")  # fmt: skip
        await self.decide(p.officer, application_id, "arrival",
                          {"arrived_on": str(jakarta_today()), "port_of_entry": "CGK"})  # fmt: skip
        await self.until(application_id, "active", lambda s: s["stage"] == "active")
        return application_id

    async def life(self, application_id: str) -> None:
        """An extension granted, then early termination with the EPO: the case closes."""
        p = self.people
        approve = {"decision": "approve", "reason": REASON}
        await self.decide(p.employer, application_id, "extension",
                          {"months": 12, "reason": "more work"})  # fmt: skip
        await self.settled(application_id)
        await self.decide(p.verifier, application_id, "extension-verification", approve)
        await self.settled(application_id)
        billed = await self.decide(p.director, application_id, "extension-approval", approve)
        await self.pay(billed, f"SIMPONI-BENCH-EXT-{application_id}")
        await self.until(application_id, "extended",
                         lambda s: s["extensions"][0]["step"] == "granted")  # fmt: skip
        await self.decide(p.employer, application_id, "termination",
                          {"reason": "project finished early"})  # fmt: skip
        await self.until(application_id, "closed", lambda s: s["outcome"] is not None)


async def run(bench: Bench, pool: asyncpg.Pool, permits: int, lanes: int) -> Section:
    section = Section("permits", "TKA permits: history and worker CPU per application")
    people = PermitPeople.of(bench)
    driver = PermitDriver(bench, pool, people)
    processes = {name: bench.process(name) for name in PROCESSES}
    numbers = itertools.count(int(time.time()) % 1_000_000 * 100)
    active_counts: list[HistoryCount] = []
    closed_counts: list[HistoryCount] = []
    seconds: list[float] = []
    try:
        # One permit first, alone: its history at activation and at its close.
        first = await driver.to_active(next(numbers))
        active_counts.append(await count(bench.temporal, permit_workflow_id(first)))
        await driver.life(first)
        closed_counts.append(await count(bench.temporal, permit_workflow_id(first)))
        cpu_before = {name: cpu_seconds(p) for name, p in processes.items()}
        todo = iter(range(permits))

        async def lane() -> None:
            for _ in todo:
                n = next(numbers)
                began = time.perf_counter()
                application_id = await driver.to_active(n)
                await driver.life(application_id)
                seconds.append(time.perf_counter() - began)
                closed_counts.append(
                    await count(bench.temporal, permit_workflow_id(application_id))
                )

        began = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(lanes)))
        window = time.perf_counter() - began
        cpu = {name: cpu_seconds(p) - cpu_before[name] for name, p in processes.items()}
    finally:
        await people.aclose()
    active, closed = active_counts[0], closed_counts[0]
    events = sorted(c.events for c in closed_counts)
    kbs = sorted(c.stored_bytes / 1000 for c in closed_counts)
    section.say(
        "- one permit on the demo's approval path (submitted, documents and feasibility "
        "approved, DKPTKA paid by SIMPONI's signed callback, RPTKA approved, visa approved, "
        f"arrival recorded, ITAS issued), its history **when active**: {active.describe()}"
    )
    section.say(
        "- the same permit **closed** after its life (an extension requested, verified, "
        "approved, paid and granted; then early termination and the EPO): "
        f"{closed.describe()}"
    )
    section.say(
        f"- over {len(closed_counts)} permits driven the whole way (the first alone, then "
        f"{permits} with {lanes} in flight): events per closed permit {events[0]}-{events[-1]}, "
        f"stored KB {kbs[0]:.1f}-{kbs[-1]:.1f} (median {percentile(kbs, 50):.1f})"
    )
    per = {name: used / max(1, permits) for name, used in cpu.items()}
    section.say(
        f"- CPU (user + system, the processes' counters) over the {permits} permits "
        f"({window:.0f} s, {lanes} in flight; {permits / window * 60:.1f} permits/min; "
        f"{percentile(seconds, 50):.1f} s per permit at p50): "
        + ", ".join(
            f"{name} {cpu[name]:.1f} s (**{per[name]:.2f} CPU-s per permit**)" for name in PROCESSES
        )
    )
    section.say(
        "- the enrolment worker (`worker`) is listed to show what else was running: a "
        "permit runs on Kemnaker's worker (the workflow, Kemnaker's activities) and "
        "Imigrasi's (SIMKIM's activities)"
    )
    return section
