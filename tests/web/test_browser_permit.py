"""Issue 14's browser test (Debian's Chromium, the local OIDC provider, production settings):
an employer signs in and submits an application with its documents from the form; a verifier
opens the passport scan from the task page (recorded) and asks for a revision there; the
employer revises with a replaced scan (the old version kept), pays (the test sends SIMPONI's
signed callback), and a year later (the time-skipping server's clock) files the annual report
and asks for an extension from the application's page. An employer of another NIB gets a 403
page and cannot fetch the document by id.

The steps no page of this test's people takes (the director's approval, Imigrasi's visa and
arrival) go through the API with the provider's ID tokens, as those people's systems would."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from playwright.async_api import BrowserContext, FilePayload, Page, expect
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.testing import WorkflowEnvironment

from documents.settings import DocumentSettings
from domain.clock import local_date
from tests.api import permit_flows as flows
from tests.api.flows import ok
from tests.oidc_provider import OidcProvider
from tests.temporal_support import until
from tests.web.conftest import NewContext, Workspace, assert_accessible, serve_workspace
from tests.web.test_browser_decisions import id_token, task_row
from tests.web.test_oidc_sign_in import production_like

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
# A 1x1 PNG: the passport scan the viewer shows as an image.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e0d7fe"
    "a60000000049454e44ae426082"
)


@pytest.fixture
async def portal(
    pool: asyncpg.Pool,
    time_skipping_env: WorkflowEnvironment,
    oidc_issuer: OidcProvider,
    tmp_path: Path,
) -> AsyncIterator[Workspace]:
    """Production settings on the time-skipping server: the clock runs as usual until the test
    moves it (a year, to the first annual report)."""
    oidc_issuer.set_user("hrd@pt-maju", roles=["employer"], employer_nib=flows.NIB)
    oidc_issuer.set_user("hrd@pt-lain", roles=["employer"], employer_nib=flows.OTHER_NIB)
    oidc_issuer.set_user("vera@kemnaker", roles=["kemnaker_verifier"], ministry="kemnaker")
    oidc_issuer.set_user("dina@kemnaker", roles=["kemnaker_director"], ministry="kemnaker")
    oidc_issuer.set_user("imam@imigrasi", roles=["imigrasi_officer"], ministry="imigrasi")
    oidc_issuer.set_user("audi@kemnaker", roles=["auditor"])
    key = base64.b64encode(os.urandom(32)).decode()
    documents = DocumentSettings(folder=tmp_path / "documents", key_id="k1", keys={"k1": key})
    settings = production_like(oidc_issuer, secure_cookie=True) | {"documents": documents}
    async with serve_workspace(pool, time_skipping_env, **settings) as served:
        yield served


async def sign_in_oidc(page: Page, url: str, sub: str) -> None:
    await page.goto(url)
    await page.get_by_test_id("oidc-login").click()
    await page.locator('input[name="sub"]').fill(sub)
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url(re.compile(rf"^{re.escape(url)}/(?!masuk).*"))


class People:
    """API calls as the provider's people (ID tokens: production takes no development token)."""

    def __init__(self, workspace: Workspace, oidc: OidcProvider) -> None:
        self.api = workspace.api
        self.tokens = {sub: {"Authorization": f"Bearer {id_token(oidc, sub)}"}
                       for sub in ("vera@kemnaker", "dina@kemnaker", "imam@imigrasi",
                                   "audi@kemnaker", "hrd@pt-lain")}  # fmt: skip

    async def state(self, application_id: str) -> Any:
        return await ok(await self.api.http.get(f"/permits/{application_id}/state",
                                                headers=self.tokens["audi@kemnaker"]))  # fmt: skip

    async def at(self, application_id: str, stage: str) -> Any:
        async def stored() -> tuple[Any, Any]:
            live = await self.state(application_id)
            row = await self.api.pool.fetchval(
                "SELECT stage FROM permit_applications WHERE application_id = $1", application_id
            )
            return live, row

        found = await until(stored, lambda s: s[0]["stage"] == s[1] == stage,
                            f"{application_id} at {stage}", 30)  # fmt: skip
        return found[0]

    async def decide(self, application_id: str, path: str, body: dict[str, Any], sub: str) -> Any:
        return await flows.decide(self.api, application_id, path, body, self.tokens[sub])


async def _open_task(page: Page, url: str, application_id: str) -> None:
    href = await task_row(page, url, application_id, "document_verification")
    await page.goto(url + href)


async def test_an_employer_applies_revises_pays_and_reports_and_a_verifier_reads_the_documents(
    portal: Workspace,
    oidc_issuer: OidcProvider,
    time_skipping_env: WorkflowEnvironment,
    context: BrowserContext,
    new_context: NewContext,
) -> None:
    url, pool = portal.url, portal.api.pool
    people = People(portal, oidc_issuer)

    # The employer signs in and submits from the form, with the passport scan and the CV.
    page = await context.new_page()
    await sign_in_oidc(page, url, "hrd@pt-maju")
    assert page.url.endswith("/permohonan"), "an employer lands on its applications"
    await page.get_by_test_id("new-application").click()
    await assert_accessible(page)
    await page.get_by_label("Nama jabatan", exact=True).fill("Mining engineer")
    await page.get_by_label("Jenis jabatan", exact=True).select_option("professional")
    await page.get_by_label("Lokasi kerja", exact=True).fill("Morowali, Sulawesi Tengah")
    await page.get_by_label("Jangka waktu (bulan)", exact=True).fill("24")
    await page.get_by_label("Nama sesuai paspor", exact=True).fill("Jane Doe")
    await page.get_by_label("Nomor paspor", exact=True).fill("E1234567")
    await page.get_by_label("Kewarganegaraan", exact=True).fill("AU")
    await page.get_by_label("Nama pendamping", exact=True).fill("Budi Santoso")
    await page.get_by_label("Jabatan pendamping", exact=True).fill("Junior mining engineer")
    scan: FilePayload = {"name": "paspor.png", "mimeType": "image/png", "buffer": PNG}
    await page.set_input_files("#doc_passport_scan", files=[scan])
    cv: FilePayload = {"name": "riwayat hidup.pdf", "mimeType": "application/pdf", "buffer": PDF}
    await page.set_input_files("#doc_cv", files=[cv])
    await page.get_by_test_id("submit").click()
    await page.wait_for_url(re.compile(r".*/permohonan/TKA-[0-9A-F]{12}$"))
    application_id = page.url.rsplit("/", 1)[1]
    await people.at(application_id, "document_verification")
    [passport] = await pool.fetch(
        "SELECT document_id FROM documents WHERE application_id = $1 AND kind = 'passport_scan'",
        application_id,
    )
    passport_id = passport["document_id"]

    # The verifier reads the rule checks, opens the passport scan in the task page's viewer
    # (recorded), and asks for a revision from the same page.
    staff = await (await new_context()).new_page()
    await sign_in_oidc(staff, url, "vera@kemnaker")
    await _open_task(staff, url, application_id)
    checks = await staff.get_by_test_id("rule-checks").inner_text()
    assert "tidak termasuk jabatan tertutup" in checks and "durasi 24 bulan ≤ 24" in checks
    async with staff.expect_response(re.compile(rf".*/dokumen/{passport_id}$")) as opened:
        await staff.locator(f'a[data-document-id="{passport_id}"]').click()
    assert (await opened.value).status == 200
    frame = staff.frame(name="document-viewer")
    assert frame is not None
    await frame.wait_for_url(re.compile(rf".*/dokumen/{passport_id}$"))  # shown, not refused
    image = frame.locator("img")  # Chromium's own page for an image: it rendered
    await expect(image).to_have_count(1)
    assert await image.evaluate("img => img.naturalWidth") == 1
    openings = await pool.fetch(
        "SELECT subject, role FROM document_openings WHERE document_id = $1", passport_id
    )
    assert [(r["subject"], r["role"]) for r in openings] == [("vera@kemnaker", "kemnaker_verifier")]
    await assert_accessible(staff)
    await staff.get_by_test_id("claim").click()
    await staff.get_by_label("Minta perbaikan").check()
    await staff.get_by_label("Alasan").fill("pindaian paspor buram")
    await staff.get_by_test_id("decide").click()
    await staff.wait_for_url(re.compile(r".*/tugas\?diputuskan=1$"))
    await people.at(application_id, "revision")

    # The employer sees the reason and revises with a replaced scan; the old one is kept.
    await page.reload()
    await expect(page.get_by_test_id("revision-reason")).to_have_text("pindaian paspor buram")
    await page.select_option("#kind", "passport_scan")
    rescan: FilePayload = {"name": "paspor baru.pdf", "mimeType": "application/pdf",
                           "buffer": PDF + b"% rescanned\n"}  # fmt: skip
    await page.set_input_files("#file", files=[rescan])
    await page.fill("#revision-reason-input", "dipindai ulang 600 dpi")
    await page.get_by_role("button", name="Kirim").click()
    await page.wait_for_url(re.compile(rf".*/permohonan/{application_id}$"))
    await people.at(application_id, "document_verification")
    await page.reload()
    documents = await page.get_by_test_id("documents").inner_text()
    assert "paspor baru.pdf" in documents and "paspor.png" in documents, documents
    assert "diganti" in documents
    versions = await pool.fetch(
        """SELECT file_name, superseded_by IS NOT NULL AS replaced FROM documents
            WHERE application_id = $1 AND kind = 'passport_scan' ORDER BY uploaded_at""",
        application_id,
    )
    assert [(v["file_name"], v["replaced"]) for v in versions] == [
        ("paspor.png", True), ("paspor baru.pdf", False)
    ]  # fmt: skip

    # Another employer: a 403 page, and the document by id refused (page and API).
    stranger = await (await new_context()).new_page()
    await sign_in_oidc(stranger, url, "hrd@pt-lain")
    answer = await stranger.goto(f"{url}/permohonan/{application_id}")
    assert answer is not None and answer.status == 403
    await assert_accessible(stranger)
    answer = await stranger.goto(f"{url}/permohonan/{application_id}/dokumen/{passport_id}")
    assert answer is not None and answer.status == 403
    by_id = await portal.api.http.get(f"/documents/{passport_id}/content",
                                      headers=people.tokens["hrd@pt-lain"])  # fmt: skip
    assert by_id.status_code == 403

    # Verified and feasible; the employer sees what to pay; SIMPONI's signed callback.
    approve = {"decision": "approve", "reason": "dokumen lengkap"}
    await people.decide(application_id, "verification", approve, "vera@kemnaker")
    await people.decide(application_id, "feasibility",
                        {"decision": "feasible", "reason": "layak"}, "vera@kemnaker")  # fmt: skip
    live = await people.at(application_id, "payment")
    await page.reload()
    await expect(page.get_by_test_id("amount")).to_have_text("US$ 2.400")
    (await flows.pay(portal.api, live)).raise_for_status()
    await people.at(application_id, "rptka_approval")
    await people.decide(application_id, "rptka", approve, "dina@kemnaker")
    await people.at(application_id, "visa_decision")
    await people.decide(application_id, "visa", approve, "imam@imigrasi")
    await people.at(application_id, "awaiting_arrival")
    arrival = {"arrived_on": str(local_date(datetime.now(UTC))), "port_of_entry": "CGK"}
    await people.decide(application_id, "arrival", arrival, "imam@imigrasi")
    await people.at(application_id, "active")

    # A year on (the test server's clock): the first annual report is due; filed in the page.
    sleep = SleepRequest()
    sleep.duration.FromTimedelta(timedelta(days=367))
    await time_skipping_env.client.test_service.unlock_time_skipping_with_sleep(
        sleep, timeout=timedelta(minutes=1)
    )
    await until(lambda: people.state(application_id),
                lambda s: any(r["year"] == 1 for r in s["annual_reports"]),
                "the first annual report asked for", 30)  # fmt: skip
    await page.reload()
    await page.fill("#report-reason", "TKA bekerja sesuai rencana; pendamping dilatih")
    report: FilePayload = {"name": "laporan 2027.pdf", "mimeType": "application/pdf",
                           "buffer": PDF}  # fmt: skip
    await page.set_input_files("#report-file", files=[report])
    await page.locator("form[action$='/laporan-tahunan'] button").click()
    await page.wait_for_url(re.compile(rf".*/permohonan/{application_id}$"))
    filed = await people.state(application_id)
    assert [r["submitted_at"] is not None for r in filed["annual_reports"]] == [True]
    # The report's document went with it, and the page lists it.
    assert [d["kind"] for d in filed["annual_reports"][0]["documents"]] == ["annual_report"]
    await expect(page.get_by_test_id("documents")).to_contain_text("laporan 2027.pdf")

    # The extension without a letter (its file field left empty).

    await page.fill("#months", "12")
    await page.fill("#extension-reason", "proyek berlanjut satu tahun")
    await page.locator("form[action$='/perpanjangan'] button").click()
    await page.wait_for_url(re.compile(rf".*/permohonan/{application_id}$"))
    await expect(page.get_by_test_id("extension-step")).to_contain_text("verification")
    await assert_accessible(page)
