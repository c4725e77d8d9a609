"""The attendance register in the browser: an instructor records a whole cohort's session on
one page (one submission, a result per inmate); the workflow's rules answer each line."""

from __future__ import annotations

from playwright.async_api import BrowserContext, expect

from domain.clock import jakarta_today
from registries.sdp_seed import DEMO_ELIGIBLE, DEMO_LIFE_SENTENCE
from tests.api import flows
from tests.web.conftest import Workspace, assert_accessible, sign_in_as


async def test_an_instructor_records_a_cohorts_attendance_on_one_page(
    workspace: Workspace, context: BrowserContext
) -> None:
    api = workspace.api
    cohort = {}
    for sdp_no in (DEMO_ELIGIBLE, DEMO_LIFE_SENTENCE):
        case_id = await flows.request(api, sdp_no)
        await flows.approve(api, case_id)
        await api.settled(case_id)
        cohort[sdp_no] = case_id

    page = await context.new_page()
    await sign_in_as(page, workspace.url, "indra")
    await page.goto(f"{workspace.url}/presensi?upt=LP-CIPINANG&programme=BARISTA")
    register = page.get_by_test_id("register")
    for sdp_no in cohort:
        await expect(register).to_contain_text(sdp_no)
    await assert_accessible(page)
    await page.get_by_label("Sesi ke").fill("1")
    await page.get_by_label("Tanggal sesi").fill(str(jakarta_today()))
    await page.get_by_label(f"Hadir: {DEMO_LIFE_SENTENCE}").uncheck()
    await page.get_by_test_id("save-attendance").click()

    results = page.get_by_test_id("results")
    for sdp_no in cohort:
        await expect(results.locator(f'tr[data-inmate="{sdp_no}"]')).to_contain_text("Tersimpan")
    await assert_accessible(page)
    for sdp_no, case_id in cohort.items():
        state = (await api.http.get(f"/enrolments/{case_id}/state", headers=api.auditor())).json()
        assert [(a["session_no"], a["present"]) for a in state["attendance"]] == [
            (1, sdp_no == DEMO_ELIGIBLE)
        ]

    # The same session again: each line is refused by the workflow's rule, nothing changes.
    await page.get_by_label("Sesi ke").fill("1")
    await page.get_by_test_id("save-attendance").click()
    for sdp_no in cohort:
        line = results.locator(f'tr[data-inmate="{sdp_no}"]')
        await expect(line).to_contain_text("Ditolak")
        await expect(line).to_contain_text("already recorded")
