"""In Debian's Chromium: an operator lands on Insiden, sees the open incident (the case's
kind and id, the activity, the error; no case content) and asks for its repair with the
documented action (a CSRF-protected form, the same service as `POST /incidents/{id}/retry`);
axe on the page. Nobody but an operator is let in (tests/web/test_page_matrix.py)."""

from __future__ import annotations

from playwright.async_api import BrowserContext

from db import incidents as incidents_db
from db.incidents import ActivityRef
from tests.web.conftest import Workspace, assert_accessible, sign_in_as


async def test_an_operator_sees_open_incidents_and_asks_for_the_repair(
    workspace: Workspace, context: BrowserContext
) -> None:
    pool = workspace.api.pool
    ref = ActivityRef(workflow_id="enrolment-ENR-STUCK", run_id="run-1", activity_id="7",
                      activity_type="record_enrolment_event")  # fmt: skip
    incident_id = await incidents_db.record(
        pool, ref, "CharacterNotInRepertoireError", 'invalid byte sequence in "Agus\x00"'
    )

    page = await context.new_page()
    await sign_in_as(page, workspace.url, "ops-1")
    await page.wait_for_url("**/insiden")  # the operator's landing page
    row = page.locator(f'tr[data-incident="{incident_id}"]')
    text = await row.inner_text()
    assert "ENR-STUCK" in text and "record_enrolment_event" in text
    assert "CharacterNotInRepertoireError" in text and "Agus" not in text  # no case content
    assert await page.get_by_test_id("open-count").inner_text() == "1 insiden terbuka"
    await assert_accessible(page)

    await page.get_by_test_id(f"repair-{incident_id}").click()
    await page.wait_for_url(f"**/insiden?diminta={incident_id}")
    assert str(incident_id) in await page.get_by_test_id("repair-requested").inner_text()
    assert "ops-1" in await row.inner_text()  # the repair is pending, asked for by ops-1
    stored = await pool.fetchrow(
        "SELECT repair_requested_by FROM incidents WHERE incident_id = $1", incident_id
    )
    assert stored is not None and stored["repair_requested_by"] == "ops-1"
    await assert_accessible(page)
