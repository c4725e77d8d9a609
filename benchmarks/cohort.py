"""Cohort start: a CSV of synthetic inmates through `POST /cohorts/enrolments` (the CLI's
own sender), against raw workflow starts at the same concurrency, interleaved in phases.

Per phase: a slice of the cohort (timed until the API has answered every row: "accepted"),
then until the read model holds every accepted enrolment with its placement-review task
("settled"), then as many raw `start_workflow` calls of an idle floor workflow (a case that
waits on a person and does nothing else) with as many in flight as the cohort path has.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg

from api.cohorts import START_CONCURRENCY
from benchmarks.floor import TASK_QUEUE, FloorIdle
from benchmarks.report import Section, Target
from benchmarks.stack import STATE_DIR, UPT, Bench
from cli.cohort import CohortRow, read_cohort, send_cohort
from domain.identity import Role
from registries.sdp_seed import synthetic_sdp_no

CHUNK = 100
CHUNKS_IN_FLIGHT = 4


def write_cohort_csv(path: Path, first: int, count: int) -> Path:
    """`count` synthetic inmates from `first`, with a few rows of every kind of mistake."""
    lines = ["inmate_sdp_no,programme_code,reason"]
    lines += [f"{synthetic_sdp_no(first + i)},BARISTA,cohort benchmark" for i in range(count)]
    lines += [
        "CPN-1999-99999,BARISTA,unknown to SDP",
        "SLB-2024-00219,BARISTA,held at another UPT",
        "JKP-2025-00042,BARISTA,pretrial and elsewhere",
        f"{synthetic_sdp_no(first)},BARISTA,a repeat of the first row",
        f"{synthetic_sdp_no(first + 1)},ASTRONAUT,no such programme",
        f"{synthetic_sdp_no(first + 2)},,no programme",
        f"{synthetic_sdp_no(first + 3)},BARISTA,too,many,fields",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def open_counts(pool: asyncpg.Pool) -> tuple[int, int]:
    """Open enrolments of the UPT, and open placement-review tasks."""
    cases = await pool.fetchval(
        "SELECT count(*) FROM enrolments WHERE upt_code = $1 AND outcome IS NULL", UPT
    )
    tasks = await pool.fetchval(
        "SELECT count(*) FROM tasks WHERE kind = 'placement_review' AND state = 'open'"
    )
    return int(cases), int(tasks)


async def settle(
    pool: asyncpg.Pool, before: tuple[int, int], added: int, within: float = 3600
) -> None:
    """Until `added` more open enrolments than `before` have their row and their open
    placement-review task."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        cases, tasks = await open_counts(pool)
        if cases >= before[0] + added and tasks >= before[1] + added:
            return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"the read model did not reach {added} more open enrolments")


async def raw_starts(bench: Bench, tag: str, count: int, in_flight: int) -> float:
    gate = asyncio.Semaphore(in_flight)

    async def one(n: int) -> None:
        async with gate:
            await bench.temporal.start_workflow(
                FloorIdle.run, n, id=f"floor-idle-{tag}-{n}", task_queue=TASK_QUEUE
            )

    began = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    return time.perf_counter() - began


async def run(bench: Bench, pool: asyncpg.Pool, first: int, count: int, phases: int = 5) -> Section:
    section = Section("cohort-start", "Cohort start: 10,000 inmates from a CSV vs raw starts")
    path = write_cohort_csv(STATE_DIR / "cohort.csv", first, count)
    rows, bad = read_cohort(path)
    in_flight = CHUNKS_IN_FLIGHT * START_CONCURRENCY
    before = await open_counts(pool)
    accepted = already = 0
    rejected: list[str] = []
    t_accept = t_settle = t_raw = 0.0
    raw_count = 0
    size = -(-len(rows) // phases)
    async with bench.http(Role.CASEWORKER, upt=UPT) as http:
        for phase in range(phases):
            part: list[CohortRow] = rows[phase * size : (phase + 1) * size]
            began = time.perf_counter()
            report = await send_cohort(http, part, chunk_size=CHUNK, concurrency=CHUNKS_IN_FLIGHT)
            answered = time.perf_counter()
            accepted += report.accepted
            already += report.already_enrolled
            rejected += [f"line {r.line}: {r.reason}" for r in report.rejected]
            await settle(pool, before, accepted)
            t_accept += answered - began
            t_settle += time.perf_counter() - began
            starts = report.accepted
            t_raw += await raw_starts(bench, f"{first}-{phase}", starts, in_flight)
            raw_count += starts
            print(f"cohort phase {phase + 1}/{phases}: {accepted} accepted", flush=True)  # noqa: T201
    rejected = [f"line {b.line}: {b.reason}" for b in bad] + rejected
    accept_rate = accepted / t_accept
    settle_rate = accepted / t_settle
    raw_rate = raw_count / t_raw
    ratio = accept_rate / raw_rate
    section.targets.append(
        Target("cohort rate / raw start rate", ">= 0.9", f"{ratio:.2f}", ratio >= 0.9)
    )
    section.say(
        f"- CSV rows: {len(rows) + len(bad)} ({count} synthetic inmates and 7 bad rows); "
        f"accepted {accepted}, already enrolled {already}, rejected {len(rejected)}"
    )
    section.say(
        f"- cohort, answered by the API: **{accept_rate:.0f} enrolments/s** "
        f"({t_accept:.1f} s in {phases} phases; chunks of {CHUNK}, {CHUNKS_IN_FLIGHT} "
        f"chunks in flight, {START_CONCURRENCY} starts in flight per chunk)"
    )
    section.say(
        f"- cohort, settled (read model row and placement task written): "
        f"**{settle_rate:.0f} enrolments/s** ({t_settle:.1f} s)"
    )
    section.say(
        f"- raw `start_workflow` of an idle workflow, {in_flight} in flight: "
        f"**{raw_rate:.0f} starts/s** ({raw_count} starts, {t_raw:.1f} s)"
    )
    section.say("- rejected rows and their reasons:")
    section.lines += [f"  - {r}" for r in rejected]
    return section
