"""Cohort uploads live in Postgres (V16), not in one API process: a second API process shows
the progress, the results and the rejected rows of an upload the first one ran; a run whose
process stopped is taken over once its lease runs out; only the caseworkers of the upload's
UPT see it."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from db import cohort_uploads as upload_db
from registries.sdp import SdpSimulator
from registries.sdp_seed import DEMO_ELIGIBLE, DEMO_LIFE_SENTENCE
from tests.temporal_support import until
from tests.web.conftest import Workspace
from tests.web.test_sign_in import csrf_of, sign_in

CSV = f"""inmate_sdp_no,programme_code,reason
{DEMO_ELIGIBLE},BARISTA,ingin bekerja
NOPE-404,BARISTA,tidak dikenal SDP
{DEMO_LIFE_SENTENCE},,tanpa program
""".encode()
DONE = re.compile(r'data-testid="cohort-done">([^<]+)<')


@asynccontextmanager
async def another_api_process(
    workspace: Workspace, dev_env: WorkflowEnvironment, cookies: httpx.Cookies
) -> AsyncIterator[httpx.AsyncClient]:
    """A second app over the same database and Temporal (no memory shared with the first),
    with the browser's session cookie (signed with the same secret)."""
    api = workspace.api
    app = create_app(api.settings, pool=api.pool, temporal=dev_env.client,
                     sdp=SdpSimulator.default())  # fmt: skip
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://other.test") as client,
    ):
        client.cookies.set("sinergi_session", cookies["sinergi_session"])
        yield client


async def _finished(client: httpx.AsyncClient, job: str) -> str:
    async def progress() -> str:
        answer = await client.get(f"/kohort/{job}/kemajuan")
        assert answer.status_code == 200, answer.text[:300]
        return answer.text

    text = await until(progress, lambda t: "cohort-done" in t, f"upload {job} finished", 60)
    found = DONE.search(text)
    assert found is not None
    return found.group(1)


async def test_another_api_process_shows_the_upload_and_its_rejected_rows(
    workspace: Workspace, dev_env: WorkflowEnvironment
) -> None:
    async with workspace.client() as ani:
        await sign_in(ani, "ani")
        token = await csrf_of(ani, "/kohort")
        sent = await ani.post(
            "/kohort",
            data={"csrf_token": token},
            files={"file": ("kelompok.csv", CSV, "text/csv")},
        )
        assert sent.status_code == 303
        job = sent.headers["location"].rsplit("/", 1)[1]
        async with another_api_process(workspace, dev_env, ani.cookies) as other:
            assert (
                await _finished(other, job) == "Selesai: 1 diterima, 0 sudah terdaftar, 2 ditolak."
            )
            download = await other.get(f"/kohort/{job}/ditolak.csv")
            assert download.status_code == 200
            rows = list(csv.DictReader(io.StringIO(download.text)))
            assert [(r["line"], r["inmate_sdp_no"]) for r in rows] == [
                ("3", "NOPE-404"),
                ("4", DEMO_LIFE_SENTENCE),
            ]
            assert "no value for programme_code" in rows[1]["reason"]
    stored = await workspace.api.pool.fetch(
        "SELECT line, status FROM cohort_upload_rows WHERE job_id = $1 ORDER BY line", job
    )
    assert [tuple(r) for r in stored] == [(2, "accepted"), (3, "rejected"), (4, "rejected")]

    # A caseworker of another UPT, or anyone not acting as a caseworker: no such upload.
    async with workspace.client() as eko, workspace.client() as budi:
        await sign_in(eko, "eko")  # caseworker of LP-SALEMBA
        await sign_in(budi, "budi")  # TPP of LP-CIPINANG
        for client in (eko, budi):
            for path in (f"/kohort/{job}", f"/kohort/{job}/kemajuan", f"/kohort/{job}/ditolak.csv"):
                assert (await client.get(path)).status_code == 404
    # A colleague of the same UPT follows it (gita, acting as caseworker).
    async with workspace.client() as gita:
        await sign_in(gita, "gita")
        token = await csrf_of(gita, "/tugas")
        await gita.post("/sesi/peran", data={"csrf_token": token, "role": "caseworker"})
        seen = await gita.get(f"/kohort/{job}")
        assert seen.status_code == 200 and "1 diterima" in seen.text


async def test_a_run_whose_process_stopped_is_taken_over_when_its_lease_runs_out(
    workspace: Workspace,
) -> None:
    pool = workspace.api.pool
    rows = [
        upload_db.UploadRow(2, DEMO_ELIGIBLE, "BARISTA", "ingin bekerja"),
        upload_db.UploadRow(3, "NOPE-404", "BARISTA", "tidak dikenal"),
    ]
    async with pool.acquire() as conn:
        # As the upload leaves it: stored, its run holding the lease. That run's process
        # stops before sending anything; another job's run is alive and holds its lease.
        for job, lease in (("JOB-STOPPED", 0.5), ("JOB-ALIVE", 3600.0)):
            upload = upload_db.NewUpload(job_id=job, upt_code="LP-CIPINANG",
                                         uploaded_by="ani", file_name="k.csv")  # fmt: skip
            await upload_db.create_upload(conn, upload, rows)
            assert await upload_db.take_lease(conn, job, f"process-of-{job}", lease)

    async with workspace.client() as ani:
        await sign_in(ani, "ani")
        # A live run is left alone, whoever looks.
        alive = await ani.get("/kohort/JOB-ALIVE/kemajuan")
        assert alive.status_code == 200 and "cohort-done" not in alive.text
        assert len(await upload_db.pending_rows(pool, "JOB-ALIVE", 10)) == 2
        # The stopped one is taken over (after its half second) and finishes.
        assert (
            await _finished(ani, "JOB-STOPPED")
            == "Selesai: 1 diterima, 0 sudah terdaftar, 1 ditolak."
        )

    async def enrolled() -> int:  # an accepted row's read-model row lands moments later
        count: int = await pool.fetchval(
            "SELECT count(*) FROM enrolments WHERE inmate_sdp_no = $1", DEMO_ELIGIBLE
        )
        return count

    assert await until(enrolled, lambda n: n >= 1, "the resumed row's enrolment") == 1
    assert await upload_db.pending_rows(pool, "JOB-ALIVE", 10) != []  # still its own run's
