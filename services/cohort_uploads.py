"""Running a cohort upload (the workspace's CSV enrolment): the rows, stored with the job in
Postgres (db/cohort_uploads.py), go chunk by chunk through `api.cohorts.enrol_cohort`, the
`POST /cohorts/enrolments` function, so every row passes the same rules and answers the same
way (accepted / already enrolled / rejected with the reason).

The run holds the job's lease and renews it with every chunk. If its process stops, the
lease runs out and the next person of the UPT who looks at the job (any API process) takes
the run over (`resume_if_abandoned`) from the first row without a result. A row is safe to
send again: the journey refuses a second active enrolment, reported as already enrolled.

The run acts as the uploader (their subject, the caseworker role, the job's UPT): it
finishes the request they made, and the enrolments record them as the requester.
"""

from __future__ import annotations

import asyncio
import secrets

import asyncpg
import structlog

from api import cohorts as cohort_api
from config.settings import Settings
from db import cohort_uploads as upload_db
from domain.errors import DomainError
from domain.identity import Principal, Role, Scope
from domain.registries import SdpRegistry

log = structlog.get_logger(__name__)
CHUNK_ROWS = 50  # rows per call: the bar moves at least every chunk
LEASE_SECONDS = 120.0  # past this without a chunk recorded, the run is taken as abandoned


class Runs:
    """The runs of this process: kept referenced until they end (asyncio keeps only weak
    references to tasks)."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()

    def start(self, run: asyncio.Task[None]) -> None:
        self.tasks.add(run)
        run.add_done_callback(self.tasks.discard)


def uploader(job: upload_db.UploadProgress) -> Principal:
    return Principal(
        subject=job.uploaded_by, roles=frozenset({Role.CASEWORKER}), scope=Scope(upt=job.upt_code)
    )


async def run_upload(
    job_id: str,
    holder: str,
    principal: Principal,
    settings: Settings,
    pool: asyncpg.Pool,
    sdp: SdpRegistry,
    lease_seconds: float = LEASE_SECONDS,
) -> None:
    """Send the job's rows without a result, chunk by chunk, while holding its lease. A
    refusal of the whole call or a failure stops the run and is shown, never hidden."""
    failure: str | None = None
    try:
        actor = principal.acting_as(Role.CASEWORKER)
        while rows := await upload_db.pending_rows(pool, job_id, CHUNK_ROWS):
            batch = cohort_api.CohortBatch(
                cohort_id=job_id,  # the upload's rows settle as one cohort
                rows=[{"inmate_sdp_no": r.inmate_sdp_no, "programme_code": r.programme_code,
                       "reason": r.reason} for r in rows]
            )  # fmt: skip
            answer = await cohort_api.enrol_cohort(batch, principal, actor, settings, pool, sdp)
            results = [
                (row.line, result.status.value, result.reason)
                for row, result in zip(rows, answer.results, strict=True)
            ]
            async with pool.acquire() as conn:
                if not await upload_db.record_results(conn, job_id, holder, results, lease_seconds):
                    log.warning("cohort_upload_lease_lost", job_id=job_id)
                    return  # another process took the run over: it finishes the job
    except DomainError as error:
        failure = error.message
    except asyncio.CancelledError:
        raise  # the process is stopping: the lease runs out and another process resumes
    except Exception as error:
        log.exception("cohort_upload_failed", job_id=job_id)
        failure = f"the upload stopped: {type(error).__name__}; send the file again"
    await upload_db.finish(pool, job_id, holder, failure)


def start_run(
    runs: Runs,
    job_id: str,
    principal: Principal,
    settings: Settings,
    pool: asyncpg.Pool,
    sdp: SdpRegistry,
    holder: str,
) -> None:
    task = asyncio.create_task(run_upload(job_id, holder, principal, settings, pool, sdp))
    runs.start(task)


async def resume_if_abandoned(
    runs: Runs,
    job: upload_db.UploadProgress,
    settings: Settings,
    pool: asyncpg.Pool,
    sdp: SdpRegistry,
) -> bool:
    """Take over a job whose run stopped with its process; True if this process did."""
    if job.finished or not await upload_db.abandoned(pool, job.job_id):
        return False
    holder = new_holder()
    if not await upload_db.take_lease(pool, job.job_id, holder, LEASE_SECONDS):
        return False  # another process took it first
    log.info("cohort_upload_resumed", job_id=job.job_id, done=job.done, total=job.total)
    start_run(runs, job.job_id, uploader(job), settings, pool, sdp, holder)
    return True


def new_holder() -> str:
    return secrets.token_urlsafe(12)
