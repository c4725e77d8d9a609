"""An inmate's whole journey, through the product: one certified enrolment (the throughput
benchmark's demo path), then the release (PB, supervised by a Bapas) reported by SDP, the two
handovers acknowledged (the Bapas registers the Klien; Kemnaker job placement takes it over
with the person's consent to be contacted), which ends the journey and starts the placement
follow-up. Measured: the journey's, the enrolment's and the follow-up's histories and the
enrolment worker's CPU (with the dev server's, the API's) per inmate. The follow-up's check-ins
at 1, 3 and 6 months are not lived here (its history is counted as it waits for the first).
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from benchmarks.history import HistoryCount, count
from benchmarks.measure import cpu_seconds, percentile
from benchmarks.report import Section
from benchmarks.stack import Bench
from benchmarks.throughput import People, real_case
from domain.enrolment import enrolment_workflow_id
from domain.identity import Ministry, Role
from domain.journey import journey_workflow_id
from registries.sdp_seed import synthetic_sdp_no

BAPAS = "BP-JAKBAR"
PROCESSES = ("worker", "temporal", "api")


def _ok(response: httpx.Response) -> Any:
    if response.status_code not in (200, 201, 202):
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response.json()


class Release:
    def __init__(self, bench: Bench) -> None:
        self.sdp = bench.http(Role.SDP_SYSTEM)
        self.pk = bench.http(Role.BAPAS_OFFICER, bapas=BAPAS)
        self.placement = bench.http(Role.KEMNAKER_OFFICER, ministry=Ministry.KEMNAKER)
        self.auditor = bench.http(Role.AUDITOR)

    async def aclose(self) -> None:
        for client in (self.sdp, self.pk, self.placement, self.auditor):
            await client.aclose()

    async def handovers(self, sdp_no: str, within: float = 120.0) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while True:
            view = _ok(await self.auditor.get(f"/journeys/{sdp_no}"))
            if len(view["handovers"]) == 2:
                return {h["receiver"]: h for h in view["handovers"]}
            if time.monotonic() > deadline:
                raise TimeoutError(f"no handovers for {sdp_no}: {view['journey']}")
            await asyncio.sleep(0.2)

    async def release_and_hand_over(self, sdp_no: str) -> None:
        event = {
            "event_id": f"SDP-{uuid.uuid4().hex[:10]}",
            "inmate_sdp_no": sdp_no,
            "kind": "release",
            "occurred_at": datetime.now(UTC).isoformat(),
            "release_kind": "pb",
            "bapas_code": BAPAS,
        }
        _ok(await self.sdp.post("/custody-events", json=event))
        handovers = await self.handovers(sdp_no)
        _ok(await self.pk.post(
            f"/handovers/{handovers['bapas']['handover_id']}/acknowledgement",
            json={"reason": "registered as Klien"},
        ))  # fmt: skip
        last = _ok(await self.placement.post(
            f"/handovers/{handovers['job_placement']['handover_id']}/acknowledgement",
            json={"reason": "taken over for placement", "contact_consent": True},
        ))  # fmt: skip
        if last["status"] != "ended":
            raise RuntimeError(f"journey of {sdp_no} did not end: {last['status']}")


async def _counts(
    bench: Bench, pool: asyncpg.Pool, sdp_no: str, enrolment_id: str
) -> dict[str, HistoryCount]:
    counts = {
        "journey": await count(bench.temporal, journey_workflow_id(sdp_no)),
        "enrolment": await count(bench.temporal, enrolment_workflow_id(enrolment_id)),
    }
    placement = await pool.fetchval(
        "SELECT workflow_id FROM placements WHERE inmate_sdp_no = $1", sdp_no
    )
    if placement is not None:
        counts["placement follow-up"] = await count(bench.temporal, placement)
    return counts


async def run(bench: Bench, pool: asyncpg.Pool, first: int, inmates: int, lanes: int) -> Section:
    section = Section("journeys", "An inmate's journey: certified, released, handed over")
    people, release = People.of(bench), Release(bench)
    processes = {name: bench.process(name) for name in PROCESSES}
    numbers = (synthetic_sdp_no(first + i) for i in itertools.count())
    seconds: list[float] = []
    try:
        sdp_no = next(numbers)
        enrolment_id = await real_case(bench, people, sdp_no)
        await release.release_and_hand_over(sdp_no)
        await asyncio.sleep(2)  # the follow-up's first workflow task and its projection
        counts = await _counts(bench, pool, sdp_no, enrolment_id)
        cpu_before = {name: cpu_seconds(p) for name, p in processes.items()}
        todo = iter(range(inmates))

        async def lane() -> None:
            for _ in todo:
                began = time.perf_counter()
                inmate = next(numbers)
                await real_case(bench, people, inmate)
                await release.release_and_hand_over(inmate)
                seconds.append(time.perf_counter() - began)

        began = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(lanes)))
        window = time.perf_counter() - began
        cpu = {name: cpu_seconds(p) - cpu_before[name] for name, p in processes.items()}
    finally:
        await people.aclose()
        await release.aclose()
    for what, counted in counts.items():
        section.say(f"- {what}: {counted.describe()}")
    total_events = sum(c.events for c in counts.values())
    total_kb = sum(c.stored_bytes for c in counts.values()) / 1000
    section.say(
        f"- **per inmate with one certified programme, released and handed over: "
        f"{total_events} events, {total_kb:.1f} KB stored** (the three workflows together; "
        "the follow-up still open, waiting for its first check-in)"
    )
    per = {name: used / max(1, inmates) for name, used in cpu.items()}
    section.say(
        f"- CPU (user + system, the processes' counters) over {inmates} more inmates "
        f"({window:.0f} s, {lanes} in flight; {percentile(seconds, 50):.1f} s per inmate at "
        "p50): "
        + ", ".join(
            f"{name} {cpu[name]:.1f} s (**{per[name]:.2f} CPU-s per inmate**)" for name in PROCESSES
        )
    )
    return section
