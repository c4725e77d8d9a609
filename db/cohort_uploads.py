"""Cohort uploads of the workspace (V16): the job and every row of the file with its result,
so the progress, the per-row results and the rejected rows survive a restart of the API and
are the same from every API process.

A row's `status` is NULL until its result is in. The process sending the rows holds the
job's lease (`lease_holder` until `lease_until`, renewed with every chunk); a job whose lease
ran out unfinished was abandoned (its process stopped) and any process may take it over.
A result is written only by the lease's holder and only once (`status IS NULL`), so a slow
process that lost its lease cannot overwrite what its successor recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from pydantic import BaseModel

from db.connect import Connection

REJECTED = "rejected"
_KEEP_DAYS = 30  # finished uploads are kept this long, then deleted with their rows


class NewUpload(BaseModel):
    job_id: str
    upt_code: str  # the caseworkers of this UPT see the job
    uploaded_by: str  # the uploader's subject: the run acts as them
    file_name: str


@dataclass(frozen=True)
class UploadRow:
    line: int  # in the file (the header is line 1)
    inmate_sdp_no: str
    programme_code: str
    reason: str
    status: str | None = None  # accepted / already_enrolled / rejected; None: not sent yet
    result_reason: str | None = None


class UploadProgress(BaseModel):
    job_id: str
    upt_code: str
    uploaded_by: str
    file_name: str
    created_at: datetime
    finished_at: datetime | None
    failure: str | None
    total: int
    done: int
    accepted: int
    already_enrolled: int
    rejected: int

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else round(100 * self.done / self.total)


def _storable(text: str) -> str:
    return text.replace("\x00", "\ufffd")  # Postgres text holds no NUL; the row is refused


async def create_upload(conn: Connection, upload: NewUpload, rows: Sequence[UploadRow]) -> None:
    """The job and all its rows, at once (the rows the file got wrong already rejected)."""
    async with conn.transaction():
        await conn.execute(
            "DELETE FROM cohort_uploads WHERE finished_at < now() - make_interval(days => $1)",
            _KEEP_DAYS,
        )
        await conn.execute(
            """INSERT INTO cohort_uploads (job_id, upt_code, uploaded_by, file_name, total)
               VALUES ($1, $2, $3, $4, $5)""",
            upload.job_id, upload.upt_code, upload.uploaded_by, upload.file_name, len(rows),
        )  # fmt: skip
        await conn.copy_records_to_table(
            "cohort_upload_rows",
            columns=["job_id", "line", "inmate_sdp_no", "programme_code", "reason", "status",
                     "result_reason"],
            records=[
                (upload.job_id, r.line, _storable(r.inmate_sdp_no), _storable(r.programme_code),
                 _storable(r.reason), r.status, r.result_reason and _storable(r.result_reason))
                for r in rows
            ],
        )  # fmt: skip


async def take_lease(
    conn: Connection | asyncpg.Pool, job_id: str, holder: str, seconds: float
) -> bool:
    """Hold the unfinished job for `seconds` unless another holder's lease is still running."""
    taken = await conn.fetchval(
        """UPDATE cohort_uploads
              SET lease_holder = $2, lease_until = now() + make_interval(secs => $3)
            WHERE job_id = $1 AND finished_at IS NULL
              AND (lease_until IS NULL OR lease_until < now() OR lease_holder = $2)
        RETURNING true""",
        job_id,
        holder,
        seconds,
    )
    return bool(taken)


async def pending_rows(conn: Connection | asyncpg.Pool, job_id: str, limit: int) -> list[UploadRow]:
    """The next rows without a result, in file order."""
    found = await conn.fetch(
        """SELECT line, inmate_sdp_no, programme_code, reason FROM cohort_upload_rows
            WHERE job_id = $1 AND status IS NULL ORDER BY line LIMIT $2""",
        job_id,
        limit,
    )
    return [UploadRow(r["line"], r["inmate_sdp_no"], r["programme_code"], r["reason"])
            for r in found]  # fmt: skip


async def record_results(
    conn: Connection,
    job_id: str,
    holder: str,
    results: Sequence[tuple[int, str, str | None]],
    lease_seconds: float,
) -> bool:
    """Write (line, status, reason) for rows still without a result and renew the lease;
    False (nothing written) when `holder` no longer holds the job."""
    async with conn.transaction():
        held = await take_lease(conn, job_id, holder, lease_seconds)
        if not held:
            return False
        await conn.executemany(
            """UPDATE cohort_upload_rows SET status = $3, result_reason = $4
                WHERE job_id = $1 AND line = $2 AND status IS NULL""",
            [(job_id, line, status, reason and _storable(reason))
             for line, status, reason in results],
        )  # fmt: skip
        return True


async def finish(
    conn: Connection | asyncpg.Pool, job_id: str, holder: str, failure: str | None = None
) -> None:
    """The run is over (every row has a result, or `failure` says why it stopped)."""
    await conn.execute(
        """UPDATE cohort_uploads
              SET finished_at = now(), failure = $3, lease_holder = NULL, lease_until = NULL
            WHERE job_id = $1 AND lease_holder = $2 AND finished_at IS NULL""",
        job_id,
        holder,
        failure,
    )


async def get_upload(conn: Connection | asyncpg.Pool, job_id: str) -> UploadProgress | None:
    row = await conn.fetchrow(
        """SELECT u.job_id, u.upt_code, u.uploaded_by, u.file_name, u.created_at,
                  u.finished_at, u.failure, u.total,
                  count(r.status) AS done,
                  count(*) FILTER (WHERE r.status = 'accepted') AS accepted,
                  count(*) FILTER (WHERE r.status = 'already_enrolled') AS already_enrolled,
                  count(*) FILTER (WHERE r.status = 'rejected') AS rejected
             FROM cohort_uploads u LEFT JOIN cohort_upload_rows r ON r.job_id = u.job_id
            WHERE u.job_id = $1
            GROUP BY u.job_id""",
        job_id,
    )
    return None if row is None else UploadProgress.model_validate(dict(row))


async def abandoned(conn: Connection | asyncpg.Pool, job_id: str) -> bool:
    """Unfinished, and nobody's lease is running: its process stopped."""
    return bool(
        await conn.fetchval(
            """SELECT true FROM cohort_uploads WHERE job_id = $1 AND finished_at IS NULL
                 AND (lease_until IS NULL OR lease_until < now())""",
            job_id,
        )
    )


async def rejected_rows(conn: Connection | asyncpg.Pool, job_id: str) -> list[UploadRow]:
    found = await conn.fetch(
        """SELECT line, inmate_sdp_no, programme_code, reason, status, result_reason
             FROM cohort_upload_rows WHERE job_id = $1 AND status = 'rejected' ORDER BY line""",
        job_id,
    )
    return [UploadRow(*r.values()) for r in found]
