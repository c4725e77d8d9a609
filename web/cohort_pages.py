"""Enrol a cohort from a CSV upload, beside api/cohorts.py, with a live progress bar and a
downloadable file of the rejected rows.

The file is read by the CLI's own parser (cli/cohort.parse_cohort: header
`inmate_sdp_no,programme_code,reason`, rows the file gets wrong named by line); its rows go
in chunks through `api.cohorts.enrol_cohort`, the JSON route's function, so every row passes
the same rules and answers the same way (accepted / already enrolled / rejected with the
reason). The upload answers at once with a progress page; htmx polls the progress fragment
(without JavaScript, the page's "refresh" link does the same).

The jobs live in this process's memory (`app.state.cohort_jobs`) for `JOB_KEEP` uploads:
enough for one API process; several API processes behind a balancer would need sticky
sessions or a table (not built). Only the person who uploaded sees a job.
"""

from __future__ import annotations

import asyncio
import io
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any

import asyncpg
import structlog
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile
from temporalio.client import Client

from api import cohorts as cohort_api
from api.deps import PoolDep, SdpDep, SettingsDep, TemporalDep, acting_as
from cli.cohort import (
    CohortFileError,
    CohortRow,
    Rejected,
    chunks,
    parse_cohort,
    write_rejected_rows,
)
from config.settings import Settings
from domain.errors import DomainError, not_found
from domain.identity import Principal, Role
from domain.registries import SdpRegistry
from web.navigation import NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal

log = structlog.get_logger(__name__)
router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]
COHORT = "/kohort"
NAV.append(NavItem("nav.cohort", COHORT, frozenset({Role.CASEWORKER})))
CHUNK_ROWS = 50  # rows per call: the bar moves at least every chunk
JOB_KEEP = 50
MAX_UPLOAD_BYTES = 5_000_000


@dataclass
class CohortJob:
    job_id: str
    subject: str
    file_name: str
    total: int
    done: int = 0
    accepted: int = 0
    already_enrolled: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    finished: bool = False
    failure: str | None = None  # why the run stopped early, if it did

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else round(100 * self.done / self.total)


def _jobs(request: Request) -> dict[str, CohortJob]:
    state = request.app.state
    if not hasattr(state, "cohort_jobs"):
        state.cohort_jobs = {}
        state.cohort_tasks = set()
    jobs: dict[str, CohortJob] = state.cohort_jobs
    return jobs


def _job(request: Request, principal: Principal, job_id: str) -> CohortJob:
    job = _jobs(request).get(job_id)
    if job is None or job.subject != principal.subject:
        raise not_found(f"there is no cohort upload {job_id} of yours")
    return job


async def _run(
    job: CohortJob,
    rows: list[CohortRow],
    principal: Principal,
    settings: Settings,
    pool: asyncpg.Pool,
    temporal: Client,
    sdp: SdpRegistry,
) -> None:
    """Send the rows chunk by chunk; a failure stops the run and is shown, never hidden."""
    try:
        actor = await acting_as(Role.CASEWORKER)(principal)
        for chunk in chunks(rows, CHUNK_ROWS):
            batch = cohort_api.CohortBatch(rows=[row.body() for row in chunk])
            answer = await cohort_api.enrol_cohort(
                batch, principal, actor, settings, pool, temporal, sdp
            )
            for row, result in zip(chunk, answer.results, strict=True):
                if result.status is cohort_api.RowStatus.REJECTED:
                    job.rejected.append(
                        Rejected(row.line, row.inmate_sdp_no, row.programme_code,
                                 result.reason or "rejected")
                    )  # fmt: skip
            job.accepted += answer.accepted
            job.already_enrolled += answer.already_enrolled
            job.done += len(chunk)
    except DomainError as error:
        job.failure = error.message
    except Exception as error:
        log.exception("cohort_upload_failed", job_id=job.job_id)
        job.failure = f"the upload stopped: {type(error).__name__}; send the file again"
    finally:
        job.rejected.sort(key=lambda r: r.line)
        job.finished = True


@router.get(COHORT, response_class=HTMLResponse)
async def upload_page(request: Request, principal: PagePrincipal) -> HTMLResponse:
    await acting_as(Role.CASEWORKER)(principal)
    return render(request, "cohort_upload.html", {"columns": "inmate_sdp_no,programme_code,reason"})


@router.post(COHORT)
async def upload(
    request: Request,
    principal: PagePrincipal,
    settings: SettingsDep,
    pool: PoolDep,
    temporal: TemporalDep,
    sdp: SdpDep,
    _: Csrf,
) -> Response:
    await acting_as(Role.CASEWORKER)(principal)
    form = await request.form()
    upload = form.get("file")
    errors: list[dict[str, Any]] = []
    rows: list[CohortRow] = []
    bad: list[Rejected] = []
    name = "cohort.csv"
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors.append({"field": "file", "message": "choose a CSV file to upload"})
    else:
        name = upload.filename
        content = await upload.read(MAX_UPLOAD_BYTES + 1)
        try:
            if len(content) > MAX_UPLOAD_BYTES:
                raise CohortFileError(f"{name} is larger than 5 MB: split the cohort")
            text = content.decode("utf-8-sig")
            rows, bad = parse_cohort(io.StringIO(text, newline=""), name)
        except UnicodeDecodeError:
            errors.append({"field": "file", "message": f"{name} is not UTF-8 text (CSV)"})
        except CohortFileError as error:
            errors.append({"field": "file", "message": str(error)})
    if errors:
        context = {"columns": "inmate_sdp_no,programme_code,reason", "errors": errors}
        return render(request, "cohort_upload.html", context, status_code=422)
    job = CohortJob(secrets.token_urlsafe(12), principal.subject, name, len(rows) + len(bad))
    job.rejected.extend(bad)
    job.done = len(bad)
    jobs = _jobs(request)
    jobs[job.job_id] = job
    while len(jobs) > JOB_KEEP:
        jobs.pop(next(iter(jobs)))
    task = asyncio.create_task(_run(job, rows, principal, settings, pool, temporal, sdp))
    tasks: set[asyncio.Task[None]] = request.app.state.cohort_tasks
    tasks.add(task)  # keep a reference until it finishes
    task.add_done_callback(tasks.discard)
    return RedirectResponse(f"{COHORT}/{job.job_id}", status_code=303)


@router.get(COHORT + "/{job_id}", response_class=HTMLResponse)
async def job_page(request: Request, job_id: str, principal: PagePrincipal) -> HTMLResponse:
    return render(request, "cohort_job.html", {"job": _job(request, principal, job_id)})


@router.get(COHORT + "/{job_id}/kemajuan", response_class=HTMLResponse)
async def job_progress(request: Request, job_id: str, principal: PagePrincipal) -> HTMLResponse:
    """The progress fragment htmx swaps in (it polls itself until the job is finished)."""
    return render(request, "_cohort_progress.html", {"job": _job(request, principal, job_id)})


@router.get(COHORT + "/{job_id}/ditolak.csv")
async def rejected_rows(request: Request, job_id: str, principal: PagePrincipal) -> Response:
    job = _job(request, principal, job_id)
    out = io.StringIO(newline="")
    write_rejected_rows(out, job.rejected)
    stem = job.file_name.rsplit(".", 1)[0] or "cohort"
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}.rejected.csv"'},
    )
