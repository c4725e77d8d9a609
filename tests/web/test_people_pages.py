"""The administrators' Pengguna page in Debian's Chromium (axe on the list and on the form
with its errors), and over HTTP the employer's contact page and the operator's dead letters:
each page goes through the API's own route function, so its refusals, its audit entries and
its effects are the API's."""

from __future__ import annotations

import re

from playwright.async_api import BrowserContext, Page

from config.settings import Environment, Settings
from db import notices as notices_db
from db.deliveries import reference
from domain.identity import Role, Scope
from notices.kinds import TASK_ESCALATED
from tests.notify.smtp_support import Sink, smtp_server
from tests.web.conftest import Workspace, assert_accessible, sign_in_as
from tests.web.test_sign_in import csrf_of, sign_in
from workers.delivery import DeliveryWorker


async def _field_error(page: Page, field: str) -> str:
    return await page.locator(f"#{field}-error").inner_text()


async def test_an_administrator_adds_corrects_and_deactivates_a_person(
    workspace: Workspace, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in_as(page, workspace.url, "adi")  # Kemnaker's administrator
    await page.wait_for_url("**/pengguna")  # the administrator's landing page
    assert await page.locator("h1").inner_text() == "Pengguna"
    await assert_accessible(page)

    await page.get_by_test_id("add-person").click()
    await page.wait_for_url("**/pengguna/baru")
    await page.get_by_label("ID pengguna (sub)").fill("kn-officer-9")
    await page.get_by_label("Nama").fill("Agus Salim")
    await page.get_by_label("Alamat e-mail").fill("agus@")  # not an address
    await page.locator("#role_0").select_option("kemnaker_officer")  # and no ministry
    await page.get_by_test_id("save").click()
    # The model's own messages, each beside its field and in the summary at the top.
    assert "not an e-mail address" in await _field_error(page, "email")
    assert "give scope.ministry" in await _field_error(page, "role_0")
    summary = page.locator(".error-summary")
    assert await summary.get_by_role("link").count() == 2
    await assert_accessible(page)
    assert await workspace.api.pool.fetchval("SELECT count(*) FROM people "
                                             "WHERE subject = 'kn-officer-9'") == 0  # fmt: skip

    await page.get_by_label("Alamat e-mail").fill("agus@kemnaker.go.id")
    await page.locator("#ministry_0").select_option("kemnaker")
    await page.get_by_test_id("save").click()
    await page.wait_for_url(re.compile(r".*/pengguna/kn-officer-9\?disimpan=1"))
    assert await page.get_by_test_id("saved").inner_text() == "Perubahan disimpan."

    # Roles another ministry maintains: the API's refusal, beside the roles.
    await page.locator("#role_0").select_option("imigrasi_officer")
    await page.locator("#ministry_0").select_option("imigrasi")
    await page.get_by_test_id("save").click()
    assert "outside your ministry" in await _field_error(page, "role_0")

    await page.goto(f"{workspace.url}/pengguna/kn-officer-9")
    await page.get_by_label("Alamat e-mail").fill("agus.salim@kemnaker.go.id")
    await page.get_by_test_id("save").click()
    await page.get_by_test_id("saved").wait_for()
    await page.get_by_test_id("deactivate").click()
    await page.get_by_test_id("reactivate").wait_for()
    assert await page.get_by_test_id("status").inner_text() == "Nonaktif"

    await page.goto(f"{workspace.url}/pengguna?active=false")
    listed = page.get_by_test_id("people")
    assert await listed.locator("tbody tr").count() == 1
    assert "kn-officer-9" in await listed.inner_text()

    pool = workspace.api.pool
    trail = await pool.fetch(
        "SELECT kind, actor_subject, detail::text AS detail FROM audit_entries "
        "WHERE chain_id = 'person:kn-officer-9' ORDER BY seq")  # fmt: skip
    assert [(r["kind"], r["actor_subject"]) for r in trail] == [
        ("person_added", "adi"),
        ("person_corrected", "adi"),
        ("person_deactivated", "adi"),
    ]
    assert '"fields": ["email"]' in trail[1]["detail"]  # only what changed, never its value
    assert not any("agus" in r["detail"].lower() for r in trail)


async def test_the_employer_sets_its_contact_and_the_operator_resends_a_dead_letter(
    workspace: Workspace,
) -> None:
    pool = workspace.api.pool
    async with workspace.client() as client:
        await sign_in(client, "pt-maju")
        token = await csrf_of(client, "/kontak-perusahaan")
        bad = await client.post("/kontak-perusahaan", data={"csrf_token": token, "email": "x@"})
        assert bad.status_code == 422 and 'id="email-error"' in bad.text
        assert "not an e-mail address" in bad.text
        forged = await client.post("/kontak-perusahaan", data={"email": "hrd@maju.co.id"})
        assert forged.status_code == 403  # no CSRF token
        saved = await client.post("/kontak-perusahaan", data={
            "csrf_token": token, "email": "hrd@maju.co.id"}, follow_redirects=True)  # fmt: skip
        assert "Alamat kontak disimpan." in saved.text and "hrd@maju.co.id" in saved.text
    stored = await pool.fetchval(
        "SELECT email FROM employer_contacts WHERE employer_nib = '9120001234567'"
    )
    assert stored == "hrd@maju.co.id"

    # An escalation nobody holds goes to the fallback address, which the SMTP server refuses.
    await notices_db.write(
        pool, "escalation:ENR-DEAD:1", TASK_ESCALATED, Role.SUPERVISOR, Scope(upt="LP-X"),
        {"task_id": "ENR-DEAD:1", "case_kind": "enrolment", "case_id": "ENR-DEAD",
         "kind": "placement_review", "due_at": None})  # fmt: skip
    with smtp_server(Sink(refuse_with="550 5.1.1 mailbox unavailable")) as sink:
        worker = DeliveryWorker(pool, Settings(environment=Environment.TEST,
                                               smtp_port=sink.port), "w1")  # fmt: skip
        await worker.expand_once()
        await worker.send_once()
    async with workspace.client() as client:
        await sign_in(client, "ops-1")
        listed = await client.get("/operasi/surat-gagal")
        assert listed.status_code == 200 and "550 5.1.1 mailbox unavailable" in listed.text
        assert "notifikasi@" not in listed.text  # no address on the page
        delivery = await pool.fetchval("SELECT delivery_id FROM deliveries WHERE state = 'dead'")
        assert reference(delivery) in listed.text
        token = await csrf_of(client, "/operasi/surat-gagal")
        form = {"csrf_token": token, "ref": reference(delivery)}
        resent = await client.post("/operasi/surat-gagal/kirim-ulang", data=form,
                                   follow_redirects=True)  # fmt: skip
        assert "dijadwalkan untuk dikirim ulang" in resent.text
        assert "Tidak ada e-mail yang gagal." in resent.text
    with smtp_server() as sink:
        worker = DeliveryWorker(pool, Settings(environment=Environment.TEST,
                                               smtp_port=sink.port), "w1")  # fmt: skip
        await worker.send_once()
    assert [m["To"] for m in sink.accepted] == ["notifikasi@kemenimipas.go.id"]
