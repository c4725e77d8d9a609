"""Custody events from the journey page (Debian's Chromium): a caseworker of the inmate's UPT
records a transfer and sees it in the UPT history; a caseworker of another UPT is refused,
and so is the first once the inmate is held elsewhere. axe checks the page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import BrowserContext, expect

from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.web.conftest import Workspace, assert_accessible, sign_in_as
from tests.web.test_sign_in import csrf_of, sign_in

JOURNEY = f"/wbp/{DEMO_ELIGIBLE}"


def _an_hour_ago() -> str:
    """As the form's datetime-local field takes it, in the display zone (WIB)."""
    return (datetime.now(ZoneInfo("Asia/Jakarta")) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


def _event_form(token: str, kind: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": token, "event_id": f"WEB-TEST-{kind}", "kind": kind,
            "occurred_at": _an_hour_ago(), "note": "uji", **fields}  # fmt: skip


async def test_a_caseworker_records_a_transfer_of_an_inmate_of_their_upt(
    workspace: Workspace, context: BrowserContext
) -> None:
    api = workspace.api
    case_id = await flows.request(api, DEMO_ELIGIBLE)  # the journey starts with it
    await api.settled(case_id)

    # A caseworker of LP-SALEMBA: neither the page nor the form (the API's 403), nothing kept.
    async with workspace.client() as outsider:
        await sign_in(outsider, "eko")
        assert (await outsider.get(JOURNEY)).status_code == 403
        token = await csrf_of(outsider, "/tugas")
        form = _event_form(token, "sanction", sanction_ref="F-1")
        assert (await outsider.post(f"{JOURNEY}/peristiwa", data=form)).status_code == 403
    assert await api.pool.fetchval("SELECT count(*) FROM custody_events") == 0

    page = await context.new_page()
    await sign_in_as(page, workspace.url, "ani")  # caseworker of LP-CIPINANG
    await page.goto(workspace.url + JOURNEY)
    await expect(page.get_by_test_id("journey-upt")).to_have_text("LP-CIPINANG")
    await assert_accessible(page)
    await page.check("#kind-sanction")
    await page.fill("#occurred_at", _an_hour_ago())
    await page.fill("#sanction_ref", "F-2026-017")
    await page.fill("#note", "register F")
    await page.get_by_test_id("report-event").click()
    await expect(page.get_by_role("status")).to_contain_text("Peristiwa telah dicatat")
    history = page.locator("ol.timeline")
    await expect(history).to_contain_text("Hukuman disiplin (register F)")
    await expect(history).to_contain_text("ani")

    # A transfer out of the UPT: recorded, and the reporter is told where the inmate is now
    # (the journey page is the destination's staff's from here on).
    await page.check("#kind-transfer")
    await page.fill("#occurred_at", _an_hour_ago())
    await page.select_option("#to_upt", "LP-SALEMBA")
    await page.fill("#note", "pemindahan ke Salemba")
    await page.get_by_test_id("report-event").click()
    await expect(page.get_by_test_id("moved")).to_contain_text("LP-SALEMBA")
    await assert_accessible(page)
    stored = await api.pool.fetch(
        "SELECT kind, reported_by FROM custody_events WHERE inmate_sdp_no = $1 ORDER BY 1",
        DEMO_ELIGIBLE,
    )
    assert [tuple(r) for r in stored] == [("sanction", "ani"), ("transfer", "ani")]

    # Held at LP-SALEMBA now: LP-CIPINANG's caseworker reports no more for this inmate, and
    # LP-SALEMBA's finds the whole UPT history on the journey page.
    async with workspace.client() as ani:
        await sign_in(ani, "ani")
        token = await csrf_of(ani, "/tugas")
        form = _event_form(token, "sanction_lifted", sanction_ref="F-2026-017")
        assert (await ani.post(f"{JOURNEY}/peristiwa", data=form)).status_code == 403
    assert await api.pool.fetchval("SELECT count(*) FROM custody_events") == 2
    salemba = await context.browser.new_context(locale="id-ID")  # type: ignore[union-attr]
    try:
        colleague = await salemba.new_page()
        await sign_in_as(colleague, workspace.url, "eko")
        await colleague.goto(workspace.url + JOURNEY)
        await expect(colleague.get_by_test_id("journey-upt")).to_have_text("LP-SALEMBA")
        await expect(colleague.locator("ol.timeline")).to_contain_text("LP-SALEMBA")
        await expect(colleague.locator("ol.timeline")).to_contain_text("Hukuman disiplin")
    finally:
        await salemba.close()
