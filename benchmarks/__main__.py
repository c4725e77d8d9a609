"""`python -m benchmarks` (or `make bench`): bring up the embedded stack in `.bench/`, run
every benchmark, write each section to `benchmarks/results/` and assemble
`benchmarks/RESULTS.md`.

    python -m benchmarks                      # the issue's sizes
    python -m benchmarks --scale 2000 --cohort 1000 --throughput-seconds 30   # a quick run
    python -m benchmarks --only scale --scale 100000
    python -m benchmarks --only scale --scale-minutes 50             # the first 50 minutes
    python -m benchmarks --only scale --scale-minutes 50 --keep-state  # and on from there

The audit-chain benchmark (`benchmarks/audit_chain.py`, `async def run(database_url: str)`)
runs last on the same Postgres and writes `results/audit-chain.md` itself.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg

from benchmarks import cohort, floor, journeys, latency, permits, scale, throughput
from benchmarks.measure import machine, versions
from benchmarks.report import Section, assemble
from benchmarks.stack import Bench, bench_stack
from config.settings import Settings
from workers.workflow_runner import describe

ALL = ("throughput", "latency", "cohort", "permits", "journeys", "scale", "read-side")
CHOICES = (*ALL, "audit-chain")

# Synthetic inmate numbers by benchmark, so no two touch the same inmate.
FIRST_INMATE = {
    "throughput": 0,
    "latency": 20_000,
    "cohort": 30_000,
    "journeys": 45_000,
    "scale": 50_000,
}
SYNTHETIC = 400_000


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", choices=CHOICES, action="append", help="run only these (repeat)")
    parser.add_argument("--throughput-seconds", type=float, default=180.0)
    parser.add_argument(
        "--throughput-lanes", type=int, default=8, help="cases in flight per kind (real and floor)"
    )
    parser.add_argument(
        "--latency-decisions",
        type=int,
        default=500,
        help="counted decisions per concurrency level and kind (after each reviewer's warm-up)",
    )
    parser.add_argument(
        "--latency-levels",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        default=latency.LEVELS,
        help="concurrent reviewers, comma-separated (default 1,10,50)",
    )
    parser.add_argument("--cohort", type=int, default=10_000, help="rows in the cohort CSV")
    parser.add_argument(
        "--cohort-phases", type=int, default=5, help="sent in this many parts, each settled first"
    )
    parser.add_argument(
        "--permits", type=int, default=20, help="TKA permits driven from submission to close"
    )
    parser.add_argument("--permit-lanes", type=int, default=4, help="permits in flight")
    parser.add_argument(
        "--journeys", type=int, default=8, help="inmates certified, released and handed over"
    )
    parser.add_argument("--scale", type=int, default=100_000, help="open enrolments to reach")
    parser.add_argument(
        "--scale-chunks",
        type=int,
        default=4,
        help="cohort chunks of 100 rows in flight during the scale load (fewer on a busy machine)",
    )
    parser.add_argument(
        "--scale-minutes",
        type=float,
        default=None,
        help="load for at most this long in this run, then measure at the count reached "
        "(with --keep-state a later run resumes from .bench/scale-checkpoint.json)",
    )
    parser.add_argument(
        "--read-side",
        type=int,
        default=100_000,
        help="then top the read model up to this many open cases (copies) and measure again",
    )
    parser.add_argument(
        "--inmate-offset",
        type=int,
        default=0,
        help="start the synthetic inmates this far on (with --keep-state: new inmates)",
    )
    parser.add_argument(
        "--keep-state",
        action="store_true",
        help="reuse .bench/ from the last run (e.g. measure again without reloading)",
    )
    parser.add_argument(
        "--assemble-only",
        action="store_true",
        help="only rebuild RESULTS.md from results/ and NOTES.md",
    )
    return parser.parse_args(argv)


_RUN_ENVIRONMENT = (
    "SINERGI_ANSWER_WAIT_SECONDS",
    "SINERGI_BENCH_PORT_OFFSET",
    floor.SANDBOX_VARIABLE,
)


def _header(args: argparse.Namespace, postgres: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    facts = {**machine(), **versions(postgres)}
    lines = [f"_Run {when}; `python -m benchmarks {' '.join(sys.argv[1:])}`._", ""]
    lines += [f"- {k}: {v}" for k, v in facts.items()]
    # The stack's processes inherit this environment: the worker reads the same setting.
    runner = describe(Settings().workflow_sandbox)
    cached = Settings().worker_cached_workflows
    floor_runner = (
        f"without a sandbox ({floor.SANDBOX_VARIABLE}=off: UnsandboxedWorkflowRunner)"
        if floor.unsandboxed()
        else "in the SDK's own sandbox"
    )
    lines += [
        "- settings: worker `python -m workers.main` with the SDK's default Worker settings "
        f"(100 concurrent workflow tasks and 100 activities) but a sticky cache of {cached:,} "
        "workflows (SINERGI_WORKER_CACHED_WORKFLOWS; the SDK's default 1,000) "
        f"running workflows with {runner}; the floor's worker "
        f"{floor_runner} (benchmarks/floor.py), "
        "API `python -m api.main` (one uvicorn process), asyncpg pools of 1-10 connections "
        "(db/connect.py), "
        "Temporal dev server file-backed (SQLite, WAL, synchronous=normal), embedded Postgres",
        "- conditions: a shared machine; other sessions were running test suites at the same "
        "time, so absolute figures are noisy; each ratio compares two things measured "
        "interleaved in the same run",
    ]
    # Settings a run was given through the environment (e.g. a longer answer wait on a
    # loaded machine, the second stack's ports).
    given = [f"{k}={os.environ[k]}" for k in _RUN_ENVIRONMENT if k in os.environ]
    if given:
        lines.append(f"- environment: {', '.join(given)}")
    return "\n".join(lines) + "\n"


async def _main(args: argparse.Namespace) -> int:
    chosen = args.only or list(ALL)
    async with bench_stack(SYNTHETIC, fresh=not args.keep_state) as bench:
        pool = await asyncpg.create_pool(bench.info.database_url, min_size=1, max_size=4)
        try:
            postgres = await pool.fetchval("SHOW server_version")
            header = _header(args, postgres)
            first = {name: n + args.inmate_offset for name, n in FIRST_INMATE.items()}
            runs: dict[str, Callable[[], Awaitable[Section]]] = {
                "throughput": lambda: throughput.run(
                    bench,
                    first["throughput"],
                    args.throughput_seconds,
                    args.throughput_lanes,
                ),
                "latency": lambda: latency.run(
                    bench, first["latency"], args.latency_decisions, args.latency_levels
                ),
                "cohort": lambda: cohort.run(
                    bench, pool, first["cohort"], args.cohort, args.cohort_phases
                ),
                "permits": lambda: permits.run(bench, pool, args.permits, args.permit_lanes),
                "journeys": lambda: journeys.run(
                    bench, pool, first["journeys"], args.journeys, args.permit_lanes
                ),
                "scale": lambda: scale.run(
                    bench, pool, first["scale"], args.scale, args.scale_minutes, args.scale_chunks
                ),
                "read-side": lambda: scale.read_side(bench, pool, args.read_side),
            }
            for name in ALL:
                if name in chosen:
                    print(f"== {name}", flush=True)  # noqa: T201
                    section = await runs[name]()
                    print(section.markdown(), flush=True)  # noqa: T201
                    section.save(header)
            if args.only is None or "audit-chain" in args.only:
                await _audit_chain(bench)
        finally:
            await pool.close()
    print(f"wrote {assemble(_preamble())}", flush=True)  # noqa: T201
    return 0


async def _audit_chain(bench: Bench) -> None:
    """benchmarks/audit_chain.py (its own module): it writes results/audit-chain.md itself,
    on a scratch database of the same Postgres."""
    try:
        module = importlib.import_module("benchmarks.audit_chain")
    except ModuleNotFoundError:
        return
    print("== audit chain", flush=True)  # noqa: T201
    markdown = await module.run(bench.info.database_url)
    module.RESULTS.parent.mkdir(parents=True, exist_ok=True)
    module.RESULTS.write_text(markdown)


def _preamble() -> str:
    return """# Benchmark results

Written by `python -m benchmarks` (`make bench`); each section below comes from
`benchmarks/results/<name>.md` and names the run, machine, versions and settings it came
from. Targets are the ones of issues 7 and 18; a **miss** is reported as measured; what was
profiled, fixed and left is in the notes at the end (`benchmarks/NOTES.md`).

Issue 18 (lighter cases): throughput (with each case's history counted by event type and the
worker's CPU per case), decision latency and the cohort were rerun on 2026-12-02 after the
change, and the "Before issue 18" sections were measured the same day on `main` before it.
TKA permits and an inmate's whole journey were measured through the product for the first
time the same evening ("TKA permits", "An inmate's journey"), and the capacity model for
270,000 inmates and 100,000 TKA applications a year is computed from them ("Capacity model",
`python -m benchmarks.capacity`, every input named with its source). The decision latency
section was measured again that evening, with 500 samples a level, after the API's side of a
decision was profiled and cut (notes: "decision latency, the API's side"). On 2026-12-03 08:31
UTC throughput, decision latency and a 10,000-row cohort were run again, in one run on the
merged `main` (stage write, cohort outbox, workers without the sandbox) with the machine
otherwise idle (load 1 at its start; notes: "the merged main measured again").

The committed figures come from several runs on a shared 2-CPU machine (each section's
first line names its run; load averages of 7-28 during 2026-12-02's evening runs, 1-6 in
2026-12-03's). The 10,000-row cohort settled within 10 minutes in one of three runs of
the same code (8.1 min, committed; 10.7 and 11.8 before): a row needs about 80 ms of CPU
across the dev server, the worker and Postgres, and the rate follows what the shared machine
gives (notes: "where a cohort row's settling time goes"). 100,000 real open enrolments were
loaded through the cohort endpoint ("Scale", two runs of a resumable load, 113.6 min at 14.7
rows/s) and measured there; memory, CPU and disk are sampled every 1,000 rows. The read side
(case list, inbox, workspace inbox page) was also measured at 100,000 open cases with the
read model topped up by copies ("Scale, read side"); issue 7's 13,000-case run is kept beside
it. The worker's CPU per certified enrolment (0.32 in the committed run) was compared on
2026-12-03 evening with the floor's worker run without a sandbox: the SDK alone costs
0.19-0.22 CPU-s for this shape with no-op bodies, against the 0.255 that halving asks
(notes: "the worker's CPU against the SDK alone"). See the notes.
"""


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING)
    args = _args(argv)
    if args.assemble_only:
        print(f"wrote {assemble(_preamble())}")  # noqa: T201
        return
    sys.exit(asyncio.run(_main(args)))


if __name__ == "__main__":
    main()
