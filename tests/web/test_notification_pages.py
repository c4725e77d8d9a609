"""In Debian's Chromium: the bell shows how many notifications are unread, the Notifikasi
page lists them, and marking one read (a CSRF-protected form) empties the bell; axe on the
page."""

from __future__ import annotations

from playwright.async_api import BrowserContext

from config.settings import Environment, Settings
from db import notices as notices_db
from domain.identity import Role, Scope
from notices.kinds import TASK_ASSIGNED
from tests.notify.smtp_support import smtp_server
from tests.web.conftest import Workspace, assert_accessible, sign_in_as
from workers.delivery import DeliveryWorker


async def test_the_bell_and_the_notifications_page(
    workspace: Workspace, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in_as(page, workspace.url, "budi")  # a TPP member of LP-CIPINANG
    # A task given to budi, delivered by the real delivery worker.
    pool = workspace.api.pool
    subject = "budi"  # the persona's subject
    await pool.execute(
        """INSERT INTO people (subject, display_name, registered_by) VALUES ($1, '', 'login')
           ON CONFLICT DO NOTHING""",
        subject,
    )
    await notices_db.write(
        pool, "assigned:ENR-BELL:1:1", TASK_ASSIGNED, Role.TPP_MEMBER, Scope(upt="LP-CIPINANG"),
        {"task_id": "ENR-BELL:1", "case_kind": "enrolment", "case_id": "ENR-BELL",
         "kind": "placement_review", "due_at": "2026-12-09T17:00:00+00:00"},
        recipient_subject=subject,
    )  # fmt: skip
    with smtp_server() as sink:
        worker = DeliveryWorker(pool, Settings(environment=Environment.TEST, smtp_port=sink.port),
                                "test-worker")  # fmt: skip
        assert await worker.expand_once() == 1

    await page.goto(f"{workspace.url}/tugas")
    bell = page.get_by_test_id("bell")
    await bell.get_by_test_id("unread").wait_for()
    assert await bell.get_by_test_id("unread").inner_text() == "1"
    await bell.click()
    await page.wait_for_url("**/notifikasi")
    assert await page.locator("h1").inner_text() == "Notifikasi"
    listed = page.get_by_test_id("notifications")
    assert "Tugas baru untuk Anda: Sidang TPP penempatan (ENR-BELL)" in await listed.inner_text()
    assert "10 Desember 2026 pukul 00.00 WIB" in await listed.inner_text()
    await assert_accessible(page)

    await page.get_by_role("button", name="Tandai sudah dibaca").click()
    await page.wait_for_url("**/notifikasi")
    assert await page.get_by_test_id("unread-count").inner_text() == "0 belum dibaca"
    assert await page.get_by_role("button", name="Tandai sudah dibaca").count() == 0
    await page.get_by_test_id("bell").wait_for()
    assert await page.get_by_test_id("bell").get_by_test_id("unread").count() == 0
