"""A capacity model on paper (issue 18): from the events, stored bytes and CPU measured per case,
what 270,000 inmates and 100,000 TKA applications a year need in history, storage, peak rates,
workers and a Temporal cluster on Postgres.

    python -m benchmarks.capacity                       # the figures measured on 2026-12-02/03
    python -m benchmarks.capacity --enrolment-events 200 --enrolment-cpu 0.25   # after a change

Every input is a flag whose help names where its default comes from (a benchmark section, or an
assumption); the model is arithmetic on them and writes `benchmarks/results/capacity-model.md`
(then `python -m benchmarks --assemble-only` puts it into RESULTS.md). Nothing is measured here.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from benchmarks.report import RESULTS_DIR

YEAR_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class Inputs:
    # -- volumes (the seeds and the issue, then assumptions)
    inmates: float = 270_000
    enrolments_per_year: float = 270_000
    releases_per_year: float = 135_000
    permits_per_year: float = 100_000
    # -- per case, measured (see the sources below)
    enrolment_events: float = 200
    enrolment_kb: float = 68.8
    enrolment_updates: float = 27
    enrolment_cpu: float = 0.45
    journey_events: float = 66
    journey_kb: float = 22.1
    followup_events: float = 12
    followup_kb: float = 2.8
    followup_checkin_events: float = 10
    journey_cpu: float = 0.37
    permit_events: float = 456
    permit_kb: float = 93.5
    permit_updates: float = 11
    kemnaker_cpu: float = 1.55
    imigrasi_cpu: float = 0.02
    row_events: float = 26
    row_kb: float = 7.9
    row_worker_cpu: float = 0.041
    row_server_cpu: float = 0.058
    row_sinergi_kb: float = 14
    server_cpu_per_event: float = 0.003
    store_overhead: float = 6.7
    # -- assumptions
    enrolment_months_open: float = 4
    permit_months_open: float = 18
    followup_months_open: float = 6
    retention_days: float = 30
    archive_years: float = 5
    working_days: float = 250
    working_hours: float = 8
    peak_factor: float = 3
    cohort_rows: float = 10_000
    cohort_minutes: float = 10
    cpu_target: float = 0.5
    events_per_write: float = 2
    pages_per_write: float = 4
    shard_ops_per_second: float = 100


SOURCES: dict[str, str] = {
    "inmates": "seeds (press release): about 270,000 inmates",
    "enrolments_per_year": "assumption A1: one programme enrolment per inmate per year, "
    "every inmate (a ceiling: in practice a share of them)",
    "releases_per_year": "assumption A2: a mean stay of two years, so half the stock is "
    "released (journey handed over and closed, follow-up started) each year, and as many "
    "journeys start",
    "permits_per_year": "issue 18: 100,000 TKA applications a year",
    "enrolment_events": "throughput section (2026-12-03 run): 200 events on the demo path",
    "enrolment_kb": "throughput section: 68.8 KB stored",
    "enrolment_updates": "throughput section: 27 Updates (human decisions) per enrolment",
    "enrolment_cpu": "throughput section: 0.38-0.47 worker CPU-s per certified enrolment "
    "on 2026-12-02 (0.45 taken; 0.32 in the 2026-12-03 run, on a quieter machine: kept at "
    "0.45, the journeys' 0.82 was measured beside it)",
    "journey_events": "journeys section: the journey of one certified inmate, released (PB) "
    "and handed over to Bapas and job placement",
    "journey_kb": "journeys section",
    "followup_events": "journeys section: the placement follow-up as it waits for its first "
    "check-in",
    "followup_kb": "journeys section",
    "followup_checkin_events": "estimate: each of the three check-ins and the outcome is an "
    "Update with its projection (about 10 events each, as a decision on an enrolment)",
    "journey_cpu": "journeys section: 0.82 enrolment-worker CPU-s per inmate (enrolment, "
    "release, handovers, follow-up start) minus enrolment_cpu",
    "permit_events": "permits section: approval path, one extension granted and paid, early "
    "termination with EPO (423-456 over 21 permits, the largest taken; 301 events when it "
    "became active); the annual report (due on the anniversary, not lived) not counted",
    "permit_kb": "permits section: 90.3-93.5 KB, the largest taken",
    "permit_updates": "permits section: decisions and callbacks per permit (verification, "
    "feasibility, payment, RPTKA, visa, arrival; extension, its verification, approval, "
    "payment; termination)",
    "kemnaker_cpu": "permits section: Kemnaker worker CPU-s per permit (20 permits, 4 in "
    "flight, load average 9-11)",
    "imigrasi_cpu": "permits section: Imigrasi worker CPU-s per permit",
    "row_events": "scale section (83,000 rows, 2026-12-03): journey (17) + enrolment (9) "
    "events of one cohort row waiting for its placement review",
    "row_kb": "scale section: the same row's stored KB (5.1 + 2.8)",
    "row_worker_cpu": "scale section: worker CPU-s per row between samples of the same run "
    "(83,000 rows, load average 2.6-5.2; the cohort dispatcher included)",
    "row_server_cpu": "scale section: dev-server CPU-s per row, the same way (SQLite)",
    "row_sinergi_kb": "scale section: growth of Sinergi's own Postgres data folder per loaded "
    "row (read model, task, audit trail, indexes, WAL) while the case waits",
    "server_cpu_per_event": "permits and journeys sections: dev-server CPU-s per history "
    "event (1.37 s / 450 events per permit, 0.67 s / 291 per inmate; one process on "
    "SQLite: an indication, not a cluster's figure)",
    "store_overhead": "scale section: the dev server's SQLite file grew by 51.4 KiB per "
    "loaded row whose histories are 7.9 KB (mutable state, visibility, task queues, "
    "indexes): 6.7x; "
    "taken for Postgres and for whole cases too, an assumption (a young history carries "
    "relatively more of the fixed per-workflow rows, so likely high for whole cases)",
    "enrolment_months_open": "assumption: training of about 3 months, assessment and "
    "BNSP's answer in the fourth",
    "permit_months_open": "assumption: 12-month permits, half of them extended by 12 months",
    "followup_months_open": "domain: check-ins at 1, 3 and 6 months",
    "retention_days": "assumption: the namespace's retention period for closed workflows; "
    "Sinergi's own audit trail and read model (Postgres) keep the record, not Temporal",
    "archive_years": "assumption: closed histories archived to blob storage for 5 years "
    "(Temporal's Archival, experimental) if kept beyond retention",
    "working_days": "assumption: working days a year (Indonesian calendar)",
    "working_hours": "assumption: office hours in which people decide",
    "peak_factor": "assumption: the busiest hour against the mean office hour (morning "
    "peaks, month-ends)",
    "cohort_rows": "issue 18: a 10,000-row cohort",
    "cohort_minutes": "issue 18: settled within 10 minutes",
    "cpu_target": "assumption: run workers and services at half their CPUs at peak",
    "events_per_write": "assumption from how Temporal's History service persists: a "
    "workflow task's completion writes its batch of events in one transaction, a task's "
    "scheduling and start are writes of their own; about one write per two events",
    "pages_per_write": "assumption: WAL flush (group commit), heap and index pages per "
    "Temporal write on Postgres",
    "shard_ops_per_second": "PlanetScale's account of Temporal's shards and Temporal's forum "
    "(sources below): one shard's writes are serialised, so a shard does about 1 / (write "
    "latency) writes a second; 100 (a 10 ms write) is this model's assumption",
}


TEMPORAL_SOURCES = (
    "Temporal, production readiness checklist "
    "(https://docs.temporal.io/self-hosted-guide/production-deployment): throughput is often "
    "limited by the shard count, which is set when the service is built; scale well above "
    "the average throughput.",
    "Temporal blog, Scaling Temporal: The Basics "
    "(https://temporal.io/blog/scaling-temporal-the-basics): the load, measure, scale "
    "method; its starting cluster had a 4-core, 32 GB database and 2 pods per service "
    "(frontend, history, matching, worker) with 1 CPU and 1 GB each.",
    "Temporal forum, shards (https://community.temporal.io/t/temporal-shards-configured-in-"
    "shards-table/15533): a shard's capacity shows as lock/semaphore latency; the count "
    "cannot be raised after deployment except by replicating to a new cluster with more.",
    "PlanetScale, Temporal workflows at scale, part 2 "
    "(https://planetscale.com/blog/temporal-workflows-at-scale-sharding-in-production): "
    "updates within a shard are sequential, so a database write's latency bounds one "
    "shard's throughput.",
    "M. Shilkov, Choosing the number of shards in Temporal history service "
    "(https://mikhail.io/2021/05/choose-the-number-of-shards-in-temporal-history-service/): "
    "too few shards show as contention in the history service, too many as resource use.",
    "Temporal, Workflow Execution limits (https://docs.temporal.io/workflow-execution/limits): "
    "51,200 events or 50 MB per history, a warning at 10,240 events or 10 MB; self-hosted "
    "defaults (https://docs.temporal.io/self-hosted-guide/defaults): 2,000 Updates per "
    "history.",
    "Temporal, namespaces (https://docs.temporal.io/self-hosted-guide/namespaces): the "
    "retention period is how long closed workflow histories are kept; Archival "
    "(https://docs.temporal.io/temporal-service/archival, experimental) copies them to blob "
    "storage; persistence (https://docs.temporal.io/temporal-service/persistence): "
    "visibility on PostgreSQL 12+ from server 1.20.",
)


def _parse(argv: list[str] | None) -> Inputs:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.capacity", description=__doc__)
    for f in fields(Inputs):
        parser.add_argument(
            "--" + f.name.replace("_", "-"),
            type=float,
            default=f.default,
            help=f"{SOURCES[f.name]} (default {f.default})",
        )
    return Inputs(**vars(parser.parse_args(argv)))


def _n(x: float) -> str:
    """A count or rate for a reader: 3 significant figures, thousands separated."""
    if x == 0:
        return "0"
    if x == round(x) and abs(x) >= 1:
        return f"{round(x):,}"
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{round(x, digits):,.{digits}f}"


def _gb(kb: float) -> str:
    return f"{kb / 1e6:,.1f} GB"


@dataclass(frozen=True)
class Kind:
    name: str
    per_year: float
    events: float
    kb: float
    open_at_once: float


def _kinds(i: Inputs) -> list[Kind]:
    followup = i.followup_events + 4 * i.followup_checkin_events
    return [
        Kind("enrolment", i.enrolments_per_year, i.enrolment_events, i.enrolment_kb,
             i.enrolments_per_year * i.enrolment_months_open / 12),
        Kind("journey", i.releases_per_year, i.journey_events, i.journey_kb, i.inmates),
        Kind("placement follow-up", i.releases_per_year, followup,
             i.followup_kb * followup / i.followup_events,
             i.releases_per_year * i.followup_months_open / 12),
        Kind("TKA permit", i.permits_per_year, i.permit_events, i.permit_kb,
             i.permits_per_year * i.permit_months_open / 12),
    ]  # fmt: skip


def model(i: Inputs) -> str:
    kinds = _kinds(i)
    out: list[str] = []
    say = out.append
    events_year = sum(k.per_year * k.events for k in kinds)
    kb_year = sum(k.per_year * k.kb for k in kinds)
    office_seconds = i.working_days * i.working_hours * 3600
    say("## Capacity model: 270,000 inmates and 100,000 TKA applications a year")
    say("")
    say(
        f"_Computed {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m benchmarks.capacity "
        f"{' '.join(sys.argv[1:])}`: arithmetic on the figures below, nothing measured by it; "
        "every input is a flag (`--help` names where each default comes from)._"
    )
    say("")
    say("### Inputs")
    say("")
    say("| input | value | where it comes from |")
    say("|---|---|---|")
    for f in fields(Inputs):
        say(f"| `{f.name}` | {_n(getattr(i, f.name))} | {SOURCES[f.name]} |")
    say("")
    say("### 1. History a year, and what Temporal's database holds")
    say("")
    say("| workflow | started a year | events each | KB each | events a year | "
        "history a year | open at once |")  # fmt: skip
    say("|---|---|---|---|---|---|---|")
    for k in kinds:
        say(
            f"| {k.name} | {_n(k.per_year)} | {_n(k.events)} | {_n(k.kb)} | "
            f"{_n(k.per_year * k.events / 1e6)} M | {_gb(k.per_year * k.kb)} | "
            f"{_n(k.open_at_once)} |"
        )
    open_total = sum(k.open_at_once for k in kinds)
    open_kb = sum(k.open_at_once * k.kb for k in kinds)
    closed_kb = kb_year * i.retention_days / 365
    held_kb = (open_kb + closed_kb) * i.store_overhead
    say(
        f"| **all** | | | | **{_n(events_year / 1e6)} M** | **{_gb(kb_year)}** | "
        f"**{_n(open_total)}** |"
    )
    say("")
    say(
        f"- Temporal's database at steady state: the open workflows at their full size "
        f"({_gb(open_kb)}, an upper bound: an open case is part-way) plus the closed ones "
        f"within the {_n(i.retention_days)}-day retention ({_gb(closed_kb)}), times "
        f"{_n(i.store_overhead)} for mutable state, visibility and indexes: **about "
        f"{_gb(held_kb)}**. It does not grow year on year: closed histories leave after the "
        "retention period (the record stays in Sinergi's audit trail and read model)."
    )
    say(
        f"- Kept for {_n(i.archive_years)} years (archived closed histories in blob storage, "
        f"compressed payloads already): **{_gb(kb_year * i.archive_years)}**; in the "
        f"database instead, {_gb(kb_year * i.archive_years * i.store_overhead)}."
    )
    say(
        f"- Sinergi's own database (read model, inbox tasks, hash-chained audit trail) is "
        "the record that stays: it grew by "
        f"{_n(i.row_sinergi_kb)} KB per enrolment waiting for placement in the scale load; "
        "a whole case writes several times that (about one audit row and one read-model "
        "write per decision). As a floor: "
        f"{_gb(i.row_sinergi_kb * (i.enrolments_per_year + i.permits_per_year))} a year; "
        "it grows year on year unless the ministries set a retention for it."
    )
    say(
        f"- Largest single history: a permit at {_n(i.permit_events)} events, an enrolment at "
        f"{_n(i.enrolment_events)}; Temporal warns at 10,240 events / 10 MB and ends a "
        "workflow at 51,200 / 50 MB: a journey that lives for years with many custody "
        "events and programmes stays two orders of magnitude below it."
    )
    say("")
    say("### 2. Peak rates")
    say("")
    cohort_rate = i.cohort_rows / (i.cohort_minutes * 60)
    cohort_events = cohort_rate * i.row_events
    decisions_year = (
        i.enrolments_per_year * i.enrolment_updates
        + i.permits_per_year * i.permit_updates
        + i.releases_per_year * 2
    )
    decisions_peak = decisions_year / office_seconds * i.peak_factor
    events_peak = events_year / office_seconds * i.peak_factor
    say(
        f"- Mean over the whole year: {_n(events_year / YEAR_SECONDS)} events/s. Nearly every "
        "event follows a person's decision or a system's answer in office hours, so the "
        f"model puts them all in {_n(i.working_days)} days x {_n(i.working_hours)} h "
        f"({_n(events_year / office_seconds)} events/s) and the busiest hour at "
        f"{_n(i.peak_factor)}x that: **{_n(events_peak)} events/s**, of which "
        f"{_n(decisions_peak)} decisions (Updates) a second."
    )
    say(
        f"- A {_n(i.cohort_rows)}-row cohort settled in {_n(i.cohort_minutes)} minutes: "
        f"{_n(cohort_rate)} rows/s x {_n(i.row_events)} events = **{_n(cohort_events)} "
        "events/s** on top, for those minutes."
    )
    peak_events = events_peak + cohort_events
    writes = peak_events / i.events_per_write
    say(
        f"- Together: about {_n(peak_events)} events/s, **about {_n(writes)} Temporal "
        f"persistence writes a second** at {_n(i.events_per_write)} events a write. For "
        "scale: the dev server on this shared 2-CPU machine (SQLite), beside the worker, "
        "settled 12-21 cohort rows a second in the 2026-12-03 runs, i.e. hundreds of events "
        "a second."
    )
    say("")
    say("### 3. Workers")
    say("")
    cpu = {
        "enrolment worker (enrolments, journeys, follow-ups)": i.enrolments_per_year
        * i.enrolment_cpu
        + i.releases_per_year * i.journey_cpu,
        "Kemnaker worker (permits)": i.permits_per_year * i.kemnaker_cpu,
        "Imigrasi worker (SIMKIM calls)": i.permits_per_year * i.imigrasi_cpu,
    }
    say("| worker | CPU-hours a year | CPUs, mean office hour | CPUs, busiest hour at "
        f"{_n(i.cpu_target * 100)} % | with the cohort |")  # fmt: skip
    say("|---|---|---|---|---|")
    for name, seconds in cpu.items():
        mean = seconds / office_seconds
        peak = mean * i.peak_factor / i.cpu_target
        extra = cohort_rate * i.row_worker_cpu / i.cpu_target if "enrolment" in name else 0.0
        say(
            f"| {name} | {_n(seconds / 3600)} | {_n(mean)} | {_n(peak)} | "
            f"{_n(peak + extra) if extra else ''} |"
        )
    say("")
    say(
        f"- The cohort is the enrolment worker's peak: {_n(cohort_rate)} rows/s x "
        f"{_n(i.row_worker_cpu)} CPU-s = {_n(cohort_rate * i.row_worker_cpu)} CPUs busy "
        "for ten minutes, more than the busiest office hour. A worker is one Python process "
        "(one event loop, about one CPU): **enrolment workers: 2 processes for availability, "
        f"{max(2, math.ceil(cohort_rate * i.row_worker_cpu / i.cpu_target))} for a cohort "
        "in ten minutes** (more only if cohorts must go faster); **Kemnaker: 2; Imigrasi: 2** "
        "(one would do for load; two so that one ministry's restart does not stop its "
        "queue). Each measured at about 200-320 MiB RSS with the SDK's sticky cache of "
        "1,000 workflows (scale section): 0.5 GiB per process is enough."
    )
    say("")
    say("### 4. Temporal cluster on Postgres")
    say("")
    server_cpus = events_peak * i.server_cpu_per_event + cohort_rate * i.row_server_cpu
    shards_needed = writes / i.shard_ops_per_second
    say(
        f"- **History shards: 512.** The count is fixed when the cluster is created and "
        "often bounds its throughput (Temporal's production checklist); each shard's writes "
        f"are serialised (PlanetScale, Temporal's forum), about "
        f"{_n(i.shard_ops_per_second)} a second each at a 10 ms "
        f"write, so the {_n(writes)} writes/s above need {_n(shards_needed)} busy shards; "
        f"512 leaves two orders of magnitude for growth and spreads {_n(open_total)} open "
        f"workflows at about {_n(open_total / 512)} a shard. Shards are cheap; too few "
        "cannot be fixed later without a new cluster (Temporal's forum: only by "
        "replicating to a cluster with more)."
    )
    say(
        "- **Services**, starting where Temporal's own load-testing walk-through starts (2 "
        "pods per service, 1 CPU and 1 GiB each) and sized up by its method "
        "(load, measure, scale): frontend 2 x 1 CPU; history 3 x 2 CPU, 4 GiB (the "
        "busiest service: it holds the shards and the mutable-state cache); matching 2 x "
        "1 CPU; internal worker 1 x 0.5 CPU. The dev server here spent about "
        f"{_n(i.server_cpu_per_event * 1000)} CPU-ms per history event of a whole case and "
        f"{_n(i.row_server_cpu)} CPU-s per cohort row (all services and SQLite in one "
        f"process): the busiest office hour "
        f"{_n(events_peak * i.server_cpu_per_event)} CPUs, plus the cohort "
        f"{_n(cohort_rate * i.row_server_cpu)}: {_n(server_cpus)} CPUs, which these 10.5 "
        "CPUs cover with room (part of it, SQLite's, moves to Postgres in a cluster)."
    )
    iops = writes * i.pages_per_write
    volume_gb = math.ceil(2 * held_kb / 1e6 / 50) * 50
    storage_kb = held_kb
    say(
        f"- **Postgres**: {_n(writes)} writes/s at peak x {_n(i.pages_per_write)} pages = "
        f"**about {_n(iops)} IOPS** (provision 3,000, the common SSD baseline, for bursts, "
        f"recovery and vacuum); storage **{_gb(storage_kb)}** at steady state (section 1) "
        f"with room for WAL, growth and bloat (twice it): a {volume_gb:,} GB volume; 4 vCPU "
        "and 16-32 GB RAM (the walk-through's database had 4 cores and 32 GB) so that the "
        "mutable state of the busy workflows stays cached; a standby replica for failover. "
        "Visibility "
        "(list and search) on the same Postgres (supported since Temporal 1.20)."
    )
    say(
        "- What these figures do not cover: replays after worker restarts (a worker "
        "replays the histories of the workflows it picks up: bounded by the open-workflow "
        "sizes above), timers firing in bulk (the due dates of a cohort fall on the same "
        "day: about 3 timers a case), and a cluster's own metrics; measure with Temporal's "
        "server metrics (`semaphore_latency`, persistence latency) before going live."
    )
    say("")
    say("### Sources for Temporal's side")
    say("")
    out.extend(f"- {source}" for source in TEMPORAL_SOURCES)
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    inputs = _parse(argv)
    path = RESULTS_DIR / "capacity-model.md"
    path.write_text(model(inputs), encoding="utf-8")
    print(path)  # noqa: T201


if __name__ == "__main__":
    main()
