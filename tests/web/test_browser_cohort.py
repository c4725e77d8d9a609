"""A caseworker uploads a cohort CSV with bad rows in the browser, watches it finish and its
accepted row settle, and downloads the rejected rows."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path

from playwright.async_api import BrowserContext, FilePayload, expect

from registries.sdp_seed import DEMO_ELIGIBLE, DEMO_LOW_EDUCATION, DEMO_RELEASE_SOON
from tests.web.conftest import Workspace, assert_accessible, sign_in_as

COHORT = f"""inmate_sdp_no,programme_code,reason
{DEMO_ELIGIBLE},BARISTA,ingin bekerja
NOPE-404,BARISTA,tidak dikenal SDP
{DEMO_RELEASE_SOON},,tanpa program
{DEMO_LOW_EDUCATION},CULINARY,ditahan di UPT lain
"""
CSV = COHORT.encode()


async def test_a_caseworker_uploads_a_cohort_and_downloads_the_rejected_rows(
    workspace: Workspace, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in_as(page, workspace.url, "ani")
    await page.goto(f"{workspace.url}/kohort")
    await assert_accessible(page)
    upload: FilePayload = {"name": "kelompok.csv", "mimeType": "text/csv", "buffer": CSV}
    await page.set_input_files("#file", files=[upload])
    await page.get_by_test_id("upload").click()
    await expect(page.get_by_test_id("cohort-done")).to_contain_text(
        "1 diterima, 0 sudah terdaftar, 3 ditolak", timeout=30_000
    )
    # The accepted row settles: its enrolment and placement task are written; the bar says
    # so (a labelled <progress>) and the page stops polling.
    settled = page.get_by_label(re.compile(r"1 dari 1 baris yang diterima sudah tuntas"))
    await expect(settled).to_have_attribute("value", "1", timeout=30_000)
    await expect(settled).to_have_attribute("max", "1")
    await expect(page.get_by_test_id("cohort-settling")).to_have_text(
        "Masih diproses: 0 (belum diserahkan ke perjalanan warga binaan: 0). Ditolak kemudian: 0."
    )
    await expect(page.get_by_test_id("cohort-progress")).not_to_have_attribute(
        "hx-get", re.compile(".")
    )
    await assert_accessible(page)

    async with page.expect_download() as info:
        await page.get_by_test_id("rejected-download").click()
    download = await info.value
    assert download.suggested_filename == "kelompok.rejected.csv"
    saved = await download.path()
    text = await asyncio.to_thread(Path(saved).read_text, encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["line"], r["inmate_sdp_no"]) for r in rows] == [
        ("3", "NOPE-404"),
        ("4", DEMO_RELEASE_SOON),
        ("5", DEMO_LOW_EDUCATION),
    ]
    assert "no value for programme_code" in rows[1]["reason"]
    assert "not registered in SDP" in rows[0]["reason"] or "unknown" in rows[0]["reason"]
    assert "LP-SALEMBA" in rows[2]["reason"]
