"""Enrolling one inmate in the browser: pick an inmate of my UPT from SDP's list (searched by
SDP number), choose the programme and the reason, check the answers ("Ubah" brings the form
back with them), confirm. A confirmation sent twice starts one enrolment."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import BrowserContext, expect

from registries.sdp_seed import DEMO_ELIGIBLE, DEMO_LOW_EDUCATION, DEMO_RELEASE_SOON
from tests.web.conftest import Workspace, assert_accessible, sign_in_as
from tests.web.test_sign_in import csrf_of, sign_in

KEY = re.compile(r'name="request_key" value="([^"]+)"')


async def test_a_caseworker_picks_an_inmate_checks_the_answers_and_enrols(
    workspace: Workspace, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in_as(page, workspace.url, "ani")
    await page.goto(f"{workspace.url}/pendaftaran/baru")
    await page.fill("#cari", "CPN-2024")
    await page.get_by_role("button", name="Cari").click()
    rows = page.locator("tr[data-sdp-no]")
    listed = await rows.evaluate_all("rows => rows.map(r => r.dataset.sdpNo)")
    assert DEMO_ELIGIBLE in listed and DEMO_RELEASE_SOON in listed
    assert all(n.startswith("CPN-2024") for n in listed)  # the prefix, of my UPT only
    assert DEMO_LOW_EDUCATION not in listed  # held at LP-SALEMBA
    await assert_accessible(page)

    await page.get_by_role("link", name=DEMO_ELIGIBLE).click()
    await page.check("#programme-BARISTA")
    await page.fill("#reason", "ingin bekerja di kafe")
    await page.get_by_test_id("continue").click()
    answers = page.get_by_test_id("answers")
    await expect(page.locator("h1")).to_have_text("Periksa jawaban Anda")
    await expect(answers).to_contain_text(DEMO_ELIGIBLE)
    await expect(answers).to_contain_text("BARISTA")
    await expect(answers).to_contain_text("ingin bekerja di kafe")
    await assert_accessible(page)
    assert "kafe" not in page.url  # the reason never travels in a URL

    await page.get_by_test_id("change-reason").click()  # Ubah: the form with the answers
    await expect(page.locator("#reason")).to_have_value("ingin bekerja di kafe")
    await expect(page.locator("#programme-BARISTA")).to_be_checked()
    await page.fill("#reason", "ingin menjadi barista")
    await page.get_by_test_id("continue").click()
    await expect(answers).to_contain_text("ingin menjadi barista")
    assert await workspace.api.pool.fetchval("SELECT count(*) FROM enrolments") == 0

    await page.get_by_test_id("enrol").click()
    await page.wait_for_url(re.compile(r".*/kasus/ENR-[0-9A-F]+$"))
    case_id = page.url.rsplit("/", 1)[1]
    stored = await workspace.api.pool.fetchrow(
        "SELECT inmate_sdp_no, programme_code FROM enrolments WHERE enrolment_id = $1", case_id
    )
    assert stored is not None and tuple(stored) == (DEMO_ELIGIBLE, "BARISTA")


async def test_a_confirmation_sent_twice_starts_one_enrolment(workspace: Workspace) -> None:
    async with workspace.client() as client:
        await sign_in(client, "ani")
        token = await csrf_of(client, "/pendaftaran/baru")
        answers = {"inmate_sdp_no": DEMO_ELIGIBLE, "programme_code": "BARISTA",
                   "reason": "ingin bekerja"}  # fmt: skip
        check = await client.post(
            "/pendaftaran/baru/periksa", data={"csrf_token": token, **answers}
        )
        assert check.status_code == 200, check.text[:500]
        found = KEY.search(check.text)
        assert found is not None
        confirm = {"csrf_token": token, "request_key": found.group(1), **answers}
        first, second = await asyncio.gather(
            client.post("/pendaftaran/baru", data=confirm),
            client.post("/pendaftaran/baru", data=confirm),
        )
        assert first.status_code == second.status_code == 303, (first.text, second.text)
        assert first.headers["location"] == second.headers["location"]
        # The key is the check page's: other answers under it are refused, nothing starts.
        other = {**confirm, "reason": "alasan lain"}
        refused = await client.post("/pendaftaran/baru", data=other)
        assert refused.status_code == 409
        # Without a check page there is no confirmation.
        unchecked = await client.post("/pendaftaran/baru", data={"csrf_token": token, **answers})
        assert unchecked.status_code == 422
    assert await workspace.api.pool.fetchval("SELECT count(*) FROM enrolments") == 1
