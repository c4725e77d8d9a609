"""Scale: open enrolments waiting on people (placement review), loaded through the cohort
endpoint up to the target; worker and dev-server memory during and after; case-list and
inbox p95 over HTTP with that many cases and tasks."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import httpx

from benchmarks.cohort import CHUNK, CHUNKS_IN_FLIGHT, open_counts, settle
from benchmarks.measure import percentile, sample_memory
from benchmarks.report import Section, Target
from benchmarks.stack import UPT, Bench, state_size
from cli.cohort import CohortRow, send_cohort
from db.inbox import Grant, InboxQuery, inbox_sql
from domain.identity import Role, Scope
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
    list_p95, inbox_p95 = percentile(case_list, 95), percentile(inbox, 95)
    section.targets += [
        Target("case list by UPT and stage, p95", "< 200 ms", f"{list_p95 * 1000:.1f} ms",
               list_p95 < 0.2),
        Target("inbox, p95", "< 200 ms", f"{inbox_p95 * 1000:.1f} ms", inbox_p95 < 0.2),
    ]  # fmt: skip
    section.lines += [
        f"The read model of {UPT} topped up to {cases:,} open cases and {tasks:,} open tasks "
        f"with copies of its {real_cases:,} real open cases and their tasks (new ids, no "
        "workflow behind them), then the same requests as in the scale section:",
        f"- case list p50 {percentile(case_list, 50) * 1000:.1f} ms, p95 "
        f"{percentile(case_list, 95) * 1000:.1f} ms; inbox p50 "
        f"{percentile(inbox, 50) * 1000:.1f} ms, p95 {percentile(inbox, 95) * 1000:.1f} ms",
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


async def run(bench: Bench, pool: asyncpg.Pool, first: int, target: int) -> Section:
    section = Section("scale", f"Scale: {target:,} open enrolments waiting on people")
    worker, temporal = bench.process("worker"), bench.process("temporal")
    api = bench.process("api")
    open_now = await pool.fetchval("SELECT count(*) FROM enrolments WHERE outcome IS NULL")
    missing = max(0, target - open_now)
    rows = [
        CohortRow(i + 2, synthetic_sdp_no(first + i), "BARISTA", "scale benchmark")
        for i in range(missing)
    ]
    before = await open_counts(pool)
    began = time.perf_counter()
    async with sample_memory({"worker": worker, "temporal": temporal, "api": api}) as memory:
        async with bench.http(Role.CASEWORKER, upt=UPT) as http:
            step = 5000
            for start in range(0, len(rows), step):
                report = await send_cohort(
                    http,
                    rows[start : start + step],
                    chunk_size=CHUNK,
                    concurrency=CHUNKS_IN_FLIGHT,
                )
                if report.rejected:
                    raise RuntimeError(f"scale load rejected rows: {report.rejected[:3]}")
                done = start + len(report_rows := rows[start : start + step])
                elapsed = time.perf_counter() - began
                print(  # noqa: T201
                    f"scale: {open_now + done:,}/{target:,} open "
                    f"({done / elapsed:.1f}/s, {len(report_rows)} in this step, "
                    f"worker {memory.mib('worker', 'last')}, temporal "
                    f"{memory.mib('temporal', 'last')})",
                    flush=True,
                )
        await settle(pool, before, missing, within=7200)
        load_seconds = time.perf_counter() - began
        open_cases = await pool.fetchval("SELECT count(*) FROM enrolments WHERE outcome IS NULL")
        open_tasks = await pool.fetchval("SELECT count(*) FROM tasks WHERE state = 'open'")
        async with bench.http(Role.TPP_MEMBER, upt=UPT) as tpp:
            await timed_gets(tpp, CASE_LIST, 5)  # warm
            case_list = await timed_gets(tpp, CASE_LIST, REQUESTS)
            await timed_gets(tpp, "/inbox", 5)
            inbox = await timed_gets(tpp, "/inbox", REQUESTS)
    list_p95, inbox_p95 = percentile(case_list, 95), percentile(inbox, 95)
    worker_peak = memory.peak.get("worker", 0)
    section.targets += [
        Target("worker RSS (peak)", "< 1 GiB", memory.mib("worker"), 0 < worker_peak < GiB),
        Target(
            "case list by UPT and stage, p95",
            "< 200 ms",
            f"{list_p95 * 1000:.1f} ms",
            list_p95 < 0.2,
        ),
        Target("inbox, p95", "< 200 ms", f"{inbox_p95 * 1000:.1f} ms", inbox_p95 < 0.2),
    ]
    section.say(
        f"- open enrolments: **{open_cases:,}** (open tasks {open_tasks:,}); loaded "
        f"{missing:,} in this run in {load_seconds / 60:.1f} min "
        f"({missing / max(load_seconds, 1e-9):.1f} enrolments/s, through the cohort "
        "endpoint, until settled)"
    )
    section.say(
        f"- memory, peak during the load / after: worker {memory.mib('worker')} / "
        f"{memory.mib('worker', 'last')}; dev server {memory.mib('temporal')} / "
        f"{memory.mib('temporal', 'last')}; API {memory.mib('api')} / "
        f"{memory.mib('api', 'last')}"
    )
    section.say(
        f"- case list `GET {CASE_LIST}` (TPP of {UPT}, 50 per page), {REQUESTS} "
        f"requests one after another: p50 {percentile(case_list, 50) * 1000:.1f} ms, "
        f"p95 {list_p95 * 1000:.1f} ms, p99 {percentile(case_list, 99) * 1000:.1f} ms"
    )
    section.say(
        f"- inbox `GET /inbox` (same TPP member): p50 "
        f"{percentile(inbox, 50) * 1000:.1f} ms, p95 {inbox_p95 * 1000:.1f} ms, p99 "
        f"{percentile(inbox, 99) * 1000:.1f} ms"
    )
    section.say(f"- state folder after the load: {state_size() / 2**30:.2f} GiB")
    section.say("")
    section.say("Plan of the case-list query, with the V8 index (as served):")
    section.say("```")
    section.lines += [r[0] for r in await pool.fetch(LIST_SQL, UPT, "placement_review")]
    section.say("```")
    section.say("")
    section.say("Plan of the inbox query (TPP member of the UPT):")
    section.say("```")
    section.lines += [r[0] for r in await pool.fetch(*inbox_plan_sql())]
    section.say("```")
    return section
