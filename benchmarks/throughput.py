"""Throughput: complete enrolments per second, ours against the floor, interleaved.

A real case is what people do through the API: `POST /enrolments`, the TPP's placement, the
programme's attendance and modules, closing the training, the assessment, then BNSP's
certificate (the workflow polls the simulator) and the close. A floor case has the same
shape, counted from the first real case's history in this run, with no-op bodies, its
updates sent straight to Temporal. Both kinds run side by side for the same time, each with
the same number of cases in flight ("lanes"); the rate of a kind is the cases it completed
in that window over the window.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from google.protobuf.json_format import MessageToDict

from benchmarks.floor import (
    FloorEnrolment,
    FloorJourney,
    FloorStart,
    Shape,
    floor_journey_start,
)
from benchmarks.history import HistoryCount, count
from benchmarks.measure import cpu_seconds
from benchmarks.report import Section, Target
from benchmarks.stack import UPT, Bench
from domain.clock import jakarta_today
from domain.enrolment import Outcome, enrolment_workflow_id
from domain.identity import Ministry, Role
from domain.journey import journey_workflow_id
from registries.sdp_seed import synthetic_sdp_no
from workflows.enrolment import EnrolmentWorkflow


@dataclass
class People:
    caseworker: httpx.AsyncClient
    tpp: httpx.AsyncClient
    instructor: httpx.AsyncClient
    assessor: httpx.AsyncClient
    programme: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, bench: Bench) -> People:
        return cls(
            bench.http(Role.CASEWORKER, upt=UPT),
            bench.http(Role.TPP_MEMBER, upt=UPT),
            bench.http(Role.KEMNAKER_INSTRUCTOR, ministry=Ministry.KEMNAKER),
            bench.http(Role.LSP_ASSESSOR, lsp="LSP-PARIWISATA"),
        )

    async def aclose(self) -> None:
        for client in (self.caseworker, self.tpp, self.instructor, self.assessor):
            await client.aclose()


def _ok(response: httpx.Response) -> Any:
    if response.status_code not in (200, 201):
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response.json()


async def enrol(people: People, sdp_no: str) -> str:
    body = {"inmate_sdp_no": sdp_no, "programme_code": "BARISTA", "reason": "benchmark"}
    created = _ok(await people.caseworker.post("/enrolments", json=body))
    return str(created["enrolment_id"])


async def approve(people: People, enrolment_id: str) -> None:
    decision = {"decision": "approve", "reason": "eligible and motivated"}
    _ok(await people.tpp.post(f"/enrolments/{enrolment_id}/placement", json=decision))


async def attend(people: People, enrolment_id: str, session: int) -> float:
    """One attendance decision; how long the API took to answer it."""
    entry = {
        "session_no": session,
        # Never in the future, never before the seeded offering's start (45 days back).
        "session_date": str(jakarta_today() - timedelta(days=40 - session)),
        "present": True,
    }
    began = time.perf_counter()
    _ok(await people.caseworker.post(f"/enrolments/{enrolment_id}/attendance", json=entry))
    return time.perf_counter() - began


async def real_case(bench: Bench, people: People, sdp_no: str) -> str:
    if not people.programme:
        people.programme = _ok(await people.tpp.get("/programmes/BARISTA"))
    enrolment_id = await enrol(people, sdp_no)
    await approve(people, enrolment_id)
    for n in range(1, people.programme["session_count"] + 1):
        await attend(people, enrolment_id, n)
    for module in people.programme["modules"]:
        _ok(
            await people.instructor.post(
                f"/enrolments/{enrolment_id}/modules", json={"module_code": module}
            )
        )
    trained = _ok(
        await people.instructor.post(
            f"/enrolments/{enrolment_id}/training-completion", json={"reason": "done"}
        )
    )
    results = {unit: "K" for unit in trained["units_due"]}
    body = {"tuk_code": "TUK-LAPAS-CIPINANG", "results": results, "reason": "observed"}
    assessed = await people.assessor.post(f"/enrolments/{enrolment_id}/assessments", json=body)
    # A 202 here is the decision taken with BNSP's certificate not in yet (two registry
    # activities, slow on a loaded machine): the case's result is awaited next anyway.
    if assessed.status_code != 202:
        _ok(assessed)
    handle = bench.temporal.get_workflow_handle_for(
        EnrolmentWorkflow.run, enrolment_workflow_id(enrolment_id)
    )
    state = await handle.result()
    if state.outcome is not Outcome.CERTIFIED:
        raise RuntimeError(f"{enrolment_id} ended {state.outcome}")
    return enrolment_id


async def floor_case(bench: Bench, shape: Shape, case_id: str) -> None:
    start = FloorStart(case_id=case_id, shape=shape)
    child_id = await bench.temporal.execute_update_with_start_workflow(
        FloorJourney.enrol, start, start_workflow_operation=floor_journey_start(start)
    )
    child = bench.temporal.get_workflow_handle_for(FloorEnrolment.run, child_id)
    for n in range(shape.enrolment_updates):
        await child.execute_update(FloorEnrolment.decide, n)
    await child.result()


async def history(bench: Bench, workflow_id: str) -> list[dict[str, Any]]:
    fetched = await bench.temporal.get_workflow_handle(workflow_id).fetch_history()
    return [MessageToDict(e) for e in fetched.events]


async def shape_of_a_real_case(
    bench: Bench, people: People, sdp_no: str
) -> tuple[Shape, HistoryCount, HistoryCount]:
    """The floor's shape, and what the case and its journey left in history."""
    enrolment_id = await real_case(bench, people, sdp_no)
    await asyncio.sleep(1)  # the journey records the child's close
    journey = await history(bench, journey_workflow_id(sdp_no))
    enrolment = await history(bench, enrolment_workflow_id(enrolment_id))
    return (
        Shape.from_histories(journey, enrolment),
        await count(bench.temporal, enrolment_workflow_id(enrolment_id)),
        await count(bench.temporal, journey_workflow_id(sdp_no)),
    )


async def run(bench: Bench, first: int, seconds: float, lanes: int) -> Section:
    section = Section("throughput", "Throughput: complete enrolments against the floor")
    people = People.of(bench)
    inmates = (synthetic_sdp_no(first + i) for i in itertools.count())
    try:
        shape, enrolment_history, journey_history = await shape_of_a_real_case(
            bench, people, next(inmates)
        )
        worker, floor_worker = bench.process("worker"), bench.process("floor-worker")
        cpu_before, floor_cpu_before = cpu_seconds(worker), cpu_seconds(floor_worker)
        done = {"real": 0, "floor": 0}
        finished = {"real": 0, "floor": 0}
        durations: dict[str, list[float]] = {"real": [], "floor": []}
        floor_ids = (f"{first}-{i}" for i in itertools.count())
        deadline = time.perf_counter() + seconds

        async def lane(kind: str) -> None:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                if kind == "real":
                    await real_case(bench, people, next(inmates))
                else:
                    await floor_case(bench, shape, next(floor_ids))
                finished[kind] += 1
                if time.perf_counter() <= deadline:
                    done[kind] += 1
                    durations[kind].append(time.perf_counter() - began)

        began = time.perf_counter()
        # Interleaved: a real lane and a floor lane side by side, started alternately.
        await asyncio.gather(*(lane(kind) for _ in range(lanes) for kind in ("real", "floor")))
        window = min(seconds, time.perf_counter() - began)
        # Over the whole run (cases still in flight at the deadline finish inside it), so
        # divided by every real case completed, in the window or just after.
        cpu = cpu_seconds(worker) - cpu_before
        floor_cpu = cpu_seconds(floor_worker) - floor_cpu_before
    finally:
        await people.aclose()
    real_rate, floor_rate = done["real"] / window, done["floor"] / window
    ratio = real_rate / floor_rate if floor_rate else 0.0
    section.targets.append(
        Target("complete enrolments/s, ours / floor", ">= 0.9", f"{ratio:.2f}", ratio >= 0.9)
    )
    events, kb = enrolment_history.events, enrolment_history.stored_bytes / 1000
    section.targets.append(
        Target("history per certified enrolment, events", "<= 200", str(events), events <= 200)
    )
    section.targets.append(
        Target("history per certified enrolment, stored KB", "<= 75", f"{kb:.1f}", kb <= 75)
    )
    per_case = cpu / max(1, finished["real"])
    section.say(f"- enrolment history (the demo's path): {enrolment_history.describe()}")
    section.say(f"- its journey's history: {journey_history.describe()}")
    section.say(
        f"- worker CPU (user + system, the process's counters) over the run: {cpu:.1f} s for "
        f"{finished['real']} certified enrolments: **{per_case:.2f} CPU-s per certified "
        "enrolment** (the floor runs in its own process)"
    )
    # The same counters on the floor's worker, in the same minutes on the same machine: a
    # reference that moves with the machine's load as ours does (no-op bodies, same shape).
    floor_per_case = floor_cpu / max(1, finished["floor"])
    section.say(
        f"- floor worker CPU over the same run: {floor_cpu:.1f} s for {finished['floor']} "
        f"floor cases: {floor_per_case:.2f} CPU-s per floor case; ours / floor: "
        f"{per_case / floor_per_case if floor_per_case else 0:.2f}"
    )
    counts = {s: shape.enrolment.count(s) for s in "autl"}
    journey_acts = (
        len(shape.journey_start) + shape.journey_enrol.count("a") + len(shape.journey_closed)
    )
    section.say(
        f"- shape, counted from a real case's histories in this run: enrolment "
        f"{counts['a']} activities, {counts['l']} local activities, {counts['u']} updates, "
        f"{counts['t']} timer; "
        f"journey {journey_acts} activities, 1 update, 1 child"
    )
    for kind in ("real", "floor"):
        mean = sum(durations[kind]) / max(1, len(durations[kind]))
        section.say(
            f"- {kind}: **{done[kind] / window:.2f} complete enrolments/s** "
            f"({done[kind]} in {window:.0f} s, {lanes} in flight; {mean:.1f} s per "
            "case)"
        )
    return section
