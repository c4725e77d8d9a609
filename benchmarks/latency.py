"""Decision latency: `POST /enrolments/{id}/attendance` (HTTP -> the API's checks -> Update
-> the workflow records it and projects it -> answer) against a raw Update round trip to a
workflow that answers at once, at 1, 10 and 50 concurrent reviewers.

Each reviewer has an enrolment of their own in training and takes turns, one round after
another: one real decision, one raw update, and one raw update whose handler runs one no-op
local activity before answering (the shape of our decisions since issue 18, which answer once
their projection, a local activity, is written: the floor of the workflow's side). The order
of the three turns rotates from round to round, so no kind always follows another, and every
kind sees the same load at the same time. The two reference kinds run on two floor workers,
one each (as our decisions have the enrolment worker to themselves). The first rounds of each
reviewer warm the connections, caches and workers up and are not counted. The target compares
p99 with the raw update's p99 in the same run; with `decisions` samples per kind and level,
p99 is the 1 % tail (5 samples at 500), not the single worst one.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from temporalio.client import WorkflowHandle

from benchmarks.floor import SECOND_TASK_QUEUE, TASK_QUEUE, FloorEcho
from benchmarks.measure import percentile
from benchmarks.report import Section, Target
from benchmarks.stack import Bench
from benchmarks.throughput import People, approve, attend, enrol
from registries.sdp_seed import synthetic_sdp_no

LEVELS = (1, 10, 50)
SESSIONS = 20  # BARISTA's sessions: one enrolment takes at most this many decisions
WARM_UP = 5  # rounds per reviewer before the counted ones
TURN_TIMEOUT_SECONDS = 120
OURS, RAW, FLOOR = "ours", "raw Update", "raw Update + no-op local activity"
KINDS = (OURS, RAW, FLOOR)
PERCENTILES = (50, 95, 99)
# A reviewer's two echo workflows: the raw update's, and the one with a local activity's.
Echoes = tuple[WorkflowHandle[Any, Any], WorkflowHandle[Any, Any]]


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


async def _level(
    people: People, cases: list[str], echoes: list[Echoes], level: int, each: int
) -> dict[str, list[float]]:
    """`each` counted rounds for each of `level` reviewers; the samples by kind."""
    samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
    cases_each = len(cases) // level

    async def reviewer(mine: list[str], echo: Echoes) -> None:
        async def turn(kind: str, case: str, session: int) -> float:
            # A turn that never answers (a worker that is not there) stops the run, loudly.
            async with asyncio.timeout(TURN_TIMEOUT_SECONDS):
                if kind == OURS:
                    return await attend(people, case, session)
                began = time.perf_counter()
                if kind == RAW:
                    await echo[0].execute_update(FloorEcho.echo, session)
                else:
                    await echo[1].execute_update(FloorEcho.echo_after_local_activity, session)
                return time.perf_counter() - began

        sessions = [(case, n) for case in mine for n in range(1, SESSIONS + 1)]
        for round_no, (case, session) in enumerate(sessions[: WARM_UP + each]):
            shift = round_no % len(KINDS)
            for kind in KINDS[shift:] + KINDS[:shift]:
                seconds = await turn(kind, case, session)
                if round_no >= WARM_UP:
                    samples[kind].append(seconds)

    await asyncio.gather(
        *(reviewer(cases[r * cases_each : (r + 1) * cases_each], echoes[r]) for r in range(level))
    )
    return samples


def _ms(values: list[float], p: int) -> str:
    return f"{percentile(values, p) * 1000:.1f}"


async def run(
    bench: Bench, first: int, decisions: int, levels: tuple[int, ...] = LEVELS
) -> Section:
    section = Section("decision-latency", "Decision latency: HTTP decide against a raw Update")
    people = People.of(bench)
    next_inmate = first
    # One echo workflow per reviewer, as each reviewer decides on a case of their own
    # (Temporal limits the updates in flight on one workflow).
    # The two reference kinds on two floor workers (benchmarks/floor.py: SECOND_TASK_QUEUE).
    echoes = [
        (
            await bench.temporal.start_workflow(
                FloorEcho.run, id=f"floor-echo-{first}-{n}", task_queue=TASK_QUEUE
            ),
            await bench.temporal.start_workflow(
                FloorEcho.run, id=f"floor-echo-local-{first}-{n}", task_queue=SECOND_TASK_QUEUE
            ),
        )
        for n in range(max(levels))
    ]
    section.say(
        f"Per level: {decisions} counted samples of each kind (each of the N reviewers "
        f"{WARM_UP} warm-up rounds, then its share of the counted rounds), the three kinds "
        "interleaved in rotating order; times in ms, nearest-rank percentiles."
    )
    section.say()
    table = ["| reviewers | kind | n | p50 | p95 | p99 | load avg before -> after |"]
    table.append("|---|---|---|---|---|---|---|")
    ratios: list[str] = []
    try:
        for level in levels:
            each = max(1, -(-decisions // level))
            cases_each = -(-(WARM_UP + each) // SESSIONS)
            cases = []
            for _ in range(level * cases_each):
                enrolment_id = await enrol(people, synthetic_sdp_no(next_inmate))
                await approve(people, enrolment_id)
                cases.append(enrolment_id)
                next_inmate += 1
            before = _load()
            samples = await _level(people, cases, echoes, level, each)
            after = _load()
            ours, raw = samples[OURS], samples[RAW]
            for kind in KINDS:
                values = samples[kind]
                cells = " | ".join(_ms(values, p) for p in PERCENTILES)
                table.append(
                    f"| {level} | {kind} | {len(values)} | {cells} | {before} -> {after} |"
                )
            section.targets.append(
                Target(
                    f"p99 at {level} reviewer(s), ours / raw",
                    "<= 1.5",
                    f"{percentile(ours, 99) / percentile(raw, 99):.2f}",
                    percentile(ours, 99) <= 1.5 * percentile(raw, 99),
                )
            )
            ratio = " / ".join(
                f"{percentile(ours, p) / percentile(raw, p):.2f}" for p in PERCENTILES
            )
            floor = " / ".join(
                f"{percentile(ours, p) / percentile(samples[FLOOR], p):.2f}" for p in PERCENTILES
            )
            ratios.append(
                f"- {level} reviewer(s): ours / raw Update at p50 / p95 / p99: {ratio}; ours / "
                f"raw Update with one no-op local activity: {floor}"
            )
            print(table[-3], table[-2], table[-1], ratios[-1], sep="\n", flush=True)  # noqa: T201
    finally:
        for pair in echoes:
            for echo in pair:
                await echo.signal(FloorEcho.finish)
        await people.aclose()
    for line in [*table, "", *ratios]:
        section.say(line)
    return section
