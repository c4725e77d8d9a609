"""Every page type in Indonesian, then in English after the switch (a label of each), with
axe on the pages no other browser test visits (journey, enrol)."""

from __future__ import annotations

from playwright.async_api import BrowserContext, expect

from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.temporal_support import until
from tests.web.conftest import Workspace, assert_accessible, sign_in_as


async def test_each_page_reads_in_indonesian_and_in_english_after_the_switch(
    workspace: Workspace, context: BrowserContext
) -> None:
    api = workspace.api
    case_id = await flows.request(api, DEMO_ELIGIBLE)
    await api.settled(case_id)

    async def open_task() -> list[str]:
        rows = await api.pool.fetch("SELECT task_id FROM tasks WHERE case_id = $1", case_id)
        return [r["task_id"] for r in rows]

    task_id = (await until(open_task, bool, "the placement task"))[0]
    # (path, Indonesian heading, English heading); the caseworker reads every one but the
    # task, which is the TPP's.
    pages = [
        ("/tugas", "Tugas Saya", "My tasks"),
        (f"/kasus/{case_id}", "Pendaftaran program", "Programme enrolment"),
        (f"/wbp/{DEMO_ELIGIBLE}", "Perjalanan Warga Binaan", "Inmate journey"),
        ("/presensi?programme=BARISTA", "Daftar hadir pelatihan", "Training attendance register"),
        (f"/pendaftaran/baru?sdp_no={DEMO_ELIGIBLE}", "Daftarkan Warga Binaan ke program",
         "Enrol an inmate in a programme"),
        ("/kohort", "Pendaftaran kelompok (CSV)", "Enrol a cohort (CSV)"),
    ]  # fmt: skip
    page = await context.new_page()
    await page.goto(f"{workspace.url}/masuk")
    await expect(page.locator("h1")).to_have_text("Masuk")
    await sign_in_as(page, workspace.url, "ani")
    for path, indonesian, _ in pages:
        await page.goto(workspace.url + path)
        await expect(page.locator("h1")).to_contain_text(indonesian)
    for path in (f"/wbp/{DEMO_ELIGIBLE}", f"/pendaftaran/baru?sdp_no={DEMO_ELIGIBLE}"):
        await page.goto(workspace.url + path)
        await assert_accessible(page)

    await page.get_by_role("button", name="EN", exact=True).click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    for path, _, english in pages:
        await page.goto(workspace.url + path)
        await expect(page.locator("h1")).to_contain_text(english)
    await page.goto(f"{workspace.url}/pendaftaran/baru?sdp_no={DEMO_ELIGIBLE}")
    await expect(page.get_by_label("Reason")).to_be_visible()  # the enrol form's field

    assert context.browser is not None
    tpp = await context.browser.new_context()
    tpp_page = await tpp.new_page()
    await sign_in_as(tpp_page, workspace.url, "budi")
    await tpp_page.goto(f"{workspace.url}/tugas/{task_id}")
    await expect(tpp_page.locator("h1")).to_have_text("Sidang TPP penempatan")
    await expect(tpp_page.get_by_label("Alasan")).to_be_visible()
    await tpp_page.get_by_role("button", name="EN", exact=True).click()
    await expect(tpp_page.locator("h1")).to_have_text("Placement review (TPP)")
    await expect(tpp_page.get_by_label("Reason")).to_be_visible()
    await expect(tpp_page.get_by_label("Approve")).to_be_visible()
    await tpp.close()
