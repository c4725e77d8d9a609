"""Decision latency: `POST /enrolments/{id}/attendance` (HTTP -> the API's checks -> Update
-> the workflow records it and projects it -> answer) against a raw Update round trip to a
workflow that answers at once, at 1, 10 and 50 concurrent reviewers.

Each reviewer has an enrolment of their own in training and takes turns: one real decision,
one raw update, one raw update whose handler runs one no-op local activity before answering
(the shape of our decisions since issue 18, which answer once their projection, a local
activity, is written); so every kind sees the same load at the same time. The target
compares with the raw update.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from temporalio.client import WorkflowHandle

from benchmarks.floor import TASK_QUEUE, FloorEcho
from benchmarks.measure import percentile
from benchmarks.report import Section, Target
from benchmarks.stack import Bench
from benchmarks.throughput import People, approve, attend, enrol
from registries.sdp_seed import synthetic_sdp_no

LEVELS = (1, 10, 50)
SESSIONS = 20  # BARISTA's sessions: one enrolment takes at most this many decisions


async def run(bench: Bench, first: int, decisions: int) -> Section:
    section = Section("decision-latency", "Decision latency: HTTP decide against a raw Update")
    people = People.of(bench)
    next_inmate = first
    # One echo workflow per reviewer, as each reviewer decides on a case of their own
    # (Temporal limits the updates in flight on one workflow).
    echoes = [
        await bench.temporal.start_workflow(
            FloorEcho.run, id=f"floor-echo-{first}-{n}", task_queue=TASK_QUEUE
        )
        for n in range(max(LEVELS))
    ]
    try:
        for level in LEVELS:
            per_reviewer = max(1, -(-decisions // level))
            cases_each = -(-per_reviewer // SESSIONS)
            cases = []
            for _ in range(level * cases_each):
                enrolment_id = await enrol(people, synthetic_sdp_no(next_inmate))
                await approve(people, enrolment_id)
                cases.append(enrolment_id)
                next_inmate += 1
            real: list[float] = []
            raw: list[float] = []
            shaped: list[float] = []

            async def reviewer(mine: list[str], left: int, echo: WorkflowHandle[Any, Any]) -> None:
                for enrolment_id in mine:
                    for session in range(1, SESSIONS + 1):
                        if left == 0:
                            return
                        real.append(await attend(people, enrolment_id, session))  # noqa: B023
                        began = time.perf_counter()
                        await echo.execute_update(FloorEcho.echo, session)
                        raw.append(time.perf_counter() - began)  # noqa: B023
                        began = time.perf_counter()
                        await echo.execute_update(FloorEcho.echo_after_local_activity, session)
                        shaped.append(time.perf_counter() - began)  # noqa: B023
                        left -= 1

            await asyncio.gather(
                *(
                    reviewer(cases[r * cases_each : (r + 1) * cases_each], per_reviewer, echoes[r])
                    for r in range(level)
                )
            )
            real_p99, raw_p99 = percentile(real, 99), percentile(raw, 99)
            section.targets.append(
                Target(
                    f"p99 at {level} reviewer(s), ours / raw",
                    "<= 1.5",
                    f"{real_p99 / raw_p99:.2f}",
                    real_p99 <= 1.5 * raw_p99,
                )
            )
            section.say(
                f"- {level} concurrent reviewer(s), {len(real)} decisions each kind: "
                f"ours p50 {percentile(real, 50) * 1000:.1f} ms, p99 "
                f"{real_p99 * 1000:.1f} ms; raw Update p50 "
                f"{percentile(raw, 50) * 1000:.1f} ms, p99 {raw_p99 * 1000:.1f} ms; raw Update "
                f"with one no-op local activity p50 {percentile(shaped, 50) * 1000:.1f} ms, p99 "
                f"{percentile(shaped, 99) * 1000:.1f} ms"
            )
            print(section.lines[-1], flush=True)  # noqa: T201
    finally:
        for echo in echoes:
            await echo.signal(FloorEcho.finish)
        await people.aclose()
    return section
