"""Page response times of the workspace on a loaded state (run by hand, not by `make test`):

    .venv/bin/pytest tests/web/measure_pages.py -s -p no:cacheprovider \
        --basetemp /tmp/sinergi-measure        # WORKSPACE_CASES=2000 by default

Loads WORKSPACE_CASES enrolments through the product (POST /cohorts/enrolments with the SDP
simulator's synthetic inmates, each one a real journey and enrolment workflow on the dev
server, each waiting for placement review: an open task in the TPP's inbox), then brings
the read side (tasks, enrolments) to WORKSPACE_READ_SIDE rows by copies of those rows, as
the benchmarks measure their read side (benchmarks/RESULTS.md); then times the inbox (first
and a deep page) and the case page (on the real cases: its workflow query needs a running
workflow) as a signed-in TPP member asks for them, over HTTP on localhost (so the figures
are an upper bound of server time).
The results are written to benchmarks/results/workspace.md.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import statistics
import time
from datetime import date
from pathlib import Path

import asyncpg

from registries.sdp_seed import synthetic_inmate, synthetic_sdp_no
from tests.temporal_support import until
from tests.web.conftest import Workspace
from tests.web.test_sign_in import sign_in

CASES = int(os.environ.get("WORKSPACE_CASES", "200"))
READ_SIDE = int(os.environ.get("WORKSPACE_READ_SIDE", "13000"))
SAMPLES = int(os.environ.get("WORKSPACE_SAMPLES", "60"))
# WORKSPACE_PROFILE=inbox|inbox_deep|case: profile that page's requests (cProfile: the app is
# served in this process, on this event loop) and print the costliest functions.
PROFILE = os.environ.get("WORKSPACE_PROFILE", "")
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "workspace.md"


async def copy_rows(pool: asyncpg.Pool, table: str, keys: tuple[str, ...]) -> None:
    """Copies of the table's rows, with `-c<n>` appended to its key columns, up to READ_SIDE."""
    have: int = await pool.fetchval(f"SELECT count(*) FROM {table}")
    copies = max(0, READ_SIDE // max(have, 1) - 1)
    columns = [
        r["column_name"]
        for r in await pool.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
            "ORDER BY ordinal_position",
            table,
        )
    ]
    chosen = ", ".join(f"{c} || '-c' || g" if c in keys else c for c in columns)
    await pool.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT {chosen} FROM {table}, generate_series(1, {copies}) g"
    )
    await pool.execute(f"ANALYZE {table}")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


async def test_measure_inbox_and_case_page(workspace: Workspace) -> None:
    api = workspace.api
    today = date.today()
    for i in range(CASES):
        record = synthetic_inmate(synthetic_sdp_no(i), CASES, today)
        assert record is not None
        api.sdp.set(record)
    started = time.perf_counter()
    for first in range(0, CASES, 500):
        rows = [
            {"inmate_sdp_no": synthetic_sdp_no(i), "programme_code": "BARISTA", "reason": "load"}
            for i in range(first, min(first + 500, CASES))
        ]
        answer = await api.http.post(
            "/cohorts/enrolments", json={"rows": rows}, headers=api.caseworker(), timeout=600
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["rejected"] == 0, answer.json()["results"][:3]
    load_seconds = time.perf_counter() - started

    async def open_tasks() -> int:
        count: int = await api.pool.fetchval(
            "SELECT count(*) FROM tasks WHERE state = 'open' AND kind = 'placement_review'"
        )
        return count

    await until(open_tasks, lambda n: n >= CASES, "every placement task", within=600)
    loaded = await api.pool.fetch("SELECT enrolment_id FROM enrolments")
    case_ids = [r["enrolment_id"] for r in loaded]
    await copy_rows(api.pool, "enrolments", ("enrolment_id", "workflow_id", "inmate_sdp_no"))
    await copy_rows(api.pool, "tasks", ("task_id", "case_id", "workflow_id"))
    tasks_total = await api.pool.fetchval("SELECT count(*) FROM tasks WHERE state = 'open'")

    timings: dict[str, list[float]] = {"inbox": [], "inbox_deep": [], "case": []}
    profiler = cProfile.Profile()
    load_before = os.getloadavg()
    async with workspace.client() as client:
        await sign_in(client, "budi")
        deep = max(1, tasks_total // 25 - 1)
        for _ in range(SAMPLES):
            for name, path in (
                ("inbox", "/tugas"),
                ("inbox_deep", f"/tugas?page={deep}"),
                ("case", f"/kasus/{random.choice(case_ids)}"),
            ):
                profiling = name == PROFILE
                if profiling:
                    profiler.enable()
                t0 = time.perf_counter()
                answer = await client.get(path)
                timings[name].append((time.perf_counter() - t0) * 1000)
                if profiling:
                    profiler.disable()
                assert answer.status_code == 200, (path, answer.status_code)

    load_after = os.getloadavg()
    if PROFILE:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue())
    lines = [
        "# Workspace page response times",
        "",
        f"Measured {date.today().isoformat()} by `tests/web/measure_pages.py` on the shared "
        "development machine (2 CPUs, other work running), against the test wiring: embedded "
        "Postgres, the Temporal dev server, one enrolment worker, the app served by uvicorn.",
        "",
        f"State: {CASES:,} enrolments loaded through the product (`POST /cohorts/enrolments`, "
        f"{load_seconds:.0f} s on the busy machine), each a running journey + enrolment "
        f"waiting for placement review; the read side then brought to {tasks_total:,} open "
        "tasks in the TPP member's inbox (and as many enrolment rows) by copies of those rows, "
        "as the benchmarks measure their read side. The case page is timed on the real cases "
        "(its live state is a workflow query).",
        "",
        f"Timed over HTTP on localhost ({SAMPLES} requests each, a signed-in TPP member): an "
        "upper bound of server time. The machine's load average (1, 5, 15 min) was "
        f"{', '.join(f'{x:.1f}' for x in load_before)} when the timing started and "
        f"{', '.join(f'{x:.1f}' for x in load_after)} when it ended (2 CPUs).",
        "",
        "| page | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|",
    ]
    for name, label in (
        ("inbox", "Tugas Saya, first page (25 tasks)"),
        ("inbox_deep", f"Tugas Saya, page {deep}"),
        ("case", "case page (read model + workflow query + log)"),
    ):
        values = timings[name]
        lines.append(
            f"| {label} | {statistics.median(values):.0f} | {p95(values):.0f} | {max(values):.0f} |"
        )
    lines += [
        "",
        "Clicks from sign-in to a decided placement (tests/web/test_browser_decisions.py, "
        "OIDC): sign in (1 click on the sign-in page, then the identity provider's own form), "
        "the task in Tugas Saya (1), Setujui (1), type the reason, Putuskan (1): 3 clicks after "
        "signing in, 4 counting the sign-in button. Claiming first is optional (deciding "
        "claims the task); with it, 5.",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))
