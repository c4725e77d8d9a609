"""Cohort start: a CSV of synthetic inmates through `POST /cohorts/enrolments` (the CLI's
own sender, one cohort), against raw workflow starts, interleaved in phases.

Per phase: a slice of the cohort, timed until the API has answered every row ("accepted",
which now means the row is durably queued in Postgres: checked, then claimed with its sealed
request in one transaction per batch, no call to Temporal on the way); then until the read
model holds every accepted enrolment with its placement-review task ("settled": the cohort
dispatcher in the worker process, woken by each batch's commit, hands the rows to their
journeys with signal-with-start while the API is still answering, and the journeys start the
children); then as many raw `start_workflow` calls of an idle floor workflow (a case that
waits on a person and does nothing else), `RAW_IN_FLIGHT` in flight. The settle time is the
sum of the phases' times from their first row sent to their last row settled; the cohort's
status (`GET /cohorts/{id}`'s counts) is read at the end.

The API answers while the dispatcher and the workers settle earlier rows on the same machine;
the raw starts run alone once a phase has settled: the ratio is of the cohort under its own
load against Temporal at rest.

The other reference, same count and concurrency: signal-with-start of the idle floor workflow
(what the dispatcher sends per row: the floor of the hand-over, no longer of the answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx

from benchmarks.floor import (
    TASK_QUEUE,
    FloorIdle,
)
from benchmarks.measure import percentile
from benchmarks.report import Section, Target
from benchmarks.stack import STATE_DIR, UPT, Bench
from cli.cohort import CohortRow, read_cohort, send_cohort
from db import cohort_rows
from domain.identity import Role
from registries.sdp_seed import synthetic_sdp_no

CHUNK = 100
CHUNKS_IN_FLIGHT = 4
# Raw starts in flight: the cohort path's former 4 chunks x 32 signals, kept so that the raw
# rate compares with the earlier runs'.
RAW_IN_FLIGHT = 128


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
    pool: asyncpg.Pool,
    before: tuple[int, int],
    added: int,
    within: float = 3600,
    also: Callable[[], int] = lambda: 0,
) -> None:
    """Until `added` (and `also()`, read at each look: enrolments being added meanwhile) more
    open enrolments than `before` have their row and their open placement-review task."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        cases, tasks = await open_counts(pool)
        more = added + also()
        if cases >= before[0] + more and tasks >= before[1] + more:
            return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"the read model did not reach {added} more open enrolments")


async def raw_starts(
    bench: Bench, tag: str, count: int, in_flight: int, *, with_signal: bool = False
) -> float:
    """`count` starts of an idle workflow; `with_signal`: signal-with-start, the request
    carried by the start (one write, no worker waited on)."""
    gate = asyncio.Semaphore(in_flight)

    async def one(n: int) -> None:
        async with gate:
            await bench.temporal.start_workflow(
                FloorIdle.run,
                n,
                id=f"floor-idle-{tag}-{n}",
                task_queue=TASK_QUEUE,
                start_signal="request" if with_signal else None,
                start_signal_args=[n] if with_signal else [],
            )

    began = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    return time.perf_counter() - began


PROBE_EVERY_SECONDS = 3.0


class Probe:
    """One caseworker enrolling one more inmate now and then while a cohort settles: how long
    a single `POST /enrolments` takes with the cohort's rows ahead of it (each answer's
    seconds and status; 202: not final within the API's answer wait)."""

    def __init__(self, http: httpx.AsyncClient, first_inmate: int) -> None:
        self.http = http
        self.next_inmate = first_inmate
        self.answers: list[tuple[float, int]] = []
        self.started = 0
        self.refused = 0

    def expected(self) -> int:
        """Enrolments it started that will be open (every one but those refused)."""
        return self.started - self.refused

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            body = {
                "inmate_sdp_no": synthetic_sdp_no(self.next_inmate),
                "programme_code": "BARISTA",
                "reason": "one more, while the cohort settles",
            }
            self.next_inmate += 1
            began = time.perf_counter()
            self.started += 1
            response = await self.http.post("/enrolments", json=body)
            self.answers.append((time.perf_counter() - began, response.status_code))
            if response.status_code >= 400:
                self.refused += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PROBE_EVERY_SECONDS)

    def summary(self) -> str:
        if not self.answers:
            return "no single enrolment was sent"
        seconds = sorted(t for t, _ in self.answers)
        statuses = Counter(str(code) for _, code in self.answers)
        return (
            f"{len(seconds)} sent, p50 {percentile(seconds, 50):.1f} s, "
            f"max {seconds[-1]:.1f} s, answers {dict(sorted(statuses.items()))}"
        )


async def run(bench: Bench, pool: asyncpg.Pool, first: int, count: int, phases: int = 5) -> Section:
    section = Section("cohort-start", "Cohort start: 10,000 inmates from a CSV vs raw starts")
    path = write_cohort_csv(STATE_DIR / "cohort.csv", first, count)
    rows, bad = read_cohort(path)
    in_flight = RAW_IN_FLIGHT
    before = await open_counts(pool)
    accepted = already = 0
    rejected: list[str] = []
    t_accept = t_settle = t_raw = t_signalled = 0.0
    raw_count = 0
    phase_rates: list[float] = []  # each phase's rows settled per second, in order
    cohort_id = f"BENCH-COHORT-{first}-{int(time.time())}"
    size = -(-len(rows) // phases)
    async with (
        bench.http(Role.CASEWORKER, upt=UPT) as http,
        bench.http(Role.CASEWORKER, upt=UPT) as single,
    ):
        probe = Probe(single, first + count + 100)
        for phase in range(phases):
            part: list[CohortRow] = rows[phase * size : (phase + 1) * size]
            began = time.perf_counter()
            report = await send_cohort(
                http, part, chunk_size=CHUNK, concurrency=CHUNKS_IN_FLIGHT, cohort_id=cohort_id
            )
            answered = time.perf_counter()
            accepted += report.accepted
            already += report.already_enrolled
            rejected += [f"line {r.line}: {r.reason}" for r in report.rejected]
            stop = asyncio.Event()
            probing = asyncio.create_task(probe.run(stop))
            await settle(pool, before, accepted, also=probe.expected)
            stop.set()
            await probing
            t_accept += answered - began
            t_settle += time.perf_counter() - began
            phase_rates.append(report.accepted / (time.perf_counter() - began))
            starts = report.accepted
            tag = f"{first}-{phase}"
            t_raw += await raw_starts(bench, tag, starts, in_flight)
            t_signalled += await raw_starts(bench, f"{tag}-s", starts, in_flight, with_signal=True)
            raw_count += starts
            print(f"cohort phase {phase + 1}/{phases}: {accepted} accepted", flush=True)  # noqa: T201
    status = await cohort_rows.counts(pool, cohort_id)
    rejected = [f"line {b.line}: {b.reason}" for b in bad] + rejected
    accept_rate = accepted / t_accept
    settle_rate = accepted / t_settle
    raw_rate = raw_count / t_raw
    ratio = accept_rate / raw_rate
    signalled_rate = raw_count / t_signalled
    section.targets.append(
        Target("cohort rate / raw start rate", ">= 0.9", f"{ratio:.2f}", ratio >= 0.9)
    )
    at_10k = 10_000 / settle_rate
    section.targets.append(
        Target(
            "10,000 rows settled (row and placement task written)",
            "<= 10 min",
            f"{at_10k / 60:.1f} min" + ("" if count >= 10_000 else f" (at {settle_rate:.1f}/s)"),
            at_10k <= 600,
        )
    )
    section.say(
        f"- CSV rows: {len(rows) + len(bad)} ({count} synthetic inmates and 7 bad rows); "
        f"accepted {accepted}, already enrolled {already}, rejected {len(rejected)}"
    )
    section.say(
        f"- cohort, answered by the API: **{accept_rate:.0f} enrolments/s** "
        f"({t_accept:.1f} s in {phases} phases; chunks of {CHUNK}, {CHUNKS_IN_FLIGHT} "
        f"chunks in flight; accepted = durably queued in Postgres)"
    )
    section.say(
        f"- cohort, settled (read model row and placement task written): "
        f"**{settle_rate:.1f} enrolments/s**; settle time, all rows settled: "
        f"**{t_settle:.1f} s** for {accepted} rows (summed over the phases, from each "
        f"phase's first row sent to its last row settled); by phase, in order: "
        + ", ".join(f"{r:.1f}" for r in phase_rates)
        + " rows/s (the raw starts between phases leave their workflows on the dev server)"
    )
    section.say(
        f"- the cohort's status at the end (`GET /cohorts/{{id}}`): {status.total} rows, "
        f"{status.accepted} accepted, {status.settled} settled, {status.settling} settling "
        f"({status.queued} not yet handed to the journey), "
        f"{status.refused_later} refused later, {status.already_enrolled} already enrolled, "
        f"{status.rejected} rejected (rows naming an inmate and a programme)"
    )
    section.say(
        f"- raw `start_workflow` of an idle workflow, {in_flight} in flight: "
        f"**{raw_rate:.0f} starts/s** ({raw_count} starts, {t_raw:.1f} s)"
    )
    section.say(
        f"- signal-with-start of the same idle workflow (a request carried by the start, "
        f"what the dispatcher sends per row): **{signalled_rate:.0f} starts/s** "
        f"({t_signalled:.1f} s; / raw "
        f"start {signalled_rate / raw_rate:.2f}; cohort / this floor "
        f"{accept_rate / signalled_rate:.2f})"
    )
    section.say(
        f"- a single enrolment (`POST /enrolments`) every {PROBE_EVERY_SECONDS:.0f} s while "
        f"the phases settled, behind the cohort's rows: {probe.summary()} (dispatch window "
        f"{bench.settings.cohort_dispatch_window} rows)"
    )
    section.say("- rejected rows and their reasons:")
    section.lines += [f"  - {r}" for r in rejected]
    return section
