"""Scale: open enrolments waiting on people (placement review), loaded through the cohort
endpoint up to the target; worker and dev-server memory during and after; case-list and
inbox p95 over HTTP with that many cases and tasks."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import psutil

from benchmarks.cohort import CHUNK, CHUNKS_IN_FLIGHT, open_counts, settle
from benchmarks.history import count
from benchmarks.measure import (
    MemoryPeaks,
    cpu_seconds,
    ms,
    percentile,
    rss_with_children,
    sample_memory,
)
from benchmarks.report import Section, Target
from benchmarks.stack import STATE_DIR, UPT, Bench, state_size
from cli.cohort import CohortRow, send_cohort
from db.inbox import Grant, InboxQuery, inbox_sql
from domain.identity import Role, Scope
from domain.journey import journey_workflow_id
from registries.sdp_seed import synthetic_sdp_no

REQUESTS = 200
GiB = 2**30

CASE_LIST = f"/enrolments?upt={UPT}&stage=placement_review"
LIST_SQL = """EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT e.enrolment_id FROM enrolments e LEFT JOIN certificates c USING (enrolment_id)
 WHERE e.upt_code = $1 AND e.stage = $2 ORDER BY e.requested_at DESC, e.enrolment_id
 LIMIT 50 OFFSET 0"""


def inbox_plan_sql() -> list[Any]:
    """db/inbox.list_inbox's own query for a TPP member of UPT, first page, under EXPLAIN,
    then its arguments."""
    tpp = Grant(role=Role.TPP_MEMBER, scope=Scope(upt=UPT))
    built = inbox_sql(InboxQuery(subject="tpp-bench", grants=(tpp,)))
    assert built is not None
    sql, args = built
    return [f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", *args]


async def timed_gets(http: httpx.AsyncClient, url: str, n: int) -> list[float]:
    took = []
    for _ in range(n):
        began = time.perf_counter()
        response = await http.get(url)
        took.append(time.perf_counter() - began)
        response.raise_for_status()
    return took


# Copies of the open cases of the UPT and their open tasks, under new ids, in the read model
# only (no workflow behind them): what the case list and the inbox read at a size the
# workflows could not be loaded to in the time.
_SYNTH_CASES = """
INSERT INTO enrolments
SELECT (jsonb_populate_record(NULL::enrolments, to_jsonb(e) || jsonb_build_object(
          'enrolment_id', 'SYN' || g || '-' || e.enrolment_id,
          'workflow_id', 'synthetic-' || g || '-' || e.workflow_id,
          'inmate_sdp_no', 'SYN' || g || '-' || e.inmate_sdp_no,
          'requested_at', e.requested_at - make_interval(secs => g)))).*
  FROM enrolments e CROSS JOIN generate_series(1, $2::int) g
 WHERE e.upt_code = $1 AND e.outcome IS NULL AND e.enrolment_id NOT LIKE 'SYN%'
 LIMIT $3"""
_SYNTH_TASKS = """
INSERT INTO tasks
SELECT (jsonb_populate_record(NULL::tasks, to_jsonb(t) || jsonb_build_object(
          'task_id', 'SYN' || g || '-' || t.task_id,
          'case_id', 'SYN' || g || '-' || t.case_id,
          'workflow_id', 'synthetic-' || g || '-' || t.workflow_id))).*
  FROM tasks t CROSS JOIN generate_series(1, $2::int) g
 WHERE t.scope_upt = $1 AND t.state = 'open' AND t.task_id NOT LIKE 'SYN%'
 LIMIT $3"""


async def read_side(bench: Bench, pool: asyncpg.Pool, target: int) -> Section:
    """Case list and inbox p95 with the read model topped up to `target` open cases."""
    section = Section(
        "scale-read-side", f"Scale, read side: {target:,} open cases in the read model"
    )
    cases = await pool.fetchval(
        "SELECT count(*) FROM enrolments WHERE upt_code = $1 AND outcome IS NULL", UPT
    )
    tasks = await pool.fetchval(
        "SELECT count(*) FROM tasks WHERE scope_upt = $1 AND state = 'open'", UPT
    )
    real_cases = await pool.fetchval(
        "SELECT count(*) FROM enrolments WHERE upt_code = $1 AND outcome IS NULL "
        "AND enrolment_id NOT LIKE 'SYN%'",
        UPT,
    )
    if not real_cases:
        section.say(f"- nothing to copy: no open case of {UPT}")
        return section
    if cases < target:  # topped up once; a later run measures what is there
        times = -(-target // real_cases)
        await pool.execute(_SYNTH_CASES, UPT, times, target - cases)
        await pool.execute(_SYNTH_TASKS, UPT, times, target - tasks)
        await pool.execute("ANALYZE enrolments; ANALYZE tasks")
        cases = await pool.fetchval(
            "SELECT count(*) FROM enrolments WHERE upt_code = $1 AND outcome IS NULL", UPT
        )
        tasks = await pool.fetchval(
            "SELECT count(*) FROM tasks WHERE scope_upt = $1 AND state = 'open'", UPT
        )
    async with bench.http(Role.TPP_MEMBER, upt=UPT) as tpp:
        await timed_gets(tpp, CASE_LIST, 5)
        case_list = await timed_gets(tpp, CASE_LIST, REQUESTS)
        await timed_gets(tpp, "/inbox", 5)
        inbox = await timed_gets(tpp, "/inbox", REQUESTS)
    page = (await workspace_inbox(bench, REQUESTS + 5))[5:]
    list_p95, inbox_p95 = percentile(case_list, 95), percentile(inbox, 95)
    page_p95 = percentile(page, 95)
    section.targets += [
        Target("case list by UPT and stage, p95", "< 200 ms", f"{list_p95 * 1000:.1f} ms",
               list_p95 < 0.2),
        Target("inbox, p95", "< 200 ms", f"{inbox_p95 * 1000:.1f} ms", inbox_p95 < 0.2),
        Target("workspace inbox page (/tugas), p95", "< 200 ms", ms(page_p95), page_p95 < 0.2),
    ]  # fmt: skip
    section.lines += [
        f"The read model of {UPT} topped up to {cases:,} open cases and {tasks:,} open tasks "
        f"with copies of its {real_cases:,} real open cases and their tasks (new ids, no "
        "workflow behind them), then the same requests as in the scale section:",
        f"- case list p50 {percentile(case_list, 50) * 1000:.1f} ms, p95 "
        f"{percentile(case_list, 95) * 1000:.1f} ms; inbox p50 "
        f"{percentile(inbox, 50) * 1000:.1f} ms, p95 {percentile(inbox, 95) * 1000:.1f} ms; "
        f"workspace inbox page `/tugas` (signed in as {WORKSPACE_PERSONA}) p50 "
        f"{ms(percentile(page, 50))}, p95 {ms(page_p95)}",
        "",
        "Inbox plan at that size:",
        "```",
        *[r[0] for r in await pool.fetch(*inbox_plan_sql())],
        "```",
        "",
        "Case-list plan at that size, with V8's index (as served):",
        "```",
        *[r[0] for r in await pool.fetch(LIST_SQL, UPT, "placement_review")],
        "```",
        "and without it (dropped inside a transaction that is rolled back):",
        "```",
        *await _plan_without_v8(pool),
        "```",
    ]
    return section


async def _plan_without_v8(pool: asyncpg.Pool) -> list[str]:
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            await conn.execute("DROP INDEX enrolments_list_by_upt_stage")
            return [r[0] for r in await conn.fetch(LIST_SQL, UPT, "placement_review")]
        finally:
            await transaction.rollback()


# --------------------------------------------------------------------- the load, resumable

CHECKPOINT = STATE_DIR / "scale-checkpoint.json"
# Open enrolments with a workflow behind them (not the read side's copies, "SYN..." ids).
REAL_OPEN = "SELECT count(*) FROM enrolments WHERE outcome IS NULL AND enrolment_id NOT LIKE 'SYN%'"
STEP = 1000  # rows sent between two checkpoints
WORKSPACE_PERSONA = "budi"  # the dev directory's TPP member of UPT
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Checkpoint:
    """What the load has done so far, kept in the state folder beside the state it made:
    a later run (`--keep-state`) sends the next inmates and adds to the same growth table."""

    first: int
    next_row: int = 0  # inmates first .. first + next_row - 1 were sent
    load_seconds: float = 0.0  # sending and settling, summed over the runs
    refused: int = 0  # rows the API refused twice (counted, not fatal)
    runs: list[dict[str, Any]] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, first: int) -> Checkpoint:
        if CHECKPOINT.exists():
            return cls(**json.loads(CHECKPOINT.read_text(encoding="utf-8")))
        return cls(first=first)

    def save(self) -> None:
        temporary = CHECKPOINT.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        temporary.replace(CHECKPOINT)  # whole or not at all, if the run is killed


def _postgres_process() -> psutil.Process | None:
    """The embedded postmaster (its first line of postmaster.pid); with its backends."""
    pid_file = STATE_DIR / "postgres" / "postmaster.pid"
    with contextlib.suppress(OSError, ValueError, psutil.Error):
        return psutil.Process(int(pid_file.read_text().split()[0]))
    return None


def _disk() -> dict[str, int]:
    """Bytes on disk: the dev server's SQLite files, the Postgres data folder."""
    temporal = sum(f.stat().st_size for f in STATE_DIR.glob("temporal.db*") if f.is_file())
    return {"temporal_db_disk": temporal, "postgres_disk": state_size(STATE_DIR / "postgres")}


async def _sample(
    pool: asyncpg.Pool, processes: dict[str, psutil.Process | None], seconds: float
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "at": datetime.now(UTC).strftime("%H:%M:%S"),
        "open": await pool.fetchval(REAL_OPEN),
        "load_seconds": round(seconds, 1),
        "loadavg": round(os.getloadavg()[0], 1),
    }
    for name, process in processes.items():
        rss = None
        if process is not None:
            with contextlib.suppress(psutil.Error):
                rss = rss_with_children(process)
        row[f"{name}_mib"] = None if rss is None else round(rss / 2**20)
        row[f"{name}_cpu_s"] = round(cpu_seconds(process), 1)
    row.update({f"{k}_mib": round(v / 2**20) for k, v in _disk().items()})
    return row


async def _send(
    http: httpx.AsyncClient, rows: list[CohortRow], in_flight: int
) -> tuple[int, int, int]:
    """Send rows; those refused (e.g. "send this row again" when the workers were behind)
    are sent once more. Rows accepted, rows already enrolled, rows refused twice."""
    report = await send_cohort(http, rows, chunk_size=CHUNK, concurrency=in_flight)
    accepted, already = report.accepted, report.already_enrolled
    if not report.rejected:
        return accepted, already, 0
    again = {r.inmate_sdp_no for r in report.rejected}
    retry = await send_cohort(
        http, [r for r in rows if r.inmate_sdp_no in again], chunk_size=CHUNK, concurrency=in_flight
    )
    for r in retry.rejected[:3]:
        print(f"scale: refused twice: line {r.line}: {r.reason}", flush=True)  # noqa: T201
    return accepted + retry.accepted, already + retry.already_enrolled, len(retry.rejected)


async def workspace_inbox(bench: Bench, n: int) -> list[float]:
    """The workspace's inbox page (`/tugas`, first page) as the TPP member signed in by the
    dev persona form, `n` times one after another."""
    async with httpx.AsyncClient(base_url=bench.info.api_url, timeout=120) as client:
        page = await client.get("/masuk")
        found = CSRF.search(page.text)
        if found is None:
            raise RuntimeError("no sign-in form at /masuk")
        signed = await client.post(
            "/masuk/sebagai",
            data={"csrf_token": found.group(1), "subject": WORKSPACE_PERSONA, "next": ""},
        )
        if signed.status_code != 303:
            raise RuntimeError(f"sign-in as {WORKSPACE_PERSONA}: {signed.status_code}")
        return await timed_gets(client, "/tugas", n)


async def run(
    bench: Bench,
    pool: asyncpg.Pool,
    first: int,
    target: int,
    minutes: float | None = None,
    in_flight: int = CHUNKS_IN_FLIGHT,
) -> Section:
    """Load open enrolments through the cohort endpoint towards `target` (for at most
    `minutes` in this run; resumed from the checkpoint), then measure at the count reached."""
    checkpoint = Checkpoint.load(first)
    processes = {
        "worker": bench.process("worker"),
        "temporal": bench.process("temporal"),
        "api": bench.process("api"),
        "postgres": _postgres_process(),
    }
    open_at_start = await pool.fetchval(REAL_OPEN)
    deadline = None if minutes is None else time.monotonic() + minutes * 60
    run_began = time.perf_counter()
    sent_now = refused_now = 0
    open_now = open_at_start
    async with sample_memory({k: v for k, v in processes.items() if k != "postgres"}) as memory:
        if not checkpoint.samples:
            checkpoint.samples.append(await _sample(pool, processes, 0.0))
        async with bench.http(Role.CASEWORKER, upt=UPT) as http:
            while open_now < target and (deadline is None or time.monotonic() < deadline):
                size = min(STEP, target - open_now)
                base = checkpoint.first + checkpoint.next_row
                rows = [
                    CohortRow(i + 2, synthetic_sdp_no(base + i), "BARISTA", "scale benchmark")
                    for i in range(size)
                ]
                began = time.perf_counter()
                before = await open_counts(pool)
                accepted, already, refused = await _send(http, rows, in_flight)
                done = accepted + already
                # An accepted row is queued: settled once the read model holds it open with
                # its placement-review task (the cohort dispatcher and the journeys at work).
                await settle(pool, before, accepted, within=900)
                step_seconds = time.perf_counter() - began
                checkpoint.next_row += size
                checkpoint.load_seconds += step_seconds
                checkpoint.refused += refused
                sent_now += done
                refused_now += refused
                sample = await _sample(pool, processes, checkpoint.load_seconds)
                # What the read model counts: rows of a batch that answered an error may have
                # been started all the same.
                sample["step_rate"] = round((sample["open"] - open_now) / step_seconds, 2)
                sample["run"] = len(checkpoint.runs)  # CPU counters restart with each run
                checkpoint.samples.append(sample)
                checkpoint.save()
                open_now = sample["open"]
                print(f"scale: {json.dumps(sample)}", flush=True)  # noqa: T201
        run_seconds = time.perf_counter() - run_began
        checkpoint.runs.append(
            {
                "ended": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "open_before": open_at_start,
                "open_after": open_now,
                "accepted": sent_now,
                "added": open_now - open_at_start,
                "refused": refused_now,
                "minutes": round(run_seconds / 60, 1),
                "chunks_in_flight": in_flight,
                "loadavg_end": [round(x, 1) for x in os.getloadavg()],
            }
        )
        checkpoint.save()
        open_cases = await pool.fetchval(REAL_OPEN)
        open_tasks = await pool.fetchval("SELECT count(*) FROM tasks WHERE state = 'open'")
        async with bench.http(Role.TPP_MEMBER, upt=UPT) as tpp:
            await timed_gets(tpp, CASE_LIST, 5)  # warm
            case_list = await timed_gets(tpp, CASE_LIST, REQUESTS)
            await timed_gets(tpp, "/inbox", 5)
            inbox = await timed_gets(tpp, "/inbox", REQUESTS)
        page = await workspace_inbox(bench, REQUESTS + 5)
        page = page[5:]
    section = _scale_section(
        checkpoint, target, open_cases, open_tasks, memory, case_list, inbox, page,
        sent_now, run_seconds,
    )  # fmt: skip
    if checkpoint.next_row:
        last = synthetic_sdp_no(checkpoint.first + checkpoint.next_row - 1)
        section.say("")
        section.say("What one loaded row leaves in history, waiting for its placement review:")
        section.lines += await _row_histories(bench, pool, last)
    return section


async def _row_histories(bench: Bench, pool: asyncpg.Pool, sdp_no: str) -> list[str]:
    """The journey's and the enrolment's histories of one loaded inmate."""
    workflow_id = await pool.fetchval(
        "SELECT workflow_id FROM enrolments WHERE inmate_sdp_no = $1", sdp_no
    )
    lines = [f"- journey: {(await count(bench.temporal, journey_workflow_id(sdp_no))).describe()}"]
    if workflow_id is not None:
        lines.append(f"- enrolment: {(await count(bench.temporal, workflow_id)).describe()}")
    return lines


def _fit(samples: list[dict[str, Any]], key: str) -> tuple[float, float] | None:
    """Least-squares line of `key` (MiB) against open enrolments: (MiB at 0, MiB per case)."""
    points = [(s["open"], s[key]) for s in samples if s.get(key) is not None]
    if len(points) < 3:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return mean_y - slope * mean_x, slope


def cpu_per_row(samples: list[dict[str, Any]], key: str) -> float | None:
    """CPU-s per row between consecutive samples of one run (the counters restart with the
    processes of each run), summed over the load."""
    used = rows = 0.0
    for before, after in itertools.pairwise(samples):
        if "run" in after and before.get("run") == after["run"] and after["open"] > before["open"]:
            used += after[key] - before[key]
            rows += after["open"] - before["open"]
    return used / rows if rows else None


def _growth_table(samples: list[dict[str, Any]], rows: int = 12) -> list[str]:
    """Every k-th sample (and the last) as a table: count against memory and disk."""
    k = max(1, -(-len(samples) // rows))
    chosen = samples[::k] + ([samples[-1]] if (len(samples) - 1) % k else [])
    out = [
        "| open enrolments | at (UTC) | load, cumulative min | rows/s (last step) | "
        "worker RSS MiB | dev server RSS MiB | API RSS MiB | Postgres RSS MiB | "
        "temporal.db MiB | Postgres data MiB | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in chosen:
        out.append(
            f"| {s['open']:,} | {s['at']} | {s['load_seconds'] / 60:.1f} | "
            f"{s.get('step_rate', '')} | {s['worker_mib']} | {s['temporal_mib']} | "
            f"{s['api_mib']} | {s['postgres_mib']} | {s['temporal_db_disk_mib']} | "
            f"{s['postgres_disk_mib']} | "
            f"{s['loadavg']} |"
        )
    return out


def _scale_section(
    checkpoint: Checkpoint,
    target: int,
    open_cases: int,
    open_tasks: int,
    memory: MemoryPeaks,
    case_list: list[float],
    inbox: list[float],
    page: list[float],
    sent_now: int,
    run_seconds: float,
) -> Section:
    section = Section("scale", f"Scale: open enrolments waiting on people, towards {target:,}")
    list_p95, inbox_p95, page_p95 = (percentile(x, 95) for x in (case_list, inbox, page))
    # The peak over this run and every sample of the runs before (a resumed load's RSS).
    sampled = [s["worker_mib"] * 2**20 for s in checkpoint.samples if s.get("worker_mib")]
    worker_peak = max([memory.peak.get("worker", 0), *sampled])
    section.targets += [
        Target("open enrolments loaded through the product", f"{target:,}",
               f"{open_cases:,}", open_cases >= target),
        Target("worker RSS (peak over the load's runs)", "< 1 GiB",
               f"{worker_peak / 2**20:.0f} MiB", 0 < worker_peak < GiB),
        Target("case list by UPT and stage, p95", "< 200 ms", ms(list_p95), list_p95 < 0.2),
        Target("inbox (API), p95", "< 200 ms", ms(inbox_p95), inbox_p95 < 0.2),
        Target("workspace inbox page (/tugas), p95", "< 200 ms", ms(page_p95), page_p95 < 0.2),
    ]  # fmt: skip
    total_rate = checkpoint.next_row / max(checkpoint.load_seconds, 1e-9)
    section.say(
        f"- **measured at {open_cases:,} open enrolments** (open tasks {open_tasks:,}), every "
        "one a journey and an enrolment workflow on the dev server waiting for placement "
        "review, loaded through `POST /cohorts/enrolments` in "
        f"{len(checkpoint.runs)} run(s) resumed from `.bench/scale-checkpoint.json`: "
        f"{checkpoint.next_row:,} rows in {checkpoint.load_seconds / 60:.1f} min of loading "
        f"({total_rate:.1f} rows/s sent and settled, read model included); this run "
        f"{sent_now:,} answered accepted or already enrolled in {run_seconds / 60:.1f} min; "
        f"rows the API refused twice: {checkpoint.refused:,} (a row is queued in Postgres "
        "once checked and settles when the dispatcher has handed it to its journey; each step "
        f"of {STEP:,} rows is waited on until every accepted row is open in the read model "
        "with its task)"
    )
    for r in checkpoint.runs:
        section.say(
            f"  - run ended {r['ended']}: {r['open_before']:,} -> {r['open_after']:,} open "
            f"(+{r.get('added', r['open_after'] - r['open_before']):,} open; answered "
            f"accepted {r['accepted']:,}, error twice {r['refused']:,}; {r['minutes']} min, "
            f"{r.get('chunks_in_flight', CHUNKS_IN_FLIGHT)} chunks of {CHUNK} in flight; "
            f"load average at its end {r['loadavg_end']})"
        )
    section.say(
        f"- memory, peak during this run / at its end: worker {memory.mib('worker')} / "
        f"{memory.mib('worker', 'last')}; dev server {memory.mib('temporal')} / "
        f"{memory.mib('temporal', 'last')}; API {memory.mib('api')} / "
        f"{memory.mib('api', 'last')}"
    )
    section.say(
        f"- case list `GET {CASE_LIST}` (TPP of {UPT}, 50 per page), {REQUESTS} requests "
        f"one after another: p50 {ms(percentile(case_list, 50))}, p95 {ms(list_p95)}, "
        f"p99 {ms(percentile(case_list, 99))}"
    )
    section.say(
        f"- inbox `GET /inbox` (same TPP member): p50 {ms(percentile(inbox, 50))}, p95 "
        f"{ms(inbox_p95)}, p99 {ms(percentile(inbox, 99))}"
    )
    section.say(
        f"- workspace inbox page `GET /tugas` (first page, signed in as the dev persona "
        f"{WORKSPACE_PERSONA}, TPP member of {UPT}), {REQUESTS} requests: p50 "
        f"{ms(percentile(page, 50))}, p95 {ms(page_p95)}, p99 {ms(percentile(page, 99))}"
    )
    section.say("")
    section.say(
        "Growth with the count (a sample after every 1,000 rows settled; RSS with children):"
    )
    section.say("")
    section.lines += _growth_table(checkpoint.samples)
    section.say("")
    per_row = ", ".join(
        f"{name} {cpu:.3f}"
        for name in ("worker", "temporal", "api", "postgres")
        if (cpu := cpu_per_row(checkpoint.samples, f"{name}_cpu_s")) is not None
    )
    section.say(
        f"CPU-s per loaded row (the processes' counters, between samples of the same run): "
        f"{per_row or 'n/a'}"
    )
    section.say("")
    reached = open_cases >= target
    section.say(
        (
            f"Growth per open enrolment, measured up to {open_cases:,}"
            if reached
            else f"Extrapolated to {target:,} (**not measured**)"
        )
        + f": a least-squares line through the samples above from {STEP:,} open enrolments "
        "on, MiB against open enrolments:"
    )
    grown = [s for s in checkpoint.samples if s["open"] >= STEP]  # past the start-up
    for key, what in (
        ("temporal_db_disk_mib", "dev server's SQLite file (temporal.db + WAL)"),
        ("postgres_disk_mib", "Postgres data folder (WAL included)"),
        ("temporal_mib", "dev server RSS, if it kept growing linearly"),
    ):
        fit = _fit(grown, key)
        if fit is not None:
            at0, per = fit
            section.say(
                f"- {what}: {at0:.0f} MiB + {per * 1024:.1f} KiB per open enrolment -> "
                f"{at0 + per * target:,.0f} MiB at {target:,}"
                + (f" (measured at the end: {grown[-1][key]:,} MiB)" if reached else "")
            )
    worker = [s["worker_mib"] for s in grown if s.get("worker_mib") is not None]
    if worker:
        section.say(
            f"- worker RSS: not a line: {min(worker)}-{max(worker)} MiB over "
            f"{grown[0]['open']:,}-{grown[-1]['open']:,} open enrolments, bounded by the "
            "sticky cache (1,000 workflows); nothing in it grows with the open count"
        )
    return section
