"""Enrol a cohort from a CSV upload, beside api/cohorts.py, with a live progress bar and a
downloadable file of the rejected rows.

The file is read by the CLI's own parser (cli/cohort.parse_cohort: header
`inmate_sdp_no,programme_code,reason`, rows the file gets wrong named by line). The job and
its rows are stored in Postgres (db/cohort_uploads.py) and sent in chunks through
`api.cohorts.enrol_cohort`, the JSON route's function (services/cohort_uploads.py), so every
row passes the same rules and answers the same way. The upload answers at once with a
progress page; htmx polls the progress fragment (without JavaScript, the page's "refresh"
link does the same) until every row is answered and every accepted row has settled: a
second bar counts the accepted rows settled (enrolment and placement task written) or
refused later (by the inmate's journey, or by the cohort dispatcher when it could not hand
the row to the journey), which are listed with the reason; the rows still settling include
those accepted (durably queued in Postgres) and not yet handed to the journey.

Progress, results and the rejected rows are read from the database: any API process shows
them, and they survive a restart; a run whose process stopped is taken over by the process
that next shows the job (its lease ran out). A job is seen by the caseworkers of the UPT it
was uploaded in; anyone else is told there is no such upload (404).
"""

from __future__ import annotations

import io
import secrets
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from api import cohorts as cohort_api
from api.deps import PoolDep, SdpDep, SettingsDep, acting_as
from cli.cohort import (
    CohortFileError,
    CohortRow,
    Rejected,
    parse_cohort,
    write_rejected_rows,
)
from db import cohort_uploads as upload_db
from domain.cohort import RowState
from domain.errors import DomainError, not_found
from domain.identity import Principal, Role
from services import cohort_uploads as runs
from web.navigation import NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal

router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]
COHORT = "/kohort"
NAV.append(NavItem("nav.cohort", COHORT, frozenset({Role.CASEWORKER})))
MAX_UPLOAD_BYTES = 5_000_000


def _runs(request: Request) -> runs.Runs:
    state = request.app.state
    if not hasattr(state, "cohort_runs"):
        state.cohort_runs = runs.Runs()
    found: runs.Runs = state.cohort_runs
    return found


async def _job(
    request: Request, principal: Principal, pool: asyncpg.Pool, job_id: str
) -> upload_db.UploadProgress:
    """The job, for a caseworker of its UPT; resumed here if its run was abandoned."""
    job = await upload_db.get_upload(pool, job_id)
    if (
        job is None
        or not principal.has_role(Role.CASEWORKER)
        or principal.scope.upt != job.upt_code
    ):
        raise not_found(f"there is no cohort upload {job_id} of your UPT")
    app = request.app.state
    await runs.resume_if_abandoned(_runs(request), job, app.settings, pool, app.sdp)
    return job


async def _progress(
    pool: asyncpg.Pool, principal: Principal, job: upload_db.UploadProgress
) -> dict[str, Any]:
    """The progress fragment's context: how the accepted rows settle (the cohort's status,
    as `GET /cohorts/{id}` answers it, with the rows refused later), and the rejected rows
    once the job is finished."""
    rejected = await upload_db.rejected_rows(pool, job.job_id) if job.finished else []
    try:
        settle = await cohort_api.read_status(
            pool, principal, job.job_id, RowState.REFUSED_LATER, limit=100
        )
    except DomainError:
        settle = None  # no row sent yet
    return {"job": job, "rejected": rejected, "settle": settle}


def _rows(rows: list[CohortRow], bad: list[Rejected]) -> list[upload_db.UploadRow]:
    sent = [upload_db.UploadRow(r.line, r.inmate_sdp_no, r.programme_code, r.reason)
            for r in rows]  # fmt: skip
    refused = [
        upload_db.UploadRow(r.line, r.inmate_sdp_no, r.programme_code, "", upload_db.REJECTED,
                            r.reason)
        for r in bad
    ]  # fmt: skip
    return sorted(sent + refused, key=lambda r: r.line)


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
    job_id = secrets.token_urlsafe(12)
    new_upload = upload_db.NewUpload(
        job_id=job_id, upt_code=principal.scope.upt or "-", uploaded_by=principal.subject,
        file_name=name,
    )  # fmt: skip
    holder = runs.new_holder()
    async with pool.acquire() as conn:
        await upload_db.create_upload(conn, new_upload, _rows(rows, bad))
        await upload_db.take_lease(conn, job_id, holder, runs.LEASE_SECONDS)
    runs.start_run(_runs(request), job_id, principal, settings, pool, sdp, holder)
    return RedirectResponse(f"{COHORT}/{job_id}", status_code=303)


@router.get(COHORT + "/{job_id}", response_class=HTMLResponse)
async def job_page(
    request: Request, job_id: str, principal: PagePrincipal, pool: PoolDep
) -> HTMLResponse:
    job = await _job(request, principal, pool, job_id)
    return render(request, "cohort_job.html", await _progress(pool, principal, job))


@router.get(COHORT + "/{job_id}/kemajuan", response_class=HTMLResponse)
async def job_progress(
    request: Request, job_id: str, principal: PagePrincipal, pool: PoolDep
) -> HTMLResponse:
    """The progress fragment htmx swaps in (it polls itself until the job is finished)."""
    job = await _job(request, principal, pool, job_id)
    return render(request, "_cohort_progress.html", await _progress(pool, principal, job))


@router.get(COHORT + "/{job_id}/ditolak.csv")
async def rejected_rows(
    request: Request, job_id: str, principal: PagePrincipal, pool: PoolDep
) -> Response:
    job = await _job(request, principal, pool, job_id)
    rejected = [Rejected(r.line, r.inmate_sdp_no, r.programme_code, r.result_reason or "rejected")
                for r in await upload_db.rejected_rows(pool, job_id)]  # fmt: skip
    out = io.StringIO(newline="")
    write_rejected_rows(out, rejected)
    stem = job.file_name.rsplit(".", 1)[0] or "cohort"
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}.rejected.csv"'},
    )
