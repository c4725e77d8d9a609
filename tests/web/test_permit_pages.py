"""In Debian's Chromium: the employer's applications and an application's page. The employer
(pt-maju) sees the verifier's reason and revises with a replaced passport scan, sees what to
pay (the test sends SIMPONI's signed callback), and once the permit is active asks for an
extension and tries an annual report not yet due; the verifier (vera) reads the rule checks
and opens the document from the page (recorded); an employer of another NIB (pt-lain) gets
a 403 page for the application and the document."""

from __future__ import annotations

import re
from datetime import date

from playwright.async_api import BrowserContext, FilePayload

from tests.api import permit_flows as flows
from tests.api.flows import ok
from tests.api.permit_flows import employer, verifier
from tests.web.conftest import NewContext, Workspace, assert_accessible, sign_in_as

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


async def _upload(workspace: Workspace, kind: str, content: bytes) -> str:
    api = workspace.api
    headers = employer(api) | {"X-File-Name": f"{kind}.pdf"}
    answer = await ok(await api.http.post(f"/documents?kind={kind}", content=content,
                                          headers=headers))  # fmt: skip
    return str(answer["document_id"])


async def test_an_employer_revises_pays_and_extends_and_a_verifier_opens_the_documents(
    workspace: Workspace, context: BrowserContext, new_context: NewContext
) -> None:
    api = workspace.api
    passport = await _upload(workspace, "passport_scan", PDF)
    cv = await _upload(workspace, "cv", PDF + b"% cv\n")
    application_id = await flows.submit(api, document_ids=[passport, cv])
    await flows.settled(api, application_id)
    await flows.decide(api, application_id, "verification",
                       {"decision": "request_revision", "reason": "passport scan unreadable"},
                       verifier(api))  # fmt: skip
    await flows.at_stage(api, application_id, "revision")

    page = await context.new_page()
    await sign_in_as(page, workspace.url, "pt-maju")
    assert page.url.endswith("/permohonan"), "an employer lands on its applications"
    await page.get_by_role("link", name=application_id).click()
    assert await page.get_by_test_id("revision-reason").inner_text() == "passport scan unreadable"
    await assert_accessible(page)
    await page.select_option("#kind", "passport_scan")
    scan: FilePayload = {"name": "paspor baru.pdf", "mimeType": "application/pdf",
                         "buffer": PDF + b"% rescanned\n"}  # fmt: skip
    await page.set_input_files("#file", files=[scan])
    await page.fill("#revision-reason-input", "rescanned at 600 dpi")
    await page.get_by_role("button", name="Kirim").click()
    await page.wait_for_url(re.compile(rf".*/permohonan/{application_id}$"))
    await flows.at_stage(api, application_id, "document_verification")
    await page.reload()
    documents = await page.get_by_test_id("documents").inner_text()
    assert "paspor baru.pdf" in documents and "diganti" in documents, documents

    live = await flows.to_payment(api, application_id)
    await page.reload()
    assert await page.get_by_test_id("amount").inner_text() == "US$ 1.200"
    (await flows.pay(api, live)).raise_for_status()  # SIMPONI's callback, signed
    await flows.at_stage(api, application_id, "rptka_approval")

    # The verifier reads the rule checks and opens the passport scan from the page.
    staff = await (await new_context()).new_page()
    await sign_in_as(staff, workspace.url, "vera")
    await staff.goto(f"{workspace.url}/permohonan/{application_id}")
    checks = await staff.get_by_test_id("rule-checks").inner_text()
    assert "duration 12 months ≤ 24" in checks and "not on the closed list" in checks
    await assert_accessible(staff)
    href = await staff.locator(f'a[data-document-id="{passport}"]').get_attribute("href")
    assert href is not None
    response = await staff.context.request.get(workspace.url + href)  # the session's cookies
    assert response.status == 200 and await response.body() == PDF
    openings = await api.pool.fetch(
        "SELECT subject, role FROM document_openings WHERE document_id = $1", passport
    )
    assert [(r["subject"], r["role"]) for r in openings] == [("vera", "kemnaker_verifier")]

    # Another employer: a 403 page, and the document by id refused.
    stranger = await (await new_context()).new_page()
    await sign_in_as(stranger, workspace.url, "pt-lain")
    answer = await stranger.goto(f"{workspace.url}/permohonan/{application_id}")
    assert answer is not None and answer.status == 403
    answer = await stranger.goto(f"{workspace.url}/permohonan/{application_id}/dokumen/{passport}")
    assert answer is not None and answer.status == 403

    # Active: an extension through the form; the annual report is not due yet (a clear refusal).
    approve = {"decision": "approve", "reason": "in order"}
    await flows.decide(api, application_id, "rptka", approve, flows.director(api))
    await flows.at_stage(api, application_id, "visa_decision")
    await flows.decide(api, application_id, "visa", approve, flows.officer(api))
    await flows.at_stage(api, application_id, "awaiting_arrival")
    await flows.decide(api, application_id, "arrival",
                       {"arrived_on": str(date.today()), "port_of_entry": "CGK"},
                       flows.officer(api))  # fmt: skip
    await flows.at_stage(api, application_id, "active")
    await page.reload()
    await page.fill("#report-reason", "the first months")
    await page.locator("form[action$='/laporan-tahunan'] button").click()
    await page.wait_for_load_state()
    assert "not due yet" in await page.locator(".error-summary").inner_text()
    await page.goto(f"{workspace.url}/permohonan/{application_id}")
    await page.fill("#extension-reason", "the project runs another year")
    await page.locator("form[action$='/perpanjangan'] button").click()
    await page.wait_for_url(re.compile(rf".*/permohonan/{application_id}$"))
    assert "verification" in await page.get_by_test_id("extension-step").inner_text()
    await assert_accessible(page)
