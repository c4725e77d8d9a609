"""The receivers' and the supervisor's landing pages in the browser: a Bapas officer lands on
Serah terima and acknowledges a release handover (the journey's own acknowledgement, the one
`POST /handovers/{id}/acknowledgement` sends); job placement is asked the consent first; a
supervisor lands on Eskalasi and reassigns an escalated task. axe checks each page."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.async_api import BrowserContext, expect

from db import tasks as task_db
from domain.identity import Role
from domain.tasks import TaskEscalation
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api import journey_flows as jf
from tests.temporal_support import until
from tests.web.conftest import Workspace, assert_accessible, sign_in_as
from tests.web.test_sign_in import sign_in


async def test_a_bapas_officer_lands_on_the_handovers_and_acknowledges_one(
    workspace: Workspace, context: BrowserContext
) -> None:
    api = workspace.api
    await flows.request(api, DEMO_ELIGIBLE)
    await jf.release(api, DEMO_ELIGIBLE, "pb", bapas=jf.HOME_BAPAS)
    handovers = {h["receiver"]: h for h in await jf.handovers_of(api, DEMO_ELIGIBLE, 2)}
    bapas_id = handovers["bapas"]["handover_id"]

    page = await context.new_page()
    await sign_in_as(page, workspace.url, "bagus")  # PK of BP-JAKBAR
    await expect(page).to_have_url(f"{workspace.url}/serah-terima")
    row = page.locator(f'tr[data-handover-id="{bapas_id}"]')
    await expect(row).to_contain_text(DEMO_ELIGIBLE)
    # Only the Bapas's own: job placement's handover is not on a PK's list.
    await expect(page.locator("tr[data-handover-id]")).to_have_count(1)
    await assert_accessible(page)

    await row.locator("a").click()
    await expect(page.get_by_role("heading", name="Paket serah terima")).to_be_visible()
    await assert_accessible(page)
    await page.get_by_test_id("acknowledge").click()  # no reason: refused, nothing sent
    await expect(page.locator(".error-summary")).to_contain_text("reason")
    assert (await jf.journey(api, DEMO_ELIGIBLE))["handovers"][0]["acknowledged_by"] is None
    await page.fill("#reason", "terdaftar sebagai Klien")
    await page.get_by_test_id("acknowledge").click()
    await expect(page.get_by_test_id("acknowledged")).to_be_visible()
    await expect(page.get_by_test_id("handover-state")).to_contain_text("bagus")

    await page.get_by_role("button", name="EN", exact=True).click()  # the same page in English
    await expect(page.locator("h1")).to_contain_text("Handover")
    await expect(page.get_by_test_id("handover-state")).to_contain_text("Acknowledged")

    stored = await flows.ok(await api.http.get(f"/handovers/{bapas_id}", headers=api.auditor()))
    assert (stored["acknowledged_by"], stored["acknowledged_role"]) == ("bagus", "bapas_officer")
    assert stored["ack_reason"] == "terdaftar sebagai Klien"

    # Job placement's officer must state the released person's consent (the API's 422).
    officer = await context.browser.new_context(locale="id-ID")  # type: ignore[union-attr]
    try:
        other = await officer.new_page()
        await sign_in_as(other, workspace.url, "dewi")
        placement_id = handovers["job_placement"]["handover_id"]
        await other.goto(f"{workspace.url}/serah-terima/{placement_id}")
        await other.fill("#reason", "diterima penempatan kerja")
        await other.get_by_test_id("acknowledge").click()
        await expect(other.locator(".error-summary")).to_contain_text("contact_consent")
        # The same acknowledgement from her task in Tugas Saya, the consent stated there.
        listed = await flows.ok(
            await api.http.get(f"/handovers/{placement_id}", headers=api.auditor())
        )
        await other.goto(f"{workspace.url}/tugas/{listed['task_id']}")
        await other.check("#contact_consent")
        await other.fill("#reason", "diterima penempatan kerja")
        await other.get_by_test_id("decide").click()
        await other.wait_for_url(f"{workspace.url}/tugas?diputuskan=1")
        # A PK never acknowledges job placement's handover: the API's 403.
        async with workspace.client() as client:
            await sign_in(client, "bagus")
            answer = await client.get(f"/serah-terima/{placement_id}")
            assert answer.status_code == 403
    finally:
        await officer.close()
    ended = await until(
        lambda: jf.journey(api, DEMO_ELIGIBLE),
        lambda v: v["journey"]["status"] == "ended",
        "the journey ended",
    )
    assert {h["acknowledged_by"] for h in ended["handovers"]} == {"bagus", "dewi"}


async def test_a_supervisor_lands_on_the_escalations_and_reassigns_one(
    workspace: Workspace, context: BrowserContext
) -> None:
    api = workspace.api
    case_id = await flows.request(api, DEMO_ELIGIBLE)
    await api.settled(case_id)
    task_id = await api.pool.fetchval(
        "SELECT task_id FROM tasks WHERE case_id = $1 AND state = 'open'", case_id
    )
    # The escalation activity's own write (the 3-working-day timer is not waited out here).
    async with api.pool.acquire() as conn:
        escalation = TaskEscalation(
            task_id=task_id, escalated_at=datetime.now(UTC), routed_to=Role.SUPERVISOR,
            message="overdue",
        )  # fmt: skip
        await task_db.escalate_task(conn, escalation)
    async with workspace.client() as client:
        await sign_in(client, "citra")  # in the directory of people from her first sign-in

    page = await context.new_page()
    await sign_in_as(page, workspace.url, "sinta")  # supervisor of LP-CIPINANG
    await expect(page).to_have_url(f"{workspace.url}/eskalasi")
    row = page.locator(f'tr[data-task-id="{task_id}"]')
    await expect(row).to_contain_text("Dieskalasi")
    await assert_accessible(page)
    await row.locator("select").select_option("citra")
    await row.get_by_role("button", name="Alihkan").click()
    await expect(page.get_by_test_id("reassigned")).to_be_visible()
    await expect(page.locator(f'tr[data-task-id="{task_id}"]')).to_contain_text("citra")
    assert await api.pool.fetchval("SELECT assignee FROM tasks WHERE task_id = $1", task_id) == (
        "citra"
    )
    await page.get_by_role("button", name="EN", exact=True).click()
    await expect(page.locator("h1")).to_have_text("Escalations")
    await expect(page.locator(f'tr[data-task-id="{task_id}"]')).to_contain_text("Escalated")
    history = await api.pool.fetchval(
        "SELECT actor_subject FROM task_history WHERE task_id = $1 AND action = 'reassigned'",
        task_id,
    )
    assert history == "sinta"
